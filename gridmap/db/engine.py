"""Engines and sessions, and the one place that decides which database gridmap talks to."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from gridmap.db.embedded import EmbeddedCluster
from gridmap.settings import Settings, get_settings

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def embedded_cluster(settings: Settings | None = None) -> EmbeddedCluster:
    db = (settings or get_settings()).db
    return EmbeddedCluster.from_settings(db.data_dir, db.pg_bindir, db.pg_user, db.db_name)


def database_url(settings: Settings | None = None) -> str:
    """The configured URL, or the embedded cluster's."""
    settings = settings or get_settings()
    if settings.db.database_url:
        return settings.db.database_url
    return embedded_cluster(settings).url()


def _new_engine(url: str, settings: Settings) -> Engine:
    engine = create_engine(
        url,
        pool_size=settings.db.pool_size,
        max_overflow=10,
        pool_pre_ping=True,
        connect_args={"application_name": "gridmap"},
    )
    timeout_ms = int(settings.db.statement_timeout_ms)
    metric_srid = int(settings.geo.metric_srid)

    @event.listens_for(engine, "connect")
    def _session_settings(dbapi_connection, _record) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {timeout_ms}")
            # read by the grids' area trigger: 0 picks the Gauss-Krüger zone by longitude
            cursor.execute(f"SET gridmap.metric_srid = '{metric_srid}'")
        dbapi_connection.commit()

    return engine


def engine_for(settings: Settings | None = None, url: str | None = None) -> Engine:
    """The pooled engine of a URL (default: the configured database), created once."""
    settings = settings or get_settings()
    url = url or database_url(settings)
    with _engines_lock:
        if url not in _engines:
            _engines[url] = _new_engine(url, settings)
        return _engines[url]


def dispose_engine(url: str) -> None:
    """Close the pooled connections of a URL, e.g. before its server stops."""
    with _engines_lock:
        engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def session_factory(settings: Settings | None = None) -> sessionmaker[Session]:
    return sessionmaker(bind=engine_for(settings), expire_on_commit=False)


@contextlib.contextmanager
def database_running(settings: Settings | None = None) -> Iterator[str]:
    """Yield the database URL, starting the embedded cluster for the duration if needed.

    A cluster that was already running is left running; one started here is stopped on exit.
    """
    settings = settings or get_settings()
    if settings.db.database_url:
        yield settings.db.database_url
        return
    cluster = embedded_cluster(settings)
    started = cluster.start()
    try:
        yield cluster.url()
    finally:
        if started:
            dispose_engine(cluster.url())
            cluster.stop()
