"""Users (用户), their sessions, and the credential functions the application may call.

The application role never reads ``users.password_hash`` or ``auth_sessions``: it calls the
SECURITY DEFINER functions of migration 0002. Creating and changing users is the owner's job
(``gridmap user …``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from gridmap.core.errors import Conflict, NotFound
from gridmap.db.schema import code_type, counter, flag, identity_id, metadata, now_column
from gridmap.db.scope import checked

# users (用户): accounts, their role and jurisdiction (管辖范围)
users_table = sa.Table(
    "users",
    metadata,
    identity_id(),
    sa.Column("username", sa.Text, nullable=False),
    sa.Column("display_name", sa.Text, nullable=False, server_default=text("''")),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("jurisdiction", code_type(17), nullable=False),
    sa.Column(
        "scope",
        code_type(17),
        nullable=False,
        comment="code prefix of the jurisdiction (RLS key); * = all",
    ),
    sa.Column("password_hash", sa.Text, nullable=False),
    flag("disabled"),
    counter("failed_logins"),
    sa.Column("locked_until", sa.DateTime(timezone=True)),
    sa.Column("last_login_at", sa.DateTime(timezone=True)),
    now_column("created_at"),
    now_column("updated_at"),
    # a department's staff (职能部门): the department whose dispatched events they handle
    sa.Column(
        "department_id",
        sa.BigInteger,
        sa.ForeignKey("departments.id", name="users_department_id_fkey"),
    ),
    sa.PrimaryKeyConstraint("id", name="users_pkey"),
    sa.UniqueConstraint("username", name="users_username_key"),
    sa.CheckConstraint("username ~ '^[A-Za-z0-9_.@-]{2,64}$'", name="users_username_check"),
    sa.CheckConstraint(
        "jurisdiction = '*' OR jurisdiction ~ '^[0-9]{12}([0-9]{3}([0-9]{2})?)?$'",
        name="users_jurisdiction_check",
    ),
    sa.CheckConstraint("(jurisdiction = '*') = (scope = '*')", name="users_check"),
)

# auth_sessions (登录会话): issued tokens by their jti, until they expire or are revoked
auth_sessions_table = sa.Table(
    "auth_sessions",
    metadata,
    sa.Column("jti", sa.UUID, nullable=False),
    sa.Column(
        "user_id",
        sa.BigInteger,
        sa.ForeignKey("users.id", name="auth_sessions_user_id_fkey", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("kind", sa.Text, nullable=False),
    now_column("created_at"),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
    sa.PrimaryKeyConstraint("jti", name="auth_sessions_pkey"),
    sa.CheckConstraint("kind IN ('bearer', 'cookie')", name="auth_sessions_kind_check"),
    sa.Index("auth_sessions_user_idx", "user_id"),
)


_PUBLIC_COLUMNS = (
    "id, username, display_name, role, jurisdiction, disabled, locked_until, last_login_at,"
    " created_at"
)


# -- the owner's side (CLI) -----------------------------------------------------------------


def jurisdiction_exists(conn: Connection, code: str) -> bool:
    """Whether a jurisdiction names a loaded region or grid (``*``, the whole system, does)."""
    if code == "*":
        return True
    table = "regions" if len(code) == 12 else "grids"
    return conn.execute(
        text(f"SELECT EXISTS (SELECT 1 FROM {table} WHERE code = :code)"), {"code": code}
    ).scalar_one()


def create_user(
    conn: Connection,
    username: str,
    role: str,
    jurisdiction: str,
    scope: str,
    password_hash: str,
    display_name: str = "",
    department_id: int | None = None,
) -> int:
    """Insert a user; Conflict when the name is taken."""
    try:
        with conn.begin_nested():
            return conn.execute(
                text(
                    "INSERT INTO users (username, role, jurisdiction, scope, password_hash,"
                    " display_name, department_id) VALUES (:u, :r, :j, :s, :h, :d, :dep)"
                    " RETURNING id"
                ),
                {
                    "u": username,
                    "r": role,
                    "j": jurisdiction,
                    "s": scope,
                    "h": password_hash,
                    "d": display_name,
                    "dep": department_id,
                },
            ).scalar_one()
    except IntegrityError as error:
        if "users_username_key" in str(error.orig):
            raise Conflict(f"user {username!r} already exists") from None
        raise


def _update(conn: Connection, username: str, assignments: str, **params: Any) -> None:
    done = conn.execute(
        text(f"UPDATE users SET {assignments}, updated_at = now() WHERE username = :u"),
        {"u": username, **params},
    ).rowcount
    if not done:
        raise NotFound(f"user {username!r} does not exist")


def set_password(conn: Connection, username: str, password_hash: str) -> None:
    _update(
        conn,
        username,
        "password_hash = :h, failed_logins = 0, locked_until = NULL",
        h=password_hash,
    )


def set_disabled(conn: Connection, username: str, disabled: bool) -> None:
    """Disable (or enable) a user; a disabled user's sessions stop working at once."""
    _update(conn, username, "disabled = :d", d=disabled)


def count(conn: Connection) -> int:
    return conn.execute(text("SELECT count(*) FROM users")).scalar_one()


def list_users(conn: Connection) -> list[dict[str, Any]]:
    """Users by name (inside the caller's scope when called as the application role)."""
    rows = conn.execute(text(f"SELECT {_PUBLIC_COLUMNS} FROM users ORDER BY username"))
    return [dict(row._mapping) for row in rows]


# -- the application's side: credential functions -------------------------------------------


def lookup(conn: Connection, username: str) -> dict[str, Any] | None:
    row = conn.execute(text("SELECT * FROM gridmap_auth_lookup(:u)"), {"u": username}).first()
    return None if row is None else dict(row._mapping)


def record_failure(conn: Connection, user_id: int, lock_after: int, lock_seconds: int) -> int:
    """Count a failed login (locking the account at ``lock_after``); returns the count."""
    return conn.execute(
        text("SELECT gridmap_auth_failed(:id, :n, :s)"),
        {"id": user_id, "n": lock_after, "s": lock_seconds},
    ).scalar_one()


def open_session(
    conn: Connection,
    user_id: int,
    jti: str,
    kind: str,
    expires_at: datetime,
    rehash: str | None,
) -> None:
    conn.execute(
        text("SELECT gridmap_auth_open(:id, CAST(:jti AS uuid), :kind, :exp, :rehash)"),
        {"id": user_id, "jti": jti, "kind": kind, "exp": expires_at, "rehash": rehash},
    )


def check_session(conn: Connection, jti: str, grants: str) -> dict[str, Any] | None:
    """The live session's user (role and jurisdiction as they are now), or None; the
    transaction is told who is asking in the same statement (``db.scope.checked``: ``grants``
    is each role's permissions)."""
    return checked(conn, "gridmap_auth_check(CAST(%(jti)s AS uuid))", {"jti": jti}, grants)


def revoke_session(conn: Connection, jti: str) -> bool:
    return bool(
        conn.execute(text("SELECT gridmap_auth_revoke(CAST(:jti AS uuid))"), {"jti": jti}).scalar()
    )
