"""Every route needs a user (but the public ones); roles limit actions; RLS limits rows."""

import math
import re
import uuid

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from gridmap.core.settings import Settings
from tests.conftest import COUNTY, PASSWORD, TOWNSHIP_A, TOWNSHIP_B

PUBLIC = (
    "/health",
    "/openapi.json",
    "/docs",
    "/redoc",
    "/login",
    "/api/v1/auth/",
    "/public/",
    "/open311/",
)
PATH_VALUES = {
    "code": "361126109000001",
    "layer": "grids",
    "z": "10",
    "x": "845",
    "y": "427",
    "job_id": "00000000-0000-0000-0000-000000000000",
    "merge_id": "1",
    "collection_id": "grids",
    "feature_id": "361126109000001",
    "kind": "csv",
    "building_id": "1",
    "household_id": "1",
    "event_id": "1",
    "attachment_id": "1",
    "patrol_id": "1",
    "camera_id": "1",
    "key_id": "1",
    "service_code": "fire",
    "request_id": "1",
    "photo_id": "1",
}
REGION_CODE_PATHS = {"/api/v1/regions/{code}", "/api/v1/regions/{code}/profile"}
# routes that need a query to mean anything
QUERIES = {"/api/v1/residents": "?grid=361126109000001", "/public/find": "?address=弋阳"}


def _routes(app) -> list[tuple[str, str, str]]:
    """(method, template, concrete URL) of every route in the OpenAPI document."""
    routes = []
    for template, operations in app.openapi()["paths"].items():
        values = dict(PATH_VALUES)
        if template in REGION_CODE_PATHS:
            values["code"] = COUNTY
        url = re.sub(r"\{(\w+)\}", lambda m, v=values: v[m.group(1)], template)
        url += QUERIES.get(template, "")
        routes.extend((method.upper(), template, url) for method in operations)
    return routes


def _is_public(template: str) -> bool:
    return template == "/" or template.startswith(PUBLIC)


def test_every_private_route_needs_a_token(client: TestClient, app) -> None:
    private = [r for r in _routes(app) if not _is_public(r[1])]
    assert len(private) >= 8
    for method, template, url in private:
        response = client.request(method, url)
        assert response.status_code == 401, (method, template, response.text)
        # desktop clients of the OGC API may answer with HTTP Basic (a personal API key)
        basic = 'Bearer, Basic realm="gridmap"' if template.startswith("/ogc") else "Bearer"
        assert response.headers["www-authenticate"] == basic
        assert "sign in" in response.json()["detail"]


# public routes of records that need not exist: a resident's request 1 may not be there
MAY_BE_ABSENT = {
    "/open311/v2/requests/{request_id}.json",
    "/open311/v2/requests/{request_id}/media/{photo_id}",
}


def test_public_routes_need_none(client: TestClient, app) -> None:
    for method, template, url in _routes(app):
        if _is_public(template) and method == "GET" and "/auth/" not in template:
            expected = (200, 404) if template in MAY_BE_ABSENT else (200,)
            assert client.get(url).status_code in expected, template
    for page in ("/", "/login", "/docs", "/redoc"):
        assert client.get(page).status_code == 200, page


ROLE_USERS = {
    "viewer": "viewer",
    "dispatcher": "dispatcher",
    "planner": "planner",
    "engineer": "engineer",
    "admin": "county_admin",
    "department": "dept_cg",
}


def test_a_role_without_the_right_gets_403(as_user, app, settings: Settings) -> None:
    """Each role on each private read route: 403 exactly when its role lacks the permission
    the refusal names; the admin is never refused."""
    refused: set[tuple[str, str]] = set()
    for method, template, url in _routes(app):
        if _is_public(template) or method != "GET":
            continue
        for role, username in ROLE_USERS.items():
            response = as_user(username).get(url)
            if response.status_code == 403:
                named = re.search(r"\(([\w: ]+)\)$", response.json()["detail"]).group(1)
                needed = set(named.split(" or "))
                assert not settings.auth.permissions(role) & {*needed, "*"}, (template, role)
                refused.add((template, role))
            else:
                assert response.status_code in (200, 404, 422), (template, role, response.text)
    assert ("/api/v1/audit", "viewer") in refused
    assert ("/api/v1/users", "planner") in refused
    assert not any(role == "admin" for _, role in refused)


