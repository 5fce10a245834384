"""A city-scale grid system for benchmarks: ~10,000 generated grids over a city's townships."""

from __future__ import annotations

from sqlalchemy import Connection

from gridmap.demo import city
from gridmap.ingest.regions import load_regions

CITY = "361100000000"  # 上饶市: 12 counties, ~220 townships


def load_city(conn: Connection, grid_count: int = 10_000, seed: int = 7) -> int:
    """Load region codes, then a generated city of ``grid_count`` grids; returns grids written."""
    load_regions(conn)
    return city.attach_city(conn, city.city_shape(CITY, grid_count, seed))
