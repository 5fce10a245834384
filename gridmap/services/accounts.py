"""Accounts (账号): creating users, signing in and out; shared by the CLI, the API and start-up."""

from __future__ import annotations

import json
import re
import stat
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection

from gridmap.core import auth
from gridmap.core.access import ALL, Principal, scope_of
from gridmap.core.errors import Forbidden, GridmapError, InvalidInput, Unauthorized
from gridmap.core.settings import Settings
from gridmap.db.scope import permissions_setting
from gridmap.layers import audit, events, users

USERNAME_RULE = "2-64 characters: letters, digits, _ . @ -"
USERNAME_PATTERN = re.compile(r"[A-Za-z0-9_.@-]{2,64}")


def add_user(
    conn: Connection,
    settings: Settings,
    username: str,
    role: str,
    jurisdiction: str,
    password: str,
    display_name: str = "",
    department: str | None = None,
) -> int:
    """Create a user after checking name, role, jurisdiction, department and password (owner's
    connection). A role that handles dispatched events (``events:handle``, the ``department``
    role by default) belongs to a department, given by its code."""
    if not USERNAME_PATTERN.fullmatch(username):
        raise InvalidInput(f"username {username!r} is not {USERNAME_RULE}", field="username")
    if role not in settings.auth.roles:
        raise InvalidInput(
            f"role {role!r} is not one of: {', '.join(settings.auth.roles)}", field="role"
        )
    scope = scope_of(jurisdiction)
    if scope == ALL and role != "admin":
        raise InvalidInput(
            f"only an admin may have the whole system ('*') as jurisdiction, not a {role}",
            field="jurisdiction",
        )
    if not users.jurisdiction_exists(conn, jurisdiction):
        raise InvalidInput(
            f"jurisdiction {jurisdiction} is not a loaded region or grid", field="jurisdiction"
        )
    department_id = _department_of(conn, settings, role, department)
    auth.check_password_strength(password)
    user_id = users.create_user(
        conn,
        username,
        role,
        jurisdiction,
        scope,
        auth.hash_password(password),
        display_name,
        department_id,
    )
    audit.record(
        conn,
        "user_add",
        object_type="user",
        object_id=username,
        scope=scope,
        detail={"role": role, "jurisdiction": jurisdiction},
    )
    return user_id


def _department_of(
    conn: Connection, settings: Settings, role: str, department: str | None
) -> int | None:
    handles = "events:handle" in settings.auth.permissions(role)
    if department is None:
        if handles:
            raise InvalidInput(
                f"a {role} user belongs to a department: give its code (--department)",
                field="department",
            )
        return None
    found = events.department(conn, department)
    if found is None:
        raise InvalidInput(f"department {department!r} does not exist", field="department")
    return found["id"]


def change_password(conn: Connection, username: str, password: str) -> None:
    auth.check_password_strength(password)
    users.set_password(conn, username, auth.hash_password(password))
    record_account_change(conn, "user_passwd", username)


def set_disabled(conn: Connection, username: str, disabled: bool) -> None:
    """Disable a user (their sessions stop at once) or enable them again."""
    users.set_disabled(conn, username, disabled)
    record_account_change(conn, "user_disable" if disabled else "user_enable", username)


def record_account_change(conn: Connection, action: str, username: str) -> None:
    """Audit a change to an account, in the account's jurisdiction (its admins see it)."""
    account = users.lookup(conn, username)
    scope = account["scope"] if account else None
    audit.record(conn, action, object_type="user", object_id=username, scope=scope)


@dataclass(frozen=True)
class Login:
    """A successful sign-in: the signed token and what it is for."""

    token: auth.IssuedToken
    principal: Principal


@dataclass(frozen=True)
class Refusal:
    """A refused sign-in: the error to raise once the attempt's record is committed, and how
    long to make the caller wait first."""

    error: GridmapError
    delay_seconds: float = 0.0

    def raise_after_delay(self) -> None:
        time.sleep(self.delay_seconds)
        raise self.error


def _refuse(
    conn: Connection,
    settings: Settings,
    account: dict | None,
    username: str,
    client: str | None,
    reason: str,
    error: GridmapError,
) -> Refusal:
    """Record a failed attempt (and count it against the account) and build the refusal."""
    failures = 1
    if account is not None and reason == "wrong password":
        lock_seconds = settings.auth.lockout_minutes * 60
        failures = users.record_failure(
            conn, account["id"], settings.auth.max_failed_logins, lock_seconds
        )
    audit.record(
        conn,
        "login_failed",
        actor=username,
        object_type="user",
        object_id=username,
        # the jurisdiction of the account tried, so its admins see the attempts on it
        scope=account["scope"] if account else None,
        detail={"reason": reason},
        client=client,
    )
    delay = settings.auth.failure_delay_seconds * 2 ** (failures - 1)
    return Refusal(error, min(delay, settings.auth.max_failure_delay_seconds))


