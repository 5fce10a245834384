import base64
import math
import time

import mapbox_vector_tile
from fastapi.testclient import TestClient
from shapely.geometry import box, shape
from sqlalchemy import Connection, text

from gridmap import catalog
from gridmap.services import tilesets
from tests.conftest import TOWNSHIP_A, TOWNSHIP_C

MVT = "application/vnd.mapbox-vector-tile"
WEB_MERCATOR_QUAD_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"


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


# -- what map clients add a layer from: TileJSON and OGC API – Tiles ------------------------


def _resolve(client: TestClient, template: str, tile: tuple[int, int, int], names: str = "zxy"):
    """GET a templated tile URL (absolute, on the test server) filled with z/x/y, the
    template's names for them being ``names``."""
    z, x, y = names.split() if " " in names else names
    url = template.format(**dict(zip((z, x, y), tile, strict=True)))
    assert url.startswith("http://testserver/"), url
    return client.get(url.removeprefix("http://testserver"))


def _township_centre(client: TestClient, township: str) -> tuple[float, float]:
    minx, miny, maxx, maxy = client.get(f"/api/v1/regions/{township}").json()["bbox"]
    return (minx + maxx) / 2, (miny + maxy) / 2


def test_tilejson_template_resolves_to_the_callers_tiles(as_user) -> None:
    county = as_user("dispatcher")
    answer = county.get("/tiles/grids.json")
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "private, no-cache"
    doc = answer.json()
    assert doc["tilejson"] == "3.0.0" and doc["scheme"] == "xyz"
    assert doc["tiles"] == ["http://testserver/tiles/grids/{z}/{x}/{y}.mvt"]
    assert (doc["minzoom"], doc["maxzoom"]) == (0, 18)
    layer = doc["vector_layers"][0]
    assert layer["id"] == "grids" and {"code", "name", "township", "kind"} <= set(layer["fields"])
    assert layer["fields"]["area_km2"] == "Number" and layer["fields"]["micro"] == "Boolean"

    lon, lat = _township_centre(county, TOWNSHIP_A)
    west, south, east, north = doc["bounds"]
    assert west < lon < east and south < lat < north
    x, y = _tile_of(lon, lat, 13)
    tile = _resolve(county, doc["tiles"][0], (13, x, y))
    assert tile.status_code == 200 and tile.headers["content-type"] == MVT
    features = mapbox_vector_tile.decode(tile.content)["grids"]["features"]
    assert features and all(set(f["properties"]) <= set(layer["fields"]) for f in features)


def test_tilejson_bounds_are_the_callers_scope(as_user) -> None:
    county = as_user("dispatcher").get("/tiles/grids.json").json()["bounds"]
    town = as_user("town_a").get("/tiles/grids.json").json()["bounds"]
    outline = as_user("town_a").get(f"/api/v1/regions/{TOWNSHIP_A}").json()["bbox"]
    assert county[0] <= town[0] and county[1] <= town[1]
    assert town[2] <= county[2] and town[3] <= county[3]
    assert (town[2] - town[0]) * (town[3] - town[1]) < (county[2] - county[0]) * (
        county[3] - county[1]
    )
    assert all(abs(a - b) < 0.02 for a, b in zip(town, outline, strict=True))


def test_public_tilejson_names_public_tiles_without_staff_fields(client: TestClient) -> None:
    doc = client.get("/public/tiles/grids.json").json()
    assert doc["tiles"] == ["http://testserver/public/tiles/grids/{z}/{x}/{y}.mvt"]
    fields = doc["vector_layers"][0]["fields"]
    assert "code" in fields and "kind" not in fields and "area_km2" not in fields
    lon, lat = _township_centre_public(client)
    x, y = _tile_of(lon, lat, 12)
    tile = _resolve(client, doc["tiles"][0], (12, x, y))
    features = mapbox_vector_tile.decode(tile.content)["grids"]["features"]
    assert features and all(set(f["properties"]) <= set(fields) for f in features)
    assert client.get("/public/tiles/events.json").status_code == 404
    assert client.get("/tiles/grids.json").status_code == 401
    assert client.get("/tiles").status_code == 401


def _township_centre_public(client: TestClient) -> tuple[float, float]:
    west, south, east, north = client.get("/public/tiles/regions.json").json()["bounds"]
    return (west + east) / 2, (south + north) / 2


