"""Vector tiles: ``/tiles/{layer}/{z}/{x}/{y}.mvt`` (staff) and ``/public/tiles/…`` (residents).

One SQL statement per tile, scoped by the caller's row-level security like every other read.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from sqlalchemy import Connection

from gridmap import catalog
from gridmap.api.deps import PublicDep, SettingsDep, TilesRead
from gridmap.core.errors import InvalidInput
from gridmap.core.settings import Settings
from gridmap.db.sql import serial_plans

router = APIRouter(tags=["tiles"])

MVT = "application/vnd.mapbox-vector-tile"
MAX_ZOOM = 22

LayerName = Annotated[str, Path(description=f"one of: {', '.join(catalog.tile_layers())}")]


def _check_tile(z: int, x: int, y: int) -> None:
    if not 0 <= z <= MAX_ZOOM:
        raise InvalidInput(f"zoom {z} is outside 0..{MAX_ZOOM}", field="z")
    side = 2**z
    if not (0 <= x < side and 0 <= y < side):
        raise InvalidInput(f"tile {z}/{x}/{y} does not exist: x and y must be in 0..{side - 1}")


def render_tile(
    conn: Connection,
    settings: Settings,
    layer: str,
    z: int,
    x: int,
    y: int,
    public: bool,
    **filters: str | None,
) -> Response:
    query = catalog.tile_query(layer, public)
    _check_tile(z, x, y)
    serial_plans(conn)
    filters = {k: v for k, v in filters.items() if v is not None}
    data = query(conn, z, x, y, settings.map.tile_feature_limit, public=public, **filters)
    visibility = "public" if public else "private"
    headers = {"Cache-Control": f"{visibility}, max-age={settings.map.tile_cache_seconds}"}
    return Response(content=bytes(data or b""), media_type=MVT, headers=headers)


@router.get("/tiles/{layer}/{z}/{x}/{y}.mvt", response_class=Response)
def tile(
    ctx: TilesRead,
    settings: SettingsDep,
    layer: LayerName,
    z: int,
    x: int,
    y: int,
    department: Annotated[str | None, Query(description="source_grids: one department")] = None,
):
    """A vector tile of a layer (EPSG:3857 tiling, 4096 extent), inside the caller's scope."""
    if department is not None and layer != "source_grids":
        raise InvalidInput("department filters only the source_grids layer", field="department")
    return render_tile(ctx.conn, settings, layer, z, x, y, public=False, department=department)


@router.get("/public/tiles/{layer}/{z}/{x}/{y}.mvt", response_class=Response)
def public_tile(ctx: PublicDep, settings: SettingsDep, layer: LayerName, z: int, x: int, y: int):
    """A vector tile with only what a resident may see: grid outlines, codes and names."""
    return render_tile(ctx.conn, settings, layer, z, x, y, public=True)
