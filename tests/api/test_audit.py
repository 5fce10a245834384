"""The audit log through the API: each entry in the jurisdiction it is about, so that the admin
responsible for an area sees every read of personal data in it, and no one else's."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from tests.conftest import PASSWORD, TOWNSHIP_A

# admins, by the jurisdiction they are responsible for
SEE_TOWNSHIP_A = ("root", "county_admin", "admin_a")
DO_NOT = ("admin_b",)


def _entries(as_user: Callable[[str], TestClient], admin: str, **query: str) -> dict:
    response = as_user(admin).get("/api/v1/audit", params={"limit": 1000, **query})
    assert response.status_code == 200, response.text
    return response.json()


def _worker_grid(conn: Connection) -> str:
    return conn.execute(
        text("SELECT jurisdiction FROM users WHERE username = 'worker'")
    ).scalar_one()


def test_an_unmasked_read_is_seen_by_the_admins_of_its_grid(as_user, conn: Connection) -> None:
    grid = _worker_grid(conn)
    assert grid.startswith(TOWNSHIP_A[:9])
    before = {a: _entries(as_user, a, action="pii_read")["total"] for a in SEE_TOWNSHIP_A + DO_NOT}
    read = as_user("worker").get(f"/api/v1/residents?grid={grid}&limit=20&purpose=visit")
    assert read.status_code == 200 and read.json()["masked"] is False
    shown = {r["id"] for r in read.json()["residents"]}
    assert shown
    for admin in SEE_TOWNSHIP_A:
        body = _entries(as_user, admin, action="pii_read")
        assert body["total"] == before[admin] + 1, admin
        entry = body["entries"][0]
        assert entry["actor"] == "worker" and entry["scope"] == grid
        assert set(entry["detail"]["residents"]) == shown
        assert entry["detail"]["purpose"] == "visit"
    for admin in DO_NOT:
        assert _entries(as_user, admin, action="pii_read")["total"] == before[admin], admin


def test_a_read_across_grids_is_logged_once_per_grid(as_user, conn: Connection) -> None:
    """A township-wide grid worker reads residents of several grids at once: each grid's part
    is its own entry, so the admin of one grid sees the reads of it and no others."""
    watched = _worker_grid(conn)  # grid_admin's jurisdiction
    admins = ("admin_a", "grid_admin", "admin_b")
    before = {a: _entries(as_user, a, action="pii_read")["total"] for a in admins}
    body = as_user("worker_town_a").get(f"/api/v1/residents?region={TOWNSHIP_A}&limit=1000")
    residents = body.json()["residents"]
    by_grid: dict[str, set[int]] = {}
    for resident in residents:
        by_grid.setdefault(resident["grid_code"], set()).add(resident["id"])
    assert len(by_grid) > 1 and all(g.startswith(TOWNSHIP_A[:9]) for g in by_grid)
    township = _entries(as_user, "admin_a", action="pii_read")
    new = township["entries"][: township["total"] - before["admin_a"]]
    assert {e["scope"]: set(e["detail"]["residents"]) for e in new} == by_grid
    assert all(e["detail"]["region"] == TOWNSHIP_A for e in new)
    grid_admin = _entries(as_user, "grid_admin", action="pii_read")
    assert grid_admin["total"] - before["grid_admin"] == (1 if watched in by_grid else 0)
    assert all(e["scope"] == watched for e in grid_admin["entries"])
    assert _entries(as_user, "admin_b", action="pii_read")["total"] == before["admin_b"]


def test_sign_ins_are_in_the_user_s_jurisdiction(client: TestClient, as_user, conn) -> None:
    grid = _worker_grid(conn)
    failed = client.post("/api/v1/auth/token", data={"username": "worker", "password": "nope!"})
    assert failed.status_code == 401
    signed = client.post("/api/v1/auth/token", data={"username": "worker", "password": PASSWORD})
    assert signed.status_code == 200
    token = signed.json()["access_token"]
    client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {token}"})
    for admin in SEE_TOWNSHIP_A:
        actions = [e["action"] for e in _entries(as_user, admin, actor="worker")["entries"]]
        assert actions[:3] == ["logout", "login", "login_failed"], admin
        scopes = {e["scope"] for e in _entries(as_user, admin, actor="worker")["entries"][:3]}
        assert scopes == {grid}
    assert not [
        e
        for e in _entries(as_user, "admin_b", actor="worker")["entries"]
        if e["action"] in ("login", "logout", "login_failed")
    ]
