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

from dataclasses import dataclass
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import MultiPolygon, Polygon

from gridmap.core.errors import InvalidInput
from gridmap.ops.coverage import (
    _clean,
    _first_wins,
    _frame,
    _gap_pieces,
    _grouped,
    _is_small,
    _measure_overlaps,
    _polygonal,
)
from gridmap.ops.slivers import _dissolve_slivers

__all__ = ["MergeOptions", "MergeResult", "merge_sources"]

OVERLAP_RULES: Final = {"base": "min_index", "larger_share": "max_area"}
"""Overlap rule → `shapely.coverage_clean` merge strategy."""

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
            raise InvalidInput(
                f"overlap_rule {self.overlap_rule!r} is unknown: use one of {sorted(OVERLAP_RULES)}"
            )
        for name in ("sliver_area_m2", "gap_area_m2", "sliver_width_m"):
            if not getattr(self, name) >= 0:
                raise InvalidInput(f"{name} must be zero or positive, got {getattr(self, name)}")
        if not self.snap_tolerance_m > 0:
            raise InvalidInput(f"snap_tolerance_m must be positive, got {self.snap_tolerance_m}")


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
        raise InvalidInput(f"layers lacks column(s) {missing}: it needs {list(_LAYER_COLUMNS)}")
    crs = layers.crs
    if crs is None or not crs.is_projected or crs.axis_info[0].unit_name not in ("metre", "m"):
        raise InvalidInput(f"layers CRS {crs} is not a projected CRS in metres")
    if base not in set(layers["department"]):
        known = sorted(set(layers["department"]))
        raise InvalidInput(f"base department {base!r} has no grids in layers: found {known}")
    if not isinstance(boundary, Polygon | MultiPolygon) or boundary.is_empty:
        raise InvalidInput(f"boundary must be a non-empty (Multi)Polygon, got {boundary!r:.60}")
    if not boundary.is_valid:
        raise InvalidInput(f"boundary is invalid: {shapely.is_valid_reason(boundary)}")
    types = set(shapely.get_type_id(np.asarray(layers.geometry.array))) - {3, 6}
    if types:
        raise InvalidInput(f"layers has non-polygonal geometry type ids {sorted(types)}")


# --- gaps -------------------------------------------------------------------------------


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
