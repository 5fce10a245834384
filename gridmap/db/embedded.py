"""The embedded PostgreSQL/PostGIS cluster: initdb, pg_ctl and a Unix socket in the data folder.

With no ``GRIDMAP_DATABASE_URL`` gridmap runs its own private cluster, so a new user needs no
database server. PostgreSQL refuses to run as root: when gridmap is root, every server command
runs as an unprivileged OS user (``GRIDMAP_PG_USER``, default ``postgres``) that owns the
cluster's folders. The server listens on no TCP port, only on a socket in the data folder whose
permissions admit its owner alone (and root).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg

from gridmap.core.errors import DatabaseSetupError

SUPERUSER = "gridmap"
PORT = 5432
_SOCKET_PATH_MAX = 100  # sun_path is 108 bytes; keep room for ".s.PGSQL.5432"

_SERVER_CONF = """
# written by gridmap: a private cluster, reachable only through its Unix socket
listen_addresses = ''
unix_socket_directories = '{socket_dir}'
unix_socket_permissions = 0700
port = {port}
max_connections = 100
shared_buffers = 1GB
work_mem = 32MB
maintenance_work_mem = 256MB
# ledger imports stage ~100 MB per chunk in a temporary table: keep it in memory
temp_buffers = 256MB
# bulk loads of millions of rows: fewer forced checkpoints
max_wal_size = 4GB
jit = off
logging_collector = off
log_min_messages = warning
"""


def find_bindir(configured: Path | None = None) -> Path:
    """Folder of the system's ``initdb``/``pg_ctl`` (newest Debian PostgreSQL by default)."""
    if configured:
        candidates = [configured]
    else:
        debian = sorted(
            Path("/usr/lib/postgresql").glob("*/bin"),
            key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
            reverse=True,
        )
        on_path = shutil.which("pg_ctl")
        candidates = [*debian, *([Path(on_path).resolve().parent] if on_path else [])]
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    raise DatabaseSetupError(
        "PostgreSQL server programs (initdb, pg_ctl) were not found "
        f"(looked in {', '.join(map(str, candidates)) or 'nothing'}): run `make setup`, "
        "or set GRIDMAP_PG_BINDIR"
    )


FALLBACK_ROOT = Path("/var/lib/gridmap")


def _reachable_by(os_user: str, folder: Path) -> bool:
    """Can ``os_user`` walk down to ``folder`` (or to its nearest existing ancestor)?"""
    while not folder.exists():
        folder = folder.parent
    probe = ["runuser", "-u", os_user, "--", "test", "-x", str(folder)]
    return subprocess.run(probe, check=False, capture_output=True).returncode == 0


