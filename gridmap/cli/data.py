"""``gridmap load``, ``gridmap import`` and ``gridmap export``: reference data, files into
layers (with rejects reports and progress bars), and layers into files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from gridmap.cli.common import (
    clean_errors,
    console,
    progress_bar,
    scoped_transaction,
    transaction,
)
from gridmap.core.errors import GridmapError
from gridmap.core.settings import get_settings
from gridmap.db import migrate
from gridmap.db.engine import database_running

load_app = typer.Typer(help="Load packaged reference data.", no_args_is_help=True)
import_app = typer.Typer(help="Import files into a layer.", no_args_is_help=True)
export_app = typer.Typer(help="Export layers to files.", no_args_is_help=True)


@load_app.command("regions")
def load_regions_cmd() -> None:
    """Load the national region codes (province → township, NBS 2023), in one transaction."""
    from gridmap.ingest.regions import load_regions

    with clean_errors(), database_running() as url:
        migrate.upgrade(url)
        with progress_bar("regions", None) as advance, transaction(url) as conn:
            counts = load_regions(conn, advance).details
    console.print(
        f"regions: {counts['rows']} read, {counts['inserted']} new, {counts['updated']} changed"
    )


@import_app.command("regions")
def import_regions(
    file: Annotated[Path, typer.Argument(help="GeoJSON, GeoPackage or zipped Shapefile")],
    code_field: Annotated[str, typer.Option(help="field holding the 12-digit region code")],
    crs: Annotated[str | None, typer.Option(help="the file's CRS (EPSG:…, GCJ-02, BD-09)")] = None,
) -> None:
    """Attach boundaries to regions by code; rejects go to FILE.rejects.csv/.geojson."""
    from gridmap.ingest.regions import import_region_boundaries

    with clean_errors(), database_running() as url:
        migrate.upgrade(url)
        with (
            progress_bar(f"boundaries from {file.name}", None) as advance,
            transaction(url) as conn,
        ):
            report = import_region_boundaries(conn, file, code_field, crs, advance)
    console.print(
        f"{report.read} features read, {report.written} boundaries written,"
        f" {report.rejected} rejected"
    )
    for path in report.rejects_files:
        console.print(f"  rejects: {path}")


@import_app.command("grids")
def import_grids(
    file: Annotated[Path, typer.Argument(help="GeoJSON, GeoPackage or zipped Shapefile")],
    department: Annotated[str, typer.Option(help="the department whose grids these are")],
    crs: Annotated[
        str | None, typer.Option(help="the file's CRS (EPSG:…, GCJ-02, BD-09); else its own")
    ] = None,
    code_field: Annotated[str | None, typer.Option(help="the department's grid code")] = None,
    name_field: Annotated[str | None, typer.Option(help="the grid's name")] = None,
) -> None:
    """Import one department's grid layer (部门网格); rejects go to FILE.rejects.csv/.geojson."""
    from gridmap.ingest.sources import import_department_grids

    with clean_errors(), database_running() as url:
        migrate.upgrade(url)
        with progress_bar(f"{department} grids", None) as advance, transaction(url) as conn:
            report = import_department_grids(
                conn, file, department, crs, code_field, name_field, on_progress=advance
            )
    console.print(
        f"{department}: {report.read} features read, {report.written} grids written"
        f" ({report.details['repaired']} repaired), {report.rejected} rejected;"
        f" source {report.details['source_id']}"
    )
    for path in report.rejects_files:
        console.print(f"  rejects: {path}")


@export_app.command("crosswalk")
def export_crosswalk(
    region: Annotated[str, typer.Option(help="the region of the merge")],
    output: Annotated[Path, typer.Option("-o", "--output", help="a .csv file")],
) -> None:
    """Export the newest merge's crosswalk: department grid ↔ unified grid, shared area."""
    from gridmap.layers import merges

    with clean_errors(), database_running() as url, transaction(url) as conn:
        runs = merges.runs(conn, region)
        if not runs:
            raise GridmapError(f"region {region} has not been merged yet (gridmap merge)")
        frame = merges.crosswalk_frame(conn, runs[0]["id"])
    frame.to_csv(output, index=False, encoding="utf-8-sig")
    console.print(f"{len(frame)} crosswalk rows of merge {runs[0]['id']} written to {output}")


@export_app.command("grids")
def export_grids(
    output: Annotated[Path, typer.Option("-o", "--output", help=".gpkg .geojson .shp.zip .csv")],
    region: Annotated[str | None, typer.Option(help="region code (default: all)")] = None,
    encoding: Annotated[str, typer.Option(help="Shapefile encoding: UTF-8 or GBK")] = "UTF-8",
) -> None:
    """Export the unified grid system (format from the file's suffix)."""
    from gridmap.core.codes import parse_region_code
    from gridmap.ingest.vector import export_format, write_vector
    from gridmap.layers import grids

    with clean_errors():
        export_format(output)
        prefix = parse_region_code(region).prefix if region else None
        with database_running() as url, transaction(url) as conn:
            frame = grids.export_frame(conn, prefix)
        write_vector(frame, output, encoding)
    console.print(f"{len(frame)} grids written to {output}")


def _import_ledger(layer: str) -> Callable[..., None]:
    def command(
        file: Annotated[
            Path, typer.Argument(help="CSV, .xlsx, or GeoJSON/GPKG for located layers")
        ],
        crs: Annotated[
            str | None, typer.Option(help="coordinates' CRS: EPSG:…, GCJ-02, BD-09 (else WGS84)")
        ] = None,
    ) -> None:
        from gridmap.services import imports

        with clean_errors(), database_running() as url:
            migrate.upgrade(url)
            with progress_bar(f"{layer} rows", None) as advance, scoped_transaction(url) as conn:
                report = imports.import_ledger(conn, get_settings(), layer, file, crs, advance)
        console.print(
            f"{layer}: {report.read} rows read, {report.written} written,"
            f" {report.rejected} rejected"
        )
        for reason, count in report.reasons.items():
            console.print(f"  {count} × {reason}")
        for path in report.rejects_files:
            console.print(f"  rejects: {path}")

    command.__doc__ = (
        f"Import a {layer.replace('_', ' ')} ledger (台账); rows are checked in SQL, rejects go"
        " to FILE.rejects.csv, and a file that fails half-way changes nothing."
    )
    return command


for _layer in (
    "residents",
    "households",
    "buildings",
    "places",
    "things",
    "organisations",
    "departments",
    "events",
    "cameras",
):
    import_app.command(_layer)(_import_ledger(_layer))
import_app.command("grid-workers")(_import_ledger("grid_workers"))
import_app.command("natural-villages")(_import_ledger("natural_villages"))
