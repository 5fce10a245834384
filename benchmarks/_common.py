"""What the benchmarks share: a throwaway embedded cluster, timing, and a printed table."""

from __future__ import annotations

import contextlib
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from gridmap.db.embedded import EmbeddedCluster, find_bindir


@contextlib.contextmanager
def scratch_cluster(name: str) -> Iterator[EmbeddedCluster]:
    """A new embedded cluster in a temporary folder, removed afterwards."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"gridmap-bench-{name}-"))
    data_dir.chmod(0o755)
    cluster = EmbeddedCluster(
        data_dir, find_bindir(), "postgres" if os.geteuid() == 0 else None, "gridmap"
    )
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@contextlib.contextmanager
def prepared_cluster(name: str, demo: bool) -> Iterator[tuple[EmbeddedCluster, object]]:
    """A scratch cluster prepared as `gridmap serve` would (migrations; the demo if asked),
    with gridmap's settings pointing at it: yields (cluster, settings)."""
    from gridmap.core.settings import get_settings
    from gridmap.db.engine import dispose_engines
    from gridmap.services import bootstrap

    with scratch_cluster(name) as cluster:
        cluster.start()
        os.environ["GRIDMAP_DATA_DIR"] = str(cluster.data_dir)
        get_settings.cache_clear()
        settings = get_settings()
        bootstrap.prepare(settings, demo=demo)
        try:
            yield cluster, settings
        finally:
            dispose_engines()


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    began = time.perf_counter()
    result = fn()
    return time.perf_counter() - began, result


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def summary_ms(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return f"median {statistics.median(ms):.1f} ms, p95 {percentile(ms, 95):.1f} ms (n={len(ms)})"


def report(title: str, rows: list[tuple[str, str]]) -> None:
    print(f"\n== {title}")
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"  {label:<{width}}  {value}", flush=True)


def serve(app) -> tuple[object, str]:
    """Serve an ASGI app with uvicorn in a thread on a free loopback port: (server, base URL)."""
    import socket
    import threading

    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


def sign_in(base: str, username: str, password: str) -> dict[str, str]:
    """Bearer headers for a user, through the real token endpoint."""
    import json
    import urllib.parse
    import urllib.request

    form = urllib.parse.urlencode({"username": username, "password": password}).encode()
    with urllib.request.urlopen(f"{base}/api/v1/auth/token", data=form) as response:
        return {"Authorization": f"Bearer {json.load(response)['access_token']}"}


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[float, int]:
    """(seconds, body bytes) of one GET."""
    import urllib.request

    began = time.perf_counter()
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {})) as response:
        size = len(response.read())
    return time.perf_counter() - began, size


@contextlib.contextmanager
def server_process(data_dir: Path) -> Iterator[str]:
    """The app in its own uvicorn processes as ``gridmap serve`` deploys it (a worker per core,
    no access log; no GIL shared with the load generator), on the embedded cluster of
    ``data_dir``, which must be running; yields the base URL."""
    import socket
    import subprocess
    import sys
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "GRIDMAP_DATA_DIR": str(data_dir)}
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "gridmap.api.main:create_app",
        "--factory",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        "--workers",
        str(len(os.sched_getaffinity(0))),
    ]
    proc = subprocess.Popen(argv, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                urllib.request.urlopen(base + "/health", timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError("the server process exited") from None
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
