"""Stable codes for unified grids (统一网格编码): the parent's 12 digits + a sequence
001-999, in reading order, keeping the codes of grids that barely changed.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gridmap.core.codes import RegionLevel, parse_grid_code, parse_region_code
from gridmap.core.errors import InvalidInput
from gridmap.ops.partition import reading_order

__all__ = ["assign_codes"]

MAX_SEQUENCE: Final = 999


def assign_codes(
    cells: gpd.GeoDataFrame,
    parent_codes: np.ndarray,
    previous: gpd.GeoDataFrame | None = None,
    match_iou: float = 0.9,
) -> np.ndarray:
    """Unified grid codes (统一网格编码): the parent's 12 digits + a sequence 001–999.

    The layout of Beijing's DB11 unit-grid codes. Cells are numbered in reading order inside
    their parent (`gridmap.ops.partition.reading_order` on the centroids, bands as high as
    the square root of the parent's mean cell area).

    Parameters
    ----------
    cells : geopandas.GeoDataFrame
        The cells, in a projected CRS in metres.
    parent_codes : numpy.ndarray
        The 12-digit township or village code of each cell's parent, in the order of
        ``cells``.
    previous : geopandas.GeoDataFrame, optional
        The current unified grids (``code``, ``geometry``, same CRS). A cell whose
        intersection over union with a previous grid of the same parent is at least
        ``match_iou`` keeps that grid's code (highest IoU first, each code once). The other
        cells take, in reading order, the lowest sequence numbers no previous grid of the
        parent holds; only when those run out are retired numbers reused (lowest first).
    match_iou : float
        Intersection over union that keeps a code, in (0, 1].

    Returns
    -------
    numpy.ndarray
        15-digit code strings, in the order of ``cells``. The same input gives the same codes.

    Raises
    ------
    ValueError
        A parent with more than 999 cells, a malformed parent or previous code, a length
        mismatch, different CRSs or ``match_iou`` out of range.
    """
    parents = _check_parents(parent_codes, len(cells))
    if not 0 < match_iou <= 1:
        raise InvalidInput(f"match_iou must be in (0, 1], got {match_iou}")
    geoms = np.asarray(cells.geometry.array, dtype=object)
    codes = np.full(len(cells), "", dtype=object)
    held: dict[str, set[int]] = defaultdict(set)
    if previous is not None and len(previous):
        codes, held = _match_previous(cells, geoms, parents, previous, match_iou)
    centroids = shapely.centroid(geoms)
    x, y, area = shapely.get_x(centroids), shapely.get_y(centroids), shapely.area(geoms)
    for parent in np.unique(parents):
        members = np.flatnonzero(parents == parent)
        band = float(np.sqrt(area[members].mean())) or 1.0
        ordered = members[reading_order(x[members], y[members], band)]
        fresh = ordered[codes[ordered] == ""]
        taken = {int(c[12:]) for c in codes[members] if c}
        numbers = _free_numbers(taken, held[parent], len(fresh))
        codes[fresh] = [f"{parent}{n:03d}" for n in numbers]
    return codes.astype(str)


def _check_parents(parent_codes: np.ndarray, n: int) -> np.ndarray:
    parents = np.asarray(parent_codes, dtype=str)
    if parents.shape != (n,):
        raise InvalidInput(f"parent_codes has shape {parents.shape}, expected ({n},): one per cell")
    unique, counts = np.unique(parents, return_counts=True)
    for parent, count in zip(unique.tolist(), counts.tolist(), strict=True):
        level = parse_region_code(parent).level
        if level not in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
            raise InvalidInput(
                f"parent code {parent!r} is a {level} code: a grid's parent is a "
                "township or village"
            )
        if count > MAX_SEQUENCE:
            raise InvalidInput(
                f"parent {parent} has {count} cells: a 3-digit sequence numbers at most "
                f"{MAX_SEQUENCE}"
            )
    return parents


def _match_previous(
    cells: gpd.GeoDataFrame,
    geoms: np.ndarray,
    parents: np.ndarray,
    previous: gpd.GeoDataFrame,
    match_iou: float,
) -> tuple[np.ndarray, dict[str, set[int]]]:
    """Codes kept from ``previous`` (``""`` where none) and the numbers each parent held."""
    if previous.crs != cells.crs:
        raise InvalidInput(f"previous CRS {previous.crs} differs from the cells' CRS {cells.crs}")
    old_codes = previous["code"].astype(str).to_numpy()
    for code in old_codes:
        parse_grid_code(code)
    held: dict[str, set[int]] = defaultdict(set)
    for code in old_codes:
        held[code[:12]].add(int(code[12:15]))
    old = np.asarray(previous.geometry.array, dtype=object)
    cell, prev = shapely.STRtree(old).query(geoms, predicate="intersects")
    same = parents[cell] == np.array([c[:12] for c in old_codes], dtype=str)[prev]
    cell, prev = cell[same], prev[same]
    shared = shapely.area(shapely.intersection(geoms[cell], old[prev]))
    iou = shared / (shapely.area(geoms[cell]) + shapely.area(old[prev]) - shared)
    pairs = pd.DataFrame({"cell": cell, "prev": prev, "iou": iou})
    pairs = pairs[pairs["iou"] >= match_iou].sort_values(
        ["iou", "cell", "prev"], ascending=[False, True, True]
    )
    codes = np.full(len(geoms), "", dtype=object)
    while len(pairs):
        mutual = pairs.drop_duplicates("cell").merge(pairs.drop_duplicates("prev"))
        codes[mutual["cell"].to_numpy()] = old_codes[mutual["prev"].to_numpy()]
        pairs = pairs[~pairs["cell"].isin(mutual["cell"]) & ~pairs["prev"].isin(mutual["prev"])]
    return codes, held


def _free_numbers(taken: set[int], held: set[int], n: int) -> list[int]:
    """The ``n`` lowest numbers not taken, preferring those never held by a previous grid."""
    never = [k for k in range(1, MAX_SEQUENCE + 1) if k not in taken and k not in held]
    retired = sorted(held - taken)
    return (never + retired)[:n]
