"""Personal API keys: made by a signed-in user and shown once, used as a header, a bearer token
or HTTP Basic, scoped exactly as the user, revoked, audited; a key cannot make keys."""

from __future__ import annotations

import base64

from fastapi.testclient import TestClient

from tests.conftest import TOWNSHIP_A


def _basic(username: str, key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{key}".encode()).decode()}


def test_a_key_acts_as_its_user_until_revoked(as_user, client: TestClient) -> None:
    town_a = as_user("town_a")
    made = town_a.post("/api/v1/auth/api-keys", json={"name": "QGIS on my laptop"})
    assert made.status_code == 201, made.text
    key = made.json()["key"]
    assert key.startswith("gmk_") and made.json()["username"] == "town_a"
    listed = town_a.get("/api/v1/auth/api-keys").json()["api_keys"]
    assert [k["name"] for k in listed if k["id"] == made.json()["id"]] == ["QGIS on my laptop"]
    assert all("key" not in k and "secret_hash" not in k for k in listed)

    expected = town_a.get("/api/v1/grids", params={"limit": 500}).json()
    for headers in ({"X-API-Key": key}, {"Authorization": f"Bearer {key}"}, _basic("town_a", key)):
        seen = client.get("/api/v1/grids", params={"limit": 500}, headers=headers)
        assert seen.status_code == 200, seen.text
        codes = [f["properties"]["code"] for f in seen.json()["features"]]
        assert codes == [f["properties"]["code"] for f in expected["features"]]
        assert all(code.startswith(TOWNSHIP_A[:9]) for code in codes)  # the user's scope
    items = client.get("/ogc/collections/grids/items", headers=_basic("town_a", key))
    assert items.status_code == 200

    # Basic with another user's name, or a password instead of a key: refused
    assert client.get("/ogc", headers=_basic("town_b", key)).status_code == 401
    password = client.get("/ogc/collections", headers=_basic("town_a", "not-a-key"))
    assert password.status_code == 401 and "API key" in password.json()["detail"]
    challenge = client.get("/ogc/collections").headers["www-authenticate"]
    assert "Basic" in challenge
    assert "Basic" not in client.get("/api/v1/grids").headers["www-authenticate"]
    # a key cannot make keys
    assert (
        client.post(
            "/api/v1/auth/api-keys", json={"name": "x"}, headers={"X-API-Key": key}
        ).status_code
        == 403
    )

    assert town_a.delete(f"/api/v1/auth/api-keys/{made.json()['id']}").status_code == 204
    assert client.get("/api/v1/grids", headers={"X-API-Key": key}).status_code == 401
    assert town_a.delete(f"/api/v1/auth/api-keys/{made.json()['id']}").status_code == 404
    audit = as_user("root").get("/api/v1/audit", params={"limit": 200}).json()
    actions = {(e["action"], e["object_id"]) for e in audit["entries"]}
    key_id = str(made.json()["id"])
    assert {("api_key_create", key_id), ("api_key_revoke", key_id)} <= actions


def test_another_users_key_cannot_be_revoked(as_user) -> None:
    mine = as_user("town_a").post("/api/v1/auth/api-keys", json={"name": "mine"}).json()
    assert as_user("town_b").delete(f"/api/v1/auth/api-keys/{mine['id']}").status_code == 404
    assert as_user("town_a").delete(f"/api/v1/auth/api-keys/{mine['id']}").status_code == 204
