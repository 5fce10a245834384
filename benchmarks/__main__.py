"""`make bench`: run every benchmark and print its figures."""

from __future__ import annotations

import importlib
import sys
import time

BENCHMARKS = [
    "bench_startup",
    "bench_city",
    "bench_page",
    "bench_rls",
    "bench_gridsystem",
    "bench_people",
    "bench_events",
    "bench_cameras",
    "bench_analytics",
    "bench_tipg",
]


def main(names: list[str]) -> None:
    for name in names or BENCHMARKS:
        began = time.perf_counter()
        importlib.import_module(f"benchmarks.{name}").main()
        print(f"  ({name} took {time.perf_counter() - began:.0f} s)", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
