"""Gap-free partitions of a polygon into cells, and the reading order that numbers them.

Used to generate demo townships and grids (clearly labelled as generated), and, later, as the
numbering rule of unified grid codes: west to east, north to south inside the parent.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely import MultiPolygon, Polygon

from gridmap.core.errors import InvalidInput


def random_points_in(area: Polygon | MultiPolygon, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points spread uniformly over ``area`` (rejection sampling in its bounding box)."""
    minx, miny, maxx, maxy = area.bounds
    fill = max(area.area / ((maxx - minx) * (maxy - miny)), 0.05)
    shapely.prepare(area)
    found: list[np.ndarray] = []
    total = 0
    while total < n:
        batch = int((n - total) / fill * 1.5) + 16
        xy = rng.uniform((minx, miny), (maxx, maxy), size=(batch, 2))
        inside = shapely.contains_xy(area, xy[:, 0], xy[:, 1])
        found.append(xy[inside])
        total += int(inside.sum())
    return np.concatenate(found)[:n]


def voronoi_partition(
    area: Polygon | MultiPolygon,
    n: int,
    rng: np.random.Generator,
    relax: int = 3,
) -> np.ndarray:
    """Split ``area`` into ``n`` compact cells: Voronoi cells of seeds, clipped to the area.

    Seeds start uniform over the area and move to their cell's centroid ``relax`` times
    (Lloyd's relaxation), which evens out the cell sizes. The cells cover the area exactly and
    do not overlap (a valid polygonal coverage). Work in a metric CRS: the relaxation measures
    centroids in the area's own units.

    Returns an array of ``n`` Polygon/MultiPolygon cells (fewer only if seeds coincide).
    """
    if n < 1:
        raise InvalidInput(f"a partition needs at least 1 cell, got {n}")
    if n == 1:
        return np.array([area], dtype=object)
    seeds = random_points_in(area, n, rng)
    for _ in range(relax + 1):
        cells = _clipped_cells(area, seeds)
        centroids = shapely.get_coordinates(shapely.centroid(cells))
        seeds = centroids
    if not shapely.coverage_is_valid(cells):
        cells = shapely.coverage_clean(cells)
    return cells


def _clipped_cells(area: Polygon | MultiPolygon, seeds: np.ndarray) -> np.ndarray:
    diagram = shapely.voronoi_polygons(
        shapely.multipoints(seeds), extend_to=area.envelope.buffer(1.0), ordered=True
    )
    cells = shapely.intersection(shapely.get_parts(diagram), area)
    cells = shapely.make_valid(cells, method="structure", keep_collapsed=False)
    return cells[~shapely.is_empty(cells)]


def reading_order(x: np.ndarray, y: np.ndarray, band: float) -> np.ndarray:
    """Indices that sort points north to south in bands of height ``band``, west to east inside.

    This is how unified grid codes are numbered inside their parent: like reading a page.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if band <= 0:
        raise InvalidInput(f"band height must be positive, got {band}")
    rows = np.floor((y.max() - y) / band) if len(y) else y
    return np.lexsort((x, rows))
