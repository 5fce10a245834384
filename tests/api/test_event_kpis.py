"""KPIs of event handling, recomputed independently from the event log (each event's history
read over HTTP) with the documented cohorts, and compared with ``/api/v1/events/kpis``."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import Connection, text

from tests.conftest import TOWNSHIP_A


@pytest.fixture
def spot(conn: Connection) -> dict:
    row = conn.execute(
        text(
            "SELECT ST_X(ST_PointOnSurface(g.boundary)) AS lon,"
            " ST_Y(ST_PointOnSurface(g.boundary)) AS lat FROM grids g"
            " JOIN users u ON u.jurisdiction = g.code WHERE u.username = 'worker'"
        )
    ).one()
    return {"lon": row.lon, "lat": row.lat}


def _act(client, event_id: int, action: str, **given) -> dict:
    response = client.post(
        f"/api/v1/events/{event_id}/transitions", json={"action": action, **given}
    )
    assert response.status_code == 200, response.text
    return response.json()


def _photo(client, event_id: int) -> int:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format="PNG")
    sent = client.post(
        f"/api/v1/events/{event_id}/attachments",
        files=[("files", ("p.png", buffer.getvalue(), "image/png"))],
    )
    return sent.json()["attachments"][0]["id"]


def _walk(as_user, spot: dict) -> None:
    """A few events through different paths of the loop."""
    worker, town, dept = as_user("worker"), as_user("town_a"), as_user("dept_cg")

    def report(category: str) -> int:
        body = {"channel": "grid_worker", "category": category, "title": category, **spot}
        return worker.post("/api/v1/events", json=body).json()["id"]

    def handled(category: str) -> int:
        event = report(category)
        _act(town, event, "dispatch", unit="361126-CG")
        _act(dept, event, "accept")
        _act(dept, event, "report_back", attachments=[_photo(dept, event)])
        return event

    closed = handled("exposed_garbage")
    _act(worker, closed, "close")
    _act(town, closed, "evaluate", score=4)
    reworked = handled("road_damage")
    _act(worker, reworked, "rework", reason="still broken")
    _act(dept, reworked, "accept")
    _act(dept, reworked, "report_back", attachments=[_photo(dept, reworked)])
    _act(worker, reworked, "close")
    returned = report("streetlight")
    _act(town, returned, "dispatch", unit="361126-CG")
    _act(dept, returned, "return", reason="the power company's")
    escalated = report("illegal_parking")
    _act(town, escalated, "escalate", reason="needs the county")
    report("manhole")  # registered, waiting


def _day(moment: str) -> object:
    """The calendar day of a moment in the centre's time zone (the default's)."""
    return datetime.fromisoformat(moment).astimezone(ZoneInfo("Asia/Shanghai")).date()


def _from_log(as_user, since: datetime, until: datetime) -> dict:
    """The KPI counts of township A, from each event's history alone."""
    town = as_user("town_a")
    listed = town.get("/api/v1/events", params={"region": TOWNSHIP_A, "limit": 1000}).json()[
        "events"
    ]
    counts = dict.fromkeys(
        (
            "reported",
            "registered",
            "closed",
            "closed_on_time",
            "dispatched",
            "handled",
            "handled_on_time",
            "reworked",
            "returned",
            "same_day",
            "evaluated",
            "satisfied",
        ),
        0,
    )
    channels: dict[str, int] = {}

    def inside(moment: str | None) -> bool:
        return moment is not None and since <= datetime.fromisoformat(moment) < until

    for item in listed:
        event = town.get(f"/api/v1/events/{item['id']}").json()
        log = event["history"]
        first = {}
        deadline = None
        on_time = {}
        reworks = returns = 0
        for entry in log:
            first.setdefault(entry["action"], entry["at"])
            if entry["action"] in ("report_back", "close"):
                on_time[entry["action"]] = deadline is None or entry["at"] <= deadline
            reworks += entry["action"] == "rework"
            returns += entry["action"] == "return"
            if entry["detail"] and entry["detail"].get("deadline"):
                deadline = entry["detail"]["deadline"]
        reported = first["report"]
        if inside(reported):
            counts["reported"] += 1
            channels[event["channel"]] = channels.get(event["channel"], 0) + 1
            if "close" in first and _day(first["close"]) == _day(reported):
                counts["same_day"] += 1
        if inside(first.get("register")):
            counts["registered"] += 1
            counts["closed"] += "close" in first
            counts["closed_on_time"] += bool(on_time.get("close"))
            if event["satisfaction"] is not None:
                counts["evaluated"] += 1
                counts["satisfied"] += event["satisfaction"] >= 4
        if inside(first.get("dispatch")):
            counts["dispatched"] += 1
            counts["handled"] += "report_back" in first
            counts["handled_on_time"] += bool(on_time.get("report_back"))
            counts["reworked"] += reworks > 0
            counts["returned"] += returns > 0
    return {**counts, "intake": channels}


def test_kpis_agree_with_the_event_log(as_user, spot: dict) -> None:
    _walk(as_user, spot)
    now = datetime.now(UTC)
    since, until = now - timedelta(hours=2), now + timedelta(minutes=5)
    expected = _from_log(as_user, since, until)
    answer = as_user("town_a").get(
        "/api/v1/events/kpis",
        params={"region": TOWNSHIP_A, "from": since.isoformat(), "to": until.isoformat()},
    )
    assert answer.status_code == 200, answer.text
    (group,) = answer.json()["groups"]
    for name, value in expected.items():
        assert group[name] == value, name
    assert group["dispatched"] >= 3 and group["handled"] >= 2 and group["reworked"] >= 1
    rates = group["rates"]
    assert rates["handled"] == round(group["handled"] / group["dispatched"], 4)
    assert rates["accurate_dispatch"] == round(
        (group["dispatched"] - group["reworked"]) / group["dispatched"], 4
    )
    weights = answer.json()["weights"]
    assert group["composite"] == round(
        rates["on_time_handled"] * weights["on_time_handled"]
        + rates["closed"] * weights["closed"]
        + (1 - rates["reworked"]) * weights["not_reworked"],
        2,
    )


def test_kpis_per_department_and_as_files(as_user, spot: dict) -> None:
    _walk(as_user, spot)
    now = datetime.now(UTC)
    params = {
        "from": (now - timedelta(hours=2)).isoformat(),
        "to": (now + timedelta(hours=1)).isoformat(),
    }
    county = as_user("dispatcher")
    by_unit = county.get("/api/v1/events/kpis", params={**params, "group": "department"}).json()
    labels = {g["label"] for g in by_unit["groups"]}
    assert "县城市管理局" in labels
    sheet = county.get(
        "/api/v1/events/kpis", params={**params, "group": "region", "format": "xlsx"}
    )
    assert sheet.status_code == 200
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "编码 key" and any(r[0] == TOWNSHIP_A for r in rows[1:])
    listed = county.get("/api/v1/events/export", params={"region": TOWNSHIP_A, "format": "csv"})
    assert listed.status_code == 200 and listed.text.startswith("\ufeff编号 id,")
    bad = county.get("/api/v1/events/kpis", params={"from": params["to"], "to": params["from"]})
    assert bad.status_code == 400 and bad.json()["field"] == "to"
