"""Events at city scale: a year of 1,000,000 generated events on the benchmark city (10,000
grids), generated and imported through the real path, then the centre's work through the
server (own process, signed in, row-level security on).

Figures: generating the city and its events; importing the events (rows/s end to end: checks,
grid ties, deadlines on the work calendar, history); intake through ``POST /api/v1/events``
from several clients (events/s); the centre's queue (``GET /api/v1/events`` filtered by
region, state and overdue, paged); the KPIs of the city-year per group (the months kept, which
the import counted, and the current month from the events); the event map's tiles at zooms
10-15. Sizes: GRIDMAP_BENCH_EVENTS, GRIDMAP_BENCH_GRIDS, GRIDMAP_BENCH_EVENT_RESIDENTS (the
population the events gather at), GRIDMAP_BENCH_CLIENTS.
"""

from __future__ import annotations

import json
import math
import os
import random
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text

from benchmarks._common import (
    fetch,
    percentile,
    prepared_cluster,
    report,
    server_process,
    sign_in,
    summary_ms,
)
from benchmarks.bench_people import _gridmap
from gridmap.db.engine import engine_for
from gridmap.services import accounts

EVENTS = int(os.environ.get("GRIDMAP_BENCH_EVENTS", 1_000_000))
GRIDS = int(os.environ.get("GRIDMAP_BENCH_GRIDS", 10_000))
RESIDENTS = int(os.environ.get("GRIDMAP_BENCH_EVENT_RESIDENTS", 1_000_000))
CLIENTS = int(os.environ.get("GRIDMAP_BENCH_CLIENTS", 8))
REGION = "361100000000"
PASSWORD = "bench-password-123"
INTAKE_SECONDS = 30
SAMPLES = 200
ZONE = ZoneInfo("Asia/Shanghai")
# ledgers the events do not need in the database (the generator read them from the files)
HELD = ("residents", "households", "buildings", "places", "things", "organisations")
CATEGORIES = ("exposed_garbage", "road_damage", "streetlight", "neighbour", "illegal_parking")


