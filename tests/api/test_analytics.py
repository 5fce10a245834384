"""The centre's analytics over HTTP, on the demo county's events, as a dispatcher uses them;
who may not; bad requests answered in words."""

from __future__ import annotations

import io
import math
from datetime import UTC, datetime, timedelta

import mapbox_vector_tile
from PIL import Image
from sqlalchemy import Connection, text

from tests.conftest import COUNTY, TOWNSHIP_A


def _grids(conn: Connection, prefix: str) -> int:
    return conn.execute(
        text("SELECT count(*) FROM grids WHERE length(code) = 15 AND code LIKE :p || '%'"),
        {"p": prefix},
    ).scalar_one()


def test_hot_spots_emerging_and_forecast(as_user, conn: Connection) -> None:
    centre = as_user("dispatcher")
    found = centre.get("/api/v1/analytics/hotspots", params={"region": COUNTY, "permutations": 99})
    assert found.status_code == 200, found.text
    assert found.headers["content-type"].startswith("application/geo+json")
    body = found.json()
    assert len(body["features"]) == _grids(conn, COUNTY[:6])
    assert {"code", "name", "count", "value", "z", "p", "gi_bin"} <= set(
        body["features"][0]["properties"]
    )
    assert body["events"] == sum(f["properties"]["count"] for f in body["features"])
    moran = centre.get(
        "/api/v1/analytics/hotspots",
        params={"region": TOWNSHIP_A, "method": "local_moran", "rate": "per_km2"},
    ).json()
    assert all("label" in f["properties"] for f in moran["features"])
    emerging = centre.get("/api/v1/analytics/emerging", params={"region": COUNTY}).json()
    assert len(emerging["periods"]) == 12 and emerging["features"][0]["properties"]["pattern"]
    split = (datetime.now(UTC) - timedelta(days=90)).isoformat()
    checked = centre.get("/api/v1/analytics/forecast", params={"region": COUNTY, "split": split})
    assert checked.status_code == 200, checked.text
    assert {r["method"] for r in checked.json()["comparisons"]} >= {"gi_star", "kde"}


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def test_hot_spots_as_vector_tiles(as_user, conn: Connection) -> None:
    """The tile's grids carry the same figures as the GeoJSON (computed over the region, not
    the tile); a client holding the tile gets 304."""
    centre = as_user("dispatcher")
    asked = {"region": COUNTY, "permutations": 99, "category": "exposed_garbage"}
    whole = centre.get("/api/v1/analytics/hotspots", params=asked).json()
    figures = {f["id"]: f["properties"] for f in whole["features"]}
    lon, lat = conn.execute(
        text(
            "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_PointOnSurface(boundary) AS c FROM grids"
            " WHERE length(code) = 15 AND code LIKE :p ORDER BY code LIMIT 1) t"
        ),
        {"p": TOWNSHIP_A[:9] + "%"},
    ).one()
    z, x, y = _tile_of(lon, lat, 13)
    url = f"/api/v1/analytics/hotspots/{z}/{x}/{y}.mvt"
    tile = centre.get(url, params=asked)
    assert tile.status_code == 200, tile.text
    assert tile.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    layer = mapbox_vector_tile.decode(tile.content)["hotspots"]
    assert layer["features"]
    for feature in layer["features"]:
        props = feature["properties"]
        expected = figures[props["code"]]
        assert props["gi_bin"] == expected["gi_bin"] and props["count"] == expected["count"]
        assert math.isclose(props["z"], expected["z"], rel_tol=1e-9)
    kept = centre.get(url, params=asked, headers={"If-None-Match": tile.headers["etag"]})
    assert kept.status_code == 304
    moran = centre.get(url, params={**asked, "method": "local_moran"})
    labels = {
        f["properties"]["label"]
        for f in mapbox_vector_tile.decode(moran.content)["hotspots"]["features"]
    }
    assert labels and labels <= {"HH", "LL", "HL", "LH", "not significant"}
    assert centre.get("/api/v1/analytics/hotspots/13/1/99999.mvt").status_code == 400


def test_risk_colours_are_kept_by_month(as_user) -> None:
    centre = as_user("dispatcher")
    first = centre.get("/api/v1/analytics/risk", params={"region": TOWNSHIP_A}).json()
    assert sum(first["colours"].values()) == len(first["grids"]) > 0
    grid = first["grids"][0]
    assert grid["colour"] in first["colours"] and grid["summary"]
    months = centre.get("/api/v1/analytics/risk/history", params={"grid": grid["code"]}).json()
    assert months["months"][0]["month"] == first["month"]
    assert months["months"][0]["colour"] == grid["colour"]
    sheet = centre.get("/api/v1/analytics/risk", params={"region": TOWNSHIP_A, "format": "csv"})
    assert sheet.text.startswith("\ufeff网格 grid,") and grid["code"] in sheet.text


def test_heatmap_tiles_and_legend(as_user, conn: Connection) -> None:
    centre = as_user("dispatcher")
    lon, lat = conn.execute(
        text("SELECT ST_X(pt), ST_Y(pt) FROM events WHERE pt IS NOT NULL LIMIT 1")
    ).one()
    z = 12
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    tile = centre.get(f"/api/v1/analytics/heatmap/{z}/{x}/{y}.png")
    assert tile.status_code == 200 and tile.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(tile.content))
    assert image.mode == "RGBA" and image.getextrema()[3][1] > 0  # something painted
    again = centre.get(
        f"/api/v1/analytics/heatmap/{z}/{x}/{y}.png",
        headers={"If-None-Match": tile.headers["etag"]},
    )
    assert again.status_code == 304
    legend = centre.get("/api/v1/analytics/heatmap/legend", params={"z": z}).json()
    assert legend["unit"] == "events/km²" and legend["classes"][0]["colour"].startswith("#")


def test_who_may_not_and_bad_requests(as_user) -> None:
    assert as_user("engineer").get("/api/v1/analytics/hotspots").status_code == 403
    centre = as_user("dispatcher")
    bad = centre.get("/api/v1/analytics/hotspots", params={"weights": "distance"})
    assert bad.status_code == 400 and bad.json()["field"] == "distance_m"
    naive = centre.get("/api/v1/analytics/forecast", params={"split": "2026-01-01T00:00:00"})
    assert naive.status_code == 400 and "time zone" in naive.json()["detail"]
    assert centre.get("/api/v1/analytics/hotspots", params={"region": "12"}).status_code == 400


def test_nothing_to_analyse_is_said_not_refused(as_user) -> None:
    centre = as_user("dispatcher")
    # a region holding none of the caller's grids names nothing to analyse
    elsewhere = centre.get("/api/v1/analytics/risk", params={"region": "110000000000"})
    assert elsewhere.status_code == 404 and "no grids" in elsewhere.json()["detail"]
    # no events before the split: no map to judge, and the answer says so
    early = centre.get("/api/v1/analytics/forecast", params={"split": "2000-01-01T00:00:00Z"})
    assert early.status_code == 200, early.text
    assert early.json()["train_events"] == 0 and early.json()["comparisons"] == []
    # far out a heatmap tile is wider than the widest kernel: still drawn
    world = centre.get("/api/v1/analytics/heatmap/1/1/0.png")
    assert world.status_code == 200 and world.headers["content-type"] == "image/png"
