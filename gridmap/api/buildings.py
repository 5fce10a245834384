"""Buildings (楼栋): a grid's buildings as GeoJSON, and a building's units, households and ties."""

from __future__ import annotations

from fastapi import APIRouter, Request

from gridmap.api.deps import GridCodePath, PageDep, PlacesRead
from gridmap.api.errors import responses
from gridmap.api.links import GeoJSONResponse, geojson_page
from gridmap.api.params import CODE
from gridmap.core.errors import NotFound
from gridmap.layers import buildings, ties

# every route needs places:read (403 without it)
router = APIRouter(tags=["people and places"], responses=responses(403))


@router.get(
    f"/api/v1/grids/{CODE}/buildings", response_class=GeoJSONResponse, responses=responses(400)
)
def grid_buildings(
    request: Request, ctx: PlacesRead, page: PageDep, code: GridCodePath
) -> GeoJSONResponse:
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


@router.get("/api/v1/buildings/{building_id}", responses=responses(404))
def get_building(ctx: PlacesRead, building_id: int) -> dict:
    """A building with its units (单元) and their households (户), and the grids it has been
    in (``ties``: every tie made or changed, with when and by which operation)."""
    found = buildings.building(ctx.conn, building_id)
    if found is None:
        raise NotFound(f"building {building_id} does not exist (or is not yours)")
    return {**found, "ties": ties.history(ctx.conn, "buildings", building_id)}
