"""The audit log (审计日志): append-only; logins, writes and reads of personal data.

Writes to layer tables are logged by their triggers; this module records what only the
application knows (logins, logouts, reads) and reads the log back, scoped by RLS.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, text
from sqlalchemy.dialects.postgresql import JSONB

from gridmap.db import sql
from gridmap.db.schema import actor, code_type, identity_id, metadata

# audit_log (审计日志): append-only record of logins, writes and reads of personal data
audit_log_table = sa.Table(
    "audit_log",
    metadata,
    identity_id(),
    sa.Column(
        "at", sa.DateTime(timezone=True), nullable=False, server_default=text("clock_timestamp()")
    ),
    actor("actor"),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("object_type", sa.Text),
    sa.Column("object_id", sa.Text),
    sa.Column("scope", code_type(17)),
    sa.Column("old", JSONB),
    sa.Column("new", JSONB),
    sa.Column("detail", JSONB),
    sa.Column("client", sa.Text),
    sa.PrimaryKeyConstraint("id", name="audit_log_pkey"),
    comment="append-only: logins, writes, reads of personal data",
)
sa.Index("audit_log_at_idx", audit_log_table.c.at.desc())
sa.Index("audit_log_actor_idx", audit_log_table.c.actor, audit_log_table.c.at.desc())


COLUMNS = (
    "id",
    "at",
    "actor",
    "action",
    "object_type",
    "object_id",
    "scope",
    "old",
    "new",
    "detail",
    "client",
)


def record(
    conn: Connection,
    action: str,
    *,
    actor: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    scope: str | None = None,
    detail: dict[str, Any] | None = None,
    client: str | None = None,
) -> None:
    """Append one entry. ``actor`` defaults to the transaction's ``gridmap.user``, ``scope``
    (the jurisdiction the entry is about: whose admins may read it) to the caller's
    jurisdiction; an entry without one is for whole-system auditors only."""
    conn.execute(
        text(
            "INSERT INTO audit_log (actor, action, object_type, object_id, scope, detail, client)"
            " VALUES (coalesce(:actor, gridmap_actor()), :action, :otype, :oid,"
            # what the entry is about lies in the caller's jurisdiction unless said otherwise
            " coalesce(:scope, nullif(nullif(gridmap_scope(), '!'), '*')),"
            " CAST(:detail AS jsonb), :client)"
        ),
        {
            "actor": actor,
            "action": action,
            "otype": object_type,
            "oid": object_id,
            "scope": scope,
            "detail": json.dumps(detail, ensure_ascii=False) if detail else None,
            "client": client,
        },
    )


@dataclass(frozen=True)
class AuditFilter:
    """Which entries: by actor, action, object and time (``since`` inclusive, ``until`` not)."""

    actor: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def where(self) -> sql.Where:
        where = sql.Where()
        for column in ("actor", "action", "object_type", "object_id"):
            where.equals(column, getattr(self, column))
        if self.since is not None:
            where.add("at >= :since", since=self.since)
        if self.until is not None:
            where.add("at < :until", until=self.until)
        return where


def list_entries(
    conn: Connection, where: AuditFilter, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """A page of entries, newest first, and how many match."""
    condition = where.where()
    rows = conn.execute(
        text(
            f"SELECT {', '.join(COLUMNS)} FROM audit_log WHERE {condition.sql}"
            f" {sql.page('at DESC, id DESC')}"
        ),
        {**condition.params, "limit": limit, "offset": offset},
    )
    return [dict(row._mapping) for row in rows], sql.matched(conn, "audit_log", condition)


def stream_entries(conn: Connection, where: AuditFilter) -> Iterator[dict[str, Any]]:
    """Every matching entry, newest first, fetched in batches (for exports)."""
    condition = where.where()
    result = conn.execution_options(stream_results=True, yield_per=2000).execute(
        text(
            f"SELECT {', '.join(COLUMNS)} FROM audit_log WHERE {condition.sql}"
            " ORDER BY at DESC, id DESC"
        ),
        condition.params,
    )
    for row in result:
        yield dict(row._mapping)
