"""Generated Sharp Eyes cameras (雪亮工程) for a generated city: an archive (一机一档) as the
camera ledger reads it, written next to the buildings and places it is placed among.

Cameras stand a few metres off buildings (one per ``buildings_per_camera``) and by each key place
(schools, markets, hospitals …, facing it), with GB/T 28181 IDs of their county, a mix of domes
and fixed cameras, and mostly working. A small share carries the faults real archives have (no
direction, swapped coordinates, a repeated ID, a map app's GCJ-02 position) so that the
engineer's problem list has something to find. Everything is generated; nothing is real.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gridmap.ops.chinacrs import wgs84_to_gcj02

FAULT_SHARE = 0.02
_METRES_PER_DEGREE = 111_000.0


def _offset(lon: np.ndarray, lat: np.ndarray, metres: np.ndarray, bearing: np.ndarray):
    """Points ``metres`` away on ``bearing`` (degrees from north), flat-earth (a few metres)."""
    rad = np.radians(bearing)
    dlat = metres * np.cos(rad) / _METRES_PER_DEGREE
    dlon = metres * np.sin(rad) / (_METRES_PER_DEGREE * np.cos(np.radians(lat)))
    return lon + dlon, lat + dlat


def _sites(folder: Path, key_kinds: list[str], per_camera: int, rng) -> pd.DataFrame:
    """Where cameras go: every ``per_camera``-th building (at random) and every key place, with
    the bearing from the camera to what it watches."""
    buildings = pd.read_csv(folder / "buildings.csv", usecols=["address", "lon", "lat"])
    picked = buildings.sample(frac=1 / per_camera, random_state=rng.integers(1 << 31))
    places = pd.read_csv(folder / "places.csv", usecols=["name", "kind", "address", "lon", "lat"])
    key = places[places["kind"].isin(key_kinds)]
    return pd.concat(
        [
            picked.assign(name=picked["address"] + " 周边"),
            key.assign(name=key["name"] + " 门口")[["address", "lon", "lat", "name"]],
        ],
        ignore_index=True,
    )


def generate_cameras(
    folder: Path,
    grids: gpd.GeoDataFrame,
    seed: int,
    key_kinds: list[str],
    per_camera: int = 15,
) -> int:
    """Write ``cameras.csv`` into ``folder`` (which holds the generated buildings and places
    of ``grids``, EPSG:4326 with ``code``); returns the cameras written."""
    rng = np.random.default_rng([seed, 28181])
    sites = _sites(folder, key_kinds, per_camera, rng)
    n = len(sites)
    if n == 0:
        return 0
    facing = rng.uniform(0, 360, n)
    # the camera stands 6-15 m from what it watches, facing it
    lon, lat = _offset(
        sites["lon"].to_numpy(), sites["lat"].to_numpy(), rng.uniform(6, 15, n), facing + 180
    )
    dome = rng.random(n) < 0.3
    county = _counties(sites["lon"].to_numpy(), sites["lat"].to_numpy(), grids)
    cameras = pd.DataFrame(
        {
            # network digit 8 (社会资源接入网): apart from the IDs people type in tests and demos
            "device_id": [f"{c}0001132" + "8" + f"{i + 1:06d}" for i, c in enumerate(county)],
            "name": sites["name"].to_numpy(),
            "address": sites["address"].to_numpy(),
            "lon": lon.round(7),
            "lat": lat.round(7),
            "ptz_type": np.where(dome, 1, 3),
            "direction": np.where(dome, np.nan, facing.round(0)),
            "hfov": np.where(dome, np.nan, rng.choice([60, 85, 90, 100], n)),
            "height": rng.choice([4.0, 5.0, 6.0, 8.0], n),
            "resolution": rng.choice(["1920x1080", "2560x1440", "1080P"], n),
            "status": rng.choice(["online", "faulty", "offline"], n, p=[0.95, 0.04, 0.01]),
        }
    )
    _faults(cameras, rng)
    cameras.to_csv(folder / "cameras.csv", index=False)
    return n


def _counties(lon: np.ndarray, lat: np.ndarray, grids: gpd.GeoDataFrame) -> np.ndarray:
    """The county (6 digits) of the grid holding each point ("000000" when none does)."""
    points = shapely.points(lon, lat)
    hit, grid = shapely.STRtree(grids.geometry.to_numpy()).query(points, "intersects")
    county = np.full(len(points), "000000", dtype=object)
    county[hit] = grids["code"].str[:6].to_numpy()[grid]
    return county


def _faults(cameras: pd.DataFrame, rng) -> None:
    """Faults real archives have, on a small share of the records (in place)."""
    n = len(cameras)
    k = max(1, int(n * FAULT_SHARE)) if n >= 20 else 0
    if k == 0:
        return
    chosen = rng.choice(n, size=min(4 * k, n), replace=False).reshape(4, -1)
    no_direction, swapped, repeated, gcj = chosen
    fixed = cameras.index[no_direction][cameras["ptz_type"].to_numpy()[no_direction] == 3]
    cameras.loc[fixed, "direction"] = np.nan
    cameras.loc[swapped, ["lon", "lat"]] = cameras.loc[swapped, ["lat", "lon"]].to_numpy()
    cameras.loc[repeated, "device_id"] = cameras["device_id"].iloc[0]
    glon, glat = wgs84_to_gcj02(
        cameras.loc[gcj, "lon"].to_numpy(), cameras.loc[gcj, "lat"].to_numpy()
    )
    cameras.loc[gcj, "lon"], cameras.loc[gcj, "lat"] = np.round(glon, 7), np.round(glat, 7)
