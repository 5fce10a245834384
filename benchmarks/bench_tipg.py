"""gridmap against tipg, side by side on one table in one run (issue 14's targets).

The benchmark city (10,000 grids over 上饶市) in a scratch cluster, served by ``gridmap serve``
(signed in as a county dispatcher, row-level security on, one worker per core) and by tipg 1.x
(the table's owner, no RLS, one process as its docs run it), both through the cluster's Unix
socket. tipg comes from PyPI into a virtual environment of the benchmark's own, made the first
time under ``~/.cache/gridmap/bench/tipg-venv`` (or ``$TIPG_VENV``, one with tipg and uvicorn).
wrk (2 threads, 8 connections, as ``shared/perf/side_by_side.sh``) loads each in turn, rounds
alternating which goes first so that drift of the shared machine falls on both alike:

- map-like: the same 340 vector tiles z10–z15 over the city, repeated (many people looking at
  one city): after the first pass gridmap serves them from its tile cache, asking the database
  only who the caller is and whether anything changed there;
- every tile new: distinct tiles z12–z16, each requested once (a fresh slice each round);
- OGC items: pages of 100 grids at spread offsets;
- ``GET /api/v1/grids?bbox=…`` (0.1° boxes) and one grid by its code, with tipg's equivalents
  (items?bbox, items/{id}) beside them.

It prints each round, then per workload both servers' requests per second, the ratio of the
rounds' sums and the worst round's p95 against the issue's targets. wrk corrects its latencies
for coordinated omission (a request that waited behind a stall also counts, at interval, the
requests that would have been sent meanwhile), which weighs a fast server's rare stall many
times a slow one's; so where a latency is a target, one more pass by client processes (one
request at a time each) gives every request's own p95 beside it. Without wrk (Debian:
``apt-get install wrk``, in ``scripts/setup-system.sh``) those client processes measure
everything, and it says so; without tipg (no registry) only gridmap is measured.
``GRIDMAP_BENCH_SECONDS`` sets the seconds of one measure (15).
"""

from __future__ import annotations

import http.client
import json
import math
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

from sqlalchemy import text

from benchmarks._city import load_city
from benchmarks._common import percentile, prepared_cluster, report, sign_in
from gridmap.db import sql
from gridmap.db.engine import dispose_engines, engine_for
from gridmap.services import accounts

PASSWORD = "bench-password-123"
SECONDS = int(os.environ.get("GRIDMAP_BENCH_SECONDS", "15"))
ROUNDS = 2
CONNECTIONS = 8
THREADS = 2
WRK_TIMEOUT = "10s"  # slow answers are measured, not dropped (wrk's own is 2 s)
TIPG_TABLE = "public.grids"
TIPG_REQUIREMENT = "tipg>=1.6,<2"  # the version the issue measured
# the side-by-side's tiles: (zoom, how many) drawn at random over the city, seeded
MAP_TILES = ((10, 20), (11, 40), (12, 60), (13, 80), (14, 80), (15, 60))
NEW_TILE_ZOOMS = (12, 13, 14, 15, 16)

# wrk: a list of paths (PATHS_FILE), each thread its own share in turn (so that every path is
# requested once per pass, not once per thread), and the figures as one JSON line
_WRK_LUA = """
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  paths = {}
  for line in io.lines(os.getenv("PATHS_FILE")) do paths[#paths + 1] = line end
  step = tonumber(os.getenv("WRK_THREADS"))
  i = id + 1 - step
  wrk.headers["Accept-Encoding"] = "identity"
end
function request()
  i = i + step
  if i > #paths then i = (i - 1) % #paths + 1 end
  return wrk.format("GET", paths[i])
end
function done(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write
  io.write(string.format(
    '{"requests": %d, "seconds": %f, "p50": %f, "p95": %f, "p99": %f, "errors": %d,'
    .. ' "timeouts": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(95) / 1e3, latency:percentile(99) / 1e3, bad, summary.errors.timeout))
end
"""


