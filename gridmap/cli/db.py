"""``gridmap db …`` (the embedded cluster) and ``gridmap migrate``."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from gridmap.cli.common import (
    clean_errors,
    console,
    fail,
    transaction,
)
from gridmap.core.errors import GridmapError
from gridmap.core.settings import get_settings
from gridmap.db import migrate
from gridmap.db.engine import database_running, embedded_cluster

db_app = typer.Typer(help="The embedded PostgreSQL/PostGIS cluster.", no_args_is_help=True)


def _embedded_only() -> None:
    if get_settings().db.database_url:
        fail(GridmapError("GRIDMAP_DATABASE_URL is set: there is no embedded cluster to manage"))


@db_app.command("start")
def db_start() -> None:
    """Start the embedded cluster (initialising it the first time) and leave it running."""
    _embedded_only()
    cluster = embedded_cluster()
    with clean_errors():
        started = cluster.start()
    console.print(("started: " if started else "already running: ") + cluster.status())


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded cluster."""
    _embedded_only()
    with clean_errors():
        stopped = embedded_cluster().stop()
    console.print("stopped" if stopped else "was not running")


@db_app.command("status")
def db_status() -> None:
    """Say whether the embedded cluster runs (exit 0) or not (exit 3)."""
    settings = get_settings()
    if settings.db.database_url:
        console.print("external database (GRIDMAP_DATABASE_URL)")
        return
    cluster = embedded_cluster(settings)
    typer.echo(cluster.status())
    if not cluster.running:
        raise typer.Exit(code=3)


@db_app.command("psql", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def db_psql(ctx: typer.Context) -> None:
    """Open psql on the database (extra arguments go to psql)."""
    settings = get_settings()
    if settings.db.database_url:
        url = settings.db.database_url.replace("postgresql+psycopg://", "postgresql://")
        os.execvp("psql", ["psql", url, *ctx.args])
    with clean_errors(), database_running(settings):
        import subprocess

        code = subprocess.call(embedded_cluster(settings).psql_argv(*ctx.args))
    raise typer.Exit(code=code)


def migrate_(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Run the database migrations (to head by default)."""
    with clean_errors(), database_running() as url:
        migrate.upgrade(url, revision)
        with transaction(url) as conn:
            console.print(f"database at revision {migrate.current_revision_of(conn)}")
