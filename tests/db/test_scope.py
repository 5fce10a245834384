"""Telling a transaction who is asking: in the statement that checks the caller
(``db.scope.checked``) exactly as ``apply_scope`` does on its own."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Connection, text

from gridmap.core import auth
from gridmap.core.errors import Unauthorized
from gridmap.core.settings import Settings
from gridmap.db.scope import apply_scope
from gridmap.services import accounts

_TOLD = (
    "SELECT current_setting('gridmap.scope', true), current_setting('gridmap.permissions', true),"
    " current_setting('gridmap.user', true), current_setting('gridmap.department', true)"
)


def _told(conn: Connection) -> tuple[str | None, ...]:
    return tuple(conn.execute(text(_TOLD)).one())


@pytest.mark.parametrize("username", ["town_a", "dept_cg", "root", "worker"])
def test_the_check_tells_what_apply_scope_tells(
    app_conn: Connection, settings: Settings, token_of, username: str
) -> None:
    principal = accounts.authenticate(app_conn, settings, token_of(username))
    in_the_check = _told(app_conn)
    assert in_the_check[0] == principal.scope and in_the_check[2] == username
    apply_scope(app_conn, principal)
    assert _told(app_conn) == in_the_check
    if username == "dept_cg":
        assert principal.department_id and in_the_check[3] == str(principal.department_id)
    else:
        assert in_the_check[3] == ""


def test_a_failed_check_tells_nothing(app_conn: Connection, settings: Settings) -> None:
    # signed with the server's key, but no session was ever opened for it
    token = auth.issue_token(auth.signing_key(settings), "town_a", "bearer", timedelta(minutes=5))
    with pytest.raises(Unauthorized, match="the session has ended"):
        accounts.authenticate(app_conn, settings, token.token)
    assert _told(app_conn) in ((None, None, None, None), ("", "", "", ""))