@dataclass
class Measure:
    """One load run: requests per second and latencies (ms)."""

    rate: float
    p50: float
    p95: float
    p99: float
    errors: int  # refused, broken or answered with an error status
    timeouts: int = 0  # no answer within WRK_TIMEOUT

    def __str__(self) -> str:
        errors = f", {self.errors} errors" if self.errors else ""
        errors += f", {self.timeouts} timeouts" if self.timeouts else ""
        return (
            f"{self.rate:7.1f} req/s, p50 {self.p50:.1f} ms, p95 {self.p95:.1f} ms,"
            f" p99 {self.p99:.1f} ms{errors}"
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def _tiles_over(bounds: list[float], z: int) -> list[str]:
    x0, y1 = _tile(bounds[0], bounds[1], z)
    x1, y0 = _tile(bounds[2], bounds[3], z)
    return [f"{z}/{x}/{y}" for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def map_tiles(bounds: list[float]) -> list[str]:
    """The side-by-side's 340 tiles, as ``../shared/perf/side_by_side.sh`` draws them."""
    rng = random.Random(1)
    chosen: list[str] = []
    for z, k in MAP_TILES:
        cells = _tiles_over(bounds, z)
        chosen += rng.sample(cells, min(k, len(cells)))
    rng.shuffle(chosen)
    return chosen


def new_tiles(bounds: list[float]) -> list[str]:
    """Distinct tiles z12–z16 over the city (none of the map-like ones), shuffled."""
    seen = set(map_tiles(bounds))
    rng = random.Random(2)
    cells = [t for z in NEW_TILE_ZOOMS for t in _tiles_over(bounds, z) if t not in seen]
    rng.shuffle(cells)
    return cells


# -- load generators ------------------------------------------------------------------------


def _wrk(base: str, paths: list[str], headers: dict[str, str], workdir: Path) -> Measure:
    listing = workdir / f"paths-{time.monotonic_ns()}.txt"
    listing.write_text("".join(p + "\n" for p in paths))
    script = workdir / "paths.lua"
    script.write_text(_WRK_LUA)
    argv = [
        *("wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "-s", str(script)),
        *("--latency", "--timeout", WRK_TIMEOUT),
    ]
    for name, value in headers.items():
        argv += ["-H", f"{name}: {value}"]
    done = subprocess.run(
        [*argv, base],
        env={**os.environ, "PATHS_FILE": str(listing), "WRK_THREADS": str(THREADS)},
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(s for s in done.stdout.splitlines() if s.startswith('{"requests"'))
    figures = json.loads(line)
    return Measure(
        figures["requests"] / figures["seconds"],
        figures["p50"],
        figures["p95"],
        figures["p99"],
        figures["errors"],
        figures["timeouts"],
    )


@dataclass(frozen=True)
class _Client:
    """One client process of ``_python_load``: its share of the paths, in turn, until ``stop``
    (``time.time()``)."""

    base: str
    paths: list[str]
    headers: dict[str, str]
    first: int
    stop: float

    def __call__(self) -> tuple[list[float], int]:
        """(each request's seconds, how many failed)."""
        where = urlsplit(self.base)
        conn = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
        latencies, errors, i = [], 0, self.first
        while time.time() < self.stop:
            began = time.perf_counter()
            try:
                conn.request("GET", self.paths[i % len(self.paths)], headers=self.headers)
                response = conn.getresponse()
                response.read()
                errors += response.status >= 400
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
            latencies.append(time.perf_counter() - began)
            i += CONNECTIONS
        conn.close()
        return latencies, errors


def _run_client(client: _Client) -> tuple[list[float], int]:
    return client()


def _python_load(base: str, paths: list[str], headers: dict[str, str], _workdir: Path) -> Measure:
    """CONNECTIONS client processes, each with a kept-alive connection, for SECONDS: every
    request's own latency (wrk, for a request that waited behind a stall, also counts those
    that would have been sent meanwhile, its correction for coordinated omission)."""
    stop = time.time() + SECONDS
    clients = [_Client(base, paths, headers, k, stop) for k in range(CONNECTIONS)]
    began = time.perf_counter()
    with ProcessPoolExecutor(CONNECTIONS) as pool:
        done = list(pool.map(_run_client, clients))
    elapsed = time.perf_counter() - began
    ms = [v * 1000 for latencies, _ in done for v in latencies]
    return Measure(
        len(ms) / elapsed,
        percentile(ms, 50),
        percentile(ms, 95),
        percentile(ms, 99),
        sum(errors for _, errors in done),
    )


# -- servers --------------------------------------------------------------------------------


def _wait(url: str, proc: subprocess.Popen, what: str, log: Path) -> None:
    for _ in range(600):
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"{what} exited: {log.read_text()[-2000:]}") from None
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not answer {url}")


@contextmanager
def _process(argv: list[str], env: dict[str, str], ready: str, what: str, log: Path):
    with log.open("w") as out:
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait(ready, proc, what, log)
        yield
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def gridmap_server(data_dir: Path, workdir: Path, **env: str) -> Iterator[str]:
    """``gridmap serve`` (one worker per core) on the running scratch cluster: its base URL."""
    port = _free_port()
    argv = [sys.executable, "-m", "gridmap", "serve", "--no-demo", "--port", str(port)]
    environment = {**os.environ, "GRIDMAP_DATA_DIR": str(data_dir), **env}
    base = f"http://127.0.0.1:{port}"
    log = workdir / f"gridmap-{port}.log"
    with _process(argv, environment, f"{base}/health", "gridmap serve", log):
        yield base


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gridmap" / "bench"


def tipg_python() -> Path | None:
    """The Python of a virtual environment with tipg and uvicorn: ``$TIPG_VENV``'s, else the
    benchmark's own (``~/.cache/gridmap/bench/tipg-venv``), made from PyPI the first time; None
    when it cannot be made (no registry)."""
    given = os.environ.get("TIPG_VENV")
    venv = Path(given) if given else _cache_dir() / "tipg-venv"
    python = venv / "bin" / "python"
    if _has_tipg(python):
        return python
    if given:
        print(f"  $TIPG_VENV ({given}) has no tipg: gridmap alone", flush=True)
        return None
    print(f"  installing {TIPG_REQUIREMENT} into {venv} (once)", flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        pip = [str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run([*pip, TIPG_REQUIREMENT, "uvicorn"], check=True, timeout=900)
    except (subprocess.SubprocessError, OSError) as error:
        print(f"  tipg could not be installed ({error}): gridmap alone", flush=True)
        return None
    return python if _has_tipg(python) else None


def _has_tipg(python: Path) -> bool:
    if not python.exists():
        return False
    found = subprocess.run([str(python), "-c", "import tipg, uvicorn"], capture_output=True)
    return found.returncode == 0


@contextmanager
def tipg_server(python: Path, socket_dir: Path, user: str, db: str, workdir: Path):
    """tipg (uvicorn, one process as its docs run it) on the grids table, as its owner."""
    port = _free_port()
    host = quote(str(socket_dir), safe="")  # a Unix socket's folder as the URL's host
    env = {
        **os.environ,
        "DATABASE_URL": f"postgresql://{user}@{host}:5432/{db}",
        "TIPG_DB_SCHEMAS": '["public"]',
        "TIPG_DB_TABLES": f'["{TIPG_TABLE}"]',
    }
    argv = [str(python), "-m", "uvicorn", "tipg.main:app", "--port", str(port)]
    base = f"http://127.0.0.1:{port}"
    log = workdir / "tipg.log"
    with _process([*argv, "--log-level", "warning"], env, f"{base}/collections", "tipg", log):
        yield base


# -- the run --------------------------------------------------------------------------------


@dataclass
class Workload:
    """One kind of request, as gridmap and tipg each spell it, and issue 14's targets for it."""

    name: str
    gridmap: list[str]
    tipg: list[str] | None
    ratio: float | None = None  # gridmap ÷ tipg, at least
    p95_ms: float | None = None  # gridmap's p95, at most
    fresh: bool = False  # each round takes paths no round took before


def _boxes(bounds: list[float], count: int = 200, side: float = 0.1) -> list[str]:
    rng = random.Random(3)
    boxes = []
    for _ in range(count):
        lon = rng.uniform(bounds[0], bounds[2] - side)
        lat = rng.uniform(bounds[1], bounds[3] - side)
        boxes.append(f"{lon:.4f},{lat:.4f},{lon + side:.4f},{lat + side:.4f}")
    return boxes


def _workloads(bounds: list[float], codes: list[str]) -> list[Workload]:
    tiles = map_tiles(bounds)
    fresh = new_tiles(bounds)
    boxes = _boxes(bounds)
    offsets = [i * 97 for i in range(1, 101)]
    tipg_tiles = f"/collections/{TIPG_TABLE}/tiles/WebMercatorQuad"
    tipg_items = f"/collections/{TIPG_TABLE}/items"
    return [
        Workload(
            "tiles, map-like (340 tiles z10–z15 repeated)",
            [f"/tiles/grids/{t}.mvt" for t in tiles],
            [f"{tipg_tiles}/{t}" for t in tiles],
            ratio=3.0,
            p95_ms=50,
        ),
        Workload(
            "tiles, every one new (z12–z16, each once)",
            [f"/tiles/grids/{t}.mvt" for t in fresh],
            [f"{tipg_tiles}/{t}" for t in fresh],
            ratio=1.5,
            p95_ms=50,
            fresh=True,
        ),
        Workload(
            "OGC items, pages of 100 (offsets 97…9,700)",
            [f"/ogc/collections/grids/items?limit=100&offset={o}" for o in offsets],
            [f"{tipg_items}?limit=100&offset={o}" for o in offsets],
            ratio=2.0,
        ),
        Workload(
            "grids in a 0.1° bbox (100 a page)",
            [f"/api/v1/grids?bbox={b}&limit=100" for b in boxes],
            [f"{tipg_items}?bbox={b}&limit=100" for b in boxes],
            p95_ms=20,
        ),
        Workload(
            "one grid by its code",
            [f"/api/v1/grids/{c}" for c in codes],
            [f"{tipg_items}/{c}" for c in codes],
            p95_ms=20,
        ),
    ]


# fresh tiles: a share for each server in each round, and two for the pass without wrk
SHARES = ROUNDS * 2 + 2


def _slice(paths: list[str], index: int) -> list[str]:
    """The ``index``-th of SHARES disjoint shares."""
    share = len(paths) // SHARES
    return paths[index * share : (index + 1) * share]


Load = Callable[[str, list[str], dict[str, str], Path], Measure]
Results = dict[tuple[str, str], list[Measure]]
RAW = " (client processes)"


def main() -> None:
    load: Load = _wrk if shutil.which("wrk") else _python_load
    if load is _python_load:
        print("  wrk is not installed (apt-get install wrk): a Python load generator measures")
    workdir = Path(tempfile.mkdtemp(prefix="gridmap-bench-tipg-"))
    try:
        _run(load, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@dataclass
class City:
    """The loaded city: its grids' extent, some grid codes, and who owns the database."""

    bounds: list[float]
    codes: list[str]
    user: str
    db: str


def _load(cluster_url: str, settings) -> City:
    """The benchmark city, a county dispatcher of 上饶市 to sign in as, the grids clustered on
    their GiST index (as after any bulk load) and analysed."""
    owner = engine_for(settings, cluster_url)
    with owner.begin() as conn:
        load_city(conn)
        accounts.add_user(conn, settings, "bench", "dispatcher", "361100000000", PASSWORD)
    with owner.begin() as conn:
        conn.execute(text("CLUSTER grids USING grids_boundary_idx"))
        conn.execute(text("ANALYZE"))
        extent = sql.extent(conn, "grids")
        codes = conn.execute(text("SELECT code FROM grids ORDER BY md5(code) LIMIT 500"))
        user, db = conn.execute(text("SELECT current_user, current_database()")).one()
        city = City(extent or [], list(codes.scalars()), user, db)
    dispose_engines()
    return city


def _run(load: Load, workdir: Path) -> None:
    with prepared_cluster("tipg", demo=False) as (cluster, settings):
        city = _load(cluster.url(), settings)
        workloads = _workloads(city.bounds, city.codes)
        python = tipg_python()
        with gridmap_server(cluster.data_dir, workdir) as gridmap:
            headers = sign_in(gridmap, "bench", PASSWORD)
            tipg_context = (
                tipg_server(python, cluster.socket_dir, city.user, city.db, workdir)
                if python
                else _nothing()
            )
            with tipg_context as tipg:
                servers = {"gridmap": (gridmap, headers), "tipg": (tipg, {})}
                results = _measure(load, workdir, workloads, servers)
    _report(workloads, results, "wrk" if load is _wrk else "Python client processes")


Servers = dict[str, tuple[str | None, dict[str, str]]]


@dataclass
class _Bench:
    """The servers under test (base URL and headers; tipg's None when it could not be
    installed) and what each measure gave."""

    workdir: Path
    servers: Servers
    results: Results = field(default_factory=dict)

    def pair(self, load: Load, work: Workload, round_: int, kind: str = "") -> None:
        """The workload on each server in turn, which goes first alternating by round."""
        runs = [("gridmap", work.gridmap)]
        if self.servers["tipg"][0] and work.tipg:
            runs.append(("tipg", work.tipg))
        if round_ % 2:
            runs.reverse()
        for k, (who, paths) in enumerate(runs):
            base, headers = self.servers[who]
            chosen = _slice(paths, round_ * 2 + k) if work.fresh else paths
            measured = load(str(base), chosen, headers, self.workdir)
            self.results.setdefault((work.name, who + kind), []).append(measured)
            when = f"round {round_ + 1}" if not kind else "client processes, no correction"
            print(f"  {work.name}, {who}, {when}: {measured}", flush=True)


def _measure(load: Load, workdir: Path, workloads: list[Workload], servers: Servers) -> Results:
    """Each workload on each server, ROUNDS rounds; with wrk, then once more by client
    processes where a latency is a target (wrk's p95 counts the requests a stall delayed
    that were never sent: a fast server's rare stall weighs many times a slow one's)."""
    bench = _Bench(workdir, servers)
    for round_ in range(ROUNDS):
        for work in workloads:
            bench.pair(load, work, round_)
    if load is _wrk:
        for work in workloads:
            if work.p95_ms is not None:
                bench.pair(_python_load, work, ROUNDS, RAW)
    return bench.results


def _verdict(work: Workload, ours: list[Measure], theirs: list[Measure] | None) -> str:
    """The ratio of the rounds' sums (as ``side_by_side.sh``) and the worst round's p95 of
    each, against the targets."""
    said = []
    if theirs:
        ratio = sum(m.rate for m in ours) / sum(m.rate for m in theirs)
        said.append(f"×{ratio:.2f}")
        if work.ratio is not None:
            said.append(f"target ×{work.ratio:g} {'met' if ratio >= work.ratio else 'missed'}")
    p95 = max(m.p95 for m in ours)
    tipg = f" (tipg {max(m.p95 for m in theirs):.0f} ms)" if theirs else ""
    if work.p95_ms is not None:
        met = "met" if p95 <= work.p95_ms else "missed"
        said.append(f"p95 {p95:.0f} ms{tipg}, target ≤{work.p95_ms:g} ms {met}")
    return "; ".join(said)


def _report(workloads: list[Workload], results: Results, loader: str) -> None:
    rows = []
    for work in workloads:
        ours = results[(work.name, "gridmap")]
        theirs = results.get((work.name, "tipg"))
        rows.append((work.name, "gridmap " + " / ".join(f"{m.rate:.0f}" for m in ours)))
        if theirs:
            rows.append(("", "tipg    " + " / ".join(f"{m.rate:.0f}" for m in theirs)))
        rows.append(("", _verdict(work, ours, theirs)))
        raw = [(who, results.get((work.name, who + RAW))) for who in ("gridmap", "tipg")]
        said = [f"{who} {m[0].p95:.0f} ms" for who, m in raw if m]
        if said:
            rows.append(
                ("", f"p95 of each request ({CONNECTIONS} client processes): " + ", ".join(said))
            )
    report(
        f"gridmap vs tipg on one table, req/s per round ({ROUNDS} rounds of {SECONDS} s,"
        f" {loader}, {THREADS} threads, {CONNECTIONS} connections; gridmap signed in, RLS on)",
        rows,
    )


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


if __name__ == "__main__":
    main()
