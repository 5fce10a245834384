"""Telling a transaction who is asking, so that row-level security can answer for them.

Every policy reads ``gridmap.scope`` (the caller's jurisdiction as a code prefix, ``*`` for the
whole system), ``gridmap.permissions``, ``gridmap.user`` and, for a department's staff,
``gridmap.department``; a transaction that sets nothing sees nothing.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from gridmap.core.access import Principal


def apply_scope(conn: Connection, principal: Principal) -> None:
    """Tell this transaction who is asking (SET LOCAL: it ends with the transaction)."""
    conn.execute(
        text(
            "SELECT set_config('gridmap.scope', :scope, true),"
            " set_config('gridmap.permissions', :permissions, true),"
            " set_config('gridmap.user', :user, true),"
            " set_config('gridmap.department', :department, true)"
        ),
        {
            "department": str(principal.department_id or ""),
            "scope": principal.scope,
            "permissions": ",".join(sorted(principal.permissions)),
            "user": principal.username,
        },
    )
