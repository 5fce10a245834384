"""Cameras over HTTP as an engineer uses them: the archive, bad records, coverage and blind
spots, each in the caller's jurisdiction."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from gridmap.db.engine import engine_for
from tests.conftest import TOWNSHIP_A, TOWNSHIP_B


@pytest.fixture(scope="module")
def placed(database: str, settings) -> dict:
    """Two cameras in township A (one seeing 60 m round), one in B with a bad ID (committed)."""
    with engine_for(settings, database).begin() as conn:
        rows = conn.execute(
            text(
                "SELECT g.code, ST_X(ST_PointOnSurface(g.boundary)),"
                " ST_Y(ST_PointOnSurface(g.boundary)) FROM grids g WHERE length(g.code) = 15"
                " AND g.region_code IN (:a, :b) ORDER BY g.region_code DESC, g.code"
            ),
            {"a": TOWNSHIP_A, "b": TOWNSHIP_B},
        ).all()
        a = next(r for r in rows if r[0].startswith(TOWNSHIP_A[:9]))
        b = next(r for r in rows if r[0].startswith(TOWNSHIP_B[:9]))
        ids = {}
        for key, (grid, lon, lat), device, ptz in (
            ("seeing", a, "36112600011320000101", 1),
            ("faulty", (a[0], a[1] + 0.0003, a[2]), "36112600011320000102", 3),
            ("bad_id", b, "3611260001999", 3),
        ):
            ids[key] = conn.execute(
                text(
                    "INSERT INTO cameras (device_id, source, name, ptz_type, direction, pt,"
                    " grid_code, home_region, status) VALUES (:d, 'ledger', 'test', :p, 90,"
                    " ST_SetSRID(ST_MakePoint(:x, :y), 4326), :g, '361126000000', :s)"
                    " RETURNING id"
                ),
                {
                    "d": device,
                    "p": ptz,
                    "x": lon,
                    "y": lat,
                    "g": grid,
                    "s": "faulty" if key == "faulty" else "online",
                },
            ).scalar_one()
        conn.execute(
            text(
                "UPDATE cameras SET sector = ST_Buffer(pt::geography, 60)::geometry WHERE id = :i"
            ),
            {"i": ids["seeing"]},
        )
    return {"ids": ids, "grid_a": a[0]}


def test_the_archive_and_its_problems(as_user, placed: dict) -> None:
    engineer = as_user("engineer")
    listed = engineer.get("/api/v1/cameras", params={"region": TOWNSHIP_A}).json()
    assert {c["id"] for c in listed["cameras"]} >= {
        placed["ids"]["seeing"],
        placed["ids"]["faulty"],
    }
    one = engineer.get(f"/api/v1/cameras/{placed['ids']['seeing']}").json()
    assert one["view"]["type"] == "Polygon" and one["grid_code"] == placed["grid_a"]
    problems = engineer.get("/api/v1/cameras/problems").json()
    bad = [p for p in problems["problems"] if p["id"] == placed["ids"]["bad_id"]]
    assert any(p["problem"] == "malformed_id" for p in bad)
    csv = engineer.get("/api/v1/cameras/problems", params={"format": "csv"})
    assert csv.text.startswith("\ufeff记录 id,") and str(placed["ids"]["bad_id"]) in csv.text
    # a township's dispatcher has no camera rights; a planner neither
    assert as_user("town_a").get("/api/v1/cameras").status_code == 403


def test_coverage_and_blind_spots(as_user, placed: dict) -> None:
    engineer = as_user("engineer")
    coverage = engineer.get(
        "/api/v1/cameras/coverage", params={"region": TOWNSHIP_A, "group": "grid"}
    ).json()
    row = next(g for g in coverage["groups"] if g["key"] == placed["grid_a"])
    assert row["cameras"] >= 2 and row["working"] >= 1 and 0 < row["area_share"] < 1
    spots = engineer.get(
        "/api/v1/cameras/blind-spots", params={"region": TOWNSHIP_A, "limit": 50}
    ).json()
    assert spots["type"] == "FeatureCollection" and spots["features"]
    residents = [f["properties"]["residents"] for f in spots["features"]]
    assert residents == sorted(residents, reverse=True)
    assert all(f["properties"]["grid_code"].startswith(TOWNSHIP_A[:9]) for f in spots["features"])
    sheet = engineer.get(
        "/api/v1/cameras/coverage", params={"region": TOWNSHIP_A, "format": "xlsx"}
    )
    assert sheet.status_code == 200 and sheet.content[:2] == b"PK"
