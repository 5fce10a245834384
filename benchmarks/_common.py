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
