"""Merging and dividing over HTTP, as background jobs (township C only: these commit)."""

import numpy as np
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import mapping, shape

from tests.conftest import TOWNSHIP_C


def _job(client: TestClient, response) -> dict:
    assert response.status_code == 202, response.text
    job = client.get(response.json()["status"]).json()
    assert job["state"] == "done", job
    return job["result"]


def test_merge_over_http_keeps_unchanged_grids(as_user) -> None:
    planner = as_user("planner_c")
    before = planner.get("/api/v1/grids", params={"region": TOWNSHIP_C, "limit": 1000}).json()
    layer = planner.get("/api/v1/grids/export", params={"region": TOWNSHIP_C, "format": "geojson"})
    upload = planner.post(
        "/api/v1/uploads/grids",
        files={"file": ("chengguan.geojson", layer.content, "application/geo+json")},
        data={"department": "城管", "code_field": "code", "name_field": "name"},
    )
    assert _job(planner, upload)["written"] == before["numberMatched"]
    result = _job(
        planner,
        planner.post(
            "/api/v1/merges", json={"region": TOWNSHIP_C, "base": "城管", "reason": "test"}
        ),
    )
    assert result["valid"] is True
    # every grid keeps its code (cleaning may snap a vertex or two); a second run changes nothing
    assert result["written"]["inserted"] == 0 and result["written"]["removed"] == 0
    again = _job(
        planner, planner.post("/api/v1/merges", json={"region": TOWNSHIP_C, "base": "城管"})
    )
    assert again["written"]["unchanged"] == before["numberMatched"]
    merges = planner.get("/api/v1/merges", params={"region": TOWNSHIP_C}).json()["merges"]
    assert merges[0]["id"] == again["merge_id"] and merges[0]["report"]["valid"]
    csv = planner.get(f"/api/v1/merges/{result['merge_id']}/crosswalk.csv").text
    assert csv.lstrip("\ufeff").startswith("department,source_code,grid_code")
    assert csv.count("城管") >= before["numberMatched"]
    # a viewer may read reports but not merge
    viewer = as_user("viewer")
    refused = viewer.post("/api/v1/merges", json={"region": TOWNSHIP_C, "base": "城管"})
    assert refused.status_code == 403


def test_divide_preview_then_accept(as_user, api: TestClient) -> None:
    planner = as_user("planner_c")
    township = shape(api.get(f"/api/v1/regions/{TOWNSHIP_C}").json()["geometry"])
    rng = np.random.default_rng(3)
    minx, miny, maxx, maxy = township.bounds
    xy = rng.uniform((minx, miny), (maxx, maxy), size=(3000, 2))
    xy = xy[shapely.contains_xy(township, xy[:, 0], xy[:, 1])]
    points = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": mapping(shapely.Point(x, y)), "properties": {"hh": 2}}
            for x, y in xy
        ],
    }
    result = _job(
        planner,
        planner.post(
            "/api/v1/divide/preview",
            json={
                "region": TOWNSHIP_C,
                "grids": 4,
                "points": points,
                "weight": "hh",
                "block_size_m": 500,
            },
        ),
    )
    proposal = result["proposal"]
    assert len(proposal["features"]) == 4 and result["report"]["cv"] < 0.2
    accepted = planner.post(
        "/api/v1/divide/accept", json={"region": TOWNSHIP_C, "proposal": proposal}
    )
    assert accepted.status_code == 200, accepted.text
    listed = planner.get("/api/v1/grids", params={"region": TOWNSHIP_C}).json()
    assert listed["numberMatched"] == 4
    bad = planner.post(
        "/api/v1/divide/accept", json={"region": "361126109000", "proposal": proposal}
    )
    assert bad.status_code in (400, 404)
