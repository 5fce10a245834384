"""The generated camera archive: where cameras stand, their IDs, and the faults planted."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box

from gridmap.demo.cameras import generate_cameras


def test_cameras_by_buildings_and_key_places(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    n = 600
    pd.DataFrame(
        {
            "code": [f"B{i}" for i in range(n)],
            "address": [f"路{i}号" for i in range(n)],
            "lon": rng.uniform(117.01, 117.09, n),
            "lat": rng.uniform(28.01, 28.09, n),
        }
    ).to_csv(tmp_path / "buildings.csv", index=False)
    pd.DataFrame(
        {
            "name": ["一小", "菜场", "公园"],
            "kind": ["school", "market", "park"],
            "address": ["a", "b", "c"],
            "lon": [117.05, 117.06, 117.07],
            "lat": [28.05, 28.06, 28.07],
        }
    ).to_csv(tmp_path / "places.csv", index=False)
    grids = gpd.GeoDataFrame(
        {"code": ["361126109001001"]}, geometry=[box(117, 28, 117.1, 28.1)], crs="EPSG:4326"
    )
    written = generate_cameras(tmp_path, grids, seed=3, key_kinds=["school", "market"])
    cameras = pd.read_csv(tmp_path / "cameras.csv", dtype={"device_id": str})
    assert written == len(cameras) == n // 15 + 2
    assert cameras["device_id"].str.fullmatch(r"361126\d{14}").all()
    assert cameras["device_id"].duplicated().sum() >= 1  # a repeated ID, as archives have
    swapped = (cameras["lon"] < 90).sum()
    assert swapped >= 1 and (cameras["status"] == "online").mean() > 0.85
    domes = cameras["ptz_type"] == 1
    assert cameras.loc[domes, "direction"].isna().all()
    assert cameras.loc[~domes, "direction"].notna().mean() > 0.9
    first = (tmp_path / "cameras.csv").read_bytes()
    generate_cameras(tmp_path, grids, seed=3, key_kinds=["school", "market"])
    assert (tmp_path / "cameras.csv").read_bytes() == first  # the same seed, the same archive
