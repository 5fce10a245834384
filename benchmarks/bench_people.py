"""People at city scale: a generated city of 10,000 grids and 5,000,000 residents.

Figures: generating the files; importing the residents through the real path (rows/s end to
end including validation and grid assignment, peak RSS of the importing process); re-tying
every record after a city-wide re-grid; grid profile and find-my-grid latency through the
server (own process); and point-in-grid assignment in PostGIS vs geopandas' ``sjoin`` on the
same points and grids. Sizes can be lowered with GRIDMAP_BENCH_GRIDS / GRIDMAP_BENCH_RESIDENTS.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
from sqlalchemy import text

from benchmarks._common import (
    fetch,
    prepared_cluster,
    report,
    server_process,
    sign_in,
    summary_ms,
    timed,
)
from gridmap.db.engine import engine_for
from gridmap.demo import city
from gridmap.layers import grids, ties
from gridmap.services import accounts

GRIDS = int(os.environ.get("GRIDMAP_BENCH_GRIDS", 10_000))
RESIDENTS = int(os.environ.get("GRIDMAP_BENCH_RESIDENTS", 5_000_000))
REGION = "361100000000"
PASSWORD = "bench-password-123"
SAMPLES = 300


def _gridmap(data_dir: Path, *args: str) -> tuple[float, int, str]:
    """Run a gridmap command in its own process: (seconds, peak RSS in MiB, output)."""
    env = {**os.environ, "GRIDMAP_DATA_DIR": str(data_dir)}
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks._rss", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise RuntimeError(f"gridmap {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    peak = int(re.search(r"PEAK_RSS_KIB=(\d+)", done.stdout).group(1)) // 1024
    return seconds, peak, done.stdout + done.stderr


def _regrid(conn) -> int:
    """A city-wide re-grid: the same townships cut into a different set of grids."""
    shape = city.city_shape(REGION, GRIDS, seed=99)
    return grids.replace_under(conn, REGION[:4], city.grid_records(shape.grids))


def _postgis_vs_sjoin(conn) -> dict[str, float]:
    """Seconds to assign every building to its grid: PostGIS in place (grids outer, one core
    and two), and geopandas' sjoin on the same points and grids (the join alone, and with
    reading them out of PostGIS first, which a service holding its data there must do)."""
    sql = """
        SELECT count(*) FROM (
          SELECT DISTINCT ON (p.id) p.id, g.code FROM grids g
           CROSS JOIN LATERAL (SELECT b.id FROM buildings b
                                WHERE ST_Intersects(g.boundary, b.pt)) p
           WHERE length(g.code) = 15 ORDER BY p.id, g.code) t
    """
    conn.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    postgis_s, count = timed(lambda: conn.execute(text(sql)).scalar_one())
    for setting in ("parallel_setup_cost", "parallel_tuple_cost", "min_parallel_table_scan_size"):
        conn.execute(text(f"SET LOCAL {setting} = 0"))
    conn.execute(text("SET LOCAL max_parallel_workers_per_gather = 2"))
    parallel_s, parallel_count = timed(lambda: conn.execute(text(sql)).scalar_one())
    assert parallel_count == count
    read_s, (points, polygons) = timed(
        lambda: (
            gpd.read_postgis("SELECT id, pt FROM buildings", conn, geom_col="pt"),
            gpd.read_postgis(
                "SELECT code, boundary FROM grids WHERE length(code) = 15",
                conn,
                geom_col="boundary",
            ),
        )
    )
    sjoin_s, joined = timed(lambda: gpd.sjoin(points, polygons, predicate="intersects"))
    assert joined.id.nunique() == count, (joined.id.nunique(), count)
    return {
        "points": count,
        "postgis": postgis_s,
        "postgis_2": parallel_s,
        "sjoin": sjoin_s,
        "sjoin_read": sjoin_s + read_s,
    }


def _latencies(base: str, headers: dict[str, str], paths: list[str]) -> list[float]:
    for path in paths[:10]:
        fetch(base + path, headers)  # warm up
    return [fetch(base + path, headers)[0] for path in paths]


def main() -> None:
    with prepared_cluster("people", demo=False) as (cluster, settings):
        data_dir = cluster.data_dir
        folder = Path(tempfile.mkdtemp(prefix="gridmap-city-", dir=data_dir))
        gen_s, gen_rss, _ = _gridmap(
            data_dir,
            "demo", "generate", "-o", str(folder), "--grids", str(GRIDS),
            "--residents", str(RESIDENTS), "--seed", "7", "--region", REGION,
        )  # fmt: skip
        residents_file = folder / "residents.csv"
        held = residents_file.rename(folder / "residents.csv.held")
        load_s, load_rss, _ = _gridmap(data_dir, "demo", "load", str(folder))
        held.rename(residents_file)
        import_s, import_rss, _ = _gridmap(data_dir, "import", "residents", str(residents_file))
        owner = engine_for(settings, cluster.url())
        with owner.begin() as conn:
            counts = dict(
                conn.execute(
                    text(
                        "SELECT 'residents', count(*) FROM residents UNION ALL"
                        " SELECT 'households', count(*) FROM households UNION ALL"
                        " SELECT 'buildings', count(*) FROM buildings UNION ALL"
                        " SELECT 'grids', count(*) FROM grids"
                    )
                ).all()
            )
            conn.execute(text("ANALYZE"))
            accounts.add_user(conn, settings, "bench", "admin", REGION, PASSWORD)
            grid_codes = (
                conn.execute(
                    text(
                        "SELECT code FROM grids WHERE length(code) = 15 ORDER BY md5(code) LIMIT :n"
                    ),
                    {"n": SAMPLES},
                )
                .scalars()
                .all()
            )
            points = conn.execute(
                text("SELECT ST_X(pt), ST_Y(pt) FROM buildings ORDER BY md5(id::text) LIMIT :n"),
                {"n": SAMPLES},
            ).all()
        with server_process(data_dir) as base:
            headers = sign_in(base, "bench", PASSWORD)
            profile = _latencies(base, headers, [f"/api/v1/grids/{c}/profile" for c in grid_codes])
            find = _latencies(base, {}, [f"/public/find?lon={x}&lat={y}" for x, y in points])
        with owner.begin() as conn:
            join = _postgis_vs_sjoin(conn)
        with owner.begin() as conn:
            regrid_s, _ = timed(lambda: _regrid(conn))
            retie_s, moved = timed(lambda: ties.retie(conn, None))
        rows_per_s = counts["residents"] / import_s
        report(
            f"people at city scale ({counts['grids']} grids, {counts['residents']:,} residents,"
            f" {counts['households']:,} households, {counts['buildings']:,} buildings)",
            [
                ("generate files (demo generate)", f"{gen_s:.0f} s, peak RSS {gen_rss} MiB"),
                ("load grids + other ledgers", f"{load_s:.0f} s, peak RSS {load_rss} MiB"),
                (
                    "import residents (end to end)",
                    f"{import_s:.0f} s = {rows_per_s:,.0f} rows/s (aim ≥ 30,000),"
                    f" peak RSS {import_rss} MiB (aim < 2048)",
                ),
                ("city-wide re-grid (write grids)", f"{regrid_s:.1f} s"),
                (
                    "re-tie every record",
                    f"{retie_s:.1f} s (aim < 60 s): "
                    + ", ".join(f"{k} {v:,}" for k, v in moved.items()),
                ),
                ("grid profile", summary_ms(profile) + " (aim p95 < 150 ms)"),
                ("find my grid", summary_ms(find) + " (aim p95 < 20 ms)"),
                (
                    f"point-in-grid, {join['points']:,} buildings",
                    f"PostGIS {join['postgis']:.2f} s (2 workers {join['postgis_2']:.2f} s),"
                    f" sjoin {join['sjoin']:.2f} s, sjoin after reading from PostGIS"
                    f" {join['sjoin_read']:.2f} s",
                ),
                (
                    "  ratio PostGIS / sjoin",
                    f"{join['postgis'] / join['sjoin']:.2f} join alone (2 workers"
                    f" {join['postgis_2'] / join['sjoin']:.2f}),"
                    f" {join['postgis'] / join['sjoin_read']:.2f} with the read",
                ),
            ],
        )


if __name__ == "__main__":
    main()
