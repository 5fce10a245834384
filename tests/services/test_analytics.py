"""The centre's analytics on a planted pattern: a cluster of events in one grid of township C
and its neighbours, a scatter elsewhere. Counts are checked against an independent count in
SQL, the cluster must be a hot spot, growing months an emerging one, the heatmap's peak must
sit on the cluster, the forecast must beat chance, and the risk colours must say why."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import Connection, text

from gridmap.core.access import SYSTEM
from gridmap.core.settings import Settings
from gridmap.layers.events import EventFilter
from gridmap.services import analytics, heatmaps
from tests.conftest import COUNTY, TOWNSHIP_C

NOW = datetime(2026, 11, 15, tzinfo=UTC)
PREFIX = TOWNSHIP_C[:9]
PLANTED = "analytics_planted"  # a category of their own: other tests' events stay out
ONLY = EventFilter(categories=[PLANTED])


def _events(conn: Connection, grid: str, n: int, start: datetime, days: int, **extra) -> None:
    """``n`` events at random points of ``grid`` reported over ``days`` from ``start``."""
    conn.execute(
        text(
            """
            INSERT INTO events (channel, category, urgency, title, pt, grid_code, level, state,
                                max_level, reported_at, deadline, generated)
            SELECT 'walk_in', :category, :urgency, 'planted', p.geom, :grid, 'village', :state,
                   'village', CAST(:start AS timestamptz) + (i * :days / :n) * interval '1 day',
                   :deadline, true
              FROM generate_series(1, :n) i,
                   LATERAL (SELECT (ST_Dump(ST_GeneratePoints(g.boundary, 1, i))).geom
                              FROM grids g WHERE g.code = :grid) p
            """
        ),
        {
            "grid": grid,
            "n": n,
            "start": start,
            "days": max(days, 1),
            "urgency": extra.get("urgency", "normal"),
            "state": extra.get("state", "closed"),
            "deadline": extra.get("deadline"),
            "category": PLANTED,
        },
    )


@pytest.fixture
def planted(conn: Connection) -> dict:
    """Township C: 60 events in its busiest grid's cluster over the last year, 2 a grid
    elsewhere; the cluster's last three months grow."""
    grids = (
        conn.execute(
            text(
                "SELECT g.code FROM grids g WHERE length(g.code) = 15 AND g.code LIKE :p || '%'"
                " ORDER BY g.code"
            ),
            {"p": PREFIX},
        )
        .scalars()
        .all()
    )
    hot = grids[len(grids) // 2]
    neighbours = (
        conn.execute(
            text(
                "SELECT b.code FROM grids a JOIN grids b ON ST_Touches(a.boundary, b.boundary)"
                " WHERE a.code = :hot AND length(b.code) = 15 ORDER BY b.code"
            ),
            {"hot": hot},
        )
        .scalars()
        .all()
    )
    year_ago = NOW - timedelta(days=365)
    for grid in grids:
        _events(conn, grid, 2, year_ago, 365)
    for grid in [hot, *neighbours]:
        _events(conn, grid, 60, year_ago, 365)
        _events(conn, grid, 30, NOW - timedelta(days=80), 75)  # growing lately
    _events(
        conn,
        hot,
        5,
        NOW - timedelta(days=30),
        20,
        state="dispatched",
        urgency="critical",
        deadline=NOW - timedelta(days=3),
    )
    cluster = [hot, *neighbours]
    near = (
        conn.execute(
            text(
                "SELECT DISTINCT b.code FROM grids a JOIN grids b ON ST_Intersects(a.boundary,"
                " b.boundary) WHERE a.code = ANY (:cluster) AND length(b.code) = 15"
            ),
            {"cluster": cluster},
        )
        .scalars()
        .all()
    )
    return {"hot": hot, "neighbours": neighbours, "grids": grids, "near": set(near)}


def test_hot_spots_find_the_cluster(conn: Connection, settings: Settings, planted: dict) -> None:
    options = analytics.options_from(settings, permutations=99)
    found = analytics.hotspots(conn, settings, COUNTY[:6], ONLY, options)
    by_code = {f["properties"]["code"]: f["properties"] for f in found["features"]}
    assert set(planted["grids"]) < set(by_code)
    counted = dict(
        conn.execute(
            text("SELECT grid_code, count(*) FROM events WHERE category = :c GROUP BY 1"),
            {"c": PLANTED},
        ).all()
    )
    assert {c: p["count"] for c, p in by_code.items()} == {c: counted.get(c, 0) for c in by_code}
    hottest = max(by_code.values(), key=lambda p: p["z"])
    assert hottest["code"] in (planted["hot"], *planted["neighbours"])
    assert by_code[planted["hot"]]["gi_bin"] == 3 and by_code[planted["hot"]]["z"] > 2.58
    # Gi* counts a grid's neighbours: only the cluster and the grids touching it are hot
    assert {c for c, p in by_code.items() if p["gi_bin"] == 3} <= planted["near"]
    assert found["events"] == sum(counted.values())
    moran = analytics.hotspots(
        conn,
        settings,
        COUNTY[:6],
        ONLY,
        analytics.options_from(settings, method="local_moran", permutations=99),
    )
    labels = {f["properties"]["code"]: f["properties"]["label"] for f in moran["features"]}
    assert labels[planted["hot"]] == "HH"


def test_emerging_hot_spots_see_the_growth(
    conn: Connection, settings: Settings, planted: dict
) -> None:
    found = analytics.emerging_hotspots(
        conn, settings, COUNTY[:6], ONLY, until=NOW, period="month", periods=12
    )
    assert len(found["periods"]) == 12
    patterns = {f["properties"]["code"]: f["properties"]["pattern"] for f in found["features"]}
    assert "hot" in patterns[planted["hot"]]
    assert {c for c, p in patterns.items() if "hot" in p} <= planted["near"]


def test_the_forecast_beats_chance(conn: Connection, settings: Settings, planted: dict) -> None:
    checked = analytics.forecast_check(
        conn, settings, COUNTY[:6], ONLY, NOW - timedelta(days=80), 285, 80
    )
    assert checked["test_events"] > 0
    for row in checked["comparisons"]:
        assert row["pai"] > 1.5, row  # the growth lands where the cluster was


def test_risk_colours_say_why(conn: Connection, settings: Settings, planted: dict) -> None:
    found = analytics.risk_colours(conn, settings, PREFIX, at=NOW)
    by_code = {g["code"]: g for g in found["grids"]}
    hot = by_code[planted["hot"]]
    order = ["green", "blue", "yellow", "orange", "red"]
    others = [g for c, g in by_code.items() if c not in (planted["hot"], *planted["neighbours"])]
    assert all(order.index(hot["colour"]) > order.index(g["colour"]) for g in others)
    factors = {reason["factor"]: reason for reason in hot["reasons"]}
    assert factors["overdue_events"]["value"] == 5
    assert "overdue" in hot["summary"]
    assert sum(found["colours"].values()) == len(by_code)


def test_a_heatmap_tile_peaks_on_the_cluster(
    conn: Connection, settings: Settings, planted: dict
) -> None:
    lon, lat = conn.execute(
        text(
            "SELECT ST_X(c), ST_Y(c)"
            " FROM (SELECT ST_Centroid(boundary) c FROM grids WHERE code = :g) t"
        ),
        {"g": planted["hot"]},
    ).one()
    z = 13
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - np.arcsinh(np.tan(np.radians(lat))) / np.pi) / 2 * n)
    drawn = heatmaps.tile(
        conn, settings, None, SYSTEM, EventFilter(prefix=PREFIX, categories=[PLANTED]), (z, x, y)
    )
    image = np.asarray(Image.open(io.BytesIO(drawn.data)))
    assert image.shape[2] == 4 and image[:, :, 3].max() > 0  # something painted
    legend = heatmaps.legend(
        conn, settings, SYSTEM, EventFilter(prefix=PREFIX, categories=[PLANTED]), z
    )
    assert legend["unit"] == "events/km²" and len(legend["classes"]) >= 2
