"""Jobs (任务): long work (imports, merges, divisions) with a status resource to poll.

Each update is its own short transaction, so progress is visible while the work's own
transaction is still open. A caller sees only the jobs they started (row-level security).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, text
from sqlalchemy.dialects.postgresql import JSONB

from gridmap.db.schema import actor, code_type, counter, metadata, now_column

# jobs (后台任务): long work (imports, merges, divisions) as a status the API can poll
jobs_table = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", sa.UUID, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("state", sa.Text, nullable=False, server_default=text("'queued'")),
    counter("done"),
    sa.Column("total", sa.Integer),
    sa.Column("message", sa.Text),
    sa.Column("result", JSONB),
    sa.Column("scope", code_type(17), nullable=False),
    actor("created_by"),
    now_column("created_at"),
    now_column("updated_at"),
    sa.PrimaryKeyConstraint("id", name="jobs_pkey"),
    sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="jobs_state_check"),
)


def create(conn: Connection, kind: str, scope: str, total: int | None = None) -> str:
    job_id = str(uuid.uuid4())
    conn.execute(
        text("INSERT INTO jobs (id, kind, scope, total) VALUES (CAST(:id AS uuid), :k, :s, :t)"),
        {"id": job_id, "k": kind, "s": scope, "t": total},
    )
    return job_id


def update(
    conn: Connection,
    job_id: str,
    *,
    state: str | None = None,
    done: int | None = None,
    total: int | None = None,
    message: str | None = None,
    result: dict | None = None,
) -> None:
    conn.execute(
        text(
            "UPDATE jobs SET state = coalesce(:state, state), done = coalesce(:done, done),"
            " total = coalesce(:total, total), message = coalesce(:message, message),"
            " result = coalesce(CAST(:result AS jsonb), result), updated_at = now()"
            " WHERE id = CAST(:id AS uuid)"
        ),
        {
            "id": job_id,
            "state": state,
            "done": done,
            "total": total,
            "message": message,
            "result": json.dumps(result, ensure_ascii=False, default=str) if result else None,
        },
    )


def get(conn: Connection, job_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        text(
            "SELECT id, kind, state, done, total, message, result, created_by, created_at,"
            " updated_at FROM jobs WHERE id = CAST(:id AS uuid)"
        ),
        {"id": job_id},
    ).first()
    return None if row is None else dict(row._mapping)