@dataclass
class EmbeddedCluster:
    """A private PostgreSQL cluster (嵌入式数据库) for the data folder ``data_dir``.

    Its files live in ``root``: the data folder itself, unless gridmap runs as root and the
    cluster's OS user cannot reach it (a clone under /root, mode 0700), in which case they live in
    ``/var/lib/gridmap/<digest of the data folder>`` and ``status`` says so.
    """

    data_dir: Path
    bindir: Path
    os_user: str | None  # None: run as the current user
    db_name: str = "gridmap"
    root: Path | None = None

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir)
        if self.root is None:
            self.root = self.data_dir
            if self.os_user and not _reachable_by(self.os_user, self.data_dir):
                self.root = FALLBACK_ROOT / self._digest()

    @classmethod
    def from_settings(cls, data_dir: Path, bindir: Path | None, pg_user: str, db_name: str):
        os_user = pg_user if os.geteuid() == 0 else None
        return cls(Path(data_dir), find_bindir(bindir), os_user, db_name)

    def _digest(self) -> str:
        return hashlib.sha1(str(self.data_dir).encode()).hexdigest()[:12]

    # -- layout -----------------------------------------------------------------------------
    @property
    def pgdata(self) -> Path:
        return self.root / "pgdata"

    @property
    def log_file(self) -> Path:
        return self.root / "log" / "postgresql.log"

    @property
    def socket_dir(self) -> Path:
        """``run/`` beside the cluster, or a short folder in /tmp when that path is too long."""
        preferred = self.root / "run"
        if len(str(preferred)) <= _SOCKET_PATH_MAX - 15:
            return preferred
        return Path(tempfile.gettempdir()) / f"gridmap-{self._digest()}"

    def url(self, database: str | None = None, user: str = SUPERUSER) -> str:
        """SQLAlchemy URL of a database of this cluster, through its socket."""
        host = quote(str(self.socket_dir), safe="")
        return f"postgresql+psycopg://{user}@/{database or self.db_name}?host={host}&port={PORT}"

    def conninfo(self, database: str | None = None) -> str:
        """libpq connection string, for psycopg and psql."""
        return (
            f"host={self.socket_dir} port={PORT} user={SUPERUSER} dbname={database or self.db_name}"
        )

    # -- running programs -------------------------------------------------------------------
    def _command(self, program: str, *args: str) -> list[str]:
        argv = [str(self.bindir / program), *args]
        if self.os_user:
            return ["runuser", "-u", self.os_user, "--", *argv]
        return argv

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            self._command(program, *args), capture_output=True, text=True, cwd="/", check=False
        )
        if check and result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()[-5:]
            raise DatabaseSetupError(
                f"{program} {' '.join(args[:2])} failed (exit {result.returncode}): "
                + " | ".join(detail)
                + f" — see {self.log_file}"
            )
        return result

    def _own(self, *paths: Path) -> None:
        """Create folders owned by the cluster's OS user, readable by it alone."""
        for path in paths:
            path.mkdir(parents=True, exist_ok=True)
            if self.os_user:
                entry = pwd.getpwnam(self.os_user)
                os.chown(path, entry.pw_uid, entry.pw_gid)
            path.chmod(0o700)

    def _check_reachable(self) -> None:
        """As root, the cluster user must be able to write the cluster's folder."""
        if not self.os_user:
            return
        probe = subprocess.run(
            ["runuser", "-u", self.os_user, "--", "test", "-w", str(self.pgdata)], check=False
        )
        if probe.returncode != 0:
            raise DatabaseSetupError(
                f"the cluster's OS user {self.os_user!r} cannot write {self.pgdata}: make its "
                "parent folders traversable (chmod o+x) or set GRIDMAP_DATA_DIR elsewhere"
            )

    # -- lifecycle --------------------------------------------------------------------------
    @property
    def initialised(self) -> bool:
        return (self.pgdata / "PG_VERSION").exists()

    def init(self) -> None:
        """``initdb`` a new cluster (first start only)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.root != self.data_dir:
            self.root.mkdir(parents=True, exist_ok=True)
            self.root.chmod(0o755)
            (self.data_dir / "CLUSTER_LOCATION").write_text(
                f"The PostgreSQL cluster of this data folder lives in {self.root}: the cluster's "
                f"OS user {self.os_user!r} cannot reach {self.data_dir}.\n"
            )
        self._own(self.pgdata, self.socket_dir, self.log_file.parent)
        self._check_reachable()
        self._run(
            "initdb",
            "-D",
            str(self.pgdata),
            "-U",
            SUPERUSER,
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--auth-local=trust",
            "--auth-host=reject",
        )
        conf = _SERVER_CONF.format(socket_dir=self.socket_dir, port=PORT)
        with (self.pgdata / "postgresql.conf").open("a") as handle:
            handle.write(conf)

    def running_pid(self) -> int | None:
        """PID of this cluster's postmaster, or None (a stale pid file counts as not running)."""
        pid_file = self.pgdata / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().split("\n", 1)[0])
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            return None
        # a PID reused by another process after a crash must not count as our server
        ours = b"postgres" in cmdline and str(self.pgdata).encode() in cmdline
        return pid if ours else None

    @property
    def running(self) -> bool:
        return self.running_pid() is not None

    def _clear_stale_lock(self) -> None:
        """After a crash (kill -9) the lock files may name a dead, unreaped or reused PID.

        PostgreSQL refuses to start while such a PID still exists (a zombie does, where nothing
        reaps it); the files are ours alone, and no server of ours runs, so remove them.
        """
        if self.running:
            return
        stale = [self.pgdata / "postmaster.pid", *self.socket_dir.glob(f".s.PGSQL.{PORT}*")]
        for path in stale:
            path.unlink(missing_ok=True)

    def start(self) -> bool:
        """Start the cluster (initialising it first if needed); True if this call started it."""
        with self._lock():
            if not self.initialised:
                self.init()
            if self.running:
                return False
            self._own(self.socket_dir, self.log_file.parent)
            self._clear_stale_lock()
            self._run(
                "pg_ctl",
                "start",
                "-D",
                str(self.pgdata),
                "-l",
                str(self.log_file),
                "-w",
                "-t",
                "120",
                "-s",
            )
            self.ensure_database()
            return True

    def stop(self) -> bool:
        """Stop the cluster (fast shutdown: open sessions are rolled back); True if it ran."""
        with self._lock():
            if not self.running:
                self._clear_stale_lock()
                return False
            self._run(
                "pg_ctl", "stop", "-D", str(self.pgdata), "-m", "fast", "-w", "-t", "60", "-s"
            )
            return True

    def status(self) -> str:
        pid = self.running_pid()
        if not self.initialised:
            return f"no cluster in {self.pgdata}"
        if pid is None:
            return f"stopped (cluster in {self.pgdata})"
        return f"running (pid {pid}, socket {self.socket_dir}, cluster in {self.pgdata})"

    def ensure_database(self) -> None:
        """Create the application database if it does not exist yet."""
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = psycopg.connect(self.conninfo("postgres"), autocommit=True)
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        with conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (self.db_name,)
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{self.db_name}"')

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        """Serialise start/stop between gridmap processes sharing this data folder."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with (self.data_dir / ".cluster.lock").open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def psql_argv(self, *args: str) -> list[str]:
        psql = self.bindir / "psql"
        return [str(psql if psql.exists() else "psql"), self.conninfo(), *args]
