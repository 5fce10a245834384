"""The application role as PostgreSQL sees it: no owner, no superuser, policies apply."""

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from gridmap.core.access import Principal
from gridmap.db.scope import apply_scope
from tests.conftest import TOWNSHIP_A


def _as(conn: Connection, scope: str, *permissions: str) -> None:
    apply_scope(conn, Principal("t", "test", scope, frozenset(permissions)))


def _refused(conn: Connection, sql: str, match: str) -> None:
    with pytest.raises(DBAPIError, match=match), conn.begin_nested():
        conn.execute(text(sql))


def test_app_role_is_neither_owner_nor_superuser(app_conn: Connection) -> None:
    row = app_conn.execute(
        text(
            "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        )
    ).one()
    assert row == ("gridmap_app", False, False)
    owners = app_conn.execute(
        text(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
            " AND tableowner = current_user"
        )
    ).scalar_one()
    assert owners == 0


def test_app_role_cannot_rewrite_the_audit_log_or_disable_rls(app_conn: Connection) -> None:
    _as(app_conn, "*", "*")
    assert app_conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one() > 0
    _refused(app_conn, "UPDATE audit_log SET actor = 'x'", "permission denied")
    _refused(app_conn, "DELETE FROM audit_log", "permission denied")
    _refused(app_conn, "TRUNCATE audit_log", "permission denied")
    _refused(app_conn, "ALTER TABLE grids DISABLE ROW LEVEL SECURITY", "must be owner")
    _refused(app_conn, "DROP POLICY grids_read ON grids", "must be owner")
    _refused(app_conn, "SELECT password_hash FROM users", "permission denied")
    _refused(app_conn, "SELECT * FROM auth_sessions", "permission denied")


def test_audit_log_is_append_only_even_for_its_owner(conn: Connection) -> None:
    with pytest.raises(DBAPIError, match="append-only"), conn.begin_nested():
        conn.execute(text("DELETE FROM audit_log"))


def test_no_scope_sees_nothing(app_conn: Connection) -> None:
    for table in ("grids", "regions", "users", "audit_log"):
        assert app_conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == 0, table


def test_scope_limits_reads_and_writes(app_conn: Connection) -> None:
    _as(app_conn, TOWNSHIP_A[:9], "grids:read")
    codes = app_conn.execute(text("SELECT code FROM grids")).scalars().all()
    assert codes and all(code.startswith(TOWNSHIP_A[:9]) for code in codes)
    # without grids:write an update touches nothing
    updated = app_conn.execute(text("UPDATE grids SET name = name || '!'")).rowcount
    assert updated == 0
    _as(app_conn, TOWNSHIP_A[:9], "grids:read", "grids:write")
    assert app_conn.execute(text("UPDATE grids SET name = name || '!'")).rowcount == len(codes)
    # a write may not move a grid out of the caller's scope
    _refused(
        app_conn,
        "UPDATE grids SET code = '361126101000999', region_code = '361126101000'"
        " WHERE code = (SELECT min(code) FROM grids)",
        "row-level security",
    )
