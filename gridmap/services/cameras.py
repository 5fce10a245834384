"""Sharp Eyes cameras (雪亮工程) for engineers: bad records (问题点位), what each camera sees,
coverage against quotas, blind spots and where the next cameras go."""

from __future__ import annotations

from typing import Any

import numpy as np

from gridmap.core.codes import PROVINCE_CODES
from gridmap.core.settings import Settings
from gridmap.layers import cameras as rows
from gridmap.ops.chinacrs import gcj02_to_wgs84

# a position this close to what it names, once converted, is the named place
_GCJ_MATCH_M = 60.0


def problems(conn: Any, settings: Settings, prefix: str | None) -> list[dict[str, Any]]:
    """Every bad record under a region prefix, each problem with its reason (a record may have
    several): checks of the ID, the position, the archive fields, pairs, and positions that
    look GCJ-02 though declared WGS84."""
    config = settings.cameras
    fixed = [t for t in config.ptz_types if t not in config.turning_ptz_types]
    found = rows.problems(
        conn,
        prefix,
        {
            "provinces": sorted(PROVINCE_CODES),
            "camera_types": list(config.camera_types),
            "fixed_types": fixed,
            "max_height": config.max_height_m,
            "min_hfov": config.min_hfov,
            "same_spot": config.same_spot_m,
            "same_direction": config.same_direction_deg,
            "far_outside": config.far_outside_km * 1000,
        },
    )
    found.extend(_looks_gcj02(conn, settings, prefix))
    found.sort(key=lambda p: (p["region_code"], p["grid_code"] or "", p["id"], p["problem"]))
    return found


def _metres(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    """Great-circle distances (haversine, metres) between paired points."""
    lon1, lat1, lon2, lat2 = (np.radians(a) for a in (lon1, lat1, lon2, lat2))
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * np.arcsin(np.sqrt(a))


def _looks_gcj02(conn: Any, settings: Settings, prefix: str | None) -> list[dict[str, Any]]:
    """Cameras declared WGS84 lying hundreds of metres from the building their address names,
    which read as GCJ-02 (converted to WGS84) land on it: a map app's coordinates."""
    pairs = rows.named_buildings(conn, prefix)
    if not pairs:
        return []
    lon, lat = (np.array([p[k] for p in pairs], dtype=float) for k in ("lon", "lat"))
    b_lon, b_lat = (np.array([p[k] for p in pairs], dtype=float) for k in ("b_lon", "b_lat"))
    as_declared = _metres(lon, lat, b_lon, b_lat)
    fixed_lon, fixed_lat = gcj02_to_wgs84(lon, lat)
    as_gcj = _metres(np.asarray(fixed_lon), np.asarray(fixed_lat), b_lon, b_lat)
    low, high = settings.cameras.gcj_offset_m
    suspect = (as_declared >= low) & (as_declared <= high) & (as_gcj <= _GCJ_MATCH_M)
    ids = [pairs[i]["id"] for i in np.flatnonzero(suspect)]
    records = {r["id"]: r for r in rows.by_ids(conn, ids)}
    found = []
    for i in np.flatnonzero(suspect):
        pair = pairs[i]
        reason = (
            f"looks GCJ-02 though declared WGS84: {as_declared[i]:.0f} m from building"
            f" {pair['building']} its address names, {as_gcj[i]:.0f} m once converted"
        )
        found.append({**records[pair["id"]], "problem": "looks_gcj02", "reason": reason})
    return found


def _share(part: float, whole: float) -> float | None:
    return None if not whole else round(part / whole, 4)


def coverage(conn: Any, settings: Settings, prefix: str | None, group: str) -> dict[str, Any]:
    """Coverage per grid, village or township against the quotas and the working-rate target:
    cameras by status, the shares of area, buildings, residents and key places their working
    cameras see, and the natural villages (自然村) with their own quota."""
    config = settings.cameras
    found = rows.coverage(
        conn,
        prefix,
        group,
        config.working_statuses,
        config.turning_ptz_types,
        config.key_place_kinds,
    )
    levels = rows.village_levels(conn, [r["key"] for r in found]) if group == "village" else {}
    for row in found:
        quota = config.village_quota if levels.get(row["key"]) == "village" else None
        working = _share(row["working"], row["cameras"])
        row.update(
            area_share=_share(row["seen_m2"], row["area_m2"]),
            building_share=_share(row["buildings_seen"], row["buildings"]),
            resident_share=_share(row["residents_seen"], row["residents"]),
            key_place_share=_share(row["key_places_seen"], row["key_places"]),
            working_rate=working,
            working_target=config.working_target,
            working_met=None if working is None else working >= config.working_target,
            quota=quota,
            quota_met=None if quota is None else row["cameras"] >= quota,
        )
    natural = rows.natural_village_cameras(
        conn, prefix, config.natural_village_radius_m, config.working_statuses
    )
    for village in natural:
        village["quota"] = config.natural_village_quota
        village["quota_met"] = village["cameras"] >= config.natural_village_quota
    return {"group": group, "groups": found, "natural_villages": natural}
