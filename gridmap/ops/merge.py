"""One unified grid system (多网合一) from the grid layers of several departments.

Each department (综治 governance, 警务 police, 城管 urban management, 消防 fire, …) draws its
own grids over the same region. `merge_sources` turns them into one valid polygonal coverage
of the region, led by a *base* department the planner picks; `assign_codes` numbers the
result with stable 15-digit codes.

Everything here works in ONE metric CRS chosen by the caller: coordinates, distances and
tolerances in metres, areas in square metres. Nothing here touches a database or a request.

How `merge_sources` works
-------------------------
1. **Base.** The base department's grids are clipped to the boundary and cleaned with GEOS's
   coverage cleaner (`shapely.coverage_clean`): vertices closer than ``snap_tolerance_m`` are
   snapped together, enclosed gaps narrower than it are closed, and overlaps go by the
   overlap rule: ``"base"``, the cell listed first in the layer keeps the overlap (GEOS's
   ``min_index`` strategy); ``"larger_share"``, the larger cell takes it (``max_area``). The
   region *outside* the boundary takes part in every cleaning as a frame polygon that wins
   all its overlaps (it is first and by far the largest), so cells are snapped onto the
   boundary and never leave it.
2. **Gaps.** The parts of the boundary the cleaned base cells leave open are gap pieces.
   Thin ones (mean width 2·area/perimeter below ``sliver_width_m``, such as the strips a
   slightly shifted layer leaves along the boundary) are shared among the cells along them:
   each cell takes the part within twice the strip's width of it, so a long strip is split
   near the junctions of the cells instead of becoming one cell's tail. Other pieces
   smaller than ``gap_area_m2`` join the neighbour they share the longest edge with (step
   4). Larger pieces are filled from the other departments: each of their grids' part inside
   a piece becomes a candidate cell (origin ``"gap_fill"``, keeping its department and
   source id); where candidates overlap, the overlap rule decides, by exact overlay before
   any cleaning (``"base"``: departments in the order they first appear in ``layers``, then
   layer order; ``"larger_share"``: the larger candidate). What no department covers
   becomes a cell per connected piece (origin ``"uncovered"``).
3. **One coverage.** Base cells, candidates, uncovered and small gap pieces are cleaned
   together once more, with the base cells first. All of them come from exact overlays of
   cells already snapped, so this pass snaps and closes gaps at ``snap_tolerance_m / 100``
   only: a second snap at the full tolerance would collapse real strips narrower than it.
   Any sliver of the region the frame still takes here becomes a gap piece again.
4. **Slivers.** Every cell smaller than ``sliver_area_m2`` or thinner than ``sliver_width_m``,
   every small gap piece, and every small non-largest part of a multipart cell joins the
   neighbour it shares the longest edge with. The merging is greedy, smallest first, on the
   adjacency graph (shared edge lengths computed once, vectorised); a merged piece that is
   still small moves on; a piece without neighbours stays (a part stays with its cell). The
   cell that absorbs pieces keeps its attributes.
5. **Check.** `shapely.coverage_is_valid` with a gap width of ``snap_tolerance_m / 100``, and
   the union may differ from the boundary by at most ``snap_tolerance_m`` × the boundary
   length in area. If the coverage is invalid it is cleaned once more; whatever
   `shapely.coverage_invalid_edges` still finds is returned and reported, never dropped.
6. **Crosswalk.** Every department grid (base included) against every unified cell it
   shares area with: candidate pairs from a `shapely.STRtree` query, shared areas from
   vectorised intersections of the pair arrays.

Overlaps and gaps thinner than ``snap_tolerance_m`` (mean width) are snapping noise: they are
resolved like the others but not counted in the report. Parts thinner than
``snap_tolerance_m / 100`` are dropped before each cleaning (see `_clean`: GEOS 3.14's cleaner
fails on such needles).
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import MultiPolygon, Polygon

from gridmap.core.codes import RegionLevel, parse_grid_code, parse_region_code
from gridmap.ops.partition import reading_order

__all__ = ["MergeOptions", "MergeResult", "assign_codes", "merge_sources"]

OVERLAP_RULES: Final = {"base": "min_index", "larger_share": "max_area"}
"""Overlap rule → `shapely.coverage_clean` merge strategy."""

MAX_SEQUENCE: Final = 999
_POLYGON: Final = 3
_NEEDLE_FRACTION: Final = 0.01  # parts thinner than this share of the snap are noise
_LAYER_COLUMNS: Final = ("department", "source_id", "geometry")


@dataclass(frozen=True)
class MergeOptions:
    """Thresholds of `merge_sources`, in metres and square metres.

    Attributes
    ----------
    sliver_area_m2 : float
        Cells (or leftover pieces) smaller than this join a neighbour.
    gap_area_m2 : float
        Uncovered pieces smaller than this join a neighbour; larger ones are filled.
    snap_tolerance_m : float
        Snapping distance of `shapely.coverage_clean` and width of the gaps it closes; the
        union of the result may differ from the boundary by this times the boundary length
        in area. A hundredth of it is the gap width of the final validity check.
    overlap_rule : str
        ``"base"``: the cell listed first wins an overlap (the base layer before the other
        departments); ``"larger_share"``: the larger cell wins it.
    sliver_width_m : float
        Cells and gap pieces whose mean width (2·area/perimeter) is below this are slivers
        too, however large their area (an addition to the brief's options: a 3 m × 2 km
        strip left by a shifted layer is 6,000 m², above any sensible area threshold).
    """

    sliver_area_m2: float = 2_000.0
    gap_area_m2: float = 2_000.0
    snap_tolerance_m: float = 1.0
    overlap_rule: str = "base"
    sliver_width_m: float = 10.0

    def __post_init__(self) -> None:
        if self.overlap_rule not in OVERLAP_RULES:
            raise ValueError(
                f"overlap_rule {self.overlap_rule!r} is unknown: use one of {sorted(OVERLAP_RULES)}"
            )
        for name in ("sliver_area_m2", "gap_area_m2", "sliver_width_m"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be zero or positive, got {getattr(self, name)}")
        if not self.snap_tolerance_m > 0:
            raise ValueError(f"snap_tolerance_m must be positive, got {self.snap_tolerance_m}")


@dataclass
class MergeResult:
    """What `merge_sources` returns.

    Attributes
    ----------
    grids : geopandas.GeoDataFrame
        The unified cells (``geometry``, ``source_department``, ``source_id``, ``origin``:
        ``"base"``, ``"gap_fill"`` or ``"uncovered"``), in the caller's CRS, indexed 0…n-1.
    crosswalk : pandas.DataFrame
        ``department``, ``source_id``, ``unified_index``, ``shared_area_m2``,
        ``share_of_source`` (of the department grid's whole area) and ``share_of_unified``,
        one row per pair with a shared area above zero.
    report : dict
        JSON-serialisable summary; see `merge_sources`.
    invalid_edges : shapely.Geometry or None
        The edges `shapely.coverage_invalid_edges` still finds; None for a valid coverage.
    """

    grids: gpd.GeoDataFrame
    crosswalk: pd.DataFrame
    report: dict[str, Any]
    invalid_edges: shapely.Geometry | None


def merge_sources(
    layers: gpd.GeoDataFrame,
    boundary: Polygon | MultiPolygon,
    base: str,
    options: MergeOptions = MergeOptions(),
) -> MergeResult:
    """Merge department grid layers into one unified grid system.

    Parameters
    ----------
    layers : geopandas.GeoDataFrame
        ``department`` (str), ``source_id`` (str, the department's own grid code) and valid
        Polygon/MultiPolygon ``geometry``, in a projected CRS in metres.
    boundary : shapely.Polygon or shapely.MultiPolygon
        The region, in the same CRS.
    base : str
        The department whose grids lead; the others only fill its gaps.
    options : MergeOptions
        Thresholds and the overlap rule.

    Returns
    -------
    MergeResult
        The report (JSON-serialisable) holds ``grids_in`` (count per department),
        ``grids_out``, ``overlaps_fixed`` {count, area_m2} between base cells,
        ``gaps_fixed`` {count, area_m2, joined_neighbours, filled, filled_from_departments
        {department: {cells, area_m2}}, uncovered {cells, area_m2}}, ``slivers_dissolved``
        {count, area_m2, by_origin}, ``slivers_kept`` {count, area_m2} (small pieces
        without a neighbour), ``unmatched`` (department grids whose largest share of their
        area in one unified cell is below 0.5: {department, source_id, best_share}),
        ``coverage_by_department`` (share of the boundary area each layer covers),
        ``boundary_area_m2``, ``union_difference_m2`` (area of the symmetric difference),
        ``union_tolerance_m2``, ``recleaned``, ``invalid_edges_length_m``, ``valid`` and
        ``notes`` (fallbacks taken, if any).

    Raises
    ------
    ValueError
        Missing columns, a CRS that is not metric, an unknown base department, or an empty
        or invalid boundary.
    """
    _check_inputs(layers, boundary, base)
    strategy = OVERLAP_RULES[options.overlap_rule]
    frame = _frame(boundary)
    departments = list(pd.unique(layers["department"]))
    geoms = np.asarray(layers.geometry.array, dtype=object)
    is_base = (layers["department"] == base).to_numpy()

    base_rows = np.flatnonzero(is_base)
    clipped = _polygonal(shapely.intersection(geoms[base_rows], boundary))
    kept = ~shapely.is_empty(clipped)
    base_rows, clipped = base_rows[kept], clipped[kept]
    overlaps = _measure_overlaps(clipped, options.snap_tolerance_m)
    notes: list[str] = []
    fine = options.snap_tolerance_m * _NEEDLE_FRACTION
    base_cells, _ = _clean(clipped, frame, strategy, options.snap_tolerance_m, notes, needle=fine)

    gaps = _gap_pieces(boundary, base_cells)
    thin = _is_small(gaps, 0.0, options.sliver_width_m)
    small_gap = thin | _is_small(gaps, options.gap_area_m2, 0.0)
    base_cells, leftover = _grow_into_strips(base_cells, gaps[thin], options)
    fill = _fill_gaps(layers, geoms, gaps[~small_gap], base, departments, options)

    pieces = pd.concat(
        [
            pd.DataFrame(
                {
                    "geometry": base_cells,
                    "source_department": base,
                    "source_id": layers["source_id"].to_numpy()[base_rows],
                    "origin": "base",
                }
            ),
            fill,
            pd.DataFrame({"geometry": np.r_[gaps[small_gap & ~thin], leftover], "origin": "gap"}),
        ],
        ignore_index=True,
    )
    # the pieces come from exact overlays of snapped cells: only noise is left to snap, and
    # snapping by the full tolerance again would collapse real strips narrower than it
    cleaned, lost = _clean(pieces["geometry"].to_numpy(), frame, strategy, fine, notes, needle=fine)
    pieces = pd.concat(
        [pieces.assign(geometry=cleaned), pd.DataFrame({"geometry": lost, "origin": "gap"})],
        ignore_index=True,
    )
    cells, dissolved = _dissolve_slivers(pieces, options)

    grids = gpd.GeoDataFrame(cells, geometry="geometry", crs=layers.crs)
    grids, recleaned, invalid = _check_coverage(grids, frame, strategy, options, notes)
    crosswalk, rows = _crosswalk(layers, geoms, grids)
    best = np.zeros(len(layers))
    np.maximum.at(best, rows, crosswalk["share_of_source"].to_numpy())
    report = _report(
        layers,
        geoms,
        boundary,
        departments,
        grids,
        best,
        overlaps=overlaps,
        gaps=_gap_summary(gaps, small_gap, grids, options.snap_tolerance_m),
        dissolved=dissolved,
        recleaned=recleaned,
        invalid=invalid,
        options=options,
    )
    report["notes"] = notes
    return MergeResult(grids, crosswalk, report, invalid)


def _check_inputs(layers: gpd.GeoDataFrame, boundary: object, base: str) -> None:
    missing = [c for c in _LAYER_COLUMNS if c not in layers.columns]
    if missing:
        raise ValueError(f"layers lacks column(s) {missing}: it needs {list(_LAYER_COLUMNS)}")
    crs = layers.crs
    if crs is None or not crs.is_projected or crs.axis_info[0].unit_name not in ("metre", "m"):
        raise ValueError(f"layers CRS {crs} is not a projected CRS in metres")
    if base not in set(layers["department"]):
        known = sorted(set(layers["department"]))
        raise ValueError(f"base department {base!r} has no grids in layers: found {known}")
    if not isinstance(boundary, Polygon | MultiPolygon) or boundary.is_empty:
        raise ValueError(f"boundary must be a non-empty (Multi)Polygon, got {boundary!r:.60}")
    if not boundary.is_valid:
        raise ValueError(f"boundary is invalid: {shapely.is_valid_reason(boundary)}")
    types = set(shapely.get_type_id(np.asarray(layers.geometry.array))) - {3, 6}
    if types:
        raise ValueError(f"layers has non-polygonal geometry type ids {sorted(types)}")


# --- geometry helpers -------------------------------------------------------------------


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
    except shapely.errors.GEOSException as error:
        notes.append(f"coverage_clean with {strategy!r} failed ({error}): used 'longest_border'")
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


def _fill_gaps(
    layers: gpd.GeoDataFrame,
    geoms: np.ndarray,
    gaps: np.ndarray,
    base: str,
    departments: list[str],
    options: MergeOptions,
) -> pd.DataFrame:
    """Candidate cells from the other departments inside the large gaps, then the rest.

    Overlaps between candidates are settled here, by priority, before any cleaning: stacked
    department layers overlap wholesale, and GEOS 3.14's cleaner can fail on such input
    with the ``min_index`` and ``max_area`` strategies ("CoverageUnion cannot process
    overlapping inputs"). The gap pieces go last, so what is left of them is uncovered.
    """
    others = np.flatnonzero((layers["department"] != base).to_numpy())
    rows, gap = shapely.STRtree(gaps).query(geoms[others], predicate="intersects")
    rows = others[rows]
    pieces = _polygonal(shapely.intersection(geoms[rows], gaps[gap]))
    rank = pd.Categorical(layers["department"].to_numpy()[rows], categories=departments).codes
    if options.overlap_rule == "larger_share":
        order = np.lexsort((rows, rank, -shapely.area(pieces)))
    else:
        order = np.lexsort((rows, rank))
    order = order[shapely.area(pieces[order]) > 0]
    rows = np.r_[rows[order], np.full(len(gaps), -1)]
    resolved = _first_wins(np.concatenate([pieces[order], gaps]))
    candidates = pd.DataFrame(
        {
            "geometry": resolved,
            "source_department": np.where(rows >= 0, layers["department"].to_numpy()[rows], None),
            "source_id": np.where(rows >= 0, layers["source_id"].to_numpy()[rows], None),
            "origin": np.where(rows >= 0, "gap_fill", "uncovered"),
        }
    )
    candidates = candidates[shapely.area(resolved) > 0]
    uncovered = candidates[candidates["origin"] == "uncovered"]
    parts, row = shapely.get_parts(uncovered["geometry"].to_numpy(), return_index=True)
    rest = uncovered.iloc[row].assign(geometry=parts)  # one cell per connected piece
    return pd.concat([candidates[candidates["origin"] != "uncovered"], rest], ignore_index=True)


def _grow_into_strips(
    cells: np.ndarray, strips: np.ndarray, options: MergeOptions
) -> tuple[np.ndarray, np.ndarray]:
    """Share thin gap strips among the cells along them; return the grown cells and the rest.

    Each cell takes the part of a strip within twice the strip's mean width of it (where two
    cells reach, the first listed, or the larger under ``"larger_share"``). A long strip
    along the boundary is so split near the cells' junctions instead of becoming one cell's
    long tail; what no cell reaches joins a neighbour like a small gap.
    """
    strip, cell = shapely.STRtree(cells).query(strips, predicate="intersects")
    if not len(cell):
        return cells, strips
    width = 2 * shapely.area(strips) / shapely.length(strips)
    reach = shapely.buffer(cells[cell], 2 * width[strip], quad_segs=2)
    reach = _polygonal(shapely.intersection(reach, strips[strip]))
    key = -shapely.area(cells[cell]) if options.overlap_rule == "larger_share" else cell
    order = np.lexsort((strip, key))
    order = order[shapely.area(reach[order]) > 0]
    resolved = _first_wins(np.concatenate([reach[order], strips]))
    taken, rest = resolved[: len(order)], resolved[len(order) :]
    real = shapely.area(taken) > 0
    ids, added = _grouped(taken[real], cell[order][real], shapely.union_all)
    grown = cells.copy()
    grown[ids] = _polygonal(shapely.union(cells[ids], added))
    rest = shapely.get_parts(rest[shapely.area(rest) > 0])
    return grown, rest[~shapely.is_empty(rest)]


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


# --- slivers ----------------------------------------------------------------------------


def _dissolve_slivers(
    pieces: pd.DataFrame, options: MergeOptions
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Merge small cells, small gap pieces and small parts into their longest-edge neighbour.

    Returns the merged cells (geometry and attributes; a gap piece left without neighbours
    becomes ``"uncovered"``) and one row per small piece handled: ``origin``, ``area_m2``
    and ``merged`` (False: it had no neighbour and stays).
    """
    parts, owner = shapely.get_parts(pieces["geometry"].to_numpy(), return_index=True)
    real = ~shapely.is_empty(parts)
    parts, owner = parts[real], owner[real]
    node, attrs = _initial_nodes(parts, owner, pieces, options)
    area = np.bincount(node, shapely.area(parts), minlength=len(attrs))
    perimeter = np.bincount(node, shapely.length(parts), minlength=len(attrs))
    movable = (attrs["origin"] == "gap").to_numpy() | _small(
        area, perimeter, options.sliver_area_m2, options.sliver_width_m
    )
    movable |= attrs["detached_from"].to_numpy() >= 0
    adjacency = _adjacency(parts, node, movable)
    root, merged = _contract(area, perimeter, movable, attrs, adjacency, options)
    detached = attrs["detached_from"].to_numpy()
    cell = np.where(detached[root] >= 0, detached[root], root)
    ids, geometry = _grouped(parts, cell[node], shapely.coverage_union_all)
    cells = attrs.iloc[ids][["source_department", "source_id", "origin"]].reset_index(drop=True)
    cells["origin"] = cells["origin"].replace({"gap": "uncovered"})
    for column in ("source_department", "source_id"):
        cells[column] = cells[column].astype(object).where(cells[column].notna(), None)
    cells.insert(0, "geometry", geometry)
    return cells, merged


def _initial_nodes(
    parts: np.ndarray, owner: np.ndarray, pieces: pd.DataFrame, options: MergeOptions
) -> tuple[np.ndarray, pd.DataFrame]:
    """Graph nodes: one per piece, plus one per small non-largest part of a large piece."""
    areas = shapely.area(parts)
    small_part = _is_small(parts, options.sliver_area_m2, options.sliver_width_m)
    order = np.lexsort((-areas, owner))
    first = np.ones(len(order), dtype=bool)
    first[1:] = owner[order][1:] != owner[order][:-1]
    largest = np.zeros(len(parts), dtype=bool)
    largest[order[first]] = True
    owner_area = np.bincount(owner, areas, minlength=len(pieces))
    owner_small = _small(
        owner_area,
        np.bincount(owner, shapely.length(parts), minlength=len(pieces)),
        options.sliver_area_m2,
        options.sliver_width_m,
    )
    is_gap = (pieces["origin"] == "gap").to_numpy()
    detach = small_part & ~largest & ~owner_small[owner] & ~is_gap[owner]
    node = owner.copy()
    node[detach] = len(pieces) + np.arange(detach.sum())
    attrs = pd.concat(
        [pieces.drop(columns="geometry"), pieces.drop(columns="geometry").iloc[owner[detach]]],
        ignore_index=True,
    )
    attrs["detached_from"] = np.r_[np.full(len(pieces), -1), owner[detach]]
    return node, attrs


def _adjacency(parts: np.ndarray, node: np.ndarray, movable: np.ndarray) -> pd.DataFrame:
    """Shared edge length between each movable node and its neighbours (both directions)."""
    query = np.flatnonzero(movable[node])
    src, dst = shapely.STRtree(parts).query(parts[query], predicate="intersects")
    src = query[src]
    a, b = np.minimum(src, dst), np.maximum(src, dst)
    pairs = np.unique(np.c_[a, b][node[a] != node[b]], axis=0).reshape(-1, 2)
    a, b = pairs[:, 0], pairs[:, 1]
    edges = shapely.boundary(parts)
    length = shapely.length(shapely.intersection(edges[a], edges[b]))
    frame = pd.DataFrame({"a": node[a], "b": node[b], "length": length})
    frame = frame[frame["length"] > 0]
    both = pd.concat([frame, frame.rename(columns={"a": "b", "b": "a"})], ignore_index=True)
    return both.groupby(["a", "b"], as_index=False)["length"].sum()


def _contract(
    area: np.ndarray,
    perimeter: np.ndarray,
    movable: np.ndarray,
    attrs: pd.DataFrame,
    adjacency: pd.DataFrame,
    options: MergeOptions,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Greedy merging on the adjacency graph, smallest movable node first.

    Sequential by nature (each merge changes its neighbour's size and edges), so this runs
    over node numbers only: no geometry is touched. Returns each node's final node and one
    row per small node handled (merged, or kept for want of a neighbour).
    """
    area, perimeter = area.astype(float).copy(), perimeter.astype(float).copy()
    origin = attrs["origin"].to_numpy()
    always = (origin == "gap") | (attrs["detached_from"].to_numpy() >= 0)
    neighbours: dict[int, dict[int, float]] = defaultdict(dict)
    for a, b, length in adjacency.itertuples(index=False):
        neighbours[int(a)][int(b)] = float(length)
    parent = np.arange(len(area))
    merges: list[tuple[str, float, bool]] = []

    def still_small(n: int) -> bool:
        if always[n]:
            return True
        return bool(_small(area[n], perimeter[n], options.sliver_area_m2, options.sliver_width_m))

    heap = [(area[n], n) for n in np.flatnonzero(movable)]
    heapq.heapify(heap)
    while heap:
        size, n = heapq.heappop(heap)
        if parent[n] != n or size != area[n]:
            continue
        edges = neighbours.pop(n, {})
        if not edges:
            merges.append((origin[n], float(area[n]), False))
            continue
        target = max(edges, key=lambda k: (edges[k], -k))
        parent[n] = target
        merges.append((origin[n], float(area[n]), True))
        area[target] += area[n]
        perimeter[target] += perimeter[n] - 2 * edges[target]
        for k, length in edges.items():
            neighbours[k].pop(n, None)
            if k != target:
                neighbours[target][k] = neighbours[target].get(k, 0.0) + length
                neighbours[k][target] = neighbours[k].get(target, 0.0) + length
        if movable[target] and still_small(target):
            heapq.heappush(heap, (area[target], target))
    return _roots(parent), pd.DataFrame(merges, columns=["origin", "area_m2", "merged"])


def _roots(parent: np.ndarray) -> np.ndarray:
    root = parent.copy()
    while True:
        up = root[root]
        if np.array_equal(up, root):
            return root
        root = up


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


# --- checks, crosswalk, report ----------------------------------------------------------


def _check_coverage(
    grids: gpd.GeoDataFrame,
    frame: shapely.Geometry,
    strategy: str,
    options: MergeOptions,
    notes: list[str],
) -> tuple[gpd.GeoDataFrame, bool, shapely.Geometry | None]:
    """Validate the coverage; clean it once more if needed; return what stays invalid.

    The check looks for gaps narrower than ``snap_tolerance_m / 100``: the width the last
    cleaning closes. (A wider check width would also flag every part of a cell thinner than
    it, such as the sub-metre steps noisy layers leave along the boundary; GEOS's own
    cleaner leaves those too.)
    """
    width = options.snap_tolerance_m * _NEEDLE_FRACTION
    cells = np.asarray(grids.geometry.array, dtype=object)
    recleaned = not shapely.coverage_is_valid(cells, gap_width=width)
    if recleaned:
        cells, _ = _clean(cells, frame, strategy, width, notes, needle=width)
        grids = grids.set_geometry(cells, crs=grids.crs)
        grids = grids[~shapely.is_empty(cells)].reset_index(drop=True)
        cells = np.asarray(grids.geometry.array, dtype=object)
    edges = shapely.coverage_invalid_edges(cells, gap_width=width)
    edges = edges[~shapely.is_empty(edges) & ~shapely.is_missing(edges)]
    invalid = shapely.union_all(edges) if len(edges) else None
    return grids, recleaned, invalid


def _crosswalk(
    layers: gpd.GeoDataFrame, geoms: np.ndarray, grids: gpd.GeoDataFrame
) -> tuple[pd.DataFrame, np.ndarray]:
    """Every department grid against every unified cell it shares area with (and its row)."""
    cells = np.asarray(grids.geometry.array, dtype=object)
    rows, unified = shapely.STRtree(cells).query(geoms, predicate="intersects")
    shared = shapely.area(shapely.intersection(geoms[rows], cells[unified]))
    real = shared > 0
    rows, unified, shared = rows[real], unified[real], shared[real]
    crosswalk = pd.DataFrame(
        {
            "department": layers["department"].to_numpy()[rows],
            "source_id": layers["source_id"].to_numpy()[rows],
            "unified_index": grids.index.to_numpy()[unified],
            "shared_area_m2": shared,
            "share_of_source": shared / shapely.area(geoms[rows]),
            "share_of_unified": shared / shapely.area(cells[unified]),
        }
    )
    return crosswalk, rows


def _gap_summary(
    gaps: np.ndarray, small: np.ndarray, grids: gpd.GeoDataFrame, tolerance: float
) -> dict[str, Any]:
    real = ~_is_small(gaps, 0.0, tolerance)
    origin = grids["origin"].to_numpy()
    areas = shapely.area(np.asarray(grids.geometry.array, dtype=object))
    fill = pd.DataFrame({"department": grids["source_department"], "area": areas})
    fill = fill[origin == "gap_fill"].groupby("department", sort=False)["area"]
    uncovered = origin == "uncovered"
    return {
        "count": int(real.sum()),
        "area_m2": float(shapely.area(gaps[real]).sum()),
        "joined_neighbours": int((real & small).sum()),
        "filled": int((real & ~small).sum()),
        "filled_from_departments": {
            str(d): {"cells": int(n), "area_m2": float(a)}
            for (d, n), a in zip(fill.size().items(), fill.sum(), strict=True)
        },
        "uncovered": {"cells": int(uncovered.sum()), "area_m2": float(areas[uncovered].sum())},
    }


def _report(
    layers: gpd.GeoDataFrame,
    geoms: np.ndarray,
    boundary: shapely.Geometry,
    departments: list[str],
    grids: gpd.GeoDataFrame,
    best: np.ndarray,
    *,
    overlaps: dict[str, float],
    gaps: dict[str, Any],
    dissolved: pd.DataFrame,
    recleaned: bool,
    invalid: shapely.Geometry | None,
    options: MergeOptions,
) -> dict[str, Any]:
    slivers = dissolved[(dissolved["origin"] != "gap") & dissolved["merged"]]
    kept = dissolved[(dissolved["origin"] != "gap") & ~dissolved["merged"]]
    boundary_area = float(boundary.area)
    union = shapely.coverage_union_all(np.asarray(grids.geometry.array, dtype=object))
    difference = float(shapely.symmetric_difference(union, boundary).area)
    tolerance = options.snap_tolerance_m * float(boundary.length)
    unmatched = pd.DataFrame(
        {"department": layers["department"], "source_id": layers["source_id"], "best": best}
    )[best < 0.5]
    department = layers["department"].to_numpy()
    return {
        "grids_in": {str(d): int((department == d).sum()) for d in departments},
        "grids_out": len(grids),
        "overlaps_fixed": overlaps,
        "gaps_fixed": gaps,
        "slivers_dissolved": {
            "count": len(slivers),
            "area_m2": float(slivers["area_m2"].sum()),
            "by_origin": {str(k): int(v) for k, v in slivers["origin"].value_counts().items()},
        },
        "slivers_kept": {"count": len(kept), "area_m2": float(kept["area_m2"].sum())},
        "unmatched": [
            {"department": str(d), "source_id": str(s), "best_share": round(float(b), 4)}
            for d, s, b in unmatched.itertuples(index=False)
        ],
        "coverage_by_department": {
            str(d): float(
                shapely.intersection(shapely.union_all(geoms[department == d]), boundary).area
                / boundary_area
            )
            for d in departments
        },
        "boundary_area_m2": boundary_area,
        "union_difference_m2": difference,
        "union_tolerance_m2": tolerance,
        "recleaned": recleaned,
        "invalid_edges_length_m": float(invalid.length) if invalid is not None else 0.0,
        "valid": invalid is None and difference < tolerance,
    }


# --- codes ------------------------------------------------------------------------------


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
        raise ValueError(f"match_iou must be in (0, 1], got {match_iou}")
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
        raise ValueError(f"parent_codes has shape {parents.shape}, expected ({n},): one per cell")
    unique, counts = np.unique(parents, return_counts=True)
    for parent, count in zip(unique.tolist(), counts.tolist(), strict=True):
        level = parse_region_code(parent).level
        if level not in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
            raise ValueError(
                f"parent code {parent!r} is a {level} code: a grid's parent is a "
                "township or village"
            )
        if count > MAX_SEQUENCE:
            raise ValueError(
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
        raise ValueError(f"previous CRS {previous.crs} differs from the cells' CRS {cells.crs}")
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
