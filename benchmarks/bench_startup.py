"""`gridmap serve` from nothing to healthy (initdb + migrations + codes + demo), and warm."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from benchmarks._common import report


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve_until_healthy(data_dir: Path) -> float:
    port = _free_port()
    env = {**os.environ, "GRIDMAP_DATA_DIR": str(data_dir)}
    env.pop("GRIDMAP_DATABASE_URL", None)
    began = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gridmap", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError("gridmap serve exited before it was healthy")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    if json.load(r)["status"] == "ok":
                        return time.perf_counter() - began
            except OSError:
                time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)


def main() -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="gridmap-bench-startup-"))
    data_dir.chmod(0o755)
    try:
        cold = _serve_until_healthy(data_dir)
        warm = _serve_until_healthy(data_dir)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    report(
        "gridmap serve to healthy",
        [
            ("first start (initdb, migrations, codes, demo)", f"{cold:.1f} s (aim < 60 s)"),
            ("warm restart", f"{warm:.1f} s (aim < 10 s)"),
        ],
    )


if __name__ == "__main__":
    main()
