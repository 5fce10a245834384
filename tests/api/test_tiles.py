import math
import time

import mapbox_vector_tile
from fastapi.testclient import TestClient
from shapely.geometry import box, shape
from sqlalchemy import Connection, text

from tests.conftest import TOWNSHIP_C


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


def _centre_tile(client: TestClient, township: str, z: int) -> tuple[str, dict, str]:
    """A grid of the township, and the URL of the z tile holding its point."""
    grid = client.get("/api/v1/grids", params={"region": township, "limit": 1}).json()
    feature = client.get(f"/api/v1/grids/{grid['features'][0]['id']}").json()
    lon, lat = shape(feature["geometry"]).representative_point().coords[0]
    x, y = _tile_of(lon, lat, z)
    return feature["properties"]["code"], feature, f"/tiles/grids/{z}/{x}/{y}.mvt"


def _off_tile(client: TestClient, township: str, url: str) -> str:
    """A grid of the township whose outline does not reach the tile at ``url``."""
    z, x, y = (int(v) for v in url.removesuffix(".mvt").split("/")[-3:])
    n = 2**z
    west, east = x / n * 360 - 180, (x + 1) / n * 360 - 180
    north = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))
    south = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y + 1) / n))))
    tile = box(west, south, east, north)
    listed = client.get("/api/v1/grids", params={"region": township, "limit": 200}).json()
    return next(
        f["properties"]["code"]
        for f in listed["features"]
        if not shape(f["geometry"]).envelope.intersects(tile)
    )


def _names(response) -> dict[str, str]:
    layer = mapbox_vector_tile.decode(response.content).get("grids", {"features": []})
    return {f["properties"]["code"]: f["properties"]["name"] for f in layer["features"]}


def test_tiles_are_cached_until_a_change_reaches_them(as_user) -> None:
    """A kept tile is served (and a client's ETag answered with 304) until a grid in it is
    edited; an edit elsewhere keeps it; another jurisdiction never gets it."""
    planner = as_user("planner_c")
    code, feature, url = _centre_tile(planner, TOWNSHIP_C, 15)
    first = planner.get(url)
    again = planner.get(url, headers={"Accept-Encoding": "gzip"})
    assert again.headers["x-tile-cache"] == "hit" and again.content == first.content
    assert again.headers["content-encoding"] == "gzip"
    unchanged = planner.get(url, headers={"If-None-Match": again.headers["etag"]})
    assert unchanged.status_code == 304 and not unchanged.content

    # an edit elsewhere (a grid of the township whose box is off this tile) keeps it valid
    other = _off_tile(planner, TOWNSHIP_C, url)
    moved = planner.patch(f"/api/v1/grids/{other}", json={"name": f"远处 {time.time_ns() % 1000}"})
    assert moved.status_code == 200, moved.text
    assert planner.get(url).headers["x-tile-cache"] == "hit"

    renamed = f"缓存测试 {time.time_ns() % 100000}"
    edit = planner.patch(
        f"/api/v1/grids/{code}",
        json={"name": renamed},
        headers={"If-Match": f'"{feature["properties"]["version"]}"'},
    )
    assert edit.status_code == 200, edit.text
    after = planner.get(url, headers={"If-None-Match": again.headers["etag"]})
    assert after.status_code == 200 and after.headers["x-tile-cache"] == "miss"
    assert _names(after)[code] == renamed and after.headers["etag"] != again.headers["etag"]

    # the same tile for a township B dispatcher: their own (empty of C's grids)
    outsider = as_user("town_b").get(url)
    assert code not in _names(outsider)
