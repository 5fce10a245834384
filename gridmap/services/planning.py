"""Planning the grid system of a region: merge department layers (多网合一) and re-divide it
into balanced grids (网格划分). Geometry work runs in ``gridmap.ops`` in a metric CRS; this
module loads its inputs, writes its results and keeps codes stable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection

from gridmap import catalog
from gridmap.core.codes import parse_region_code
from gridmap.core.errors import InvalidInput, NotFound
from gridmap.core.settings import Settings
from gridmap.core.signals import GridChange
from gridmap.layers import audit, grids, merges, regions, sources
from gridmap.ops.balance import DivideOptions, divide_region
from gridmap.ops.coding import assign_codes
from gridmap.ops.merge import MergeOptions, MergeResult, merge_sources

WGS84 = "EPSG:4326"


@dataclass(frozen=True)
class Outline:
    """A region's name and the outer frame its grids must fill (EPSG:4326), and where that
    frame came from: its own boundary, or the union of its children's."""

    name: str
    boundary: shapely.Geometry
    source: str


def _region(conn: Connection, code: str) -> Outline:
    """A region's outline: its boundary or, when it has none (planners often receive township
    polygons only), the union of its townships' (or villages') boundaries; a clear error when
    neither exists."""
    found = regions.outline(conn, code)
    if found is None:
        raise NotFound(f"region {code} does not exist (or lies outside your jurisdiction)")
    name, wkb = found
    if wkb is not None:
        return Outline(name, shapely.from_wkb(wkb), "the region's boundary")
    prefix = parse_region_code(code).prefix
    for level in ("township", "village"):
        under = regions.boundaries_under(conn, prefix, (level,))
        children = [r for r in under if r["code"] != code]
        if children:
            union = shapely.union_all(shapely.from_wkb([r["wkb"] for r in children]))
            source = f"the union of its {len(children)} {level} boundaries (it has none of its own)"
            return Outline(name, union, source)
    raise InvalidInput(
        f"region {code} ({name}) has no boundary and no township or village boundaries:"
        " import one first (gridmap import regions)"
    )


def _metric(geometry: shapely.Geometry) -> str:
    """A metric CRS to cut grids in: equidistant cylindrical around the area, an affine map of
    lon/lat, so straight edges stay straight both ways and cut cells fit the stored boundaries
    exactly (a conformal projection bends long edges and leaves slivers on the way back)."""
    point = geometry.representative_point()
    return (
        f"+proj=eqc +lat_ts={point.y:.6f} +lon_0={point.x:.6f} +lat_0=0"
        " +datum=WGS84 +units=m +no_defs"
    )


def _parents(conn: Connection, prefix: str, cells: gpd.GeoSeries, fallback: str) -> np.ndarray:
    """Each cell's parent: the deepest region under the prefix with a boundary (village, else
    township) that holds the most of it; ``fallback`` (a township) where none does."""
    rows = regions.boundaries_under(conn, prefix, ("township", "village"))
    parents = np.full(len(cells), fallback, dtype=object)
    for level in ("township", "village"):  # villages, when there are any, win
        chosen = [r for r in rows if r["level"] == level]
        if not chosen:
            continue
        shapes = gpd.GeoSeries(shapely.from_wkb([r["wkb"] for r in chosen]), crs=WGS84)
        shapes = shapes.to_crs(cells.crs).values
        cell_i, region_i = shapely.STRtree(shapes).query(cells.values, predicate="intersects")
        shared = shapely.area(shapely.intersection(cells.values[cell_i], shapes[region_i]))
        best = pd.DataFrame({"cell": cell_i, "region": region_i, "area": shared})
        best = best[best.area > 0].sort_values("area").drop_duplicates("cell", keep="last")
        parents[best.cell.to_numpy()] = [chosen[i]["code"] for i in best.region]
    if parse_region_code(fallback).level not in ("township", "village"):
        lost = int((parents == fallback).sum())
        if lost:
            raise InvalidInput(
                f"{lost} grids lie in no township or village of {fallback} with a boundary:"
                " import the township boundaries first (gridmap import regions)"
            )
    return parents


