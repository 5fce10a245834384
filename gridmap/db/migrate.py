"""Alembic, driven from code: ``gridmap migrate`` and every start run the migrations to head."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Run the migrations up to ``revision`` (as the tables' owner)."""
    command.upgrade(alembic_config(url), revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("postgresql://")).get_current_head()


def current_revision_of(conn: Connection) -> str | None:
    """The revision a database is at (None before the first migration)."""
    return MigrationContext.configure(conn).get_current_revision()


def allow_login(conn: Connection, role: str) -> None:
    """Let a role log in (the embedded cluster's socket admits only its owner, so the
    application role may log in there)."""
    quoted = conn.dialect.identifier_preparer.quote(role)
    conn.execute(text(f"ALTER ROLE {quoted} LOGIN"))


def server_versions(conn: Connection) -> dict[str, str]:
    """The PostgreSQL and PostGIS versions of the server (for ``/health``)."""
    row = conn.execute(text("SELECT postgis_lib_version(), current_setting('server_version')"))
    postgis, postgresql = row.one()
    return {"postgis": postgis, "postgresql": postgresql}
