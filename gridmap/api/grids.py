"""``/api/v1/grids``: the merged grid system (网格) as GeoJSON."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from gridmap.api import exports
from gridmap.api.deps import (
    BBoxDep,
    GridCodePath,
    GridsCaller,
    GridsRead,
    PageDep,
    RegionParam,
)
from gridmap.api.errors import responses
from gridmap.api.links import GeoJSONResponse, geojson_page
from gridmap.api.params import CODE
from gridmap.core.codes import parse_region_code
from gridmap.core.errors import NotFound
from gridmap.ingest.vector import write_vector
from gridmap.layers import grids

# every route needs grids:read (403 without it); a bad code, box or page is a 400
router = APIRouter(prefix="/api/v1/grids", tags=["grids"], responses=responses(400, 403))


@router.get("", response_class=GeoJSONResponse)
async def list_grids(
    request: Request,
    caller: GridsCaller,
    page: PageDep,
    bbox: BBoxDep = None,
    region: RegionParam = None,
) -> GeoJSONResponse:
    """Grids by code as a GeoJSON FeatureCollection, filtered by bounding box and/or region.

    ``numberMatched`` counts every grid the filter matches; ``links`` has ``next``/``prev``.
    """
    where = grids.GridFilter(
        bbox=bbox.as_tuple() if bbox else None,
        prefix=parse_region_code(region).prefix if region else None,
    )
    features, total = await caller.run(
        lambda ctx: grids.list_grids(ctx.conn, where, page.limit, page.offset)
    )
    return geojson_page(request, page, features, total)


EXPORTS = {"gpkg": ".gpkg", "geojson": ".geojson", "shp": ".shp.zip", "csv": ".csv"}


@router.get("/export", response_class=FileResponse, responses=exports.formats(*EXPORTS))
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
        path,
        media_type=exports.MEDIA_TYPES[format][0],
        filename=name,
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


@router.get(f"/{CODE}", response_class=GeoJSONResponse, responses=responses(404))
async def get_grid(caller: GridsCaller, code: GridCodePath) -> GeoJSONResponse:
    """One grid or micro-grid as a GeoJSON Feature."""
    feature = await caller.run(lambda ctx: grids.get_grid(ctx.conn, code))
    if feature is None:
        raise NotFound(f"grid {code} does not exist")
    # the version to send back as If-Match with an edit
    etag = f'"{feature["properties"]["version"]}"'
    return GeoJSONResponse(feature, headers={"ETag": etag})
