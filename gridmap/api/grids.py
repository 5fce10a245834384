"""``/api/v1/grids``: the merged grid system (网格) as GeoJSON."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from gridmap.api.deps import BBoxDep, GridCodePath, GridsRead, PageDep, RegionParam
from gridmap.api.links import geojson_page
from gridmap.codes import parse_region_code
from gridmap.errors import NotFound
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


@router.get("/{code}", response_class=JSONResponse)
def get_grid(ctx: GridsRead, code: GridCodePath) -> JSONResponse:
    """One grid or micro-grid as a GeoJSON Feature."""
    feature = grids.get_grid(ctx.conn, code)
    if feature is None:
        raise NotFound(f"grid {code} does not exist")
    return JSONResponse(feature, media_type=GEOJSON)
