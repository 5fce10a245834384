"""A generated city (生成的城市) for demos and benchmarks: townships, grids and the people,
places and organisations in them, written to files that the real import path loads.

``generate`` needs no database: townships are Voronoi cells over a generated outline, one per
real NBS township code under the region; grids are cut the same way; the population comes from
``gridmap.demo.population``. ``load`` reads such a folder into the database in one transaction:
township boundaries and the grid system, then every ledger through ``gridmap.ingest.ledgers``.
Everything is labelled generated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection

from gridmap.core.camera_settings import CameraSettings
from gridmap.core.codes import parse_region_code
from gridmap.core.errors import InvalidInput
from gridmap.core.settings import Settings
from gridmap.db.sql import Progress
from gridmap.demo import county, population
from gridmap.demo import events as event_generator
from gridmap.demo.cameras import generate_cameras
from gridmap.demo.departments import departments_for
from gridmap.ingest import ledgers
from gridmap.ingest.regions import load_regions
from gridmap.layers import grids, regions

WGS84 = "EPSG:4326"
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class CityShape:
    """Where a generated city lies: its region, outline, townships and grids (EPSG:4326)."""

    region: str
    outline: shapely.Geometry
    townships: gpd.GeoDataFrame
    grids: gpd.GeoDataFrame  # code, name, region_code, region_name, geometry


def _townships_under(region: str) -> pd.DataFrame:
    codes = regions.read_code_lists()
    prefix = parse_region_code(region).prefix
    found = codes[(codes.level == "township") & codes.code.str.startswith(prefix)]
    if found.empty:
        raise InvalidInput(f"region {region} has no townships in the code lists", field="region")
    return found[["code", "name"]].reset_index(drop=True)


def _outline(region: str, townships: int) -> shapely.Geometry:
    """The demo county's real outline; elsewhere a generated one sized by its townships."""
    if region == county.COUNTY_CODE:
        return county.county_outline()
    radius = 0.06 * np.sqrt(townships)  # about 40 km² per township
    return shapely.affinity.scale(
        shapely.buffer(shapely.Point(117.95, 28.45), radius, quad_segs=32), 1.0, 0.9
    )


def city_shape(region: str, grid_count: int, seed: int) -> CityShape:
    """Generated townships and about ``grid_count`` grids over ``region`` (a city or county)."""
    rng = np.random.default_rng(seed)
    codes = _townships_under(region)
    outline = _outline(region, len(codes))
    townships = county.generated_townships(outline, codes, rng)
    records = county.generated_grids(townships, grid_count, rng)
    names = dict(zip(townships.code, townships.name, strict=True))
    frame = gpd.GeoDataFrame(
        {
            "code": [r.code for r in records],
            "name": [r.name for r in records],
            "region_code": [r.region_code for r in records],
            "region_name": [names[r.region_code] for r in records],
        },
        geometry=shapely.from_wkb([r.wkb for r in records]),
        crs=WGS84,
    )
    return CityShape(region, outline, townships, frame)


