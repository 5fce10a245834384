"""A city-scale grid system for benchmarks: ~10,000 generated grids over a city's townships."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, text

from gridmap import demo, loaders
from gridmap.layers import grids, regions

CITY_PREFIX = "3611"  # 上饶市: 12 counties, ~220 townships


def city_townships(conn: Connection) -> pd.DataFrame:
    rows = conn.execute(
        text("SELECT code, name FROM regions WHERE level = 'township' AND code LIKE :p ORDER BY 1"),
        {"p": CITY_PREFIX + "%"},
    ).all()
    return pd.DataFrame(rows, columns=["code", "name"])


def load_city(conn: Connection, grid_count: int = 10_000, seed: int = 7) -> int:
    """Load region codes, then a generated city of ``grid_count`` grids; returns grids written."""
    loaders.load_regions(conn)
    rng = np.random.default_rng(seed)
    # an irregular city outline about 150 km across around Shangrao (generated)
    outline = shapely.buffer(shapely.Point(117.95, 28.45), 0.7, quad_segs=32)
    outline = shapely.affinity.scale(outline, 1.0, 0.9)
    townships = demo.generated_townships(outline, city_townships(conn), rng)
    city = shapely.coverage_union_all(townships.geometry.values)
    codes = [*townships.code, CITY_PREFIX + "00000000"]
    shapes = [*townships.geometry.values, city]
    regions.attach_boundaries(
        conn,
        zip(codes, shapely.to_wkb(shapes), strict=True),
        source="benchmark: generated",
        generated=True,
    )
    records = demo.generated_grids(townships, grid_count, rng)
    return grids.replace_under(conn, CITY_PREFIX, records)
