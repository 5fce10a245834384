"""Buildings (楼栋): a grid's buildings as GeoJSON, and a building's units, households and ties."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from gridmap.api.deps import GridCodePath, PageDep, PlacesRead
from gridmap.api.links import geojson_page
from gridmap.core.errors import NotFound
from gridmap.layers import buildings, ties

router = APIRouter(tags=["people and places"])


@router.get("/api/v1/grids/{code}/buildings", response_class=JSONResponse)
def grid_buildings(
    request: Request, ctx: PlacesRead, page: PageDep, code: GridCodePath
) -> JSONResponse:
    """The buildings (楼栋) of a grid as GeoJSON points, with households and residents counted."""
    found = buildings.buildings_in_grid(ctx.conn, code, page.limit, page.offset)
    features = [
        {
            "type": "Feature",
            "id": b["id"],
            "geometry": {"type": "Point", "coordinates": [b.pop("lon"), b.pop("lat")]},
            "properties": b,
        }
        for b in found["buildings"]
    ]
    return geojson_page(request, page, features, found["total"])


@router.get("/api/v1/buildings/{building_id}")
def get_building(ctx: PlacesRead, building_id: int) -> dict:
    """A building with its units (单元) and their households (户), and the grids it has been
    in (``ties``: every tie made or changed, with when and by which operation)."""
    found = buildings.building(ctx.conn, building_id)
    if found is None:
        raise NotFound(f"building {building_id} does not exist (or is not yours)")
    return {**found, "ties": ties.history(ctx.conn, "buildings", building_id)}