def _current(conn: Connection, prefix: str, crs: str) -> gpd.GeoDataFrame:
    frame = grids.export_frame(conn, prefix)
    frame = frame[frame.code.str.len() == 15] if len(frame) else frame
    return frame.to_crs(crs)[["code", "name", "geometry"]] if len(frame) else frame


@dataclass
class Plan:
    """Unified grids to write under a region (EPSG:4326): code, region_code, name, geometry."""

    region: str
    grids: gpd.GeoDataFrame
    report: dict[str, Any]


def _coded(
    conn: Connection,
    region: str,
    cells: gpd.GeoDataFrame,
    names: list[str],
    parents: np.ndarray | None = None,
) -> Plan:
    prefix = parse_region_code(region).prefix
    if parents is None:
        parents = _parents(conn, prefix, cells.geometry, region)
    previous = _current(conn, prefix, cells.crs)
    codes = assign_codes(cells, parents, previous if len(previous) else None)
    frame = gpd.GeoDataFrame(
        {"code": codes, "region_code": parents, "name": names},
        geometry=cells.geometry.values,
        crs=cells.crs,
    ).to_crs(WGS84)
    return Plan(region, frame, {})


def apply_plan(conn: Connection, plan: Plan, operation: str, reason: str | None) -> dict[str, int]:
    """Write a plan over the region's grids (unchanged grids stay as they are), then let the
    records tied to grids follow, in the caller's transaction."""
    prefix = parse_region_code(plan.region).prefix
    parts, owner = shapely.get_parts(plan.grids.geometry.values, return_index=True)
    records = zip(
        plan.grids.code,
        plan.grids.region_code,
        plan.grids.name,
        shapely.to_wkb(shapely.multipolygons(parts, indices=owner)),
        strict=True,
    )
    written = grids.write_level(conn, prefix, records, operation, reason)
    if any(written.values()):
        area = shapely.coverage_union_all(plan.grids.geometry.values)
        catalog.grids_changed(conn, GridChange(operation, [], area_wkb=shapely.to_wkb(area)))
    total = len(plan.grids)
    unchanged = total - written["inserted"] - written["updated"]
    return {"grids": total, **written, "unchanged": unchanged}


def check_cover(conn: Connection, plan: Plan, tolerance: float = 1e-6) -> None:
    """Refuse grids that do not cover their region (within ``tolerance`` of its area) or that
    carry codes of another region."""
    prefix = parse_region_code(plan.region).prefix
    stray = [c for c in plan.grids.code if not str(c).startswith(prefix)]
    if stray:
        raise InvalidInput(f"grid codes {stray[:5]} do not lie under region {plan.region}")
    boundary = _region(conn, plan.region).boundary
    union = shapely.union_all(plan.grids.geometry.values)
    off = shapely.symmetric_difference(union, boundary).area / max(boundary.area, 1e-12)
    if off > tolerance:
        raise InvalidInput(f"the grids differ from region {plan.region} by {off:.4%} of its area")


# -- merge ---------------------------------------------------------------------------------


def merge_region(
    conn: Connection, settings: Settings, region: str, base: str, reason: str | None = None
) -> dict[str, Any]:
    """Build the unified grid system of a region from its departments' newest layers."""
    outline = _region(conn, region)
    name, boundary = outline.name, outline.boundary
    prefix = parse_region_code(region).prefix
    rows = sources.latest_grids(conn, prefix)
    if not rows:
        raise InvalidInput(f"region {region} ({name}) has no department layers: import some")
    layers = gpd.GeoDataFrame(
        {
            "department": [r["department"] for r in rows],
            "source_id": [r["source_code"] for r in rows],
            "row_id": [r["id"] for r in rows],
            "name": [r["name"] for r in rows],
        },
        geometry=shapely.from_wkb([bytes(r["wkb"]) for r in rows]),
        crs=WGS84,
    )
    if base not in set(layers.department):
        found = ", ".join(sorted(set(layers.department)))
        raise InvalidInput(f"department {base!r} has no layer in {region} (layers: {found})")
    crs = _metric(boundary)
    options = MergeOptions(
        sliver_area_m2=settings.grid.sliver_area_m2,
        gap_area_m2=settings.grid.gap_area_m2,
        snap_tolerance_m=settings.grid.snap_tolerance_m,
    )
    metric = layers.to_crs(crs)
    result, parents = _merge_by_parent(conn, region, boundary, metric, base, options)
    names = _merged_names(result.grids, layers)
    plan = _coded(conn, region, result.grids, names, parents)
    written = apply_plan(conn, plan, "merge", reason or f"merge of {region} on {base}")
    report = {
        **result.report,
        "written": written,
        "region": region,
        "base": base,
        "outline": outline.source,
    }
    merge_id = merges.record(conn, region, base, options.__dict__, report)
    merges.write_crosswalk(conn, merge_id, _crosswalk_rows(result.crosswalk, layers, plan))
    audit.record(
        conn,
        "merge",
        object_type="region",
        object_id=region,
        scope=region,
        detail={"merge_id": merge_id, "base": base, **written},
    )
    return {"merge_id": merge_id, **report}


