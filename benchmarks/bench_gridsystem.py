"""The merged grid system at city scale: three department layers of 10,000 grids each.

Import time per layer (file → repaired, placed, written), the merge (when gridmap.ops.merge is
wired in), and one edit with validation (a split) with 10,000 grids stored, p95; peak memory.
"""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import LineString

from benchmarks._city import load_city
from benchmarks._common import percentile, prepared_cluster, report
from gridmap.db.engine import engine_for
from gridmap.ingest.sources import import_department_grids
from gridmap.ops.frame import LocalFrame
from gridmap.ops.partition import voronoi_partition
from gridmap.services import planning
from gridmap.services.grid_edits import GridEditor

DEPARTMENTS = ("综治", "警务", "城管")
CITY = "361100000000"
GRIDS = 10_000
EDITS = 30


def _department_file(outline, seed: int, folder: Path) -> Path:
    """A department's own 10,000-grid layer over the city (different seeds: different cells)."""
    frame = LocalFrame.around(outline)
    cells = voronoi_partition(frame.to_local([outline])[0], GRIDS, np.random.default_rng(seed), 1)
    layer = gpd.GeoDataFrame(
        {"dept_code": [f"D{seed}-{i:05d}" for i in range(len(cells))]},
        geometry=frame.to_lonlat(cells),
        crs="EPSG:4326",
    )
    path = folder / f"department-{seed}.gpkg"
    layer.to_file(path, driver="GPKG", engine="pyogrio")
    return path


def main() -> None:
    rows: list[tuple[str, str]] = []
    with (
        prepared_cluster("gridsystem", demo=False) as (cluster, settings),
        tempfile.TemporaryDirectory() as folder,
    ):
        owner = engine_for(settings, cluster.url())
        with owner.begin() as conn:
            load_city(conn, GRIDS)
            wkb = conn.exec_driver_sql(
                "SELECT ST_AsBinary(ST_Union(boundary)) FROM regions"
                " WHERE level = 'township' AND code LIKE '3611%%' AND boundary IS NOT NULL"
            ).scalar_one()
        outline = shapely.from_wkb(bytes(wkb))
        for seed, department in enumerate(DEPARTMENTS, start=1):
            path = _department_file(outline, seed, Path(folder))
            began = time.perf_counter()
            with owner.begin() as conn:
                result = import_department_grids(conn, path, department, None, "dept_code")
            seconds = time.perf_counter() - began
            rows.append(
                (
                    f"import {department} layer ({result.written} grids)",
                    f"{seconds:.1f} s ({result.written / seconds:,.0f} grids/s)",
                )
            )
        began = time.perf_counter()
        with owner.begin() as conn:
            merged = planning.merge_region(conn, settings, CITY, DEPARTMENTS[0])
        seconds = time.perf_counter() - began
        rows.append(
            (
                f"merge 3 × {GRIDS} into {merged['grids_out']} unified grids",
                f"{seconds:.1f} s (aim < 120 s); valid coverage {merged['valid']},"
                f" written {merged['written']}",
            )
        )
        times = []
        with owner.connect() as conn:
            codes = (
                conn.exec_driver_sql("SELECT code FROM grids ORDER BY md5(code) LIMIT %s", (EDITS,))
                .scalars()
                .all()
            )
        for code in codes:
            with owner.connect() as conn, conn.begin() as transaction:
                wkb = conn.exec_driver_sql(
                    "SELECT ST_AsBinary(boundary) FROM grids WHERE code = %s", (code,)
                ).scalar_one()
                grid = shapely.from_wkb(bytes(wkb))
                x0, _, x1, _ = grid.bounds
                y = grid.representative_point().y
                line = LineString([(x0 - 0.01, y), (x1 + 0.01, y)])
                began = time.perf_counter()
                GridEditor(conn, settings, "bench").split(code, line, None)
                times.append(time.perf_counter() - began)
                transaction.rollback()
        rows.append(
            (
                f"split with validation, {GRIDS} grids stored",
                f"p95 {percentile(times, 95) * 1000:.0f} ms, median "
                f"{percentile(times, 50) * 1000:.0f} ms (n={len(times)}; aim p95 < 300 ms)",
            )
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows.append(("peak memory of this process", f"{peak:.0f} MB"))
    report("grid system: 3 department layers × 10,000 grids", rows)


if __name__ == "__main__":
    main()
