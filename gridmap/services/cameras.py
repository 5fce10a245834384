"""Sharp Eyes cameras (雪亮工程) for engineers: bad records (问题点位), what each camera sees,
coverage against quotas, blind spots and where the next cameras go."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gridmap.core.camera_settings import CameraSettings
from gridmap.core.codes import PROVINCE_CODES
from gridmap.core.errors import InvalidInput, NotFound
from gridmap.core.settings import Settings
from gridmap.layers import cameras as rows
from gridmap.layers import grids
from gridmap.ops import fov
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
    for problem in found:
        problem["label"] = config.problems.get(problem["problem"], problem["problem"])
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


def _plausible(part: pd.DataFrame, config: Any) -> pd.DataFrame:
    """Impossible archive values (a problem to report, not a view to draw) as missing, so the
    defaults stand in for them."""
    part = part.astype({"hfov": float, "height": float, "direction": float, "tilt": float})
    part.loc[(part.hfov < config.min_hfov) | (part.hfov >= 180), "hfov"] = np.nan
    part.loc[(part.height <= 0) | (part.height > config.max_height_m), "height"] = np.nan
    part.loc[(part.direction < 0) | (part.direction >= 360), "direction"] = np.nan
    part.loc[(part.tilt < 0) | (part.tilt >= 90), "tilt"] = np.nan
    return part


def camera_defaults(config: CameraSettings) -> fov.CameraDefaults:
    """What a view is drawn with where the record lacks a value (configuration)."""
    return fov.CameraDefaults(
        hfov=config.default_hfov,
        height=config.default_height,
        tilt=config.default_tilt,
        pixels=config.default_pixels,
        turning_ptz_types=tuple(config.turning_ptz_types),
    )


def draw_views(
    conn: Any,
    settings: Settings,
    prefix: str | None = None,
    ids: list[int] | None = None,
    on_progress: Any = None,
    chunk: int = 2000,
    stale_only: bool = False,
) -> dict[str, Any]:
    """Draw what each camera sees (its sector to the range of the configured pixel density,
    minus what buildings hide) and store it; chunk by chunk of cameras, each with only the
    footprints near it. Returns counts and the defaults used."""
    config = settings.cameras
    defaults = camera_defaults(config)
    cameras_in = rows.view_inputs(conn, prefix, ids, stale_only)
    written, empty, used = 0, 0, {}
    for start in range(0, len(cameras_in), chunk):
        part = _plausible(pd.DataFrame(cameras_in[start : start + chunk]), config)
        frame = gpd.GeoDataFrame(
            part.drop(columns=["lon", "lat"]),
            geometry=gpd.points_from_xy(part.lon, part.lat),
            crs="EPSG:4326",
        )
        # how far each camera can see at most: where its view may be hidden
        hfov = part["hfov"].astype(float).fillna(config.default_hfov).to_numpy()
        pixels = part["resolution_px"].astype(float).fillna(config.default_pixels).to_numpy()
        reach = fov.dori_range(hfov, pixels, config.dori[config.level])
        buildings = gpd.GeoSeries.from_wkb(
            rows.footprints_near(conn, part["id"].tolist(), reach.tolist()), crs="EPSG:4326"
        )
        views = fov.camera_views(frame, buildings, config.dori[config.level], defaults=defaults)
        hidden = views.geometry.isna().to_numpy() | views.geometry.is_empty.to_numpy()
        empty += int(hidden.sum())
        for names in views["defaults"]:
            for name in names:
                used[name] = used.get(name, 0) + 1
        wkb = shapely.to_wkb(np.where(hidden, None, views.geometry.to_numpy()))
        records = list(
            zip(
                part["id"].astype(int).tolist(),
                wkb.tolist(),
                views["area_m2"].astype(float).tolist(),
                views["range_m"].astype(float).tolist(),
                views["defaults"].map(";".join).tolist(),
                strict=True,
            )
        )
        written += rows.write_views(conn, records)
        if on_progress:
            on_progress(len(part))
    return {"cameras": written, "without_view": empty, "defaults_used": used}


def views_to_draw(conn: Any, prefix: str | None, stale_only: bool = False) -> int:
    return rows.views_to_draw(conn, prefix, stale_only)


# -- registering and editing one camera -----------------------------------------------------


def _checked(settings: Settings, fields: dict[str, Any]) -> dict[str, Any]:
    """Archive values outside the configured vocabularies, refused with the field named."""
    config = settings.cameras
    if fields.get("status") is not None and fields["status"] not in config.statuses:
        raise InvalidInput(
            f"status {fields['status']!r} is not one of {', '.join(config.statuses)}",
            field="status",
        )
    if fields.get("ptz_type") is not None and fields["ptz_type"] not in config.ptz_types:
        raise InvalidInput(
            f"PTZ type {fields['ptz_type']} is not one of"
            f" {', '.join(f'{k} {v}' for k, v in config.ptz_types.items())}",
            field="ptz_type",
        )
    return fields


def _placeable(conn: Any, lon: float, lat: float) -> None:
    """A position in a grid the caller cannot see is refused: saying where it is would move
    the camera out of their jurisdiction. A position in no grid at all is kept (a problem)."""
    if grids.grid_at(conn, lon, lat) is None:
        elsewhere = grids.grid_anywhere(conn, lon, lat)
        if elsewhere:
            raise InvalidInput(
                f"{lon},{lat} is outside your jurisdiction (in grid {elsewhere})", field="lon"
            )


def register(
    conn: Any,
    settings: Settings,
    fields: dict[str, Any],
    lon: float,
    lat: float,
    region: str | None = None,
) -> dict[str, Any]:
    """Register one camera (一机一档) where it stands, and draw what it sees."""
    _placeable(conn, lon, lat)
    camera_id = rows.insert_camera(conn, _checked(settings, fields), lon, lat, region)
    if camera_id is None:
        raise InvalidInput(
            f"the camera at {lon},{lat} stands in no grid and belongs to no region: give a"
            " device ID that names its county, or the region",
            field="region",
        )
    draw_views(conn, settings, ids=[camera_id])
    return rows.camera(conn, camera_id) or {}


def edit(
    conn: Any,
    settings: Settings,
    camera_id: int,
    fields: dict[str, Any],
    position: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """Correct a camera's record (a bad record found, a camera turned or moved) and redraw
    what it sees."""
    if position is not None:
        _placeable(conn, *position)
    if not rows.update_camera(conn, camera_id, _checked(settings, fields), position):
        raise NotFound(f"camera {camera_id} does not exist (or is not yours to change)")
    draw_views(conn, settings, ids=[camera_id])
    return rows.camera(conn, camera_id) or {}


def remove(conn: Any, camera_id: int) -> None:
    if not rows.delete_camera(conn, camera_id):
        raise NotFound(f"camera {camera_id} does not exist (or is not yours to change)")
