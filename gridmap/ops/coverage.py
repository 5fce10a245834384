"""Polygon coverage tools for merging grid layers (多网合一), vectorised over arrays of shapely
geometries in one metric CRS: keeping the polygonal parts, the cleaning with a frame around the
boundary, small and thin pieces, gaps, overlaps, and unions by group.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import numpy as np
import shapely
from shapely import MultiPolygon, Polygon

_POLYGON: Final = 3


def _polygonal(geoms: np.ndarray, min_width: float = 0.0) -> np.ndarray:
    """Keep only the polygons of each geometry: Polygon, MultiPolygon or an empty Polygon.

    Parts whose mean width (2·area/perimeter) is below ``min_width`` are dropped too.
    """
    parts, index = shapely.get_parts(geoms, return_index=True)
    keep = (shapely.get_type_id(parts) == _POLYGON) & ~shapely.is_empty(parts)
    if min_width > 0:
        keep[keep] = ~_is_small(parts[keep], 0.0, min_width)
    out = np.full(len(geoms), None, dtype=object)
    shapely.multipolygons(parts[keep], indices=index[keep], out=out)
    out[shapely.is_missing(out)] = Polygon()
    single = shapely.get_num_geometries(out) == 1
    out[single] = shapely.get_geometry(out[single], 0)
    return out


def _frame(boundary: Polygon | MultiPolygon) -> shapely.Geometry:
    """Everything around the boundary, far larger than any cell, so it wins every overlap."""
    minx, miny, maxx, maxy = boundary.bounds
    margin = max(maxx - minx, maxy - miny)
    outer = shapely.box(minx - margin, miny - margin, maxx + margin, maxy + margin)
    return shapely.difference(outer, boundary)


def _clean(
    cells: np.ndarray,
    frame: shapely.Geometry,
    strategy: str,
    snap: float,
    notes: list[str],
    *,
    needle: float,
) -> tuple[np.ndarray, np.ndarray]:
    """`shapely.coverage_clean` with the frame first: snapped onto the boundary, clipped to it.

    ``snap`` is both the snapping distance and the width of the gaps closed. Parts thinner
    than ``needle`` (mean width) are dropped first: overlays leave such needles (areas down
    to 1e-9 m²), snapping would collapse them anyway, and GEOS 3.14's cleaner fails on them
    ("CoverageUnion cannot process overlapping inputs"). Should it still fail with
    ``strategy``, it runs again with ``"longest_border"`` and a note says so.

    Returns the cleaned cells and the pieces of the region the frame took (narrow gaps along
    the boundary go to the frame when it has the longest border with them).
    """
    coverage = _polygonal(np.concatenate([[frame], cells]), needle)
    try:
        cleaned = _coverage_clean(coverage, strategy, snap)
    except shapely.errors.GEOSException:
        notes.append(
            f"the overlap rule {strategy!r} could not clean this coverage (GEOS refused it):"
            " the longest shared border decided instead"
        )
        cleaned = _coverage_clean(coverage, "longest_border", snap)
    lost = _pieces(shapely.difference(cleaned[0], frame))
    return _polygonal(cleaned[1:]), lost[~_is_small(lost, 0.0, needle)]


def _coverage_clean(coverage: np.ndarray, strategy: str, snap: float) -> np.ndarray:
    return shapely.coverage_clean(
        coverage, gap_width=snap, snapping_distance=snap, merge_strategy=strategy
    )


def _is_small(geoms: np.ndarray, min_area: float, min_width: float) -> np.ndarray:
    return _small(shapely.area(geoms), shapely.length(geoms), min_area, min_width)


def _small(
    area: np.ndarray, perimeter: np.ndarray, min_area: float, min_width: float
) -> np.ndarray:
    """Smaller than ``min_area`` or thinner than ``min_width`` (mean width 2·area/perimeter)."""
    width = 2 * area / np.maximum(perimeter, 1e-12)
    return (area < min_area) | (width < min_width)


def _measure_overlaps(cells: np.ndarray, tolerance: float) -> dict[str, float]:
    """Count and area of overlaps between cells wider than the snapping tolerance."""
    left, right = shapely.STRtree(cells).query(cells, predicate="overlaps")
    left, right = left[left < right], right[left < right]
    shared = _polygonal(shapely.intersection(cells[left], cells[right]))
    real = ~_is_small(shared, 0.0, tolerance) & (shapely.area(shared) > 0)
    return {"count": int(real.sum()), "area_m2": float(shapely.area(shared[real]).sum())}


def _gap_pieces(boundary: shapely.Geometry, cells: np.ndarray) -> np.ndarray:
    """The connected pieces of the boundary that ``cells`` (a valid coverage) leave open."""
    return _pieces(shapely.difference(boundary, shapely.coverage_union_all(cells)))


def _pieces(geometry: shapely.Geometry) -> np.ndarray:
    """The non-empty polygons of one geometry."""
    parts = shapely.get_parts(_polygonal(np.array([geometry])))
    return parts[~shapely.is_empty(parts)]


def _first_wins(pieces: np.ndarray) -> np.ndarray:
    """Each piece minus the union of the earlier pieces it intersects (vectorised)."""
    later, earlier = shapely.STRtree(pieces).query(pieces, predicate="intersects")
    keep = earlier < later
    later, earlier = later[keep], earlier[keep]
    out = pieces.copy()
    if len(later):
        ids, above = _grouped(pieces[earlier], later, shapely.union_all)
        out[ids] = _polygonal(shapely.difference(pieces[ids], above))
    return out


def _grouped(
    geoms: np.ndarray, group: np.ndarray, union: Callable[..., np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """The distinct groups (sorted) and the union of each group's geometries.

    Vectorised over groups: the members of groups with several go into one table, a row
    per group padded with None, and ``union`` reduces its rows at once.
    """
    ids, index, counts = np.unique(group, return_inverse=True, return_counts=True)
    out = np.empty(len(ids), dtype=object)
    single = counts[index] == 1
    out[index[single]] = geoms[single]
    multi = np.flatnonzero(counts > 1)
    if len(multi):
        rows = np.searchsorted(multi, index[~single])
        order = np.argsort(rows, kind="stable")
        rows = rows[order]
        column = np.arange(len(rows)) - np.searchsorted(rows, rows)
        table = np.full((len(multi), counts.max()), None, dtype=object)
        table[rows, column] = geoms[~single][order]
        out[multi] = union(table, axis=1)
    return ids, _polygonal(out)
