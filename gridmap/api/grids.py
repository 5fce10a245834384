"""``/api/v1/grids``: the merged grid system (网格) as GeoJSON."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, JSONResponse
from starlette.background import BackgroundTask

from gridmap.api.deps import BBoxDep, GridCodePath, GridsRead, PageDep, RegionParam
from gridmap.api.links import geojson_page
from gridmap.core.codes import parse_region_code
from gridmap.core.errors import NotFound
from gridmap.ingest.vector import write_vector
from gridmap.layers import grids

router = APIRouter(prefix="/api/v1/grids", tags=["grids"])

GEOJSON = "application/geo+json"


@router.get("", response_class=JSONResponse)
def list_grids(
    request: Request,
    ctx: GridsRead,
    page: PageDep,
    bbox: BBoxDep = None,
    region: RegionParam = None,
) -> JSONResponse:
    """Grids by code as a GeoJSON FeatureCollection, filtered by bounding box and/or region.

    ``numberMatched`` counts every grid the filter matches; ``links`` has ``next``/``prev``.
    """
    where = grids.GridFilter(
        bbox=bbox.as_tuple() if bbox else None,
        prefix=parse_region_code(region).prefix if region else None,
    )
    features, total = grids.list_grids(ctx.conn, where, page.limit, page.offset)
    return geojson_page(request, page, features, total)


EXPORTS = {"gpkg": ".gpkg", "geojson": ".geojson", "shp": ".shp.zip", "csv": ".csv"}


@router.get("/export", response_class=FileResponse)
def export_grids(
    ctx: GridsRead,
    region: RegionParam = None,
    format: Annotated[Literal["gpkg", "geojson", "shp", "csv"], Query()] = "gpkg",
    encoding: Annotated[Literal["UTF-8", "GBK"], Query(description="Shapefile .cpg")] = "UTF-8",
) -> FileResponse:
    """The grids in the caller's jurisdiction (under ``region``) as a file."""
    frame = grids.export_frame(ctx.conn, parse_region_code(region).prefix if region else None)
    folder = Path(tempfile.mkdtemp(prefix="gridmap-export-"))
    name = f"grids-{region or 'all'}{EXPORTS[format]}"
    path = write_vector(frame, folder / name, encoding)
    return FileResponse(
        path, filename=name, background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True)
    )


@router.get("/{code}", response_class=JSONResponse)
def get_grid(ctx: GridsRead, code: GridCodePath) -> JSONResponse:
    """One grid or micro-grid as a GeoJSON Feature."""
    feature = grids.get_grid(ctx.conn, code)
    if feature is None:
        raise NotFound(f"grid {code} does not exist")
    # the version to send back as If-Match with an edit
    etag = f'"{feature["properties"]["version"]}"'
    return JSONResponse(feature, media_type=GEOJSON, headers={"ETag": etag})
