import math

import mapbox_vector_tile
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def test_grid_tile_holds_grids_with_popup_properties(api: TestClient) -> None:
    x, y = _tile_of(117.4, 28.4, 10)
    response = api.get(f"/tiles/grids/10/{x}/{y}.mvt")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    layer = mapbox_vector_tile.decode(response.content)["grids"]
    assert len(layer["features"]) > 5
    props = layer["features"][0]["properties"]
    assert {"code", "name", "kind", "area_km2", "township"} <= set(props)
    assert props["code"].startswith(props["township"][:9])


def test_region_tile_and_empty_tile(api: TestClient) -> None:
    x, y = _tile_of(117.4, 28.4, 8)
    regions = mapbox_vector_tile.decode(api.get(f"/tiles/regions/8/{x}/{y}.mvt").content)
    levels = {f["properties"]["level"] for f in regions["regions"]["features"]}
    assert {"county", "township"} <= levels
    far = api.get("/tiles/grids/10/0/0.mvt")
    assert far.status_code == 200 and far.content == b""


def _vertices(geometry: dict) -> int:
    def count(coords) -> int:
        return 1 if isinstance(coords[0], (int, float)) else sum(count(c) for c in coords)

    return count(geometry["coordinates"])


def test_low_zoom_tiles_are_simplified(api: TestClient, conn: Connection) -> None:
    stored = conn.execute(
        text("SELECT ST_NPoints(boundary) FROM regions WHERE code = '361126000000'")
    ).scalar_one()
    x, y = _tile_of(117.4, 28.4, 7)
    tile = mapbox_vector_tile.decode(api.get(f"/tiles/regions/7/{x}/{y}.mvt").content)
    county = next(f for f in tile["regions"]["features"] if f["properties"]["level"] == "county")
    assert 4 < _vertices(county["geometry"]) < stored / 2


def test_bad_tile_requests(api: TestClient) -> None:
    assert api.get("/tiles/nothing/1/0/0.mvt").status_code == 404
    out = api.get("/tiles/grids/3/8/0.mvt")
    assert out.status_code == 400 and "3/8/0" in out.json()["detail"]
    assert api.get("/tiles/grids/23/0/0.mvt").status_code == 400
