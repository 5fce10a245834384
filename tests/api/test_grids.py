from fastapi.testclient import TestClient

from gridmap.core.codes import parse_grid_code


def test_grids_as_paged_geojson(api: TestClient) -> None:
    first = api.get("/api/v1/grids", params={"limit": 50})
    assert first.headers["content-type"].startswith("application/geo+json")
    body = first.json()
    assert body["type"] == "FeatureCollection"
    assert body["numberReturned"] == 50 == len(body["features"])
    total = body["numberMatched"]
    assert total > 200
    codes = [f["id"] for f in body["features"]]
    assert codes == sorted(codes)
    seen = set(codes)
    next_url = {link["rel"]: link["href"] for link in body["links"]}["next"]
    while next_url:
        page = api.get(next_url).json()
        seen |= {f["id"] for f in page["features"]}
        next_url = {link["rel"]: link["href"] for link in page["links"]}.get("next")
    assert len(seen) == total


def test_grid_features_carry_valid_codes_and_areas(api: TestClient) -> None:
    body = api.get("/api/v1/grids", params={"limit": 1000}).json()
    for feature in body["features"]:
        props = feature["properties"]
        parsed = parse_grid_code(props["code"], parent=props["region_code"])
        assert parsed.region_code.startswith("361126")
        assert feature["geometry"]["type"] == "MultiPolygon"
        assert 0.05 < props["area_km2"] < 50
        assert isinstance(props["generated"], bool)


def test_filter_by_region_and_bbox(api: TestClient) -> None:
    township = api.get("/api/v1/grids", params={"region": "361126109000", "limit": 1000}).json()
    assert township["numberMatched"] > 3
    assert all(f["id"].startswith("361126109") for f in township["features"])
    county = api.get("/api/v1/grids", params={"region": "361126000000"}).json()
    other = api.get("/api/v1/grids", params={"region": "110101000000"}).json()
    assert county["numberMatched"] > township["numberMatched"]
    assert other["numberMatched"] == 0
    # a small box around one grid's centre finds that grid and a few neighbours, not all
    grid = township["features"][0]
    minx, miny, maxx, maxy = api.get(f"/api/v1/grids/{grid['id']}").json()["bbox"]
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    box = f"{cx - 0.001},{cy - 0.001},{cx + 0.001},{cy + 0.001}"
    near = api.get("/api/v1/grids", params={"bbox": box}).json()
    assert 1 <= near["numberMatched"] < 10


def test_one_grid(api: TestClient) -> None:
    code = api.get("/api/v1/grids", params={"limit": 1}).json()["features"][0]["id"]
    feature = api.get(f"/api/v1/grids/{code}").json()
    assert feature["id"] == code
    assert feature["properties"]["region_name"]
    assert (
        isinstance(feature["properties"]["version"], int) and feature["properties"]["version"] >= 1
    )
    assert feature["properties"]["micro_grids"] == 0


def test_bad_parameters_name_the_parameter(api: TestClient) -> None:
    cases = {
        "bbox=1,2,3": "bbox",
        "bbox=a,b,c,d": "bbox",
        "bbox=10,10,5,5": "bbox",
        "limit=0": "limit",
        "limit=100000": "limit",
        "offset=-1": "offset",
        "region=12": "region",
    }
    for query, field in cases.items():
        response = api.get(f"/api/v1/grids?{query}")
        assert response.status_code in (400, 422), query
        assert response.json()["field"] == field, query
        assert response.json()["detail"], query


def test_unknown_and_malformed_grid_codes(api: TestClient) -> None:
    assert api.get("/api/v1/grids/361126109999").status_code == 400
    missing = api.get("/api/v1/grids/361126109000999")
    assert missing.status_code == 404
    assert "361126109000999" in missing.json()["detail"]
