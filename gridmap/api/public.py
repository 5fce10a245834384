"""``/public/…``: what a resident may see without signing in (grid outlines, codes, names)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from gridmap.api.deps import BBoxDep, PageDep, PublicDep
from gridmap.api.links import geojson_page
from gridmap.layers import grids

router = APIRouter(prefix="/public", tags=["public"])


@router.get("/grids", response_class=JSONResponse)
def public_grids(request: Request, ctx: PublicDep, page: PageDep, bbox: BBoxDep = None):
    """Grid outlines as GeoJSON with ``code`` and ``name`` only, by bounding box."""
    where = grids.GridFilter(bbox=bbox.as_tuple() if bbox else None)
    features, total = grids.list_grids(ctx.conn, where, page.limit, page.offset, public=True)
    return geojson_page(request, page, features, total)
