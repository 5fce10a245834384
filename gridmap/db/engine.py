"""Engines and sessions, and the one place that decides which database gridmap talks to.

Two connections to one database: the *owner* (migrations, bulk loads, the CLI) and the
*application* role (every HTTP request), which owns nothing and is no superuser, so PostgreSQL's
row-level security applies to it.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator

from sqlalchemy import Engine, create_engine, event

from gridmap.core.settings import Settings, get_settings
from gridmap.db.embedded import EmbeddedCluster

log = logging.getLogger("gridmap.db")

_engines: dict[tuple[str, bool], Engine] = {}
_engines_lock = threading.Lock()


def embedded_cluster(settings: Settings | None = None) -> EmbeddedCluster:
    db = (settings or get_settings()).db
    return EmbeddedCluster.from_settings(db.data_dir, db.pg_bindir, db.pg_user, db.db_name)


def owner_url(settings: Settings | None = None) -> str:
    """URL of the tables' owner: migrations and bulk loads."""
    settings = settings or get_settings()
    configured = settings.db.database_owner_url or settings.db.database_url
    return configured or embedded_cluster(settings).url()


def app_url(settings: Settings | None = None) -> str:
    """URL the application connects with (the embedded cluster's application role)."""
    settings = settings or get_settings()
    if settings.db.database_url:
        return settings.db.database_url
    return embedded_cluster(settings).url(user=settings.db.app_role)


def _privileged(cursor, app_role: str) -> bool:
    cursor.execute(
        "SELECT current_user <> %s AND (r.rolsuper OR r.rolbypassrls OR EXISTS ("
        "  SELECT 1 FROM pg_tables WHERE tablename = 'grids' AND tableowner = current_user))"
        " FROM pg_roles r WHERE r.rolname = current_user",
        (app_role,),
    )
    row = cursor.fetchone()
    return bool(row and row[0])


def _new_engine(url: str, settings: Settings, as_app: bool) -> Engine:
    engine = create_engine(
        url,
        pool_size=settings.db.pool_size,
        max_overflow=10,
        pool_pre_ping=settings.db.pre_ping,
        connect_args={"application_name": "gridmap"},
    )
    timeout_ms = int(settings.db.statement_timeout_ms)
    metric_srid = int(settings.geo.metric_srid)
    app_role = settings.db.app_role

    @event.listens_for(engine, "connect")
    def _session_settings(dbapi_connection, _record) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {timeout_ms}")
            # read by the grids' area trigger: 0 picks the Gauss-Krüger zone by longitude
            cursor.execute(f"SET gridmap.metric_srid = '{metric_srid}'")
            if as_app and _privileged(cursor, app_role):
                # one URL for everything: drop to the application role so that RLS applies
                log.warning("database user owns the tables or bypasses RLS: SET ROLE %s", app_role)
                cursor.execute(f'SET ROLE "{app_role}"')
        dbapi_connection.commit()

    return engine


def engine_for(settings: Settings | None = None, url: str | None = None) -> Engine:
    """The owner's pooled engine (or that of ``url``), created once."""
    return _engine(settings or get_settings(), url or owner_url(settings), as_app=False)


def app_engine(settings: Settings | None = None) -> Engine:
    """The application role's pooled engine, created once."""
    settings = settings or get_settings()
    return _engine(settings, app_url(settings), as_app=True)


def _engine(settings: Settings, url: str, as_app: bool) -> Engine:
    with _engines_lock:
        key = (url, as_app)
        if key not in _engines:
            _engines[key] = _new_engine(url, settings, as_app)
        return _engines[key]


def dispose_engines(settings: Settings | None = None) -> None:
    """Close every pooled connection, e.g. before the server stops."""
    with _engines_lock:
        engines = list(_engines.values())
        _engines.clear()
    for engine in engines:
        engine.dispose()


@contextlib.contextmanager
def database_running(settings: Settings | None = None) -> Iterator[str]:
    """Yield the owner's URL, starting the embedded cluster for the duration if needed.

    A cluster that was already running is left running; one started here is stopped on exit.
    """
    settings = settings or get_settings()
    if settings.db.database_url or settings.db.database_owner_url:
        yield owner_url(settings)
        return
    cluster = embedded_cluster(settings)
    started = cluster.start()
    try:
        yield cluster.url()
    finally:
        if started:
            dispose_engines()
            cluster.stop()
