"""Personal API keys (个人访问密钥): kept as their SHA-256, checked by a SECURITY DEFINER function
(migration 0012); a caller sees their own keys, a user administrator those of their users."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, text
from sqlalchemy.dialects.postgresql import BYTEA

from gridmap.db import sql
from gridmap.db.schema import identity_id, metadata, now_column
from gridmap.db.scope import checked

# api_keys (个人访问密钥)
api_keys_table = sa.Table(
    "api_keys",
    metadata,
    identity_id(),
    sa.Column(
        "user_id",
        sa.BigInteger,
        sa.ForeignKey("users.id", name="api_keys_user_id_fkey", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("prefix", sa.Text, nullable=False),
    sa.Column("secret_hash", BYTEA, nullable=False),
    now_column("created_at"),
    sa.Column("expires_at", sa.DateTime(timezone=True)),
    sa.Column("last_used_at", sa.DateTime(timezone=True)),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
    sa.PrimaryKeyConstraint("id", name="api_keys_pkey"),
    sa.UniqueConstraint("prefix", name="api_keys_prefix_key"),
    sa.CheckConstraint("name <> '' AND length(name) <= 100", name="api_keys_name_check"),
    sa.CheckConstraint("prefix ~ '^[0-9a-f]{8}$'", name="api_keys_prefix_check"),
    sa.Index("api_keys_user_idx", "user_id"),
    comment="personal API keys (个人访问密钥), hashed",
)

_COLUMNS = "k.id, k.name, k.prefix, k.created_at, k.expires_at, k.last_used_at, k.revoked_at"


def create(
    conn: Connection,
    user_id: int,
    name: str,
    prefix: str,
    secret_hash: bytes,
    expires_at: datetime | None,
) -> dict[str, Any]:
    return sql.rows(
        conn,
        "INSERT INTO api_keys AS k (user_id, name, prefix, secret_hash, expires_at)"
        f" VALUES (:u, :n, :p, :h, :e) RETURNING {_COLUMNS}",
        {"u": user_id, "n": name, "p": prefix, "h": secret_hash, "e": expires_at},
    )[0]


def of_user(conn: Connection, user_id: int) -> list[dict[str, Any]]:
    return sql.rows(
        conn,
        f"SELECT {_COLUMNS} FROM api_keys k WHERE k.user_id = :u ORDER BY k.id",
        {"u": user_id},
    )


def revoke(conn: Connection, key_id: int) -> bool:
    """Revoke a key the caller may see; False when there is none (or it was revoked)."""
    return bool(
        conn.execute(
            text("UPDATE api_keys SET revoked_at = now() WHERE id = :id AND revoked_at IS NULL"),
            {"id": key_id},
        ).rowcount
    )


def check(conn: Connection, prefix: str, secret_hash: bytes, grants: str) -> dict[str, Any] | None:
    """The key's user (role and jurisdiction as they are now) when the key is live, else None;
    the transaction is told who is asking in the same statement (``db.scope.checked``:
    ``grants`` is each role's permissions)."""
    check = "gridmap_api_key_check(%(p)s, %(h)s)"
    return checked(conn, check, {"p": prefix, "h": secret_hash}, grants)
