"""Run a gridmap command and print its peak resident set size (for the import benchmarks)."""

from __future__ import annotations

import resource
import sys

from gridmap.cli import app

if __name__ == "__main__":
    try:
        app(sys.argv[1:], standalone_mode=False)
    finally:
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(f"PEAK_RSS_KIB={peak_kib}", flush=True)