def generate(
    out: Path,
    region: str,
    grid_count: int,
    residents: int,
    seed: int,
    on_progress: Progress | None = None,
    events: int | None = None,
    on_event_progress: Progress | None = None,
    camera_config: CameraSettings | None = None,
) -> dict[str, Any]:
    """Write a generated city into ``out``: regions, grids and the ledgers, its cameras, its
    departments and a year of events (``events``; default 100,000 a year for five million
    residents, scaled); returns counts."""
    out.mkdir(parents=True, exist_ok=True)
    shape = city_shape(region, grid_count, seed)
    outline = gpd.GeoDataFrame(
        {"code": [region], "name": ["generated outline"]}, geometry=[shape.outline], crs=WGS84
    )
    pd.concat([shape.townships[["code", "name", "geometry"]], outline]).pipe(
        gpd.GeoDataFrame, crs=WGS84
    ).to_file(out / "regions.geojson", driver="GeoJSON", engine="pyogrio")
    shape.grids.to_file(out / "grids.geojson", driver="GeoJSON", engine="pyogrio")
    codes = regions.read_code_lists()
    counties = sorted(codes[codes.level == "county"].code.str[:6])
    counts = population.generate_population(
        shape.grids,
        residents,
        out,
        seed=seed,
        county_codes=counties,
        today=date.today(),
        on_progress=on_progress,
    )
    counts["cameras"] = write_cameras(out, shape.grids, seed, camera_config or CameraSettings())
    units = city_departments(shape, codes)
    write_departments(units, out / "departments.csv")
    wanted = event_generator.default_count(residents) if events is None else events
    counts["departments"] = len(units)
    counts["events"] = event_generator.generate_events(
        shape.grids, out, units, wanted, seed=seed, on_progress=on_event_progress
    )
    manifest = {
        "generated": True,
        "generator": "gridmap demo generate",
        "region": region,
        "seed": seed,
        "grids": len(shape.grids),
        "townships": len(shape.townships),
        **counts,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    return manifest


def write_cameras(folder: Path, frame: gpd.GeoDataFrame, seed: int, config: CameraSettings) -> int:
    """The camera archive of a generated city beside its buildings and places (none when the
    settings ask for none); cameras written."""
    if not config.demo_buildings_per_camera:
        return 0
    return generate_cameras(
        folder, frame, seed, config.key_place_kinds, config.demo_buildings_per_camera
    )


def city_departments(shape: CityShape, codes: pd.DataFrame) -> list[dict[str, Any]]:
    """Each county's bureaus (named after the county) and each township's offices."""
    names = dict(zip(codes.code, codes.name, strict=True))
    townships = list(zip(shape.townships.code, shape.townships.name, strict=True))
    units = []
    for prefix in sorted({code[:6] for code in shape.townships.code}):
        county_code = prefix + "000000"
        units += departments_for(
            county_code,
            [(code, name) for code, name in townships if code.startswith(prefix)],
            names.get(county_code, "县"),
        )
    return units


def write_departments(units: list[dict[str, Any]], path: Path) -> None:
    """Departments as the departments ledger reads them (categories ``;``-separated)."""
    pd.DataFrame(
        {
            "code": [u["code"] for u in units],
            "name": [u["name"] for u in units],
            "level": [u["level"] for u in units],
            "region_code": [u["region_code"] for u in units],
            "categories": [";".join(u["categories"]) for u in units],
            "phone": [u["phone"] for u in units],
        }
    ).to_csv(path, index=False)


def load(
    conn: Connection,
    folder: Path,
    settings: Settings,
    on_progress: Progress | None = None,
) -> dict[str, Any]:
    """Load a generated city folder in the caller's transaction (regions, grids, ledgers)."""
    manifest_path = folder / MANIFEST
    if not manifest_path.exists():
        raise InvalidInput(f"{folder} is not a generated city (no {MANIFEST})", field="dir")
    manifest = json.loads(manifest_path.read_text())
    region = manifest["region"]
    if not regions.count(conn):
        load_regions(conn)
    shapes = gpd.read_file(folder / "regions.geojson", engine="pyogrio")
    regions.attach_boundaries(
        conn,
        zip(shapes.code, shapely.to_wkb(shapes.geometry.values), strict=True),
        source="generated city (gridmap demo generate)",
        generated=True,
    )
    frame = gpd.read_file(folder / "grids.geojson", engine="pyogrio")
    written = grids.replace_under(conn, parse_region_code(region).prefix, grid_records(frame))
    reports = ledgers.load_directory(conn, folder, settings, None, on_progress, generated=True)
    return {
        "region": region,
        "grids": written,
        **{r.layer: {"written": r.written, "rejected": r.rejected} for r in reports},
    }


def grid_records(frame: gpd.GeoDataFrame) -> list[grids.GridRecord]:
    """Generated grids (code, region_code, name, geometry) as records to write."""
    return [
        grids.GridRecord(code=c, region_code=r, name=n, wkb=w, generated=True)
        for c, r, n, w in zip(
            frame.code,
            frame.region_code,
            frame.name,
            shapely.to_wkb(frame.geometry.values),
            strict=True,
        )
    ]


def attach_city(conn: Connection, shape: CityShape) -> int:
    """Write a city shape: township and outline boundaries, then its grids; grids written."""
    regions.attach_boundaries(
        conn,
        zip(
            [*shape.townships.code, shape.region],
            shapely.to_wkb([*shape.townships.geometry.values, shape.outline]),
            strict=True,
        ),
        source="generated city (gridmap demo generate)",
        generated=True,
    )
    return grids.replace_under(
        conn, parse_region_code(shape.region).prefix, grid_records(shape.grids)
    )


def populate(
    conn: Connection,
    settings: Settings,
    prefix: str,
    residents: int,
    seed: int,
    workdir: Path,
    events: int = 0,
    units: list[dict[str, Any]] | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    """Generate a population for the grids already loaded under ``prefix`` and, with
    ``events``, a year of events dispatched to ``units`` (departments already loaded), and
    import them (the demo county at first start)."""
    frame = grids.grid_frame(conn, prefix)
    if frame.empty:
        raise InvalidInput(f"no grids under {prefix} to populate")
    population.generate_population(frame, residents, workdir, seed=seed, today=date.today())
    write_cameras(workdir, frame, seed, settings.cameras)
    if events:
        event_generator.generate_events(
            frame, workdir, units or [], events, seed=seed, until=until, config=settings.events
        )
    reports = ledgers.load_directory(conn, workdir, settings, generated=True)
    return {r.layer: r.written for r in reports}
