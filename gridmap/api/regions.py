"""``/api/v1/regions``: administrative divisions (区划)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from gridmap.api.deps import PageDep, ParentParam, RegionCodePath, RegionsRead
from gridmap.api.errors import responses
from gridmap.api.links import page_links
from gridmap.core.errors import NotFound
from gridmap.layers import regions

# every route needs regions:read (403 without it); a bad code or page is a 400
router = APIRouter(prefix="/api/v1/regions", tags=["regions"], responses=responses(400, 403))

Level = Literal["province", "city", "county", "township", "village"]


@router.get("")
def list_regions(
    request: Request,
    ctx: RegionsRead,
    page: PageDep,
    parent: ParentParam = None,
    level: Annotated[Level | None, Query(description="only this level")] = None,
) -> dict:
    """Regions directly under ``parent`` (the provinces when it is omitted), by code."""
    rows = regions.list_regions(ctx.conn, parent, level, page.limit, page.offset)
    return {
        "parent": parent,
        "regions": rows,
        "numberReturned": len(rows),
        "links": page_links(request, page, len(rows), None),
    }


@router.get("/{code}", responses=responses(404))
def get_region(ctx: RegionsRead, code: RegionCodePath) -> dict:
    """One region as a GeoJSON Feature (``geometry`` is null when it has no boundary yet)."""
    feature = regions.get_region(ctx.conn, code)
    if feature is None:
        raise NotFound(f"region {code} does not exist")
    return feature
