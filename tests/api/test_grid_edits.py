"""Grid edits over HTTP: permissions, jurisdiction, versions, refusals, history.

These commit for real, so they edit only township C, which no other test inspects in detail.
"""

from fastapi.testclient import TestClient
from shapely.geometry import LineString, mapping, shape

from tests.conftest import TOWNSHIP_B, TOWNSHIP_C


def _first(client: TestClient, township: str) -> dict:
    body = client.get("/api/v1/grids", params={"region": township, "limit": 1}).json()
    return client.get(f"/api/v1/grids/{body['features'][0]['id']}").json()


def _line_across(feature: dict) -> dict:
    grid = shape(feature["geometry"])
    minx, _, maxx, _ = grid.bounds
    y = grid.centroid.y
    return mapping(LineString([(minx - 0.01, y), (maxx + 0.01, y)]))


def test_split_over_http_with_versions(as_user) -> None:
    planner = as_user("planner_c")
    feature = _first(planner, TOWNSHIP_C)
    code, version = feature["id"], feature["properties"]["version"]
    stale = planner.post(
        f"/api/v1/grids/{code}/split",
        json={"line": _line_across(feature)},
        headers={"If-Match": f'"{version + 5}"'},
    )
    assert stale.status_code == 409 and stale.json()["current"] == {code: version}
    response = planner.post(
        f"/api/v1/grids/{code}/split",
        json={"line": _line_across(feature), "reason": "too big", "names": ["B"]},
        headers={"If-Match": f'"{version}"'},
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["operation"] == "split" and len(result["created"]) == 1
    assert result["versions"][code] == version + 1
    new = result["created"][0]
    history = planner.get(f"/api/v1/grids/{new}/history").json()["versions"]
    assert history[-1]["lineage"] == [code] and history[-1]["changed_by"] == "planner_c"
    # the etag of the grid is its version
    assert planner.get(f"/api/v1/grids/{code}").headers["etag"] == f'"{version + 1}"'


def test_outside_jurisdiction_and_without_right(as_user) -> None:
    root = as_user("root")
    other = _first(root, TOWNSHIP_B)
    planner = as_user("planner_c")
    refused = planner.post(f"/api/v1/grids/{other['id']}/split", json={"line": _line_across(other)})
    assert refused.status_code == 404  # another township's grid does not exist for them
    viewer = as_user("viewer")
    mine = _first(viewer, TOWNSHIP_C)
    forbidden = viewer.patch(f"/api/v1/grids/{mine['id']}", json={"name": "x"})
    assert forbidden.status_code == 403 and "grids:write" in forbidden.json()["detail"]


def test_refusals_come_with_reasons(as_user) -> None:
    planner = as_user("planner_c")
    feature = _first(planner, TOWNSHIP_C)
    code = feature["id"]
    bad_line = planner.post(
        f"/api/v1/grids/{code}/split", json={"line": {"type": "Point", "coordinates": [117, 28]}}
    )
    assert bad_line.status_code == 400 and bad_line.json()["field"] == "line"
    lonely = planner.delete(f"/api/v1/grids/{code}", params={"to": code[:12] + "999"})
    assert lonely.status_code in (400, 404)
    bad_kind = planner.patch(
        f"/api/v1/grids/{code}", json={"kind": "dedicated", "purpose": "casino"}
    )
    assert bad_kind.status_code == 400 and "serves one of" in bad_kind.json()["detail"]
    far = {
        "type": "Polygon",
        "coordinates": [[[100, 10], [100.01, 10], [100.01, 10.01], [100, 10]]],
    }
    outside = planner.post("/api/v1/grids", json={"geometry": far, "name": "far away"})
    assert outside.status_code == 400, outside.text
    assert "no loaded township" in outside.json()["detail"]


# what a library says when it fails: never meant for the client
INTERNAL = ("NoneType", "attribute", "Traceback", "Exception", "/tmp/", "/var/")


def _clear(response, field: str, *words: str) -> None:
    """A 400 naming the field and what was expected, with no exception's text."""
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["field"] == field, body
    assert not any(word in body["detail"] for word in INTERNAL), body["detail"]
    for word in words:
        assert word in body["detail"], body["detail"]


def test_bad_geojson_is_refused_in_words(as_user) -> None:
    planner = as_user("planner_c")
    code = _first(planner, TOWNSHIP_C)["id"]
    empty = planner.post("/api/v1/grids", json={"geometry": {}, "name": "桃源第1网格"})
    _clear(empty, "geometry", "GeoJSON Polygon or MultiPolygon", '"coordinates"', "got {}")
    broken = {"type": "Polygon", "coordinates": [[117.2, 28.4]]}
    _clear(
        planner.post("/api/v1/grids", json={"geometry": broken, "name": "x"}),
        "geometry",
        "do not make a Polygon",
    )
    _clear(
        planner.post(f"/api/v1/grids/{code}/split", json={"line": {"type": "LineString"}}),
        "line",
        "GeoJSON LineString or MultiLineString",
    )
    _clear(
        planner.post(
            "/api/v1/divide/preview",
            json={"region": TOWNSHIP_C, "grids": 3, "points": {"features": [{"x": 1}]}},
        ),
        "points",
        "feature 1 has no geometry",
    )
    bad_points = {"type": "FeatureCollection", "features": [{"geometry": {"type": "Point"}}]}
    _clear(
        planner.post(
            "/api/v1/divide/preview",
            json={"region": TOWNSHIP_C, "grids": 3, "points": bad_points},
        ),
        "points",
        "FeatureCollection",
    )
    _clear(
        planner.post(
            "/api/v1/divide/accept",
            json={"region": TOWNSHIP_C, "proposal": {"type": "FeatureCollection"}},
        ),
        "proposal",
        "FeatureCollection",
    )


def test_point_in_time(as_user) -> None:
    viewer = as_user("viewer")
    feature = _first(viewer, TOWNSHIP_C)
    point = shape(feature["geometry"]).representative_point()
    found = viewer.get("/api/v1/grids/at", params={"lon": point.x, "lat": point.y}).json()
    assert found["code"] == feature["id"]
    before = viewer.get(
        "/api/v1/grids/at", params={"lon": point.x, "lat": point.y, "at": "2000-01-01T00:00:00Z"}
    )
    assert before.status_code == 404


def test_export_in_every_format_scoped(as_user, tmp_path) -> None:
    import geopandas as gpd

    planner = as_user("planner_c")
    listed = planner.get("/api/v1/grids", params={"limit": 1000}).json()["numberMatched"]
    for fmt, suffix in (("gpkg", ".gpkg"), ("geojson", ".geojson"), ("shp", ".shp.zip")):
        response = planner.get("/api/v1/grids/export", params={"format": fmt, "encoding": "GBK"})
        assert response.status_code == 200, response.text
        path = tmp_path / f"out{suffix}"
        path.write_bytes(response.content)
        frame = gpd.read_file(path)
        assert len(frame) == listed and frame.code.str.startswith(TOWNSHIP_C[:9]).all()
        assert frame.name.str.contains("网格").any()  # Chinese names survive (GBK .cpg too)
    csv = planner.get("/api/v1/grids/export", params={"format": "csv"})
    assert csv.text.lstrip("\ufeff").startswith("code,name") and "MULTIPOLYGON" in csv.text
