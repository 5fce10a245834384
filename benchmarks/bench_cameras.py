"""Sharp Eyes cameras at city scale: 10,000 grids, ~1,000,000 building footprints, 20,000
cameras (雪亮工程).

Figures: every camera's occluded view drawn (target < 60 s); coverage per grid and per village
for the whole city (target < 30 s); the bad-record checks for the city; a plan of 500 candidate
sites × 8 headings over 5,000 demand points (target < 60 s), with the MCLP against the greedy
baseline. Footprints are rectangles of 8-24 m, turned at random, scattered in the grids; the
demand of the plan is 5,000 key places in clusters in the busiest county. Sizes can be lowered with
GRIDMAP_BENCH_GRIDS / GRIDMAP_BENCH_FOOTPRINTS / GRIDMAP_BENCH_CAMERAS.
"""

from __future__ import annotations

import os
import resource

from sqlalchemy import text

from benchmarks._city import load_city
from benchmarks._common import prepared_cluster, report, timed
from gridmap.db import sql
from gridmap.db.engine import engine_for
from gridmap.services import camera_planning, cameras

GRIDS = int(os.environ.get("GRIDMAP_BENCH_GRIDS", 10_000))
FOOTPRINTS = int(os.environ.get("GRIDMAP_BENCH_FOOTPRINTS", 1_000_000))
CAMERAS = int(os.environ.get("GRIDMAP_BENCH_CAMERAS", 20_000))
DEMAND = 5_000

# rectangles of 8-24 m by 8-16 m around random points of each grid, turned at random
_FOOTPRINTS = """
    INSERT INTO buildings (code, address, footprint, pt, grid_code, generated)
    SELECT 'BB' || lpad(row_number() OVER ()::text, 8, '0'), 'bench', ST_Multi(f), p, code, true
      FROM (SELECT g.code, (ST_Dump(ST_GeneratePoints(g.boundary, :per_grid, 7))).geom AS p
              FROM grids g WHERE length(g.code) = 15) s,
      LATERAL (SELECT ST_Rotate(ST_MakeEnvelope(ST_X(p) - w, ST_Y(p) - h, ST_X(p) + w,
                                                ST_Y(p) + h, 4326), random() * pi(), p) AS f
                 FROM (SELECT (4 + random() * 8) / 100000.0 AS w,
                              (4 + random() * 4) / 111000.0 AS h) d) r
"""
# cameras with valid GB/T 28181 IDs of their county, 30 % domes, 5 % faulty
_CAMERAS = """
    INSERT INTO cameras (device_id, source, name, ptz_type, direction, hfov, height,
                         resolution_px, status, pt, grid_code, home_region, generated)
    SELECT left(code, 6) || '00' || '01' || '132' || '0'
             || lpad((row_number() OVER ())::text, 6, '0'),
           'bench', 'bench camera', CASE WHEN random() < 0.3 THEN 1 ELSE 3 END,
           floor(random() * 360), 85, 5, 1920,
           CASE WHEN random() < 0.05 THEN 'faulty' ELSE 'online' END, p, code, left(code, 12),
           true
      FROM (SELECT g.code, (ST_Dump(ST_GeneratePoints(g.boundary, :per_grid, 11))).geom AS p
              FROM grids g WHERE length(g.code) = 15) s
"""
# key places in clusters of 10 within 30 m of a centre (a street's shops, a campus), as places
# stand in a town: a camera sees several of them or none
_DEMAND = """
    INSERT INTO places (code, name, kind, pt, grid_code, generated)
    SELECT 'BP' || lpad(row_number() OVER ()::text, 6, '0'), 'bench school', 'school',
           ST_Project(c::geography, random() * 30, random() * 2 * pi())::geometry, code, true
      FROM (SELECT g.code, (ST_Dump(ST_GeneratePoints(g.boundary, :per_grid, 13))).geom AS c
              FROM grids g WHERE length(g.code) = 15 AND g.code LIKE :county || '%') s,
           generate_series(1, 10)
     LIMIT :n
"""


def _peak_mib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def main() -> None:
    with prepared_cluster("cameras", demo=False) as (cluster, settings):
        engine = engine_for(settings, cluster.url())
        with engine.begin() as conn:
            sql.bulk_work(conn)
            load_city(conn, GRIDS)
            setup_s, _ = timed(
                lambda: (
                    conn.execute(
                        text(_FOOTPRINTS), {"per_grid": max(1, FOOTPRINTS // GRIDS)}
                    ).rowcount
                )
            )
            conn.execute(text(_CAMERAS), {"per_grid": max(1, CAMERAS // GRIDS)})
            county = conn.execute(
                text(
                    "SELECT left(code, 6) FROM grids WHERE length(code) = 15"
                    " GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
                )
            ).scalar_one()
            grids_in_county = conn.execute(
                text("SELECT count(*) FROM grids WHERE length(code) = 15 AND code LIKE :c || '%'"),
                {"c": county},
            ).scalar_one()
            conn.execute(
                text(_DEMAND),
                {"county": county, "n": DEMAND, "per_grid": DEMAND // (10 * grids_in_county) + 1},
            )
            counts = conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM buildings), (SELECT count(*) FROM cameras),"
                    " (SELECT count(*) FROM places)"
                )
            ).one()
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        with engine.begin() as conn:
            sql.bulk_work(conn)  # as the job runs it
            views_s, drawn = timed(lambda: cameras.draw_views(conn, settings))
        views_rss = _peak_mib()
        with engine.begin() as conn:
            grid_s, by_grid = timed(lambda: cameras.coverage(conn, settings, None, "grid"))
            village_s, by_village = timed(lambda: cameras.coverage(conn, settings, None, "village"))
            problems_s, problems = timed(lambda: cameras.problems(conn, settings, None))
        with engine.begin() as conn:
            sql.bulk_work(conn)  # as the job runs it
            plan_s, plan = timed(
                lambda: camera_planning.plan(
                    conn, settings, county, budget=100, quotas=False, sites=500, headings=8
                )
            )
        solver = plan["report"]["solver"]
        total = plan["total_weight"] or 1
        report(
            f"cameras: {counts[1]:,} cameras, {counts[0]:,} building footprints, {GRIDS:,} grids",
            [
                ("set up footprints (SQL)", f"{setup_s:.1f} s"),
                (
                    "draw every occluded view (target < 60 s)",
                    f"{views_s:.1f} s ({drawn['cameras']:,} cameras,"
                    f" {drawn['without_view']} see nothing; peak RSS {views_rss} MiB)",
                ),
                (
                    "coverage per grid, city (target < 30 s)",
                    f"{grid_s:.1f} s ({len(by_grid['groups']):,} grids)",
                ),
                (
                    "coverage per village, city (target < 30 s)",
                    f"{village_s:.1f} s ({len(by_village['groups']):,} villages)",
                ),
                ("bad-record checks, city", f"{problems_s:.1f} s ({len(problems):,} problems)"),
                (
                    "plan 500 sites x 8 headings, 5,000 demand (target < 60 s)",
                    f"{plan_s:.1f} s ({plan['report']['counts']['demand']:,} demand,"
                    f" {plan['report']['counts']['candidates']:,} candidates;"
                    f" CBC {solver.get('solution')}, gap"
                    f" {solver.get('gap') or 0:.2%}; {plan['used']} cameras)",
                ),
                (
                    "demand seen: existing → plan (greedy)",
                    f"{plan['existing_weight'] / total:.1%} → {plan['covered_weight'] / total:.1%}"
                    f" ({plan['greedy']['covered_weight'] / total:.1%})",
                ),
            ],
        )
