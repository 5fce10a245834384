"""The centre's analytics at city scale: 10,000 grids and 1,000,000 events (a year, clustered).

Figures: Gi* with 999 permutations including the aggregation in PostGIS, against esda's own
time on the same weights (target ≤ 1.2×); heatmap tiles at 1,000,000 events (target p95
< 100 ms, drawn, not from the cache); five-colour risk for the whole city (target < 10 s).
Sizes can be lowered with GRIDMAP_BENCH_GRIDS / GRIDMAP_BENCH_EVENTS.
"""

from __future__ import annotations

import math
import os
import random

import numpy as np
from esda.getisord import G_Local
from sqlalchemy import text

from benchmarks._city import load_city
from benchmarks._common import percentile, prepared_cluster, report, timed
from gridmap.core.access import SYSTEM
from gridmap.db import sql
from gridmap.db.engine import engine_for
from gridmap.db.scope import apply_scope
from gridmap.layers.events import EventFilter
from gridmap.services import analytics, heatmaps

GRIDS = int(os.environ.get("GRIDMAP_BENCH_GRIDS", 10_000))
EVENTS = int(os.environ.get("GRIDMAP_BENCH_EVENTS", 1_000_000))
CATEGORIES = ["fire", "exposed_garbage", "streetlight", "neighbour_dispute", "illegal_parking"]

# events clustered as a city's are: a grid's share of events is lognormal
_EVENTS = """
    INSERT INTO events (channel, category, urgency, title, pt, grid_code, level, state,
                        max_level, reported_at, closed_at, generated)
    SELECT 'grid_worker', (CAST(:categories AS text[]))[1 + (hashint4(i) & 3)], 'normal', 'bench',
           p.geom, g.code, 'village', 'closed', 'village',
           now() - (random() * 365) * interval '1 day', now(), true
      FROM (SELECT code, boundary, greatest(1, round(:per_grid * exp(random() * 2 - 1.2)))::int
                   AS n FROM grids WHERE length(code) = 15) g,
           LATERAL (SELECT (ST_Dump(ST_GeneratePoints(g.boundary, g.n))).geom) p,
           LATERAL (SELECT (random() * 1e9)::int AS i) r
"""


def _tile(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def main() -> None:
    with prepared_cluster("analytics", demo=False) as (cluster, settings):
        engine = engine_for(settings, cluster.url())
        with engine.begin() as conn:
            sql.bulk_work(conn)
            load_city(conn, GRIDS)
            setup_s, _ = timed(
                lambda: conn.execute(
                    text(_EVENTS), {"per_grid": EVENTS / GRIDS, "categories": CATEGORIES}
                )
            )
            events = conn.execute(text("SELECT count(*) FROM events")).scalar_one()
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        with engine.begin() as conn:
            sql.bulk_work(conn)
            apply_scope(conn, SYSTEM)
            options = analytics.options_from(settings, permutations=999)
            first_s, _ = timed(
                lambda: analytics.hotspots(conn, settings, None, EventFilter(), options)
            )
            units = analytics.units_of(conn, None)  # kept: the grid system did not change
            runs = [
                timed(lambda: analytics.hotspot_table(conn, None, EventFilter(), options, units))
                for _ in range(3)
            ]
            ours_s, table = min(runs, key=lambda run: run[0])
            geojson_s, _ = timed(
                lambda: analytics.hotspots(conn, settings, None, EventFilter(), options)
            )
            w = analytics.weights_for(conn, units, options)
            counts = table["count"].to_numpy(dtype=float)
            esda_s, _ = timed(
                lambda: G_Local(
                    counts,
                    w,
                    transform="B",
                    permutations=999,
                    star=True,
                    seed=12345,
                    keep_simulations=False,
                    n_jobs=1,
                )
            )
            risk_s, risk = timed(lambda: analytics.risk_colours(conn, settings, None))
            # heatmap tiles where the events are, drawn (no cache): the legend's breaks first
            spots = conn.execute(
                text("SELECT ST_X(pt), ST_Y(pt) FROM events TABLESAMPLE SYSTEM (1) LIMIT 400")
            ).all()
            random.seed(7)
            tiles = list({_tile(x, y, z) for (x, y) in spots for z in (12, 13, 14)})
            random.shuffle(tiles)
            for z in (12, 13, 14):
                heatmaps.breaks(conn, settings, SYSTEM, EventFilter(), z)
            times = []
            for address in tiles[:150]:
                spent, _ = timed(
                    lambda a=address: heatmaps.tile(conn, settings, None, SYSTEM, EventFilter(), a)
                )
                times.append(spent)
        ms = [t * 1000 for t in times]
        report(
            f"analytics: {GRIDS:,} grids, {events:,} events",
            [
                ("set up events (SQL)", f"{setup_s:.1f} s"),
                ("Gi* 999 permutations, first (outlines read, weights built)", f"{first_s:.2f} s"),
                ("the same as GeoJSON with every outline, kept", f"{geojson_s:.2f} s"),
                (
                    "Gi* incl. SQL aggregation / esda alone, best of 3 (target ≤ 1.2×)",
                    f"{ours_s:.2f} s / {esda_s:.2f} s = {ours_s / esda_s:.2f}×",
                ),
                (
                    "heatmap tiles z12-14, drawn (target p95 < 100 ms)",
                    f"median {np.median(ms):.0f} ms, p95 {percentile(ms, 95):.0f} ms (n={len(ms)})",
                ),
                (
                    "five-colour risk, whole city (target < 10 s)",
                    f"{risk_s:.1f} s ({len(risk['grids']):,} grids: {risk['colours']})",
                ),
            ],
        )