def sign_in(
    conn: Connection,
    settings: Settings,
    username: str,
    password: str,
    kind: str,
    client: str | None = None,
) -> Login | Refusal:
    """Check a password and open a session (``kind``: bearer token or cookie).

    Every attempt is audited. A refusal is returned, not raised, so that the caller commits its
    record before raising. Failures are slowed down, doubling each time, and lock the account
    for ``lockout_minutes`` after ``max_failed_logins``; a locked or disabled account is refused
    before its password is even checked.
    """
    account = users.lookup(conn, username)

    def refuse(reason: str, error: GridmapError) -> Refusal:
        return _refuse(conn, settings, account, username, client, reason, error)

    if account is not None and account["disabled"]:
        return refuse("disabled", Forbidden(f"account {username!r} is disabled"))
    locked_until = account["locked_until"] if account else None
    if locked_until is not None and locked_until > datetime.now(UTC):
        minutes = int((locked_until - datetime.now(UTC)).total_seconds() // 60) + 1
        return refuse(
            "locked",
            Unauthorized(
                f"account {username!r} is locked after repeated failed logins; try again in "
                f"{minutes} min"
            ),
        )
    ok, rehash = auth.verify_password(password, account["password_hash"] if account else None)
    if not ok:
        return refuse("wrong password", Unauthorized("wrong username or password"))
    ttl_minutes = (
        settings.auth.token_ttl_minutes if kind == "bearer" else (settings.auth.session_ttl_minutes)
    )
    token = auth.issue_token(
        auth.signing_key(settings), username, kind, timedelta(minutes=ttl_minutes)
    )
    users.open_session(conn, account["id"], token.jti, kind, token.expires_at, rehash)
    audit.record(
        conn,
        "login",
        actor=username,
        object_type="user",
        object_id=username,
        scope=account["scope"],
        detail={"kind": kind},
        client=client,
    )
    return Login(token, principal_of(account, settings, kind, token.jti, token.csrf))


def principal_of(
    row: dict, settings: Settings, kind: str | None, jti: str | None, csrf: str | None = None
) -> Principal:
    return Principal(
        username=row["username"],
        role=row["role"],
        scope=row["scope"],
        permissions=settings.auth.permissions(row["role"]),
        user_id=row["id"],
        jurisdiction=row["jurisdiction"],
        department_id=row.get("department_id"),
        session_kind=kind,
        jti=jti,
        csrf=csrf,
    )


def grants(settings: Settings) -> str:
    """Each role's ``gridmap.permissions`` as JSON, for checking a caller and telling the
    transaction who is asking in one statement (``db.scope.checked``); made once per settings."""
    made = _GRANTS.get(id(settings))
    if made is None or made[0] is not settings:
        roles = settings.auth.role_permissions
        mapping = {r: permissions_setting(settings.auth.permissions(r)) for r in roles}
        made = _GRANTS[id(settings)] = (settings, json.dumps(mapping))
    return made[1]


_GRANTS: dict[int, tuple[Settings, str]] = {}


def authenticate(conn: Connection, settings: Settings, token: str) -> Principal:
    """The principal of a signed token whose session is live; Unauthorized otherwise. The
    transaction is told who is asking (row-level security) in the statement that checks the
    session."""
    claims = auth.decode_token(auth.signing_key(settings), token)
    row = users.check_session(conn, claims["jti"], grants(settings))
    if row is None:
        raise Unauthorized("the session has ended (signed out, expired or disabled): sign in again")
    return principal_of(row, settings, row["kind"], claims["jti"], claims.get("csrf"))


def sign_out(conn: Connection, principal: Principal, client: str | None = None) -> None:
    if principal.jti:
        users.revoke_session(conn, principal.jti)
    audit.record(
        conn,
        "logout",
        actor=principal.username,
        object_type="user",
        object_id=principal.username,
        scope=principal.scope,
        client=client,
    )


# -- demo accounts --------------------------------------------------------------------------


def create_demo_users(
    conn: Connection,
    settings: Settings,
    county: str,
    grid: str | None,
    out: Path,
    department: str | None = None,
) -> Path:
    """One admin (whole system) and one user per role (the county; a grid for the grid
    worker; ``department``, a department's code, for roles that handle dispatched events),
    with random passwords written once to ``out`` (mode 0600)."""
    lines = [
        "# gridmap demo accounts (shown once; change or disable them)",
        "# username\trole\tjurisdiction\tpassword",
    ]
    for role in settings.auth.roles:
        jurisdiction = {"admin": ALL, "grid_worker": grid or county}.get(role, county)
        password = auth.generate_password()
        username = role if role == "admin" else f"demo_{role}"
        handles = "events:handle" in settings.auth.permissions(role)
        if handles and department is None:
            continue  # no department to belong to
        add_user(
            conn,
            settings,
            username,
            role,
            jurisdiction,
            password,
            f"demo {role}",
            department if handles else None,
        )
        lines.append(f"{username}\t{role}\t{jurisdiction}\t{password}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.touch(mode=0o600, exist_ok=True)
    out.chmod(stat.S_IRUSR | stat.S_IWUSR)
    out.write_text("\n".join(lines) + "\n")
    return out
