"""The camera archive (一机一档) and natural villages as ledgers: Chinese columns and the ways
people write values, records kept outside every grid, every reject with its reason, a repeat
import that adds nothing, and real OpenStreetMap surveillance nodes (© OpenStreetMap
contributors, ODbL 1.0; see tests/data/SOURCE.md) moved into the demo county."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from gridmap.core.access import SYSTEM, Principal
from gridmap.core.settings import Settings
from gridmap.db.scope import apply_scope
from gridmap.ingest import ledgers
from tests.conftest import TOWNSHIP_A

OSM = Path(__file__).resolve().parents[1] / "data" / "osm_surveillance_geneva.geojson"


def _id(serial: int, county: str = "361126") -> str:
    return f"{county}0001132" + "0" + f"{serial:06d}"


def _spots(conn: Connection, n: int) -> list[tuple[str, float, float]]:
    return [
        tuple(r)
        for r in conn.execute(
            text(
                "SELECT code, ST_X(p), ST_Y(p) FROM (SELECT code, ST_PointOnSurface(boundary) AS p"
                " FROM grids WHERE region_code = :t AND length(code) = 15 ORDER BY code"
                " LIMIT :n) g"
            ),
            {"t": TOWNSHIP_A, "n": n},
        )
    ]


def _rejects(path: Path) -> dict[tuple[int, str], str]:
    lines = Path(f"{path}.rejects.csv").read_text(encoding="utf-8-sig").splitlines()[1:]
    return {(int(r[0]), r[1]): r[3] for r in csv.reader(lines)}


def _cameras(conn: Connection, source_like: str) -> dict[str, dict]:
    found = conn.execute(
        text(
            "SELECT coalesce(device_id, osm_id::text) AS key, * FROM cameras WHERE source LIKE :s"
        ),
        {"s": source_like},
    ).mappings()
    return {row["key"]: dict(row) for row in found}


def test_a_chinese_archive(conn: Connection, settings: Settings, tmp_path: Path) -> None:
    apply_scope(conn, SYSTEM)
    (g1, x1, y1), (g2, x2, y2) = _spots(conn, 2)
    far = (x1 + 3, y1 + 3)  # in no grid
    rows = [
        f"{_id(1)},东门球机,{x1},{y1},东北,球机,6 m,,在线,1080P",  # 2
        f"{_id(2)},北路枪机,{x2},{y2},90-270,枪机,4,,故障,1920x1080",  # 3
        f"{_id(3)},外地点位,{far[0]},{far[1]},180,3,5,60,离线,",  # 4: no grid, its county
        f"12345,无主点位,{far[0]},{far[1] + 0.01},180,3,5,60,在线,",  # 5: no grid, no region
        f"{_id(5)},坏方向,{x1},{y1},abc,3,5,60,在线,",  # 6
        f"{_id(6)},坏类型,{x1},{y1},10,飞碟,5,60,在线,",  # 7
        f"{_id(7)},坏高度,{x1},{y1},10,3,high,60,在线,",  # 8
        f"{_id(8)},坏状态,{x1},{y1},10,3,5,60,坏了,",  # 9
        f"123,坏编码,{x2},{y2},-90,3,5,60,在线,",  # 10: kept, a problem to report
    ]
    path = tmp_path / "cameras.csv"
    path.write_text(
        "设备编码,设备名称,经度,纬度,监控方向,摄像机类型,安装高度,水平视场角,状态,分辨率\n"
        + "\n".join(rows)
        + "\n",
        encoding="utf-8",
    )
    report = ledgers.import_ledger(conn, "cameras", path, settings)
    assert (report.read, report.written, report.rejected) == (9, 4, 5)
    rejects = _rejects(path)
    assert "names no region" in rejects[(5, "region")]
    assert "not a direction" in rejects[(6, "direction")]
    assert "unknown PTZ type 飞碟" in rejects[(7, "ptz_type")]
    assert "not a height" in rejects[(8, "height")]
    assert "unknown status 坏了" in rejects[(9, "status")]
    kept = _cameras(conn, "ledger:cameras.csv")
    dome, bullet, away, bad = kept[_id(1)], kept[_id(2)], kept[_id(3)], kept["123"]
    assert (dome["direction"], dome["ptz_type"], dome["height"]) == (45, 1, 6)
    assert dome["status"] == "online" and dome["resolution_px"] == 1920 and dome["grid_code"] == g1
    assert (bullet["direction"], bullet["hfov"], bullet["status"]) == (180, 180, "faulty")
    assert away["grid_code"] is None and away["home_region"] == "361126000000"
    assert away["status"] == "offline" and away["declared_crs"] == "EPSG:4326"
    assert bad["direction"] == 270 and bad["grid_code"] == g2

    again = ledgers.import_ledger(conn, "cameras", path, settings)
    assert again.written == 0
    assert "already camera" in _rejects(path)[(2, "device_id")]


@pytest.fixture
def osm_in_county(conn: Connection, tmp_path: Path) -> tuple[Path, dict]:
    """The 135 OSM nodes of Geneva, moved so that their middle falls in a grid of township A
    (their spread, about 20 km, keeps some outside every grid)."""
    geneva = json.loads(OSM.read_text(encoding="utf-8"))["features"]
    ((_, x, y),) = _spots(conn, 1)
    cx = sum(f["geometry"]["coordinates"][0] for f in geneva) / len(geneva)
    cy = sum(f["geometry"]["coordinates"][1] for f in geneva) / len(geneva)
    for feature in geneva:
        lon, lat = feature["geometry"]["coordinates"]
        feature["geometry"]["coordinates"] = [lon - cx + x, lat - cy + y]
    path = tmp_path / "osm.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": geneva}))
    return path, {str(f["properties"]["osm_id"]): f["properties"] for f in geneva}


def test_openstreetmap_nodes(
    app_conn: Connection, settings: Settings, osm_in_county: tuple[Path, dict]
) -> None:
    """Imported by a county engineer: nodes in no grid belong to the county; guard posts and
    fake cameras are refused; OSM's ways of writing directions and types are read."""
    path, tags = osm_in_county
    apply_scope(app_conn, Principal("e", "engineer", "361126", frozenset({"*"})))
    report = ledgers.import_ledger(app_conn, "cameras", path, settings)
    rejects = _rejects(path) if report.rejected else {}
    assert report.read == len(tags) == report.written + report.rejected
    kinds = {str(tags_of.get("surveillance")) for tags_of in tags.values()}
    assert all("not a camera" in r or "unknown PTZ type" in r for r in rejects.values()), rejects
    kept = _cameras(app_conn, "osm:%")
    assert len(kept) == report.written and any(c["grid_code"] is None for c in kept.values())
    assert {c["home_region"] for c in kept.values() if c["grid_code"] is None} == {"361126000000"}
    for osm_id, camera in kept.items():
        raw = tags[osm_id]
        if raw.get("camera:type") == "dome":
            assert camera["ptz_type"] == 1
        if raw.get("camera:type") == "fixed":
            assert camera["ptz_type"] == 3
        if raw.get("height", "").replace(".", "").isdigit():
            assert camera["height"] == pytest.approx(float(raw["height"]))
        direction = raw.get("camera:direction", "")
        if direction.isdigit():
            assert camera["direction"] == pytest.approx(float(direction) % 360)
    assert "guard" not in kinds or any("not a camera" in r for r in rejects.values())


def test_natural_villages(conn: Connection, settings: Settings, tmp_path: Path) -> None:
    apply_scope(conn, SYSTEM)
    (g1, x1, y1), _ = _spots(conn, 2)
    path = tmp_path / "villages.csv"
    path.write_text(
        "自然村编码,自然村名称,经度,纬度,行政村代码\n"
        f"NV-1,上湾,{x1},{y1},\n"
        f"NV-2,下湾,{x1},{y1},999999999999\n"
        f"NV-1,重复,{x1},{y1},\n",
        encoding="utf-8",
    )
    report = ledgers.import_ledger(conn, "natural_villages", path, settings)
    assert (report.written, report.rejected) == (1, 2)
    rejects = _rejects(path)
    assert "unknown region" in rejects[(3, "region")] and "duplicate" in rejects[(4, "code")]
    region = conn.execute(text("SELECT region_code FROM natural_villages WHERE code = 'NV-1'"))
    assert region.scalar_one() == g1[:12]
