"""Geometry of grid edits (网格编辑): split, carve, redistribute, reshape, and the coverage check.

Everything here is plain shapely on EPSG:4326 lon/lat; the caller loads the grids an edit
touches (and their neighbours), calls these, checks the result with ``coverage_problems`` and
writes it back in one transaction. Areas in the checks are m² in a local frame around the
geometry (an affine scaling of lon/lat): geodesic formulas fail on the slivers checked here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely import MultiPolygon
from shapely.ops import split as split_by_line

from gridmap.core.errors import InvalidInput
from gridmap.ops.frame import LocalFrame


def area_m2(geometry: shapely.Geometry) -> float:
    """Area in m² of a lon/lat geometry, in a local frame around it (see ``LocalFrame``)."""
    if geometry is None or geometry.is_empty:
        return 0.0
    return LocalFrame.around(geometry).area_m2(geometry)


def as_multipolygon(geometry: shapely.Geometry) -> MultiPolygon:
    """The polygonal part of a geometry as a MultiPolygon (lines and points dropped)."""
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type == "Polygon" and not p.is_empty]
    return MultiPolygon(parts)


def split_grid(grid: shapely.Geometry, line: shapely.Geometry, code: str) -> list[MultiPolygon]:
    """Cut a grid in two (or more) with a drawn line; largest piece first.

    The line must cross the grid from edge to edge; a line that does not cut it raises.
    """
    if line.geom_type not in ("LineString", "MultiLineString"):
        raise InvalidInput(f"a split needs a line, got a {line.geom_type}", field="line")
    pieces = []
    for polygon in shapely.get_parts(grid):
        pieces.extend(shapely.get_parts(split_by_line(polygon, line)))
    if len(pieces) < 2:
        raise InvalidInput(f"the line does not cut grid {code} in two: draw it across the grid")
    pieces.sort(key=lambda p: -p.area)
    return [MultiPolygon([p]) for p in pieces]


def carve(new: shapely.Geometry, grids: np.ndarray) -> tuple[shapely.Geometry, np.ndarray]:
    """Cut ``new`` out of ``grids``: the new grid is clipped to what they covered, and they lose
    that part. Returns (the new grid, the grids after; empty where swallowed whole)."""
    covered = shapely.union_all(grids)
    new = as_multipolygon(shapely.intersection(new, covered))
    after = np.array([as_multipolygon(g) for g in shapely.difference(grids, new)], dtype=object)
    return new, after


def redistribute(removed: shapely.Geometry, targets: np.ndarray, codes: list[str]) -> np.ndarray:
    """Give a removed grid's area to chosen neighbours, each the part nearest to it.

    Every target must share an edge with the removed grid. Returns the targets after.
    """
    edge = shapely.boundary(removed)
    shared = shapely.intersection(edge, shapely.boundary(targets))
    lengths = shapely.length(shared)
    strangers = [code for code, length in zip(codes, lengths, strict=True) if length <= 0]
    if strangers:
        raise InvalidInput(f"grids {strangers} share no edge with the grid being removed")
    if len(targets) == 1:
        return np.array([as_multipolygon(shapely.union(targets[0], removed))], dtype=object)
    # Voronoi cells of points along each target's shared edge decide who is nearest
    step = max(edge.length / 400, 1e-7)
    points, labels = [], []
    for label, line in enumerate(shared):
        coords = shapely.get_coordinates(shapely.segmentize(line, step))
        points.append(coords)
        labels.append(np.full(len(coords), label))
    xy, label_of = np.concatenate(points), np.concatenate(labels)
    xy, unique = np.unique(xy, axis=0, return_index=True)
    label_of = label_of[unique]
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(xy), extend_to=removed.envelope, ordered=True)
    )
    pieces = [shapely.union_all(cells[label_of == label]) for label in range(len(targets))]
    shares = shapely.intersection(removed, np.array(pieces, dtype=object))
    # what floating-point leaves unassigned goes to the first target
    rest = shapely.difference(removed, shapely.union_all(shares))
    merged = shapely.union(targets, shares)
    merged[0] = shapely.union(merged[0], rest)
    return np.array([as_multipolygon(g) for g in merged], dtype=object)


def reshape_pair(
    a_new: shapely.Geometry, a_old: shapely.Geometry, b_old: shapely.Geometry, codes: list[str]
) -> tuple[MultiPolygon, MultiPolygon]:
    """Move the boundary between neighbours A and B: A becomes ``a_new`` (clipped to A ∪ B), B
    gets the rest. Both change together, so their union stays what it was."""
    both = shapely.union(a_old, b_old)
    a = as_multipolygon(shapely.intersection(a_new, both))
    b = as_multipolygon(shapely.difference(both, a))
    if a.is_empty or b.is_empty:
        raise InvalidInput(
            f"the new boundary would leave grid {codes[0 if a.is_empty else 1]} empty"
        )
    return a, b


@dataclass(frozen=True)
class CoverageCheck:
    """What an edit would break: problems in words, and the offending edges (for the map)."""

    problems: list[str]
    invalid_edges: shapely.Geometry | None


def length_m(geometry: shapely.Geometry) -> float:
    """Length in m of a lon/lat geometry's lines, in a local frame around it."""
    if geometry is None or geometry.is_empty:
        return 0.0
    return LocalFrame.around(geometry).length_m(geometry)


def coverage_problems(
    before: np.ndarray,
    after: np.ndarray,
    neighbours: np.ndarray,
    parent: shapely.Geometry | None,
    tolerance_m2: float,
    codes: list[str],
    tolerance_width_m: float = 0.01,
) -> CoverageCheck:
    """Check an edit: the edited grids still cover what they covered (no gap), do not overlap
    each other or their neighbours, and stay inside their parent region.

    Cutting a polygon puts new vertices on its edges that floating point places a hair off the
    old edge, so the tolerance grows with the edited boundary's length: an area below
    ``max(tolerance_m2, boundary length × tolerance_width_m)`` is noise, not a gap or overlap.
    """
    problems: list[str] = []
    tolerance_m2 = max(
        tolerance_m2, length_m(shapely.boundary(shapely.union_all(before))) * tolerance_width_m
    )
    invalid = [c for c, g in zip(codes, after, strict=True) if not g.is_valid or g.is_empty]
    if invalid:
        problems.append(f"grids {invalid} would be empty or invalid")
        return CoverageCheck(problems, None)
    lost = area_m2(shapely.difference(shapely.union_all(before), shapely.union_all(after)))
    gained = area_m2(shapely.difference(shapely.union_all(after), shapely.union_all(before)))
    if lost > tolerance_m2:
        problems.append(f"the edit leaves a gap of {lost:.0f} m²")
    if gained > tolerance_m2:
        problems.append(f"the edit covers {gained:.0f} m² that no edited grid covered before")
    everything = np.concatenate([after, neighbours])
    edges = shapely.coverage_invalid_edges(everything, gap_width=0.0)
    bad = [e for e in edges[: len(after)] if e is not None and not e.is_empty]
    overlap = sum(
        area_m2(shapely.intersection(a, n)) for a in after for n in neighbours if a.intersects(n)
    )
    if overlap > tolerance_m2:
        problems.append(f"the edited grids overlap their neighbours by {overlap:.0f} m²")
    if parent is not None:
        outside = area_m2(shapely.difference(shapely.union_all(after), parent))
        if outside > tolerance_m2:
            problems.append(f"{outside:.0f} m² would lie outside the parent region")
    edge_geometry = shapely.union_all(bad) if bad and problems else None
    return CoverageCheck(problems, edge_geometry)
