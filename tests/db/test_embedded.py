"""The embedded cluster on its own data folder: first start, restart, crash recovery."""

import contextlib
import os
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from gridmap.db.embedded import EmbeddedCluster, find_bindir
from tests.conftest import make_data_dir


@pytest.fixture
def scratch() -> Iterator[EmbeddedCluster]:
    data_dir = make_data_dir("gridmap-scratch-")
    cluster = EmbeddedCluster(
        data_dir, find_bindir(), "postgres" if os.geteuid() == 0 else None, "scratch"
    )
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def _ppid(proc: Path) -> int | None:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def _postmaster_pids(data_dir: Path) -> list[int]:
    """PIDs of the postgres processes serving this data folder: postmaster and its children."""
    procs = [p for p in Path("/proc").iterdir() if p.name.isdigit()]
    masters = set()
    for proc in procs:
        try:
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if b"postgres" in cmdline and str(data_dir).encode() in cmdline:
            masters.add(int(proc.name))
    children = {int(p.name) for p in procs if _ppid(p) in masters}
    return sorted(masters | children)


def _alive(pid: int) -> bool:
    """Running, not a zombie left for a parent that never reaps it."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _query(cluster: EmbeddedCluster) -> int:
    with psycopg.connect(cluster.conninfo()) as conn:
        return conn.execute("SELECT 1").fetchone()[0]


def test_first_start_creates_cluster_database_and_socket_only(scratch: EmbeddedCluster) -> None:
    assert scratch.start() is True
    assert scratch.running and _query(scratch) == 1
    conf = (scratch.pgdata / "postgresql.conf").read_text()
    assert "listen_addresses = ''" in conf
    assert (scratch.socket_dir / ".s.PGSQL.5432").exists()
    assert scratch.start() is False  # already running: left alone
    if os.geteuid() == 0:
        assert scratch.pgdata.stat().st_uid != 0  # run by an unprivileged user


def test_stop_and_warm_restart(scratch: EmbeddedCluster) -> None:
    scratch.start()
    assert scratch.stop() is True
    assert not scratch.running and scratch.stop() is False
    assert _postmaster_pids(scratch.data_dir) == []
    began = time.monotonic()
    assert scratch.start() is True
    assert time.monotonic() - began < 10
    assert _query(scratch) == 1


def test_recovers_after_kill_9_of_everything(scratch: EmbeddedCluster) -> None:
    scratch.start()
    with psycopg.connect(scratch.conninfo(), autocommit=True) as conn:
        conn.execute("CREATE TABLE survivor (x int)")
        conn.execute("INSERT INTO survivor VALUES (42)")
    pids = _postmaster_pids(scratch.data_dir)
    assert pids
    # kill until none is left: the postmaster may have forked a worker meanwhile
    while pids:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)
        pids = [p for p in _postmaster_pids(scratch.data_dir) if _alive(p)]
    deadline = time.monotonic() + 10
    while scratch.running and time.monotonic() < deadline:
        time.sleep(0.1)
    assert (scratch.pgdata / "postmaster.pid").exists()  # the crash left its lock behind
    assert scratch.start() is True
    with psycopg.connect(scratch.conninfo()) as conn:
        assert conn.execute("SELECT x FROM survivor").fetchone()[0] == 42


def test_stale_pid_file_naming_another_process(scratch: EmbeddedCluster) -> None:
    scratch.start()
    scratch.stop()
    # a pid file left by a crash whose PID now belongs to some other process (this one)
    (scratch.pgdata / "postmaster.pid").write_text(f"{os.getpid()}\n{scratch.pgdata}\n")
    assert not scratch.running
    assert scratch.start() is True
    assert _query(scratch) == 1


def test_data_folder_the_cluster_user_cannot_reach(tmp_path: Path) -> None:
    """A data folder under a 0700 parent (a clone in /root): the cluster lives elsewhere."""
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    data_dir = private / "var"
    user = "postgres" if os.geteuid() == 0 else None
    cluster = EmbeddedCluster(data_dir, find_bindir(), user, "scratch")
    try:
        if user is None:
            assert cluster.root == data_dir  # a normal user runs the cluster as itself
            return
        assert cluster.root != data_dir and cluster.root.is_relative_to("/var/lib/gridmap")
        assert cluster.start() is True
        assert _query(cluster) == 1
        assert str(cluster.root) in (data_dir / "CLUSTER_LOCATION").read_text()
    finally:
        cluster.stop()
        if cluster.root != data_dir:
            shutil.rmtree(cluster.root, ignore_errors=True)
