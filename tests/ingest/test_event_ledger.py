"""The events ledger (事件台账): a 12345 export in UTF-8 and one in GB18030 with Chinese headers
and labels, every reject reason, a file failing half-way, the lifecycle columns of historical
records (milestones, on-time flags, history), and the departments ledger."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Connection, text

from gridmap.core import pii
from gridmap.core.access import SYSTEM, Principal
from gridmap.core.errors import InvalidInput
from gridmap.core.settings import Settings
from gridmap.db.scope import apply_scope
from gridmap.ingest import ledgers
from gridmap.ingest.report import ImportReport
from tests.conftest import TOWNSHIP_A, TOWNSHIP_B

ZONE = ZoneInfo("Asia/Shanghai")
HEADER = "source_ref,channel,category,urgency,title,lon,lat,grid,address,reported_at,reporter_phone"


def _points(conn: Connection, township: str, n: int) -> list[tuple[str, float, float]]:
    rows = conn.execute(
        text(
            "SELECT code, ST_X(p), ST_Y(p) FROM (SELECT code, ST_PointOnSurface(boundary) AS p"
            " FROM grids WHERE region_code = :t AND length(code) = 15 ORDER BY code LIMIT :n) g"
        ),
        {"t": township, "n": n},
    ).all()
    return [tuple(r) for r in rows]


def _write(folder: Path, name: str, header: str, *rows: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding=encoding)
    return path


def _rejects(path: Path) -> dict[tuple[int, str], str]:
    target = Path(str(path) + ".rejects.csv")
    if not target.exists():
        return {}
    lines = target.read_text(encoding="utf-8-sig").splitlines()[1:]
    return {(int(r[0]), r[1]): r[3] for r in csv.reader(lines)}


def _ago(days: float) -> str:
    """A local time ``days`` ago, as an export writes it (no zone)."""
    moment = datetime.now(ZONE) - timedelta(days=days)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


@pytest.fixture
def system(conn: Connection) -> Connection:
    apply_scope(conn, SYSTEM)
    return conn


@pytest.fixture
def load(system: Connection, settings: Settings) -> Callable[..., ImportReport]:
    def run(layer: str, path: Path, conn: Connection | None = None) -> ImportReport:
        return ledgers.import_ledger(conn or system, layer, path, settings)

    return run


def _event(conn: Connection, ref: str, channel: str = "hotline_12345") -> dict:
    row = conn.execute(
        text(
            "SELECT e.*, ST_X(e.pt) AS lon, ST_Y(e.pt) AS lat, d.code AS department_code"
            " FROM events e LEFT JOIN departments d ON d.id = e.department_id"
            " WHERE e.channel = :c AND e.source_ref = :r"
        ),
        {"c": channel, "r": ref},
    ).mappings()
    found = row.one_or_none()
    return dict(found) if found else {}


def _history(conn: Connection, event_id: int) -> list[tuple]:
    return [
        tuple(r)
        for r in conn.execute(
            text(
                "SELECT action, from_state, to_state, at, actor FROM event_history"
                " WHERE event_id = :e ORDER BY at, id"
            ),
            {"e": event_id},
        ).all()
    ]


def test_a_12345_export_names_each_reject(
    system: Connection, load, settings: Settings, tmp_path: Path
) -> None:
    (g1, x1, y1), (g2, x2, y2) = _points(system, TOWNSHIP_A, 2)
    address = system.execute(
        text(
            "SELECT address FROM buildings WHERE grid_code LIKE :t AND address IN (SELECT address"
            " FROM buildings GROUP BY address HAVING count(*) = 1) ORDER BY code LIMIT 1"
        ),
        {"t": TOWNSHIP_A[:9] + "%"},
    ).scalar_one()
    when = _ago(2)
    path = _write(
        tmp_path,
        "12345.csv",
        HEADER,
        f"T1,hotline_12345,exposed_garbage,,垃圾未清运,{x1},{y1},,,{when},138 1234 5678",
        f"T2,hotline_12345,streetlight,urgent,路灯不亮,,,{g2},,{when},",
        f"T3,hotline_12345,road_damage,,路面破损,,,,{address},{when},",
        f"T4,hotline_12345,unicorns,,独角兽,{x1},{y1},,,{when},",
        f"T5,hotline_12345,manhole,,井盖,100.0,40.0,,,{when},",
        f"T1,hotline_12345,manhole,,重复,{x1},{y1},,,{when},",
        f"T6,hotline_12345,manhole,,电话,{x1},{y1},,,{when},12345",
        f"T7,hotline_12345,manhole,,日期,{x1},{y1},,,2025-13-45 25:00,",
        f"T8,hotline_12345,manhole,,网格,,,{TOWNSHIP_A}999,,{when},",
        f"T9,hotline_12345,manhole,,无处,,,,无此地址,{when},",
        f"T1,grid_worker,manhole,,另一渠道,{x1},{y1},,,{when},",
    )
    report = load("events", path)
    rejects = _rejects(path)
    assert rejects[(5, "category")].startswith("unknown category unicorns (known: ")
    assert rejects[(6, "lon/lat")] == "outside every grid"
    assert rejects[(7, "source_ref")] == (
        "duplicate reference hotline_12345 T1 in the file (first at row 2)"
    )
    assert rejects[(8, "reporter_phone")].startswith("not a mobile number")
    assert rejects[(9, "reported_at")] == (
        "2025-13-45 25:00 is not a date and time (e.g. 2025-03-01 09:30)"
    )
    assert rejects[(10, "grid")] == f"unknown grid {TOWNSHIP_A}999"
    assert rejects[(11, "lon/lat")].startswith("no coordinates: give lon and lat, a building code")
    assert (report.read, report.written, report.rejected) == (11, 4, 7)

    first = _event(system, "T1")
    assert (first["state"], first["grid_code"], first["level"]) == ("reported", g1, "village")
    assert first["deadline_step"] == "register" and first["deadline"] > first["reported_at"]
    assert first["reported_at"] == datetime.strptime(when, "%Y-%m-%d %H:%M:%S").replace(tzinfo=ZONE)
    assert first["public"] is True and first["generated"] is False
    assert first["reporter_phone_masked"] == "138****5678"
    vault = pii.vault(settings)
    assert vault.open("phone", bytes(first["reporter_phone_cipher"])) == "13812345678"
    assert bytes(first["reporter_phone_hash"]) == vault.lookup_hash("phone", "13812345678")
    assert _history(system, first["id"]) == [
        ("report", None, "reported", first["reported_at"], "cli")
    ]
    detail = system.execute(
        text("SELECT detail FROM event_history WHERE event_id = :e"), {"e": first["id"]}
    ).scalar_one()
    assert (detail["channel"], detail["imported"]) == ("hotline_12345", "12345.csv")
    assert datetime.fromisoformat(detail["deadline"]) == first["deadline"]  # the next step's
    named = _event(system, "T2")
    assert (named["grid_code"], named["lon"], named["urgency"]) == (g2, None, "urgent")
    # an urgent event is registered within 2 natural hours
    assert named["deadline"] - named["reported_at"] == timedelta(hours=2)
    by_address = _event(system, "T3")
    assert by_address["lon"] is not None and by_address["grid_code"].startswith(TOWNSHIP_A[:9])
    assert _event(system, "T1", "grid_worker")["public"] is False

    again = load(
        "events",
        _write(tmp_path, "again.csv", HEADER, f"T1,12345热线,manhole,,x,{x2},{y2},,,{when},"),
    )
    assert again.written == 0
    assert _rejects(tmp_path / "again.csv")[(2, "source_ref")] == (
        f"hotline_12345 T1 already imported (event {first['id']})"
    )


def test_gb18030_export_with_chinese_headers_and_labels(
    system: Connection, load, tmp_path: Path
) -> None:
    ((grid, x, y),) = _points(system, TOWNSHIP_B, 1)
    path = _write(
        tmp_path,
        "信访.csv",
        "工单编号,渠道,类别,紧急程度,标题,诉求内容,经度,纬度,受理时间,来电人,来电号码",
        f"XF-001,信访,邻里纠纷,紧急,邻居噪音扰民,夜间装修,{x},{y},{_ago(1)},张三丰,0793-5881234",
        f"XF-002,12345热线,暴露垃圾,一般,垃圾,路边,{x},{y},{_ago(1)},,",
        f"XF-003,热线,暴露垃圾,一般,未知渠道,,{x},{y},{_ago(1)},,",
        encoding="gb18030",
    )
    report = load("events", path)
    assert (report.written, report.rejected) == (2, 1)
    assert _rejects(path)[(4, "channel")].startswith("unknown channel 热线 (known: grid_worker")
    petition = _event(system, "XF-001", "petition")
    assert (petition["category"], petition["urgency"], petition["grid_code"]) == (
        "neighbour",
        "urgent",
        grid,
    )
    assert petition["reporter_name_masked"] == "张**" and petition["public"] is False
    assert petition["reporter_phone_masked"] == "079****1234"
    assert _event(system, "XF-002")["category"] == "exposed_garbage"


def test_rows_outside_the_callers_jurisdiction_are_rejected(
    app_conn: Connection, system: Connection, settings: Settings, tmp_path: Path
) -> None:
    """A township B dispatcher importing events of township A: by point, by grid, and a
    reference already imported there (a committed demo event they cannot see)."""
    apply_scope(
        app_conn,
        Principal(
            "town_b", "dispatcher", TOWNSHIP_B[:9], frozenset({"events:read", "events:write"})
        ),
    )
    ((grid_a, xa, ya),) = _points(system, TOWNSHIP_A, 1)
    ((_, xb, yb),) = _points(system, TOWNSHIP_B, 1)
    channel, ref = system.execute(
        text(
            "SELECT channel, source_ref FROM events WHERE grid_code LIKE :t AND generated"
            " ORDER BY id LIMIT 1"
        ),
        {"t": TOWNSHIP_A[:9] + "%"},
    ).one()
    when = _ago(1)
    path = _write(
        tmp_path,
        "b.csv",
        "source_ref,channel,category,title,lon,lat,grid,reported_at",
        f"B1,hotline_12345,manhole,在A镇,{xa},{ya},,{when}",
        f"B2,hotline_12345,manhole,A镇网格,,,{grid_a},{when}",
        f"{ref},{channel},manhole,已在A镇导入,{xb},{yb},,{when}",
        f"B3,hotline_12345,manhole,在B镇,{xb},{yb},,{when}",
    )
    report = ledgers.import_ledger(app_conn, "events", path, settings)
    rejects = _rejects(path)
    assert rejects[(2, "lon/lat")].startswith(
        f"outside your jurisdiction (in grid {TOWNSHIP_A[:9]}"
    )
    assert rejects[(3, "grid")] == f"grid {grid_a} is outside your jurisdiction"
    assert rejects[(4, "source_ref")] == (
        f"{channel} {ref} was already imported in another jurisdiction"
    )
    assert (report.written, report.rejected) == (1, 3)
    reporter = app_conn.execute(
        text("SELECT reporter FROM events WHERE source_ref = 'B3'")
    ).scalar_one()
    assert reporter == "town_b"


def test_a_file_that_fails_half_way_changes_nothing(
    system: Connection, load, settings: Settings, tmp_path: Path, monkeypatch
) -> None:
    """Checked and moved in chunks of 1,000 rows: a broken line in the third chunk undoes the
    first two, which were already moved (events and their history)."""
    monkeypatch.setattr(settings.people, "import_chunk_rows", 1000)
    monkeypatch.setattr(settings.people, "import_batch_rows", 100)
    ((_, x, y),) = _points(system, TOWNSHIP_A, 1)
    counts = "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM event_history)"
    before = tuple(system.execute(text(counts)).one())
    rows = [f"H{i},hotline_12345,manhole,井盖{i},{x},{y},{_ago(3)}" for i in range(2500)]
    rows.insert(2200, "broken,row,with,far,too,many,values,here,and,more")
    path = _write(
        tmp_path, "broken.csv", "source_ref,channel,category,title,lon,lat,reported_at", *rows
    )
    with (
        pytest.raises(InvalidInput, match="row 2202: 10 values for 7 columns"),
        system.begin_nested(),
    ):
        load("events", path)
    assert tuple(system.execute(text(counts)).one()) == before


LIFECYCLE = (
    "source_ref,channel,category,urgency,title,lon,lat,reported_at,state,level,department,"
    "registered_at,dispatched_at,accepted_at,handled_at,closed_at,evaluated_at,satisfaction,"
    "reworks,returns,escalations"
)


def _at(day: str, clock: str) -> str:
    return f"{day} {clock}"


def test_lifecycle_columns_write_milestones_flags_and_history(
    system: Connection, load, tmp_path: Path
) -> None:
    """Historical records enter the loop where the export says, with the history their
    milestones imply and the on-time flags computed on the work calendar (2025-03-03 is a
    Monday; the handle step of exposed_garbage is 4 working hours, of road_damage 5 working
    days; closing takes 1 working day)."""
    ((_, x, y),) = _points(system, TOWNSHIP_A, 1)
    dept = f"{TOWNSHIP_A[:9]}-CJ"
    d = "2025-03-03"
    rows = [
        # evaluated: every step, handled within 4 working hours (09:40 → 11:00)
        f"L1,hotline_12345,exposed_garbage,normal,垃圾,{x},{y},{d} 09:00,evaluated,village,"
        f"{dept},{d} 09:10,{d} 09:30,{d} 09:40,{d} 11:00,{d} 15:00,2025-03-04 10:00,5,,,",
        # closed late: accepted Monday 09:40, handled Tuesday 15:00 (> 4 working hours)
        f"L2,hotline_12345,exposed_garbage,normal,垃圾,{x},{y},{d} 09:00,closed,township,"
        f"{dept},{d} 09:10,{d} 09:30,{d} 09:40,2025-03-04 15:00,2025-03-07 10:00,,,1,1,",
        # rejected at 10:00 (closed_at says when it ended)
        f"L3,hotline_12345,road_damage,normal,路,{x},{y},{d} 09:00,rejected,,,,,,,{d} 10:00,,,,,",
        # registered and waiting for dispatch; the state from the latest milestone
        f"L4,hotline_12345,road_damage,normal,路,{x},{y},{d} 09:00,,,,{d} 09:20,,,,,,,,,",
        # a closed event lacking what closing needs
        f"L5,hotline_12345,road_damage,normal,路,{x},{y},{d} 09:00,closed,,{dept},{d} 09:20,"
        f"{d} 09:30,,,{d} 16:00,,,,,",
        # a dispatch before its registration
        f"L6,hotline_12345,road_damage,normal,路,{x},{y},{d} 09:00,dispatched,,{dept},"
        f"{d} 10:00,{d} 09:30,,,,,,,,",
        # an unknown department; a score on an open event
        f"L7,hotline_12345,road_damage,normal,路,{x},{y},{d} 09:00,dispatched,,NOPE,"
        f"{d} 10:00,{d} 10:30,,,,,4,,,",
    ]
    path = _write(tmp_path, "history.csv", LIFECYCLE, *rows)
    report = load("events", path)
    rejects = _rejects(path)
    assert rejects[(6, "state")] == "a closed event needs accepted_at, handled_at"
    assert rejects[(7, "dispatched_at")] == (f"{d} 09:30 is before registered_at {d} 10:00")
    assert rejects[(8, "department")].startswith("unknown department NOPE")
    assert rejects[(8, "satisfaction")] == "a dispatched event has no satisfaction score yet"
    assert (report.written, report.rejected) == (4, 3)

    zone = ZONE

    def moment(text_: str) -> datetime:
        return datetime.strptime(text_, "%Y-%m-%d %H:%M").replace(tzinfo=zone)

    done = _event(system, "L1")
    assert (done["state"], done["satisfaction"], done["department_code"]) == ("evaluated", 5, dept)
    assert (done["handled_on_time"], done["closed_on_time"]) == (True, True)
    assert done["handle_deadline"] == moment(f"{d} 15:40")  # 09:40 + 4 working hours (lunch 12–14)
    assert (done["dispatches"], done["tries"], done["escalations"]) == (1, 1, 0)
    assert done["deadline"] is None and done["closed_at"] == moment(f"{d} 15:00")
    assert [h[:3] for h in _history(system, done["id"])] == [
        ("report", None, "reported"),
        ("register", "reported", "registered"),
        ("dispatch", "registered", "dispatched"),
        ("accept", "dispatched", "accepted"),
        ("report_back", "accepted", "handled"),
        ("close", "handled", "closed"),
        ("evaluate", "closed", "evaluated"),
    ]
    assert [h[3] for h in _history(system, done["id"])][-1] == moment("2025-03-04 10:00")
    # the log names the deadlines the on-time flags were judged by (KPIs recomputable from it)
    deadlines = dict(
        system.execute(
            text(
                "SELECT action, detail->>'deadline' FROM event_history WHERE event_id = :e"
                " AND detail ? 'deadline'"
            ),
            {"e": done["id"]},
        ).all()
    )
    assert datetime.fromisoformat(deadlines["accept"]) == done["handle_deadline"]
    assert datetime.fromisoformat(deadlines["report_back"]) == moment("2025-03-04 11:00")
    late = _event(system, "L2")
    assert (late["handled_on_time"], late["closed_on_time"]) == (False, False)
    assert (late["level"], late["max_level"], late["escalations"]) == ("township", "township", 1)
    assert (late["reworks"], late["returns"], late["dispatches"]) == (1, 1, 2)
    # closed: it waits for its evaluation, 3 working days from its closing (Friday 10:00)
    assert (late["deadline_step"], late["deadline"]) == ("evaluate", moment("2025-03-12 10:00"))
    rejected = _event(system, "L3")
    assert rejected["closed_at"] is None and rejected["updated_at"] == moment(f"{d} 10:00")
    assert [h[:3] for h in _history(system, rejected["id"])] == [
        ("report", None, "reported"),
        ("reject", "reported", "rejected"),
    ]
    waiting = _event(system, "L4")
    assert (waiting["state"], waiting["deadline_step"]) == ("registered", "dispatch")
    assert waiting["deadline"] == moment(f"{d} 15:20")  # 09:20 + 4 working hours
    assert waiting["department_id"] is None and waiting["dispatches"] == 0
    dispatch = system.execute(
        text(
            "SELECT h.department_id, h.detail FROM event_history h"
            " WHERE h.event_id = :e AND h.action = 'dispatch'"
        ),
        {"e": done["id"]},
    ).one()
    assert dispatch.department_id == done["department_id"] and dispatch.detail == {"unit": dept}


def test_departments_ledger_upserts_by_code(system: Connection, load, tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "departments.csv",
        "编码,名称,层级,区划代码,承办类别,电话",
        "361126-CG,县城市管理局（新名）,县（区）,361126000000,城市管理;道路破损,0793-5881234",
        f"{TOWNSHIP_A[:9]}-SW,弋江镇水务站,township,{TOWNSHIP_A},flood;disaster,",
        "X-1,未知区划,township,369999999000,,",
        "X-2,未知类别,township,361126109000,unicorns,",
        f"{TOWNSHIP_A[:9]}-SW,重复,township,{TOWNSHIP_A},,",
    )
    report = load("departments", path)
    rejects = _rejects(path)
    assert rejects[(4, "region_code")] == "unknown region 369999999000"
    assert rejects[(5, "categories")].startswith("unknown categories or groups unicorns")
    assert (
        rejects[(6, "code")] == f"duplicate code {TOWNSHIP_A[:9]}-SW in the file (first at row 3)"
    )
    assert (report.written, report.rejected) == (2, 3)
    rows = dict(
        system.execute(
            text(
                "SELECT code, (name, level, scope, categories) FROM departments"
                " WHERE code IN ('361126-CG', :sw)"
            ),
            {"sw": f"{TOWNSHIP_A[:9]}-SW"},
        ).all()
    )
    assert rows["361126-CG"] == ("县城市管理局（新名）", "county", "361126", "{urban,road_damage}")
    assert rows[f"{TOWNSHIP_A[:9]}-SW"][1:3] == ("township", TOWNSHIP_A[:9])