def _child_regions(conn: Connection, region: str, crs: str, snap: float) -> gpd.GeoDataFrame:
    """The regions a merged grid must nest in: the villages under ``region`` with boundaries,
    else its townships; the region itself when it is the deepest with a boundary."""
    prefix = parse_region_code(region).prefix
    for level in ("village", "township"):
        found = regions.boundaries_under(conn, prefix, (level,))
        rows = [r for r in found if r["code"] != region]
        if rows:
            shapes = shapely.from_wkb([r["wkb"] for r in rows])
            children = gpd.GeoDataFrame(
                {"code": [r["code"] for r in rows]}, geometry=shapes, crs=WGS84
            ).to_crs(crs)
            # official boundaries overlap and leave slivers; grids nest in a clean coverage
            cleaned = shapely.coverage_clean(
                children.geometry.values, snapping_distance=snap, gap_width=snap
            )
            return children.set_geometry(cleaned)
    if parse_region_code(region).level not in ("township", "village"):
        raise InvalidInput(
            f"region {region} has no township or village boundaries to nest "
            "grids in: import them first (gridmap import regions)"
        )
    boundary = _region(conn, region).boundary
    return gpd.GeoDataFrame({"code": [region]}, geometry=[boundary], crs=WGS84).to_crs(crs)


def _merge_by_parent(
    conn: Connection,
    region: str,
    boundary: shapely.Geometry,
    layers: gpd.GeoDataFrame,
    base: str,
    options: MergeOptions,
) -> tuple[MergeResult, np.ndarray]:
    """Merge inside each child region, so every unified grid nests in one (a grid never
    straddles a township line); returns the combined result and each grid's parent code."""
    children = _child_regions(conn, region, layers.crs, options.snap_tolerance_m)
    tree = shapely.STRtree(layers.geometry.values)
    parts, crosswalks, reports, parents = [], [], [], []
    for code, outline in zip(children.code, children.geometry, strict=True):
        subset = layers.iloc[tree.query(outline, predicate="intersects")]
        subset = subset[["department", "source_id", "geometry"]]
        if subset.empty:
            subset = gpd.GeoDataFrame(
                {"department": [base], "source_id": [f"{code}-uncovered"]},
                geometry=[outline],
                crs=layers.crs,
            )
        chosen = base if base in set(subset.department) else sorted(set(subset.department))[0]
        result = merge_sources(subset.reset_index(drop=True), outline, chosen, options)
        offset = sum(len(p) for p in parts)
        crosswalk = result.crosswalk.copy()
        crosswalk["unified_index"] += offset
        parts.append(result.grids)
        crosswalks.append(crosswalk)
        reports.append(result.report)
        parents.extend([code] * len(result.grids))
    cells = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=layers.crs)
    # each region was merged alone: node the cells along the region lines with each other
    cells["geometry"] = shapely.coverage_clean(
        cells.geometry.values, snapping_distance=options.snap_tolerance_m / 100
    )
    crosswalk = pd.concat(crosswalks, ignore_index=True)
    crosswalk = crosswalk[crosswalk.source_id.isin(set(layers.source_id))]
    report = _combine(reports)
    report["parents"] = len(children)
    # what counts the layers as wholes, not once per region they reach, is measured again
    report["grids_in"] = layers.groupby("department").size().astype(int).to_dict()
    best = crosswalk.groupby(["department", "source_id"]).share_of_source.max()
    report["unmatched"] = [
        {"department": d, "source_id": s, "best_share": float(v)}
        for (d, s), v in best.items()
        if v < 0.5
    ]
    outline = gpd.GeoSeries([boundary], crs=WGS84).to_crs(layers.crs).iloc[0]
    report["coverage_by_department"] = {
        d: float(
            shapely.intersection(shapely.union_all(g.geometry.values), outline).area / outline.area
        )
        for d, g in layers.groupby("department")
    }
    union = shapely.union_all(cells.geometry.values)
    report["union_difference_m2"] = float(shapely.symmetric_difference(union, outline).area)
    report["valid"] = bool(
        report["valid"]
        and shapely.coverage_is_valid(
            cells.geometry.values, gap_width=options.snap_tolerance_m / 100
        )
    )
    return MergeResult(cells, crosswalk, report, None), np.array(parents, dtype=object)


