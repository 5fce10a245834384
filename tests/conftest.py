"""Test fixtures: one private PostGIS cluster per run, started by ``gridmap serve``'s own code.

The database is prepared once as `gridmap serve` prepares it (migrations, national region codes,
the demo county, demo accounts) plus test users of every role. Layer tests get the owner's
connection inside a transaction that is rolled back afterwards; API tests call the real app,
which connects as the application role, so row-level security applies to them as in production.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from gridmap.api.main import create_app
from gridmap.core.settings import Settings, get_settings
from gridmap.db.embedded import EmbeddedCluster
from gridmap.db.engine import app_engine, dispose_engines, embedded_cluster, engine_for

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
    overrides = {
        "GRIDMAP_DATA_DIR": str(data_dir),
        "GRIDMAP_AUTH_FAILURE_DELAY_SECONDS": "0.01",  # failed logins stay slowed, but briefly
    }
    saved = {k: os.environ.get(k) for k in [*overrides, "GRIDMAP_DATABASE_URL"]}
    os.environ.update(overrides)
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
        dispose_engines()
        cluster.stop()


PASSWORD = "test-password-123"
COUNTY = "361126000000"  # 弋阳县
TOWNSHIP_A = "361126109000"  # 弋江镇
TOWNSHIP_B = "361126101000"  # 曹溪镇
TOWNSHIP_C = "361126110000"  # 三县岭镇: the API's edit tests commit their edits here

# username: (role, jurisdiction)
TEST_USERS = {
    "root": ("admin", "*"),
    "county_admin": ("admin", COUNTY),
    "admin_a": ("admin", TOWNSHIP_A),
    "admin_b": ("admin", TOWNSHIP_B),
    "worker_town_a": ("grid_worker", TOWNSHIP_A),
    "planner": ("planner", COUNTY),
    "dispatcher": ("dispatcher", COUNTY),
    "engineer": ("engineer", COUNTY),
    "viewer": ("viewer", COUNTY),
    "town_a": ("dispatcher", TOWNSHIP_A),
    "town_b": ("dispatcher", TOWNSHIP_B),
    "planner_a": ("planner", TOWNSHIP_A),
    "planner_c": ("planner", TOWNSHIP_C),
}


# a department's staff (职能部门), by their department's code (the demo county's bureaus)
DEPARTMENT_USERS = {"dept_cg": "361126-CG", "dept_ga": "361126-GA"}


@pytest.fixture(scope="session")
def database(cluster: EmbeddedCluster, settings: Settings) -> str:
    """The database as `gridmap serve` prepares it (codes, demo county, demo accounts), plus
    the test users; returns the owner's URL."""
    from gridmap.services import accounts, bootstrap

    bootstrap.prepare(settings, demo=True)
    url = cluster.url()
    with engine_for(settings, url).begin() as conn:
        grid = conn.execute(
            text("SELECT min(code) FROM grids WHERE region_code = :t"), {"t": TOWNSHIP_A}
        ).scalar_one()
        for username, (role, jurisdiction) in {
            **TEST_USERS,
            "worker": ("grid_worker", grid),
            "grid_admin": ("admin", grid),
        }.items():
            accounts.add_user(conn, settings, username, role, jurisdiction, PASSWORD)
        for username, department in DEPARTMENT_USERS.items():
            accounts.add_user(
                conn, settings, username, "department", COUNTY, PASSWORD, department=department
            )
    return url


@pytest.fixture
def conn(database: str, settings: Settings) -> Iterator[Connection]:
    """The owner's connection in a transaction that is rolled back after the test."""
    with engine_for(settings, database).connect() as connection:
        transaction = connection.begin()
        try:
            yield connection
        finally:
            transaction.rollback()


@pytest.fixture
def app_conn(database: str, settings: Settings) -> Iterator[Connection]:
    """A connection as the application role (RLS applies), rolled back after the test."""
    with app_engine(settings).connect() as connection:
        transaction = connection.begin()
        try:
            yield connection
        finally:
            transaction.rollback()


@pytest.fixture(scope="session")
def app(database: str, settings: Settings):
    return create_app(settings)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    """The real app, connecting as the application role (RLS applies), no one signed in."""
    with TestClient(app) as test_client:
        yield test_client


_tokens: dict[str, str] = {}


@pytest.fixture
def token_of(client: TestClient) -> Callable[[str], str]:
    """A bearer token of a test user (signed in once per run through the real endpoint)."""

    def token(username: str) -> str:
        if username not in _tokens:
            response = client.post(
                "/api/v1/auth/token", data={"username": username, "password": PASSWORD}
            )
            assert response.status_code == 200, response.text
            _tokens[username] = response.json()["access_token"]
        return _tokens[username]

    return token


@pytest.fixture
def as_user(app, token_of) -> Callable[[str], TestClient]:
    """A client signed in as a test user (bearer token)."""
    clients: list[TestClient] = []

    def signed_in(username: str) -> TestClient:
        signed = TestClient(app, headers={"Authorization": f"Bearer {token_of(username)}"})
        clients.append(signed)
        return signed

    yield signed_in
    for signed in clients:
        signed.close()


@pytest.fixture
def api(as_user) -> TestClient:
    """A client signed in as the system administrator (sees everything)."""
    return as_user("root")


def finished_job(client: TestClient, status: str, polls: int = 300) -> dict:
    """Poll a job's status resource until it is done or failed; its last state."""
    for _ in range(polls):
        job = client.get(status).json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {status} did not finish: {job}")
