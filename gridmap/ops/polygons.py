"""Polygon checks and repairs, vectorised over arrays of shapely geometries (any CRS)."""

from __future__ import annotations

import numpy as np
import shapely

_POLYGONAL = np.array(["Polygon", "MultiPolygon"])


def polygon_problems(geometries: np.ndarray) -> np.ndarray:
    """Why each geometry is not a valid (multi)polygon, or None where it is one (vectorised)."""
    geometries = np.asarray(geometries, dtype=object)
    reasons = np.full(len(geometries), None, dtype=object)
    missing = shapely.is_missing(geometries)
    reasons[missing] = "no geometry"
    present = ~missing
    empty = present & shapely.is_empty(geometries)
    reasons[empty] = "empty geometry"
    kinds = shapely.get_type_id(geometries)
    names = np.array(
        [
            "Point",
            "LineString",
            "LinearRing",
            "Polygon",
            "MultiPoint",
            "MultiLineString",
            "MultiPolygon",
            "GeometryCollection",
        ],
        dtype=object,
    )
    type_names = np.where(kinds >= 0, names[np.clip(kinds, 0, 7)], None)
    wrong = present & ~empty & ~np.isin(type_names, _POLYGONAL)
    reasons[wrong] = [f"not a polygon ({name})" for name in type_names[wrong]]
    check = present & ~empty & ~wrong
    invalid = check.copy()
    invalid[check] = ~shapely.is_valid(geometries[check])
    if invalid.any():
        reasons[invalid] = [
            f"invalid polygon: {why}" for why in shapely.is_valid_reason(geometries[invalid])
        ]
    return reasons


def repair_polygons(
    geometries: np.ndarray, area_tolerance: float = 0.01
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Repair invalid polygons when the repair keeps their area (vectorised).

    Parameters
    ----------
    geometries
        Polygons/MultiPolygons, any CRS (areas are compared as ratios, so units do not matter).
    area_tolerance
        Largest relative change of area a repair may make (0.01 = 1 %).

    Returns
    -------
    repaired, was_repaired, reasons
        The geometries with valid MultiPolygons where repaired; a mask of those repaired; and,
        per geometry, why it cannot be used (None when it can): empty, not a polygon, or
        invalid and unrepairable (with GEOS's reason and the change of area).
    """
    geometries = np.asarray(geometries, dtype=object)
    reasons = polygon_problems(geometries)
    invalid = np.array([bool(r) and r.startswith("invalid polygon") for r in reasons])
    repaired = geometries.copy()
    was_repaired = np.zeros(len(geometries), dtype=bool)
    if invalid.any():
        fixed = shapely.make_valid(geometries[invalid], method="structure", keep_collapsed=False)
        # keep only the polygonal parts of what make_valid returns (it may add lines)
        fixed = _polygonal_part(fixed)
        before = shapely.area(geometries[invalid])  # the shoelace area, also of bad rings
        after = shapely.area(fixed)
        change = np.abs(after - before) / np.where(before > 0, before, np.nan)
        kept = np.isfinite(change) & (change <= area_tolerance) & ~shapely.is_empty(fixed)
        index = np.flatnonzero(invalid)
        repaired[index[kept]] = fixed[kept]
        was_repaired[index[kept]] = True
        reasons[index[kept]] = None
        for i, pct in zip(index[~kept], change[~kept], strict=True):
            area_note = "area lost" if not np.isfinite(pct) else f"area changes by {pct:.1%}"
            reasons[i] = f"{reasons[i]}; unrepairable ({area_note})"
    return repaired, was_repaired, reasons


def _polygonal_part(geometries: np.ndarray) -> np.ndarray:
    """The polygons of each geometry as one MultiPolygon (empty where it has none)."""
    parts, owner = shapely.get_parts(geometries, return_index=True)
    polygonal = shapely.get_type_id(parts) == 3
    merged = np.empty(len(geometries), dtype=object)
    shapely.multipolygons(parts[polygonal], indices=owner[polygonal], out=merged)
    merged[shapely.is_missing(merged)] = shapely.MultiPolygon()
    return merged
