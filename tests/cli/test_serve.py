"""End to end: `gridmap serve` as a user runs it, on a fresh data folder, then Ctrl-C."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import make_data_dir
from tests.db.test_embedded import _postmaster_pids

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gridmap(data_dir: Path, *args: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "GRIDMAP_DATA_DIR": str(data_dir)}
    env.pop("GRIDMAP_DATABASE_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "gridmap", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **kwargs,
    )


def _wait_healthy(port: int, proc: subprocess.Popen, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"gridmap serve exited early:\n{proc.stdout.read()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                return json.load(r)
        except OSError:
            time.sleep(0.3)
    pytest.fail("gridmap serve did not become healthy")


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_serve_then_signal_leaves_no_postgres(stop_signal: signal.Signals) -> None:
    data_dir = make_data_dir("gridmap-serve-")
    port = _free_port()
    proc = _gridmap(data_dir, "serve", "--port", str(port))
    try:
        health = _wait_healthy(port, proc)
        assert health["status"] == "ok" and health["database"] == "embedded"
        assert health["postgis"].startswith("3.")
        assert _postmaster_pids(data_dir)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/public/grids?limit=1") as r:
            assert json.load(r)["numberMatched"] > 200  # the demo county was loaded
        accounts = data_dir / "demo-users.txt"
        assert accounts.stat().st_mode & 0o777 == 0o600
        admin = next(
            line.split("\t")
            for line in accounts.read_text().splitlines()
            if line.startswith("admin\t")
        )
        form = urllib.parse.urlencode({"username": "admin", "password": admin[3]}).encode()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/auth/token", data=form) as r:
            assert json.load(r)["role"] == "admin"
        assert (data_dir / "secrets" / "signing.key").stat().st_mode & 0o777 == 0o600
        proc.send_signal(stop_signal)
        output, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0, output
        assert _postmaster_pids(data_dir) == []
        assert not (data_dir / "pgdata" / "postmaster.pid").exists()
    finally:
        if proc.poll() is None:
            proc.kill()
        stopper = _gridmap(data_dir, "db", "stop")
        stopper.communicate(timeout=60)


def test_db_commands_leave_a_running_cluster_running() -> None:
    data_dir = make_data_dir("gridmap-cli-")
    env = {**os.environ, "GRIDMAP_DATA_DIR": str(data_dir)}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "gridmap", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    try:
        assert run("db", "status").returncode == 3
        # a command that needs the database starts it for its duration only
        assert run("migrate").returncode == 0
        assert run("db", "status").returncode == 3
        assert run("db", "start").returncode == 0
        assert run("load", "regions").returncode == 0
        status = run("db", "status")
        assert status.returncode == 0 and "running" in status.stdout
        out = run("db", "psql", "-Atc", "SELECT count(*) FROM regions WHERE level = 'province'")
        assert out.stdout.strip() == "31"
    finally:
        run("db", "stop")
    assert _postmaster_pids(data_dir) == []
