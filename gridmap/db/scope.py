"""Telling a transaction who is asking, so that row-level security can answer for them.

Every policy reads ``gridmap.scope`` (the caller's jurisdiction as a code prefix, ``*`` for the
whole system), ``gridmap.permissions``, ``gridmap.user`` and, for a department's staff,
``gridmap.department``; a transaction that sets nothing sees nothing.

A request tells it in the statement that checks the caller's session or key (``checked``): one
round trip instead of two on every request.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from gridmap.core.access import Principal
from gridmap.db import sql


def _set_configs(scope: str, permissions: str, user: str, department: str) -> str:
    """The SELECT list that sets the caller's settings for the transaction, from SQL
    expressions (SET LOCAL: they end with the transaction)."""
    return (
        f"set_config('gridmap.scope', {scope}, true) AS _scope,"
        f" set_config('gridmap.permissions', {permissions}, true) AS _permissions,"
        f" set_config('gridmap.user', {user}, true) AS _user,"
        f" set_config('gridmap.department', {department}, true) AS _department"
    )


def permissions_setting(permissions: frozenset[str]) -> str:
    """``gridmap.permissions`` as the policies read it: the permissions, sorted, comma-joined."""
    return ",".join(sorted(permissions))


def apply_scope(conn: Connection, principal: Principal) -> None:
    """Tell this transaction who is asking (SET LOCAL: it ends with the transaction)."""
    conn.execute(
        text("SELECT " + _set_configs(":scope", ":permissions", ":user", ":department")),
        {
            "department": str(principal.department_id or ""),
            "scope": principal.scope,
            "permissions": permissions_setting(principal.permissions),
            "user": principal.username,
        },
    )


def checked(
    conn: Connection, check: str, params: dict[str, Any], grants: str
) -> dict[str, Any] | None:
    """The row of a caller check (``check``: a function returning the user as
    ``gridmap_auth_check`` does, with psycopg's ``%(name)s`` parameters), and in the same
    statement the transaction told who is asking, as ``apply_scope`` would for that user; None
    (and nothing told) when the check finds none.

    ``grants`` is JSON from each role to its ``gridmap.permissions`` (``permissions_setting``);
    a role it does not name gets none.
    """
    configs = _set_configs(
        "c.scope",
        "coalesce(CAST(%(grants)s AS jsonb) ->> c.role, '')",
        "c.username",
        "coalesce(CAST(c.department_id AS text), '')",
    )
    row = sql.driver_row(
        conn, f"SELECT c.*, {configs} FROM {check} c", {**params, "grants": grants}
    )
    if row is None:
        return None
    return {k: v for k, v in row.items() if not k.startswith("_")}
