"""Personal API keys (个人访问密钥) for desktop GIS clients: made by a signed-in user, shown
once, usable as ``X-API-Key``, as a bearer token or as the password of HTTP Basic, scoped
exactly as the user (role and jurisdiction as they are when the key is used), revocable;
making and revoking one is audited."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from gridmap.core.access import Principal
from gridmap.core.errors import Forbidden, NotFound, Unauthorized
from gridmap.core.settings import Settings
from gridmap.layers import api_keys, audit
from gridmap.services.accounts import grants, principal_of

KEY_PREFIX = "gmk_"
API_KEY_KIND = "api_key"


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def is_api_key(token: str) -> bool:
    return token.startswith(KEY_PREFIX)


def create(
    conn: Connection, principal: Principal, name: str, days: int | None = None
) -> dict[str, Any]:
    """A new key of the caller, with its secret (shown this once). A key cannot make keys:
    only a signed-in session can."""
    if principal.session_kind == API_KEY_KIND or principal.user_id is None:
        raise Forbidden("sign in with your password to make an API key (a key cannot make keys)")
    prefix = secrets.token_hex(4)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    expires = datetime.now(UTC) + timedelta(days=days) if days else None
    made = api_keys.create(conn, principal.user_id, name, prefix, _digest(key), expires)
    audit.record(
        conn,
        "api_key_create",
        object_type="api_key",
        object_id=str(made["id"]),
        detail={"name": name, "prefix": prefix, "expires_at": str(expires) if expires else None},
    )
    return {**made, "key": key, "username": principal.username}


def listed(conn: Connection, principal: Principal) -> list[dict[str, Any]]:
    return api_keys.of_user(conn, principal.user_id) if principal.user_id else []


def revoke(conn: Connection, key_id: int) -> None:
    if not api_keys.revoke(conn, key_id):
        raise NotFound(f"API key {key_id} does not exist (or is not yours, or is revoked)")
    audit.record(conn, "api_key_revoke", object_type="api_key", object_id=str(key_id))


def authenticate(
    conn: Connection, settings: Settings, key: str, username: str | None = None
) -> Principal:
    """The principal of a live key (and, given by HTTP Basic, its owner's name); the
    transaction is told who is asking in the statement that checks the key."""
    prefix = key[len(KEY_PREFIX) : len(KEY_PREFIX) + 8]
    row = api_keys.check(conn, prefix, _digest(key), grants(settings))
    if row is None or (username is not None and username != row["username"]):
        raise Unauthorized("the API key is unknown, revoked or expired (or not this user's)")
    return principal_of(row, settings, API_KEY_KIND, None)
