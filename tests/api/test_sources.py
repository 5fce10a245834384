"""Uploading a department layer: a job with a status resource, rejects, jurisdiction."""

import json

import geopandas as gpd
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import Point, box

from tests.conftest import TOWNSHIP_B, TOWNSHIP_C


def _township_box(api: TestClient, township: str, shrink: float = 0.3):
    minx, miny, maxx, maxy = api.get(f"/api/v1/regions/{township}").json()["bbox"]
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    return box(cx - 0.005, cy - 0.005, cx + 0.005, cy + 0.005)


def _layer(api: TestClient, tmp_path) -> bytes:
    inside = _township_box(api, TOWNSHIP_C)
    outside = _township_box(api, TOWNSHIP_B)
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    frame = gpd.GeoDataFrame(
        {"dept_id": ["A1", "A2", "A3", "A1", "A5"], "title": ["一", "二", "三", "四", "五"]},
        geometry=[inside, outside, bowtie, inside.buffer(0.001), Point(117, 28)],
        crs="EPSG:4326",
    )
    path = tmp_path / "police.geojson"
    frame.to_file(path, engine="pyogrio")
    return path.read_bytes()


def test_upload_runs_as_a_job_with_rejects(as_user, api: TestClient, tmp_path) -> None:
    planner = as_user("planner_c")
    response = planner.post(
        "/api/v1/uploads/grids",
        files={"file": ("police.geojson", _layer(api, tmp_path), "application/geo+json")},
        data={"department": "警务", "code_field": "dept_id", "name_field": "title"},
    )
    assert response.status_code == 202, response.text
    job = planner.get(response.json()["status"]).json()
    assert job["state"] == "done", job
    result = job["result"]
    assert (result["read"], result["written"], result["rejected"]) == (5, 1, 4)
    rejects = planner.get(result["rejects"][0])
    assert rejects.status_code == 200
    text = rejects.text
    assert "outside the caller's jurisdiction" in text
    assert "invalid polygon" in text and "duplicate code: A1" in text
    assert "not a polygon (Point)" in text
    geojson = json.loads(planner.get(result["rejects"][1]).text)
    assert len(geojson["features"]) == 4
    sources = planner.get("/api/v1/sources").json()["sources"]
    assert sources[0]["department"] == "警务" and sources[0]["features_written"] == 1
    # the layer shows as vector tiles of its department
    import math

    import mapbox_vector_tile

    point = _township_box(api, TOWNSHIP_C).centroid
    n = 2**12
    x = int((point.x + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(point.y))) / math.pi) / 2 * n)
    tile = planner.get(f"/tiles/source_grids/12/{x}/{y}.mvt", params={"department": "警务"})
    features = mapbox_vector_tile.decode(tile.content)["source_grids"]["features"]
    assert [f["properties"]["source_code"] for f in features] == ["A1"]
    # someone else cannot read the job
    assert as_user("viewer").get(response.json()["status"]).status_code == 404


def test_a_file_with_nothing_usable_changes_nothing(as_user, tmp_path) -> None:
    planner = as_user("planner_c")
    before = len(planner.get("/api/v1/sources").json()["sources"])
    frame = gpd.GeoDataFrame({"x": [1]}, geometry=[Point(0, 0)], crs="EPSG:4326")
    path = tmp_path / "bad.geojson"
    frame.to_file(path, engine="pyogrio")
    response = planner.post(
        "/api/v1/uploads/grids",
        files={"file": ("bad.geojson", path.read_bytes(), "application/geo+json")},
        data={"department": "消防"},
    )
    job = planner.get(response.json()["status"]).json()
    assert job["state"] == "failed" and "no usable grid" in job["message"]
    assert len(planner.get("/api/v1/sources").json()["sources"]) == before