def _tile(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def _post(base: str, headers: dict[str, str], body: dict) -> int:
    request = urllib.request.Request(
        f"{base}/api/v1/events",
        data=json.dumps(body).encode(),
        headers={**headers, "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as response:
        response.read()
        return response.status


def _intake(base: str, headers: dict[str, str], spots: list[tuple[float, float]]) -> dict:
    """Events taken in by ``CLIENTS`` clients for ``INTAKE_SECONDS``: events/s, latency."""
    stop = time.perf_counter() + INTAKE_SECONDS
    latencies: list[float] = []
    errors = []
    lock = threading.Lock()
    counter = iter(range(10**9))

    def client(number: int) -> None:
        rng = random.Random(number)
        while time.perf_counter() < stop:
            lon, lat = rng.choice(spots)
            with lock:
                ref = f"BENCH-{number}-{next(counter)}"
            body = {
                "channel": "hotline_12345",
                "category": rng.choice(CATEGORIES),
                "title": "压测工单",
                "description": "benchmark intake",
                "lon": lon,
                "lat": lat,  # an existing event's point: inside a grid, near others
                "reporter_name": "测试",
                "reporter_phone": f"138{rng.randrange(10**8):08d}",
                "source_ref": ref,
            }
            began = time.perf_counter()
            try:
                status = _post(base, headers, body)
            except urllib.error.HTTPError as error:
                errors.append(f"{error.code} {error.read()[:200]!r}")
                continue
            with lock:
                latencies.append(time.perf_counter() - began)
                if status != 201:
                    errors.append(str(status))

    began = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(client, range(CLIENTS)))
    elapsed = time.perf_counter() - began
    return {"rate": len(latencies) / elapsed, "latencies": latencies, "errors": errors}


def _queue_urls(townships: list[str], counties: list[str]) -> list[str]:
    rng = random.Random(3)
    states = [None, "registered", "dispatched,accepted", "reported,registered,dispatched"]
    urls = []
    for _ in range(SAMPLES):
        region = rng.choice([REGION, rng.choice(counties), *rng.sample(townships, 2)])
        params = {"region": region, "limit": 50, "offset": rng.choice([0, 0, 50, 100])}
        state = rng.choice(states)
        if state:
            params["state"] = state
        overdue = rng.choice([None, "red", "amber"])
        if overdue:
            params["overdue"] = overdue
        if rng.random() < 0.3:
            params["sort"] = "deadline"
        urls.append("/api/v1/events?" + urllib.parse.urlencode(params))
    return urls


def _timed_gets(base: str, headers: dict[str, str], paths: list[str]) -> list[float]:
    for path in paths[:10]:
        fetch(base + path, headers)  # warm up
    return [fetch(base + path, headers)[0] for path in paths]


def main() -> None:
    with prepared_cluster("events", demo=False) as (cluster, settings):
        data_dir = cluster.data_dir
        folder = Path(tempfile.mkdtemp(prefix="gridmap-city-", dir=data_dir))
        gen_s, gen_rss, _ = _gridmap(
            data_dir,
            "demo", "generate", "-o", str(folder), "--grids", str(GRIDS),
            "--residents", str(RESIDENTS), "--events", str(EVENTS), "--seed", "7",
            "--region", REGION,
        )  # fmt: skip
        events_file = folder / "events.csv"
        held = events_file.rename(folder / "events.csv.held")  # imported on its own below
        for stem in HELD:
            (folder / f"{stem}.csv").unlink()
        load_s, load_rss, _ = _gridmap(data_dir, "demo", "load", str(folder))
        held.rename(events_file)
        import_s, import_rss, output = _gridmap(data_dir, "import", "events", str(events_file))
        owner = engine_for(settings, cluster.url())
        with owner.begin() as conn:
            conn.execute(text("ANALYZE"))
            counts = dict(
                conn.execute(
                    text(
                        "SELECT 'events', count(*) FROM events UNION ALL"
                        " SELECT 'history', count(*) FROM event_history UNION ALL"
                        " SELECT 'open', count(*) FROM events WHERE state = ANY (:open)"
                        " UNION ALL SELECT 'overdue', count(*) FROM events"
                        " WHERE state = ANY (:open) AND deadline < now() UNION ALL"
                        " SELECT 'grids', count(*) FROM grids WHERE length(code) = 15"
                    ),
                    {"open": settings.events.open_states},
                ).all()
            )
            accounts.add_user(conn, settings, "bench", "dispatcher", REGION, PASSWORD)
            townships = (
                conn.execute(text("SELECT DISTINCT region_code FROM grids ORDER BY 1"))
                .scalars()
                .all()
            )
            counties = sorted({t[:6] + "000000" for t in townships})
            spots = [
                tuple(r)
                for r in conn.execute(
                    text(
                        "SELECT ST_X(pt), ST_Y(pt) FROM events TABLESAMPLE SYSTEM (1)"
                        " WHERE pt IS NOT NULL LIMIT 2000"
                    )
                ).all()
            ]
            extent = conn.execute(
                text(
                    "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM"
                    " (SELECT ST_Extent(boundary) AS e FROM grids) g"
                )
            ).one()
        until = datetime.now(ZONE)
        year = {"from": (until - timedelta(days=365)).isoformat(), "to": until.isoformat()}
        rng = random.Random(5)
        tiles = {
            z: sorted({_tile(*rng.choice(spots), z) for _ in range(SAMPLES * 3)})[:SAMPLES]
            for z in range(10, 16)
        }
        with server_process(data_dir) as base:
            headers = sign_in(base, "bench", PASSWORD)
            queue = _timed_gets(base, headers, _queue_urls(townships, counties))
            kpis = {
                group: fetch(
                    f"{base}/api/v1/events/kpis?"
                    + urllib.parse.urlencode({**year, "region": REGION, "group": group}),
                    headers,
                )[0]
                for group in ("total", "region", "department", "category", "grid")
            }
            tile_times = {
                z: _timed_gets(base, headers, [f"/tiles/events/{z}/{x}/{y}.mvt" for _, x, y in t])
                for z, t in tiles.items()
            }
            intake = _intake(base, headers, spots)
        every_tile = [t for times in tile_times.values() for t in times]
        errors = intake["errors"]
        failed = f", {len(errors)} errors: {errors[:2]}" if errors else ""
        rows = [
            (
                "generate city + events (demo generate)",
                f"{gen_s:.0f} s, peak RSS {gen_rss} MiB ({RESIDENTS:,} residents,"
                f" {EVENTS:,} events)",
            ),
            ("load grids + departments (demo load)", f"{load_s:.0f} s, peak RSS {load_rss} MiB"),
            (
                "import events (end to end, with history)",
                f"{import_s:.0f} s = {counts['events'] / import_s:,.0f} events/s,"
                f" peak RSS {import_rss} MiB",
            ),
            (
                "intake POST /api/v1/events",
                f"{intake['rate']:.0f} events/s with {CLIENTS} clients (aim ≥ 200/s),"
                f" {summary_ms(intake['latencies'])}" + failed,
            ),
            (
                "queue GET /api/v1/events (filtered, paged)",
                f"{summary_ms(queue)} (aim p95 < 100 ms)",
            ),
            (
                "KPIs of the city-year (aim < 1 s)",
                ", ".join(f"{group} {seconds:.2f} s" for group, seconds in kpis.items()),
            ),
            *((f"  event tiles z{z}", summary_ms(times)) for z, times in tile_times.items()),
            (
                "event tiles z10-15",
                f"p95 {percentile([t * 1000 for t in every_tile], 95):.1f} ms (aim < 100 ms)",
            ),
        ]
        report(
            f"events at city scale ({counts['grids']:,} grids, {counts['events']:,} events,"
            f" {counts['history']:,} history rows, {counts['open']:,} open,"
            f" {counts['overdue']:,} overdue; extent {[round(v, 2) for v in extent]})",
            rows,
        )
        print(output.strip().splitlines()[-1] if output.strip() else "", flush=True)


if __name__ == "__main__":
    main()
