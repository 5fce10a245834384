"""A grid worker's day over HTTP: a patrol with GPS batches (sent twice, as a phone on a bad
network does), a check-in at a must-visit point, all safe, the centre seeing where workers are,
and points with a manual adjustment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from gridmap.db.engine import engine_for


@pytest.fixture
def must_visit(database: str, settings) -> dict:
    """A must-visit place (必到点) in the worker's grid (committed: the API sees it)."""
    with engine_for(settings, database).begin() as conn:
        grid, lon, lat = conn.execute(
            text(
                "SELECT g.code, ST_X(ST_PointOnSurface(g.boundary)),"
                " ST_Y(ST_PointOnSurface(g.boundary)) FROM grids g"
                " JOIN users u ON u.jurisdiction = g.code WHERE u.username = 'worker'"
            )
        ).one()
        place = conn.execute(
            text(
                "INSERT INTO places (code, name, kind, must_visit, pt, grid_code)"
                " VALUES ('TEST-MV-' || :g, '老年活动中心', 'park', true,"
                " ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :g)"
                " ON CONFLICT (code) DO UPDATE SET must_visit = true RETURNING id"
            ),
            {"g": grid, "lon": lon, "lat": lat},
        ).scalar_one()
    return {"id": place, "grid": grid, "lon": lon, "lat": lat}


def _walk(lon: float, lat: float, start: datetime) -> list[dict]:
    """Three points walking east towards the place, the last about 5 m from it."""
    return [
        {
            "lon": lon - 0.0006 + i * 0.00028,
            "lat": lat,
            "at": (start + timedelta(minutes=i)).isoformat(),
            "accuracy": 5,
        }
        for i in range(3)
    ]


def test_a_patrol_with_batches_sent_twice_and_a_check_in(as_user, must_visit: dict) -> None:
    worker = as_user("worker")
    started = worker.post("/api/v1/patrols")
    assert started.status_code == 201, started.text
    patrol = started.json()
    again = worker.post("/api/v1/patrols").json()
    assert again["id"] == patrol["id"] and again["repeated"] is True
    batch = _walk(must_visit["lon"], must_visit["lat"], datetime.now(UTC))
    sent = worker.post(f"/api/v1/patrols/{patrol['id']}/points", json={"points": batch}).json()
    assert sent["accepted"] == 3
    assert [(c["kind"], c["id"]) for c in sent["checkins"]] == [("place", must_visit["id"])]
    assert sent["checkins"][0]["distance_m"] < 50
    resent = worker.post(f"/api/v1/patrols/{patrol['id']}/points", json={"points": batch}).json()
    assert resent["accepted"] == 0 and resent["repeated"] == 3 and resent["checkins"] == []
    seen = as_user("town_a").get("/api/v1/workers/positions").json()["workers"]
    mine = next(w for w in seen if w["worker"] == "worker")
    assert mine["patrolling"] is True and abs(mine["lon"] - batch[-1]["lon"]) < 1e-9
    assert "worker" not in [
        w["worker"] for w in as_user("town_b").get("/api/v1/workers/positions").json()["workers"]
    ]
    stopped = worker.post(f"/api/v1/patrols/{patrol['id']}/stop").json()
    assert stopped["ended_at"] and stopped["points"] == 3
    assert stopped["track"]["type"] == "LineString" and 40 < stopped["length_m"] < 70
    read = worker.get(f"/api/v1/patrols/{patrol['id']}").json()
    assert read["track"] == stopped["track"] and read["points"] == 3
    centre = as_user("dispatcher").get(f"/api/v1/patrols/{patrol['id']}")
    assert centre.status_code == 200 and centre.json()["worker"] == "worker"
    assert as_user("town_b").get(f"/api/v1/patrols/{patrol['id']}").status_code == 404
    late = worker.post(f"/api/v1/patrols/{patrol['id']}/points", json={"points": batch})
    assert late.status_code == 409 and "has ended" in late.json()["detail"]


def test_bad_points_and_who_may_patrol(as_user) -> None:
    worker = as_user("worker")
    patrol = worker.post("/api/v1/patrols").json()
    naive = worker.post(
        f"/api/v1/patrols/{patrol['id']}/points",
        json={"points": [{"lon": 117.4, "lat": 28.4, "at": "2026-11-29T10:00:00"}]},
    )
    assert naive.status_code == 400 and "time zone" in naive.json()["detail"]
    far = worker.post(
        f"/api/v1/patrols/{patrol['id']}/points",
        json={"points": [{"lon": 217.4, "lat": 28.4, "at": "2026-11-29T10:00:00+08:00"}]},
    )
    assert far.status_code == 400 and "out of range" in far.json()["detail"]
    worker.post(f"/api/v1/patrols/{patrol['id']}/stop")
    assert as_user("town_a").post("/api/v1/patrols").status_code == 403
    other = as_user("town_a").post(f"/api/v1/patrols/{patrol['id']}/stop")
    assert other.status_code == 403


def test_all_safe_once_a_day(as_user) -> None:
    worker = as_user("worker")
    first = worker.post("/api/v1/all-safe", json={"note": "巡查无异常"}).json()
    second = worker.post("/api/v1/all-safe", json={}).json()
    assert second["day"] == first["day"] and second["repeated"] is True


def test_points_and_a_manual_adjustment(as_user) -> None:
    worker, centre = as_user("worker"), as_user("town_a")
    worker.post("/api/v1/all-safe", json={})
    month = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    added = centre.post(
        "/api/v1/points/adjustments",
        json={
            "kind": "worker",
            "subject": "worker",
            "month": month,
            "points": 5,
            "reason": "抽查：台账完整 spot check: ledger complete",
        },
    )
    assert added.status_code == 201, added.text
    board = centre.get("/api/v1/points", params={"period": month}).json()
    entry = next(e for e in board["ranking"] if e["subject"] == "worker")
    items = entry["months"][month]["items"]
    assert items["manual"] >= 5 and items["all_safe_day"] == board["rules"]["all_safe_day"]
    assert entry["score"] == entry["months"][month]["score"] >= 5
    too_much = centre.post(
        "/api/v1/points/adjustments",
        json={"kind": "worker", "subject": "worker", "month": month, "points": 500, "reason": "x"},
    )
    assert too_much.status_code == 400 and too_much.json()["field"] == "points"
    assert (
        worker.post(
            "/api/v1/points/adjustments",
            json={
                "kind": "worker",
                "subject": "worker",
                "month": month,
                "points": 5,
                "reason": "me",
            },
        ).status_code
        == 403
    )
    bad = centre.get("/api/v1/points", params={"period": "November"})
    assert bad.status_code == 400 and bad.json()["field"] == "period"
