"""Vector tiles: ``/tiles/{layer}/{z}/{x}/{y}.mvt`` (staff) and ``/public/tiles/…`` (residents).

One SQL statement per tile, scoped by the caller's row-level security like every other read,
and kept in a cache that knows when a change reaches a tile (``services.tiles``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from gridmap import catalog
from gridmap.api.deps import Context, PublicDep, SettingsDep, TilesRead
from gridmap.core.errors import InvalidInput
from gridmap.core.settings import Settings
from gridmap.services import tiles

router = APIRouter(tags=["tiles"])

MVT = "application/vnd.mapbox-vector-tile"
MAX_ZOOM = 22

LayerName = Annotated[str, Path(description=f"one of: {', '.join(catalog.tile_layers())}")]


def check_tile(z: int, x: int, y: int) -> None:
    if not 0 <= z <= MAX_ZOOM:
        raise InvalidInput(f"zoom {z} is outside 0..{MAX_ZOOM}", field="z")
    side = 2**z
    if not (0 <= x < side and 0 <= y < side):
        raise InvalidInput(f"tile {z}/{x}/{y} does not exist: x and y must be in 0..{side - 1}")


def render_tile(
    request: Request,
    ctx: Context,
    settings: Settings,
    layer: str,
    address: tuple[int, int, int],
    public: bool,
    **filters: str | None,
) -> Response:
    check_tile(*address)
    given = {k: v for k, v in filters.items() if v is not None}
    cache = getattr(request.app.state, "tile_cache", None)
    drawn = tiles.tile(ctx.conn, settings, cache, ctx.principal, layer, address, public, given)
    visibility = "public" if public else "private"
    vary = "Accept-Encoding" if public else "Accept-Encoding, Authorization, Cookie, X-API-Key"
    headers = {
        "Cache-Control": f"{visibility}, max-age={settings.map.tile_cache_seconds}",
        "ETag": drawn.etag,
        "Vary": vary,
        "X-Tile-Cache": "hit" if drawn.cached else "miss",
    }
    if drawn.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    if drawn.data and "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(content=drawn.gzipped, media_type=MVT, headers=headers)
    return Response(content=drawn.data, media_type=MVT, headers=headers)


@router.get("/tiles/{layer}/{z}/{x}/{y}.mvt", response_class=Response)
def tile(
    request: Request,
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
    return render_tile(request, ctx, settings, layer, (z, x, y), False, department=department)


@router.get("/public/tiles/{layer}/{z}/{x}/{y}.mvt", response_class=Response)
def public_tile(
    request: Request,
    ctx: PublicDep,
    settings: SettingsDep,
    layer: LayerName,
    z: int,
    x: int,
    y: int,
):
    """A vector tile with only what a resident may see: grid outlines, codes and names."""
    return render_tile(request, ctx, settings, layer, (z, x, y), True)
