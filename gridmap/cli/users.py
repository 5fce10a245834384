"""``gridmap user …``: accounts (用户), their roles and passwords."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from gridmap.cli.common import (
    clean_errors,
    console,
    transaction,
)
from gridmap.core.settings import get_settings
from gridmap.db import migrate
from gridmap.db.engine import database_running

user_app = typer.Typer(help="User accounts (用户) and their roles.", no_args_is_help=True)


def _read_password(from_stdin: bool, prompt: str = "new password") -> tuple[str, bool]:
    """The password from stdin, or a generated one; True when generated (to print once)."""
    from gridmap.core import auth

    if from_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    return auth.generate_password(), True


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="username")],
    role: Annotated[
        str,
        typer.Option(help="admin, planner, dispatcher, engineer, grid_worker, viewer, department"),
    ],
    jurisdiction: Annotated[str, typer.Option(help="region code (12 digits) or grid code")],
    display_name: Annotated[str, typer.Option(help="a person's name")] = "",
    department: Annotated[
        str | None, typer.Option(help="a department user's department (its code)")
    ] = None,
    password_stdin: Annotated[bool, typer.Option(help="read the password from stdin")] = False,
) -> None:
    """Add a user; prints a generated password once (or reads one with --password-stdin)."""
    from gridmap.services import accounts

    password, generated = _read_password(password_stdin)
    with clean_errors(), database_running() as url:
        migrate.upgrade(url)
        with transaction(url) as conn:
            accounts.add_user(
                conn, get_settings(), name, role, jurisdiction, password, display_name, department
            )
    console.print(f"user {name} added: role {role}, jurisdiction {jurisdiction}")
    if generated:
        typer.echo(f"password: {password}")


@user_app.command("passwd")
def user_passwd(
    name: Annotated[str, typer.Argument(help="username")],
    password_stdin: Annotated[bool, typer.Option(help="read the password from stdin")] = False,
) -> None:
    """Set a new password (generated and printed once, or read with --password-stdin)."""
    from gridmap.services import accounts

    password, generated = _read_password(password_stdin)
    with clean_errors(), database_running() as url, transaction(url) as conn:
        accounts.change_password(conn, name, password)
    console.print(f"password of {name} changed; failed-login lock cleared")
    if generated:
        typer.echo(f"password: {password}")


@user_app.command("list")
def user_list() -> None:
    """List users: name, role, jurisdiction, state."""
    from gridmap.layers import users

    with clean_errors(), database_running() as url, transaction(url) as conn:
        rows = users.list_users(conn)
    for row in rows:
        state = "disabled" if row["disabled"] else "active"
        typer.echo(f"{row['username']}\t{row['role']}\t{row['jurisdiction']}\t{state}")


def _set_disabled(name: str, disabled: bool) -> None:
    from gridmap.services import accounts

    with clean_errors(), database_running() as url, transaction(url) as conn:
        accounts.set_disabled(conn, name, disabled)
    console.print(f"user {name} {'disabled' if disabled else 'enabled'}")


@user_app.command("disable")
def user_disable(name: Annotated[str, typer.Argument(help="username")]) -> None:
    """Disable a user: their sessions stop working at once."""
    _set_disabled(name, True)


@user_app.command("enable")
def user_enable(name: Annotated[str, typer.Argument(help="username")]) -> None:
    """Enable a disabled user again."""
    _set_disabled(name, False)
