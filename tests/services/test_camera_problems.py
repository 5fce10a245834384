"""Bad camera records (问题点位), each found with its reason: faults injected into good records
of the demo county, as an engineer would find them in a real archive."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text

from gridmap.core.settings import Settings
from gridmap.ops.chinacrs import wgs84_to_gcj02
from gridmap.services import cameras

COUNTY = "361126000000"


def _id(sequence: int, county: str = "361126", kind: str = "132") -> str:
    """A GB/T 28181 ID: centre 8 + industry 2 + type 3 + network 1 + serial 6 (serials from
    900000: the demo's generated cameras count from 1)."""
    return f"{county}00" + "01" + kind + "0" + f"{900_000 + sequence:06d}"


@pytest.fixture
def spot(conn: Connection) -> dict:
    row = conn.execute(
        text(
            "SELECT g.code, ST_X(ST_PointOnSurface(g.boundary)) AS lon,"
            " ST_Y(ST_PointOnSurface(g.boundary)) AS lat FROM grids g"
            " WHERE length(g.code) = 15 ORDER BY g.code LIMIT 1"
        )
    ).one()
    return {"grid": row.code, "lon": row.lon, "lat": row.lat}


def _camera(conn: Connection, lon: float, lat: float, **fields) -> int:
    values = {
        "device_id": None,
        "source": "ledger",
        "name": "test",
        "ptz_type": 3,
        "direction": 90.0,
        "height": 5.0,
        "hfov": 85.0,
        "address": None,
        "home_region": COUNTY,
        **fields,
    }
    columns = ", ".join(values)
    return conn.execute(
        text(
            f"INSERT INTO cameras ({columns}, pt, grid_code) SELECT"
            f" {', '.join(':' + c for c in values)}, p.pt,"
            " (SELECT code FROM grids g WHERE length(code) = 15 AND ST_Intersects(g.boundary,"
            " p.pt) LIMIT 1) FROM (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS pt) p"
            " RETURNING id"
        ),
        {**values, "lon": lon, "lat": lat},
    ).scalar_one()


def test_every_fault_is_found_with_its_reason(
    conn: Connection, settings: Settings, spot: dict
) -> None:
    lon, lat = spot["lon"], spot["lat"]
    good = _camera(conn, lon, lat, device_id=_id(1))
    faults = {
        "malformed_id": _camera(conn, lon + 0.001, lat, device_id="36112600A1"),
        "not_a_camera": _camera(conn, lon + 0.002, lat, device_id=_id(2, kind="118")),
        "centre_mismatch": _camera(conn, lon + 0.003, lat, device_id=_id(3, county="361127")),
        "no_direction": _camera(conn, lon + 0.004, lat, device_id=_id(4), direction=None),
        "impossible_height": _camera(conn, lon + 0.005, lat, device_id=_id(5), height=120),
        "impossible_hfov": _camera(conn, lon + 0.006, lat, device_id=_id(6), hfov=400),
        "no_position": _camera(conn, 0, 0, device_id=_id(7)),
        "swapped_lonlat": _camera(conn, lat, lon, device_id=_id(8)),
        "far_outside": _camera(conn, lon + 3, lat + 3, device_id=_id(9)),
    }
    twin = _camera(conn, lon + 0.00001, lat, device_id=_id(1))  # same ID, same spot, same way
    found = cameras.problems(conn, settings, None)
    by_record: dict[int, dict[str, str]] = {}
    for problem in found:
        by_record.setdefault(problem["id"], {})[problem["problem"]] = problem["reason"]
    for expected, record in faults.items():
        assert expected in by_record.get(record, {}), (expected, by_record.get(record))
    assert "type 118 is not a camera" in by_record[faults["not_a_camera"]]["not_a_camera"]
    assert "names county 361127" in by_record[faults["centre_mismatch"]]["centre_mismatch"]
    assert "20 digits" in by_record[faults["malformed_id"]]["malformed_id"]
    assert by_record[good] == {
        "duplicate_id": f"device ID {_id(1)} is also on record {twin}",
        "same_spot": by_record[good]["same_spot"],
    }
    assert f"record {twin}" in by_record[good]["same_spot"]
    assert "far_outside" not in by_record[faults["swapped_lonlat"]]
    # every problem found has a configured label (the engineer's page and exports show it)
    assert all(p["label"] != p["problem"] for p in found)


def test_a_position_from_a_map_app_is_recognised(
    conn: Connection, settings: Settings, spot: dict
) -> None:
    building = conn.execute(
        text("SELECT address, ST_X(pt), ST_Y(pt) FROM buildings WHERE grid_code = :g LIMIT 1"),
        {"g": spot["grid"]},
    ).one()
    gcj_lon, gcj_lat = wgs84_to_gcj02(building[1], building[2])
    record = _camera(conn, float(gcj_lon), float(gcj_lat), device_id=_id(20), address=building[0])
    fine = _camera(conn, building[1], building[2], device_id=_id(21), address=building[0])
    found = {(p["id"], p["problem"]): p["reason"] for p in cameras.problems(conn, settings, None)}
    assert "looks GCJ-02 though declared WGS84" in found[(record, "looks_gcj02")]
    assert (fine, "looks_gcj02") not in found


def test_coverage_against_an_independent_count(
    conn: Connection, settings: Settings, spot: dict
) -> None:
    """A disc of 80 m around a working camera, one faulty camera: the covered share of the grid's
    area and buildings equals what shapely/PostGIS computed directly; the working rate is 1/2."""
    conn.execute(text("DELETE FROM cameras WHERE grid_code = :g"), {"g": spot["grid"]})  # demo's
    working = _camera(conn, spot["lon"], spot["lat"], device_id=_id(30), ptz_type=1)
    _camera(conn, spot["lon"] + 0.0005, spot["lat"], device_id=_id(31), status="faulty")
    conn.execute(
        text("UPDATE cameras SET sector = ST_Buffer(pt::geography, 80)::geometry WHERE id = :id"),
        {"id": working},
    )
    result = cameras.coverage(conn, settings, spot["grid"], "grid")
    (row,) = result["groups"]
    expected = conn.execute(
        text(
            "SELECT ST_Area(ST_Intersection(c.sector, g.boundary)::geography)"
            " / ST_Area(g.boundary::geography),"
            " (SELECT count(*) FROM buildings b WHERE b.grid_code = g.code"
            "   AND ST_Intersects(c.sector, b.pt)),"
            " (SELECT count(*) FROM buildings b WHERE b.grid_code = g.code)"
            " FROM cameras c, grids g WHERE c.id = :id AND g.code = :g"
        ),
        {"id": working, "g": spot["grid"]},
    ).one()
    assert row["key"] == spot["grid"] and row["cameras"] == 2 and row["working"] == 1
    assert row["area_share"] == pytest.approx(expected[0], abs=1e-4)
    assert row["buildings_seen"] == expected[1] and row["buildings"] == expected[2]
    assert row["working_rate"] == 0.5 and row["working_met"] is False


def test_views_are_drawn_with_defaults_and_buildings_in_the_way(
    conn: Connection, settings: Settings, spot: dict
) -> None:
    """A fixed camera facing east with no field of view, height or resolution recorded: its
    view is drawn with the defaults (and says so), to the observe range (1920 px at 85°:
    1920 / (2 × 62.5 × tan 42.5°) ≈ 16.8 m), minus the shadow of a building 8 m in front of
    the other camera."""
    lon, lat = spot["lon"], spot["lat"]
    clear = _camera(conn, lon, lat, device_id=_id(40), hfov=None, height=None, direction=90.0)
    blocked = _camera(
        conn, lon, lat + 0.01, device_id=_id(41), hfov=None, height=None, direction=90.0
    )
    # a 4 m × 20 m building 8–12 m east of the second camera, across its view
    conn.execute(
        text(
            "INSERT INTO buildings (code, address, footprint, pt, grid_code) SELECT 'TEST-WALL',"
            " 'wall', ST_Multi(w), ST_PointOnSurface(w), :g FROM (SELECT ST_Transform("
            " ST_MakeEnvelope(8, -10, 12, 10, 3857), 4326) AS e) z,"
            " LATERAL (SELECT ST_Translate(e, :x - ST_X(ST_Transform(ST_SetSRID(ST_MakePoint(0, 0),"
            " 3857), 4326)), :y - ST_Y(ST_Transform(ST_SetSRID(ST_MakePoint(0, 0), 3857), 4326)))"
            " AS w) t"
        ),
        {"g": spot["grid"], "x": lon, "y": lat + 0.01},
    )
    done = cameras.draw_views(conn, settings, ids=[clear, blocked])
    assert done["cameras"] == 2 and done["defaults_used"]["hfov"] == 2
    views = {
        r.id: r
        for r in conn.execute(
            text(
                "SELECT id, sector_area_m2, sector_range_m, sector_defaults,"
                " ST_Contains(sector, ST_Project(pt::geography, 14, radians(90))::geometry)"
                " AS sees_14m_east FROM cameras WHERE id = ANY (:ids)"
            ),
            {"ids": [clear, blocked]},
        )
    }
    assert set(views[clear].sector_defaults) >= {"hfov", "height", "resolution_px"}
    assert views[clear].sector_range_m == pytest.approx(1920 / (2 * 62.5 * 0.9163), rel=0.01)
    assert views[clear].sees_14m_east is True and views[blocked].sees_14m_east is False
    assert views[blocked].sector_area_m2 < views[clear].sector_area_m2