def _combine(reports: list[dict]) -> dict:
    """One report from the per-region ones: numbers add up, lists join, validity is all()."""
    if not reports:
        return {}
    combined: dict = {}
    for key in reports[0]:
        values = [r[key] for r in reports if key in r]
        first = values[0]
        if isinstance(first, bool):
            combined[key] = all(values)
        elif isinstance(first, int | float):
            combined[key] = sum(values)
        elif isinstance(first, dict):
            combined[key] = _combine(values)
        elif isinstance(first, list):
            combined[key] = [item for v in values for item in v]
        else:
            combined[key] = first
    return combined


def _merged_names(cells: gpd.GeoDataFrame, layers: gpd.GeoDataFrame) -> list[str]:
    """A unified grid takes the name of the department grid it mainly came from."""
    by_key = {
        (d, s): n for d, s, n in zip(layers.department, layers.source_id, layers.name, strict=True)
    }
    return [
        by_key.get((d, s)) or f"{d}{s}"
        for d, s in zip(cells.source_department, cells.source_id, strict=True)
    ]


def _crosswalk_rows(
    crosswalk: pd.DataFrame, layers: gpd.GeoDataFrame, plan: Plan
) -> list[dict[str, Any]]:
    """The crosswalk with department grids by row id and unified grids by their new code."""
    row_ids = {
        (d, s): i
        for d, s, i in zip(layers.department, layers.source_id, layers.row_id, strict=True)
    }
    codes = plan.grids.code.to_numpy()
    return [
        {
            "source_grid_id": row_ids[(r.department, r.source_id)],
            "department": r.department,
            "source_code": r.source_id,
            "grid_code": codes[int(r.unified_index)],
            "shared_area_m2": float(r.shared_area_m2),
            "share_of_source": float(r.share_of_source),
            "share_of_grid": float(r.share_of_unified),
        }
        for r in crosswalk.itertuples(index=False)
    ]


# -- division -------------------------------------------------------------------------------


def propose_division(
    conn: Connection,
    settings: Settings,
    region: str,
    n: int,
    points: gpd.GeoDataFrame,
    weight: str | None = None,
    options: DivideOptions | None = None,
) -> Plan:
    """Divide a region into ``n`` contiguous grids balanced by the points' weight (a proposal
    to preview; nothing is written)."""
    region_outline = _region(conn, region)
    name, boundary = region_outline.name, region_outline.boundary
    crs = _metric(boundary)
    outline = gpd.GeoSeries([boundary], crs=WGS84).to_crs(crs).iloc[0]
    result = divide_region(outline, points.to_crs(crs), n, weight, options or DivideOptions())
    names = [f"{name}网格" for _ in range(len(result.grids))]
    plan = _coded(conn, region, result.grids, names)
    plan.grids["load"] = result.grids["load"].to_numpy()
    plan.grids["name"] = [f"{name}第{int(c[-3:])}网格" for c in plan.grids.code]
    plan.report = result.report
    return plan