# -- jurisdiction, enforced by row-level security ------------------------------------------


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    return int((lon + 180) / 360 * n), int(
        (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    )


def _township_tile(api: TestClient, township: str, z: int = 12) -> str:
    minx, miny, maxx, maxy = api.get(f"/api/v1/regions/{township}").json()["bbox"]
    x, y = _tile_of((minx + maxx) / 2, (miny + maxy) / 2, z)
    return f"/tiles/grids/{z}/{x}/{y}.mvt"


def _grid_codes(client: TestClient, url: str) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    if url.endswith(".mvt"):
        layer = mapbox_vector_tile.decode(response.content).get("grids", {"features": []})
        return {f["properties"]["code"] for f in layer["features"]}
    return {f["id"] for f in response.json()["features"]}


def test_two_townships_never_see_each_other(as_user, api: TestClient) -> None:
    a, b, county = as_user("town_a"), as_user("town_b"), as_user("dispatcher")
    a_prefix, b_prefix = TOWNSHIP_A[:9], TOWNSHIP_B[:9]
    one_b_grid = sorted(_grid_codes(api, f"/api/v1/grids?region={TOWNSHIP_B}&limit=1000"))[0]
    one_a_grid = sorted(_grid_codes(api, f"/api/v1/grids?region={TOWNSHIP_A}&limit=1000"))[0]
    b_tile, a_tile = _township_tile(api, TOWNSHIP_B), _township_tile(api, TOWNSHIP_A)

    for me, mine, other, other_grid, other_tile, other_town in (
        (a, a_prefix, b_prefix, one_b_grid, b_tile, TOWNSHIP_B),
        (b, b_prefix, a_prefix, one_a_grid, a_tile, TOWNSHIP_A),
    ):
        listed = me.get("/api/v1/grids?limit=1000").json()
        assert listed["numberMatched"] == len(listed["features"]) > 0  # counts are scoped too
        assert all(code.startswith(mine) for code in _grid_codes(me, "/api/v1/grids?limit=1000"))
        assert me.get(f"/api/v1/grids?region={other_town}").json()["numberMatched"] == 0
        assert me.get(f"/api/v1/grids/{other_grid}").status_code == 404
        assert not any(c.startswith(other) for c in _grid_codes(me, other_tile))
        assert me.get(f"/api/v1/regions/{other_town}").status_code == 404
        townships = me.get(f"/api/v1/regions?parent={COUNTY}").json()["regions"]
        assert [t["code"][:9] for t in townships] == [mine]
        legend = me.get("/api/v1/map/config").json()["legend"]
        assert [t["code"][:9] for t in legend] == [mine]

    seen = _grid_codes(county, "/api/v1/grids?limit=1000")
    assert any(c.startswith(a_prefix) for c in seen) and any(c.startswith(b_prefix) for c in seen)
    assert one_a_grid in _grid_codes(county, a_tile) or _grid_codes(county, a_tile)


def test_grid_worker_sees_only_their_grid(as_user) -> None:
    worker = as_user("worker")
    me = worker.get("/api/v1/auth/me").json()
    assert me["role"] == "grid_worker" and len(me["jurisdiction"]) == 15
    codes = _grid_codes(worker, "/api/v1/grids?limit=1000")
    assert codes == {me["jurisdiction"]}


# -- sessions ------------------------------------------------------------------------------


def _new_user(conn_factory, settings: Settings, role: str = "viewer") -> str:
    from gridmap.services import accounts

    name = f"u{uuid.uuid4().hex[:10]}"
    with conn_factory() as conn:
        accounts.add_user(conn, settings, name, role, COUNTY, PASSWORD)
    return name


@pytest.fixture
def new_user(database: str, settings: Settings):
    from gridmap.db.engine import engine_for

    return lambda role="viewer": _new_user(engine_for(settings, database).begin, settings, role)


def _token(client: TestClient, username: str, password: str = PASSWORD):
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})


def test_token_has_an_expiry_and_logout_revokes_it(client: TestClient, new_user) -> None:
    name = new_user()
    body = _token(client, name).json()
    assert body["token_type"] == "bearer" and body["expires_in"] > 0 and body["expires_at"]
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert client.get("/api/v1/auth/me", headers=headers).json()["username"] == name
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 200
    after = client.get("/api/v1/grids", headers=headers)
    assert after.status_code == 401 and "session has ended" in after.json()["detail"]


