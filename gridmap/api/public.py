"""``/public/…``: what a resident may see without signing in (grid outlines, codes, names)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from gridmap.api.deps import BBoxDep, PageDep, PublicDep
from gridmap.api.errors import responses
from gridmap.api.links import GeoJSONResponse, geojson_page
from gridmap.core.errors import InvalidInput, NotFound
from gridmap.layers import grid_workers, grids

router = APIRouter(prefix="/public", tags=["public"], responses=responses(400))


@router.get("/grids", response_class=GeoJSONResponse)
def public_grids(
    request: Request, ctx: PublicDep, page: PageDep, bbox: BBoxDep = None
) -> GeoJSONResponse:
    """Grid outlines as GeoJSON with ``code`` and ``name`` only, by bounding box."""
    where = grids.GridFilter(bbox=bbox.as_tuple() if bbox else None)
    features, total = grids.list_grids(ctx.conn, where, page.limit, page.offset, public=True)
    return geojson_page(request, page, features, total)


@router.get("/find", responses=responses(404, e404="no grid at that point"))
def find_my_grid(
    ctx: PublicDep,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    address: Annotated[str | None, Query(min_length=2, max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> dict:
    """Find my grid (找网格): the grid at a point (``lon``, ``lat``, WGS84), or the grids of
    buildings whose address contains ``address``, with the grid worker's public service phone.
    Nothing else personal is returned."""
    if address is not None:
        return {"matches": grid_workers.public_find_address(ctx.conn, address.strip(), limit)}
    if lon is None or lat is None:
        raise InvalidInput("give lon and lat (WGS84), or address", field="lon")
    found = grid_workers.public_grid_at(ctx.conn, lon, lat)
    if found is None:
        raise NotFound(f"no grid at {lon:.6f},{lat:.6f}")
    return found
