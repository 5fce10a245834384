from fastapi.testclient import TestClient


def test_townships_of_the_demo_county(api: TestClient) -> None:
    body = api.get("/api/v1/regions", params={"parent": "361126000000"}).json()
    names = {r["name"] for r in body["regions"]}
    assert len(body["regions"]) == 17
    assert {"弋江镇", "南岩街道", "三县岭镇"} <= names
    assert all(r["level"] == "township" and r["has_boundary"] for r in body["regions"])


def test_provinces_when_no_parent(api: TestClient) -> None:
    body = api.get("/api/v1/regions", params={"limit": 100}).json()
    assert len(body["regions"]) == 31
    assert body["regions"][0] == {**body["regions"][0], "code": "110000000000", "name": "北京市"}


def test_region_feature_has_boundary_and_children(api: TestClient) -> None:
    feature = api.get("/api/v1/regions/361126000000").json()
    assert feature["properties"]["name"] == "弋阳县"
    assert feature["properties"]["children"] == 17
    assert feature["geometry"]["type"] == "MultiPolygon"
    minx, miny, maxx, maxy = feature["bbox"]
    assert 117.1 < minx < maxx < 117.7 and 28.0 < miny < maxy < 28.9


def test_unknown_and_malformed_region_codes(api: TestClient) -> None:
    missing = api.get("/api/v1/regions/361126999000")
    assert missing.status_code == 404
    assert "361126999000" in missing.json()["detail"]
    bad = api.get("/api/v1/regions/36112")
    assert bad.status_code == 400
    assert bad.json()["field"] == "code" and "'36112'" in bad.json()["detail"]
    bad_parent = api.get("/api/v1/regions", params={"parent": "abc"})
    assert bad_parent.status_code == 400 and bad_parent.json()["field"] == "parent"