def test_expired_and_forged_tokens_are_refused(client: TestClient, settings: Settings) -> None:
    from datetime import timedelta

    from gridmap.core import auth

    expired = auth.issue_token(auth.signing_key(settings), "root", "bearer", timedelta(seconds=-5))
    response = client.get("/api/v1/grids", headers={"Authorization": f"Bearer {expired.token}"})
    assert response.status_code == 401 and "expired" in response.json()["detail"]
    forged = auth.issue_token(b"not-the-key-" * 4, "root", "bearer", timedelta(minutes=5))
    response = client.get("/api/v1/grids", headers={"Authorization": f"Bearer {forged.token}"})
    assert response.status_code == 401 and "not valid" in response.json()["detail"]
    # a well-signed token whose session was never opened
    unknown = auth.issue_token(auth.signing_key(settings), "root", "bearer", timedelta(minutes=5))
    response = client.get("/api/v1/grids", headers={"Authorization": f"Bearer {unknown.token}"})
    assert response.status_code == 401


def test_failed_logins_lock_the_account(client: TestClient, new_user, settings: Settings) -> None:
    name = new_user()
    for _ in range(settings.auth.max_failed_logins):
        assert _token(client, name, "wrong-password").status_code == 401
    locked = _token(client, name)  # the right password, too late
    assert locked.status_code == 401 and "locked" in locked.json()["detail"]
    unknown = _token(client, "nobody-" + name, "x")
    assert unknown.status_code == 401 and unknown.json()["detail"] == "wrong username or password"


def test_disabled_user_is_out_at_once(client: TestClient, new_user, database, settings) -> None:
    from gridmap.db.engine import engine_for
    from gridmap.layers import users

    name = new_user()
    headers = {"Authorization": f"Bearer {_token(client, name).json()['access_token']}"}
    assert client.get("/api/v1/grids?limit=1", headers=headers).status_code == 200
    with engine_for(settings, database).begin() as conn:
        users.set_disabled(conn, name, True)
    assert client.get("/api/v1/grids?limit=1", headers=headers).status_code == 401
    assert _token(client, name).status_code == 403


def test_cookie_session_needs_csrf_for_unsafe_requests(client: TestClient, new_user) -> None:
    name = new_user()
    form = {"username": name, "password": PASSWORD, "next": "/map"}
    response = client.post("/api/v1/auth/login", data=form, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/map"
    cookie = response.headers.get_list("set-cookie")
    assert any("gridmap_session=" in c and "HttpOnly" in c and "SameSite=lax" in c for c in cookie)
    assert client.get("/api/v1/grids?limit=1").status_code == 200  # safe: the cookie suffices
    refused = client.post("/api/v1/auth/logout")
    assert refused.status_code == 403 and "X-CSRF-Token" in refused.json()["detail"]
    wrong = client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": "guess"})
    assert wrong.status_code == 403
    csrf = client.cookies["gridmap_csrf"]
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 200
    client.cookies.clear()


def test_login_form_never_redirects_off_site(client: TestClient, new_user) -> None:
    form = {"username": new_user(), "password": PASSWORD, "next": "//evil.example/x"}
    response = client.post("/api/v1/auth/login", data=form, follow_redirects=False)
    assert response.headers["location"] == "/map"
    client.cookies.clear()


# -- audit ---------------------------------------------------------------------------------


def test_logins_are_audited_and_admins_read_the_log(client: TestClient, api, new_user) -> None:
    name = new_user()
    _token(client, name, "wrong-password")
    _token(client, name)
    body = api.get(f"/api/v1/audit?actor={name}").json()
    actions = [e["action"] for e in body["entries"]]
    assert actions == ["login", "login_failed"] and body["total"] == 2
    assert body["entries"][1]["detail"]["reason"] == "wrong password"
    csv = api.get(f"/api/v1/audit/export.csv?actor={name}")
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.strip().splitlines()
    assert lines[0].startswith("id,at,actor,action") and len(lines) == 3


def test_grid_writes_are_audited_with_old_and_new_version(database, settings, api) -> None:
    from gridmap.db.engine import engine_for

    with engine_for(settings, database).begin() as conn:
        code = conn.execute(text("SELECT max(code) FROM grids")).scalar_one()
        conn.execute(text("UPDATE grids SET name = name || ' ' WHERE code = :c"), {"c": code})
        conn.execute(text("UPDATE grids SET name = rtrim(name) WHERE code = :c"), {"c": code})
    entries = api.get(f"/api/v1/audit?object_id={code}&action=update").json()["entries"]
    assert len(entries) >= 2
    latest = entries[0]
    assert latest["new"]["version"] == latest["old"]["version"] + 1
    assert latest["object_type"] == "grid" and latest["actor"]