def test_ogc_tilesets_and_tileset_metadata(as_user, client: TestClient) -> None:
    county = as_user("dispatcher")
    listed = county.get("/tiles").json()
    names = [t["links"][0]["href"].rsplit("/", 2)[-2] for t in listed["tilesets"]]
    assert {"grids", "regions", "events", "cameras"} <= set(names)
    assert all(t["dataType"] == "vector" for t in listed["tilesets"])

    tileset = county.get("/tiles/grids/WebMercatorQuad").json()
    assert tileset["tileMatrixSetURI"] == WEB_MERCATOR_QUAD_URI
    assert tileset["crs"] == "http://www.opengis.net/def/crs/EPSG/0/3857"
    item = next(link for link in tileset["links"] if link["rel"] == "item")
    assert item["type"] == MVT and item["templated"] is True
    assert item["href"].endswith("/tiles/grids/{tileMatrix}/{tileCol}/{tileRow}.mvt")
    lon, lat = _township_centre(county, TOWNSHIP_A)
    x, y = _tile_of(lon, lat, 12)
    limits = next(m for m in tileset["tileMatrixSetLimits"] if m["tileMatrix"] == "12")
    assert limits["minTileCol"] <= x <= limits["maxTileCol"]
    assert limits["minTileRow"] <= y <= limits["maxTileRow"]
    tile = _resolve(county, item["href"], (12, x, y), "tileMatrix tileCol tileRow")
    assert tile.status_code == 200 and mapbox_vector_tile.decode(tile.content)["grids"]

    scheme = next(link for link in tileset["links"] if link["rel"].endswith("tiling-scheme"))
    tms = client.get(scheme["href"].removeprefix("http://testserver")).json()
    assert tms["uri"] == WEB_MERCATOR_QUAD_URI and len(tms["tileMatrices"]) == 23
    assert tms["tileMatrices"][12]["matrixWidth"] == 4096
    described = next(link for link in tileset["links"] if link["rel"] == "describedby")
    assert county.get(described["href"].removeprefix("http://testserver")).json()["tilejson"]

    public = client.get("/public/tiles/grids/WebMercatorQuad").json()
    public_item = next(link for link in public["links"] if link["rel"] == "item")
    assert "/public/tiles/grids/" in public_item["href"]
    assert {
        t["links"][0]["href"].rsplit("/", 2)[-2]
        for t in client.get("/public/tiles").json()["tilesets"]
    } == {"grids", "regions"}


def test_department_filter_is_kept_in_the_template(api: TestClient) -> None:
    doc = api.get("/tiles/source_grids.json", params={"department": "城管"}).json()
    assert doc["tiles"][0].endswith(
        "/tiles/source_grids/{z}/{x}/{y}.mvt?department=%E5%9F%8E%E7%AE%A1"
    )
    assert api.get("/tiles/grids.json", params={"department": "城管"}).status_code == 400


def test_every_tile_layer_is_described() -> None:
    assert set(catalog.tile_layers()) <= set(tilesets.LAYERS)


def test_zoomed_out_grids_are_township_outlines(as_user, settings) -> None:
    """Below the zoom where the map shows grids, the grids layer holds the townships' outlines
    (one feature each, with the number of grids the caller sees), not thousands of grids."""
    county, town = as_user("dispatcher"), as_user("town_a")
    lon, lat = _township_centre(county, TOWNSHIP_A)
    z = settings.map.grid_min_zoom - 1
    x, y = _tile_of(lon, lat, z)
    features = mapbox_vector_tile.decode(county.get(f"/tiles/grids/{z}/{x}/{y}.mvt").content)[
        "grids"
    ]["features"]
    assert features and all(f["properties"]["level"] == "township" for f in features)
    by_code = {f["properties"]["code"]: f["properties"] for f in features}
    grids_of_a = [code for code in _codes_of(county, TOWNSHIP_A) if len(code) == 15]
    assert by_code[TOWNSHIP_A]["grids"] == len(grids_of_a) > 1

    own = mapbox_vector_tile.decode(town.get(f"/tiles/grids/{z}/{x}/{y}.mvt").content)
    assert [f["properties"]["code"] for f in own["grids"]["features"]] == [TOWNSHIP_A]
    # from the zoom the map shows grids: grids again
    x, y = _tile_of(lon, lat, z + 1)
    grids = mapbox_vector_tile.decode(county.get(f"/tiles/grids/{z + 1}/{x}/{y}.mvt").content)
    assert all("level" not in f["properties"] for f in grids["grids"]["features"])


def _codes_of(client: TestClient, township: str) -> list[str]:
    listed = client.get("/api/v1/grids", params={"region": township, "limit": 1000}).json()
    return [f["id"] for f in listed["features"]]


def test_a_key_by_basic_reads_tilejson_and_tiles_as_its_user(as_user, client) -> None:
    """QGIS's way: HTTP Basic, the user's name and a personal API key; a kept tile is not
    served once the key is revoked (the caller is checked on every tile, kept or not)."""
    town_a = as_user("town_a")
    made = town_a.post("/api/v1/auth/api-keys", json={"name": "QGIS tiles"}).json()
    token = base64.b64encode(f"town_a:{made['key']}".encode()).decode()
    qgis = {"Authorization": f"Basic {token}"}
    doc = client.get("/tiles/grids.json", headers=qgis).json()
    assert doc["bounds"] == town_a.get("/tiles/grids.json").json()["bounds"]
    lon, lat = _township_centre(town_a, TOWNSHIP_A)
    x, y = _tile_of(lon, lat, 13)
    path = doc["tiles"][0].format(z=13, x=x, y=y).removeprefix("http://testserver")
    first, again = client.get(path, headers=qgis), client.get(path, headers=qgis)
    assert first.status_code == again.status_code == 200
    assert again.headers["x-tile-cache"] == "hit" and again.content == first.content
    assert town_a.delete(f"/api/v1/auth/api-keys/{made['id']}").status_code == 204
    assert client.get(path, headers=qgis).status_code == 401
