"""Where the next Sharp Eyes cameras go (摄像机选址) in a region, and accepting a plan.

Demand is what cameras should see: buildings weighted by their residents and key places by a
configured weight, heaviest first. Candidates are sites × headings: sites are the heaviest
demand points no working camera sees yet, spaced apart; each heading's coverage is the view a
fixed camera with the default archive values would have there, buildings in the way taken out.
The existing cameras stay and count toward the administrative villages' quotas; the
maximal-coverage model (``ops.siting``, CBC) places up to ``budget`` new ones, against a greedy
baseline. A plan is a job's result; accepting it writes its cameras as planned cameras.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gridmap.core.errors import Conflict, InvalidInput, NotFound
from gridmap.core.plain import plain
from gridmap.core.settings import Settings
from gridmap.layers import cameras as rows
from gridmap.layers import jobs as job_rows
from gridmap.ops import fov, siting
from gridmap.ops.frame import LocalFrame
from gridmap.services.cameras import camera_defaults, draw_views

FIXED_BULLET = 3  # GB/T 28181 PTZType of a fixed camera: a planned camera points one way
PLAN_JOB = "camera_plan"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _demand(conn: Any, settings: Settings, prefix: str) -> gpd.GeoDataFrame:
    config = settings.cameras
    found = rows.planning_demand(
        conn,
        prefix,
        config.key_place_kinds,
        config.planning_key_place_weight,
        config.planning_demand_points,
    )
    if not found:
        raise InvalidInput(
            "the region holds no demand for cameras: no building with residents and no key"
            " place lies in its grids",
            field="region",
        )
    frame = pd.DataFrame(found)
    return gpd.GeoDataFrame(
        frame.drop(columns=["lon", "lat"]),
        geometry=gpd.points_from_xy(frame.lon, frame.lat),
        crs="EPSG:4326",
    )


def _existing(conn: Any, settings: Settings, prefix: str, demand: gpd.GeoDataFrame) -> pd.DataFrame:
    """Cameras kept: views (EPSG:4326; empty for cameras that see nothing) and villages."""
    reach = float(
        fov.dori_range(
            settings.cameras.default_hfov,
            settings.cameras.default_pixels,
            settings.cameras.dori[settings.cameras.level],
        )
    )
    margin = 4 * reach / 111_000  # views reaching into the region from cameras just outside
    x0, y0, x1, y1 = demand.total_bounds
    found = pd.DataFrame(
        rows.planning_existing(
            conn,
            prefix,
            (x0 - margin, y0 - margin, x1 + margin, y1 + margin),
            settings.cameras.working_statuses,
        ),
        columns=["id", "village", "view"],
    )
    views = shapely.from_wkb(found["view"].to_numpy())
    found["view"] = np.where(shapely.is_missing(views), shapely.Polygon(), views)
    return found


def _sites(
    demand: gpd.GeoDataFrame, seen: np.ndarray, spacing_m: float, limit: int, short: pd.Series
) -> pd.DataFrame:
    """Candidate sites: the heaviest demand point unseen by any kept camera in each
    ``spacing_m`` cell, the ``limit`` heaviest cells; then, in villages with fewer sites than
    their quota still ``short`` (new cameras needed, by village code), their next heaviest
    points, so that a quota can be met."""
    local = LocalFrame.around(shapely.multipoints(demand.geometry.to_numpy()))
    xy = shapely.get_coordinates(local.to_local(demand.geometry.to_numpy()))
    cells = np.floor(xy / spacing_m).astype(np.int64)
    frame = pd.DataFrame(
        {
            "lon": demand.geometry.x.to_numpy(),
            "lat": demand.geometry.y.to_numpy(),
            "village": demand["village"].to_numpy(),
            "weight": demand["weight"].to_numpy(),
            "cx": cells[:, 0],
            "cy": cells[:, 1],
        }
    )
    heaviest = frame[~seen].sort_values("weight", ascending=False, kind="stable")
    chosen = heaviest.drop_duplicates(["cx", "cy"]).head(limit)
    have = chosen["village"].value_counts()
    missing = short.sub(have.reindex(short.index, fill_value=0)).clip(lower=0)
    rest = frame.drop(chosen.index)  # seen or not: a quota counts cameras, not coverage
    rest = rest[rest["village"].isin(missing[missing > 0].index)]
    rest = rest.sort_values("weight", ascending=False, kind="stable")
    extra = rest[rest.groupby("village").cumcount() < rest["village"].map(missing)]
    return pd.concat([chosen, extra]).reset_index(drop=True)


def _candidates(
    sites: pd.DataFrame, headings: int, buildings: gpd.GeoSeries, settings: Settings
) -> gpd.GeoDataFrame:
    """Every site × heading as a fixed camera with the default archive values, its view."""
    angles = np.arange(headings) * (360.0 / headings)
    pairs = sites.loc[sites.index.repeat(headings)].reset_index(names="site")
    pairs["heading"] = np.tile(angles, len(sites))
    cameras_in = gpd.GeoDataFrame(
        {"ptz_type": FIXED_BULLET, "direction": pairs["heading"]},
        geometry=gpd.points_from_xy(pairs.lon, pairs.lat),
        crs="EPSG:4326",
    )
    config = settings.cameras
    views = fov.camera_views(
        cameras_in, buildings, config.dori[config.level], defaults=camera_defaults(config)
    )
    return gpd.GeoDataFrame(
        pairs[["site", "heading", "village", "lon", "lat"]],
        geometry=views.geometry.to_numpy(),
        crs="EPSG:4326",
    )


def _villages(
    conn: Any, settings: Settings, demand: gpd.GeoDataFrame, existing: pd.DataFrame
) -> pd.DataFrame:
    """The administrative villages of the demand with their quota (existing + new cameras)
    and how many new cameras each still needs."""
    codes = sorted(set(demand["village"]))
    levels = rows.village_levels(conn, codes)
    villages = pd.DataFrame(
        {
            "code": [code for code in codes if levels.get(code) == "village"],
            "village_quota": settings.cameras.village_quota,
        }
    )
    counts = existing["village"].value_counts()
    villages["short"] = (
        villages["village_quota"] - villages["code"].map(counts).fillna(0).astype(int)
    ).clip(lower=0)
    return villages


def plan(
    conn: Any,
    settings: Settings,
    prefix: str,
    budget: int,
    quotas: bool = True,
    sites: int | None = None,
    headings: int | None = None,
    time_limit_s: float | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """A plan of up to ``budget`` new cameras for the region under ``prefix``: the chosen
    sites and headings, what they see, the demand weight covered before and after, and the
    greedy baseline. ``on_progress`` advances once per stage (4 in all)."""
    config = settings.cameras
    advance = on_progress or (lambda n: None)
    demand = _demand(conn, settings, prefix)
    existing = _existing(conn, settings, prefix, demand)
    seen = _seen(demand, existing["view"].to_numpy())
    villages = _villages(conn, settings, demand, existing) if quotas else None
    short = villages.set_index("code")["short"] if villages is not None else pd.Series(dtype=int)
    site_rows = _sites(
        demand, seen, config.planning_site_spacing_m, sites or config.planning_sites, short
    )
    if site_rows.empty:
        raise InvalidInput("every demand point of the region is already seen", field="region")
    advance(1)
    buildings = gpd.GeoSeries.from_wkb(
        rows.footprints_within(conn, tuple(demand.total_bounds), _reach_deg(settings)),
        crs="EPSG:4326",
    )
    candidates = _candidates(site_rows, headings or config.planning_headings, buildings, settings)
    advance(1)
    local = LocalFrame.around(shapely.multipoints(demand.geometry.to_numpy()))
    result = siting.plan_cameras(
        _in_frame(local, demand[["weight", "village"]], demand.geometry),
        "weight",
        _in_frame(local, candidates[["site", "heading", "village"]], candidates.geometry),
        _in_frame(local, existing[["village"]], existing["view"]),
        budget,
        villages=villages,
        quota="village_quota" if quotas else None,
        time_limit_s=time_limit_s or config.planning_time_limit_s,
    )
    advance(1)
    proposal = _proposal(candidates, result.chosen)
    advance(1)
    return {
        "budget": budget,
        "used": len(proposal["features"]),
        "total_weight": result.report["total_weight"],
        "existing_weight": result.existing_weight,
        "covered_weight": result.covered_weight,
        "greedy": {
            "covered_weight": result.greedy["covered_weight"],
            "cameras": len(result.greedy["chosen"]),
            "seconds": result.greedy["seconds"],
        },
        "report": plain(result.report),
        "proposal": proposal,
    }


def _reach_deg(settings: Settings) -> float:
    config = settings.cameras
    reach = fov.dori_range(config.default_hfov, config.default_pixels, config.dori[config.level])
    return 2 * float(reach) / 111_000


def _seen(demand: gpd.GeoDataFrame, views: np.ndarray) -> np.ndarray:
    """Which demand points a kept camera sees."""
    seen = np.zeros(len(demand), dtype=bool)
    views = views[~shapely.is_empty(views)]
    if len(views):
        hit, _ = shapely.STRtree(views).query(demand.geometry.to_numpy(), "intersects")
        seen[hit] = True
    return seen


def _in_frame(local: LocalFrame, columns: pd.DataFrame, geometry: Any) -> gpd.GeoDataFrame:
    """Columns with their geometry in the local metric frame (no CRS: all share it)."""
    return gpd.GeoDataFrame(
        columns.reset_index(drop=True),
        geometry=local.to_local(np.asarray(geometry, dtype=object)),
    )


def _proposal(candidates: gpd.GeoDataFrame, chosen: gpd.GeoDataFrame) -> dict[str, Any]:
    """The chosen cameras as GeoJSON features: the view as geometry, the site and heading."""
    picked = candidates.loc[chosen.index].assign(
        gain=chosen["gain"].to_numpy(), new_weight=chosen["new_weight"].to_numpy()
    )
    picked = picked.reset_index(drop=True)
    picked["rank"] = picked.index + 1
    return picked[
        ["rank", "site", "heading", "village", "lon", "lat", "gain", "new_weight", "geometry"]
    ].__geo_interface__


# -- accepting a plan -------------------------------------------------------------------------


def proposal(conn: Any, job_id: str) -> dict[str, Any]:
    """The proposal (GeoJSON) of a finished plan the caller started."""
    job = job_rows.get(conn, job_id) if _UUID.fullmatch(job_id) else None
    if job is None or job["kind"] != PLAN_JOB or job["state"] != "done":
        raise NotFound(f"no finished camera plan {job_id} (or it is not yours)")
    return job["result"]["proposal"]


def planned_cameras(settings: Settings, features: list[dict]) -> list[dict[str, Any]]:
    """A plan's cameras as archive records: fixed, facing their heading, not yet working."""
    config = settings.cameras
    idle = [s for s in config.statuses if s not in config.working_statuses]
    return [
        {
            "name": f"规划 planned #{f['properties']['rank']}",
            "ptz_type": FIXED_BULLET,
            "direction": f["properties"]["heading"],
            "status": idle[0] if idle else next(iter(config.statuses)),
            "planned": True,
            "lon": f["properties"]["lon"],
            "lat": f["properties"]["lat"],
        }
        for f in features
    ]


def write_planned(
    conn: Any, settings: Settings, records: list[dict[str, Any]], source: str
) -> list[int]:
    """Planned cameras written, what they would see drawn; their ids."""
    ids = rows.insert_planned(conn, records, source)
    draw_views(conn, settings, ids=ids)
    return ids


def accept(
    conn: Any, settings: Settings, job_id: str, ranks: list[int] | None = None
) -> dict[str, Any]:
    """Write a plan's cameras (all, or those of the ranks given) as planned cameras, facing
    their heading; a plan is accepted once."""
    features = proposal(conn, job_id)["features"]
    source = f"plan:{job_id}"
    if rows.planned_from(conn, source):
        raise Conflict(f"plan {job_id} is already accepted")
    wanted = set(ranks) if ranks else None
    picked = [f for f in features if wanted is None or f["properties"]["rank"] in wanted]
    ids = write_planned(conn, settings, planned_cameras(settings, picked), source)
    return {"accepted": len(ids), "cameras": ids}
