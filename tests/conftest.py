"""Test fixtures: one private PostGIS cluster per run, started by ``gridmap serve``'s own code.

The database is migrated and loaded (national region codes + the demo county) once. Each test
gets a connection inside a transaction that is rolled back afterwards, so tests do not see each
other's writes; the API under test runs on that same connection.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection

from gridmap.api import deps
from gridmap.api.main import create_app
from gridmap.db import migrate
from gridmap.db.embedded import EmbeddedCluster
from gridmap.db.engine import dispose_engine, embedded_cluster, engine_for
from gridmap.settings import Settings, get_settings

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA_DIRS = (REPO.parent / "shared" / "data", Path("/work/shared/data"))


def shared_data(*parts: str) -> Path:
    """A file of the team's shared data (read in place: some of it may not be redistributed)."""
    for base in SHARED_DATA_DIRS:
        path = base.joinpath(*parts)
        if path.exists():
            return path
    pytest.fail(
        f"shared data {'/'.join(parts)} not found in {', '.join(map(str, SHARED_DATA_DIRS))}"
    )


def make_data_dir(prefix: str = "gridmap-test-") -> Path:
    """A temporary data folder the cluster's OS user can reach (pytest's tmp_path is 0700)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    return path


@pytest.fixture(scope="session")
def data_dir() -> Iterator[Path]:
    path = make_data_dir()
    yield path
    import shutil

    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def settings(data_dir: Path) -> Iterator[Settings]:
    """Settings pointing at the test run's own embedded cluster."""
    saved = {k: os.environ.get(k) for k in ("GRIDMAP_DATA_DIR", "GRIDMAP_DATABASE_URL")}
    os.environ["GRIDMAP_DATA_DIR"] = str(data_dir)
    os.environ.pop("GRIDMAP_DATABASE_URL", None)
    get_settings.cache_clear()
    yield get_settings()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def cluster(settings: Settings) -> Iterator[EmbeddedCluster]:
    """The run's PostGIS cluster; stopped at the end, also when tests fail."""
    cluster = embedded_cluster(settings)
    cluster.start()
    try:
        yield cluster
    finally:
        dispose_engine(cluster.url())
        cluster.stop()


@pytest.fixture(scope="session")
def database(cluster: EmbeddedCluster, settings: Settings) -> str:
    """The migrated database with the region codes and the demo county; returns its URL."""
    from gridmap import demo, loaders

    url = cluster.url()
    migrate.upgrade(url)
    with engine_for(settings, url).begin() as conn:
        loaders.load_regions(conn)
        demo.load_demo(conn)
    return url


@pytest.fixture
def conn(database: str, settings: Settings) -> Iterator[Connection]:
    """A connection in a transaction that is rolled back after the test."""
    with engine_for(settings, database).connect() as connection:
        transaction = connection.begin()
        try:
            yield connection
        finally:
            transaction.rollback()


@pytest.fixture
def client(conn: Connection, settings: Settings) -> Iterator[TestClient]:
    """The API on the test's connection (each request in a savepoint of the test transaction)."""
    app = create_app(settings)

    def test_connection() -> Iterator[Connection]:
        with conn.begin_nested():
            yield conn

    app.dependency_overrides[deps.get_connection] = test_connection
    with TestClient(app) as test_client:
        yield test_client
