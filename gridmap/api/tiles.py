"""Vector tiles: ``/tiles/{layer}/{z}/{x}/{y}.mvt`` (staff) and ``/public/tiles/…`` (residents).

One SQL statement per tile, scoped by the caller's row-level security like every other read,
and kept in a cache that knows when a change reaches a tile (``services.tiles``). A kept tile
costs about what the request around it costs, so each route does its database work (who the
caller is, whether the tile changed, drawing it) in one worker-thread hop (``deps.Caller``).

What a map client adds a layer from (``services.tilesets``): TileJSON at ``/tiles/{layer}.json``
(MapLibre, QGIS), and OGC API – Tiles: the tilesets at ``/tiles``, a layer's at
``/tiles/{layer}/WebMercatorQuad``, the tile matrix set at ``/public/tiles/tileMatrixSets/…``;
the same under ``/public/tiles`` for residents.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from gridmap.api.deps import Context, PublicCaller, SettingsDep, TilesCaller
from gridmap.api.errors import responses
from gridmap.api.openapi import vocabulary
from gridmap.core.errors import InvalidInput
from gridmap.core.settings import Settings
from gridmap.services import tiles, tilesets

router = APIRouter(tags=["tiles"])

MVT = tilesets.MVT
MAX_ZOOM = tilesets.MAX_ZOOM

LayerName = Annotated[
    str, Path(description="a layer served as tiles", json_schema_extra=vocabulary("tile_layers"))
]
PublicLayerName = Annotated[
    str,
    Path(
        description="a layer residents may see as tiles",
        json_schema_extra=vocabulary("public_tile_layers"),
    ),
]
# documented as the limits of WebMercatorQuad; ``check_tile`` checks them, and that x and y lie
# below 2^z, a rule across the three (400 naming the tile)
_ROW_OR_COLUMN = {"minimum": 0, "maximum": 2**MAX_ZOOM - 1}
TileZ = Annotated[
    int, Path(description="zoom", json_schema_extra={"minimum": 0, "maximum": MAX_ZOOM})
]
TileX = Annotated[int, Path(description="column, 0 … 2^z − 1", json_schema_extra=_ROW_OR_COLUMN)]
TileY = Annotated[int, Path(description="row, 0 … 2^z − 1", json_schema_extra=_ROW_OR_COLUMN)]
# a zoom, column or row outside the tile matrix set (400), a layer that does not exist (404)
TILE_ERRORS = responses(400, 404, e404="no such layer")


def check_tile(z: int, x: int, y: int) -> None:
    if not 0 <= z <= MAX_ZOOM:
        raise InvalidInput(f"zoom {z} is outside 0..{MAX_ZOOM}", field="z")
    side = 2**z
    if not (0 <= x < side and 0 <= y < side):
        raise InvalidInput(f"tile {z}/{x}/{y} does not exist: x and y must be in 0..{side - 1}")


def render_tile(
    request: Request,
    settings: Settings,
    layer: str,
    address: tuple[int, int, int],
    public: bool,
    filters: dict[str, str],
    ctx: Context,
) -> Response:
    """The tile as the caller may see it (kept or drawn), or 304 when they have it already."""
    check_tile(*address)
    cache = getattr(request.app.state, "tile_cache", None)
    drawn = tiles.tile(ctx.conn, settings, cache, ctx.principal, layer, address, public, filters)
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


def _department(layer: str, department: str | None) -> dict[str, str]:
    if department is None:
        return {}
    if layer != "source_grids":
        raise InvalidInput("department filters only the source_grids layer", field="department")
    return {"department": department}


Department = Annotated[str | None, Query(description="source_grids: one department")]
# what a client reads to find tiles: the caller's own (scoped), so never kept by shared caches
_METADATA_HEADERS = {
    "Cache-Control": "private, no-cache",
    "Vary": "Authorization, Cookie, X-API-Key",
}
_PUBLIC_METADATA_HEADERS = {"Cache-Control": "public, max-age=60"}


def _json(body: dict, public: bool) -> JSONResponse:
    return JSONResponse(body, headers=_PUBLIC_METADATA_HEADERS if public else _METADATA_HEADERS)


def _base(request: Request) -> str:
    return str(request.base_url)


@router.get("/public/tiles/tileMatrixSets")
async def tile_matrix_sets(request: Request) -> JSONResponse:
    """OGC API – Tiles: the tile matrix sets of gridmap's tiles (WebMercatorQuad)."""
    return _json(tilesets.tile_matrix_sets(_base(request)), True)


@router.get(f"/public/tiles/tileMatrixSets/{tilesets.WEB_MERCATOR_QUAD}")
async def web_mercator_quad(request: Request) -> JSONResponse:
    """OGC 2D Tile Matrix Set: WebMercatorQuad (EPSG:3857, 256-pixel tiles, zoom 0–22)."""
    return _json(tilesets.tile_matrix_set(_base(request)), True)


@router.get("/tiles")
async def tileset_list(request: Request, caller: TilesCaller) -> JSONResponse:
    """OGC API – Tiles: the vector tilesets (one a layer) with links to each."""
    await caller.run(lambda _ctx: None)  # signed in: the list is staff's
    return _json(tilesets.tilesets(_base(request), False), False)


@router.get("/tiles/{layer}.json", responses=TILE_ERRORS)
async def tilejson(
    request: Request,
    caller: TilesCaller,
    settings: SettingsDep,
    layer: LayerName,
    department: Department = None,
) -> JSONResponse:
    """TileJSON 3.0.0 of a layer: its tile URL, zooms, bounds in the caller's scope, fields."""
    filters = _department(layer, department)
    base = _base(request)
    body = await caller.run(
        lambda ctx: tilesets.tilejson(ctx.conn, settings, layer, base, False, filters)
    )
    return _json(body, False)


@router.get(f"/tiles/{{layer}}/{tilesets.WEB_MERCATOR_QUAD}", responses=TILE_ERRORS)
async def tileset(
    request: Request, caller: TilesCaller, layer: LayerName, department: Department = None
) -> JSONResponse:
    """OGC API – Tiles: a layer's vector tileset in WebMercatorQuad (its tiles' templated
    ``item`` link, the limits of its bounds in the caller's scope, its fields)."""
    filters = _department(layer, department)
    base = _base(request)
    body = await caller.run(lambda ctx: tilesets.tileset(ctx.conn, layer, base, False, filters))
    return _json(body, False)


@router.get("/public/tiles")
async def public_tileset_list(request: Request) -> JSONResponse:
    """OGC API – Tiles: the tilesets residents may see."""
    return _json(tilesets.tilesets(_base(request), True), True)


@router.get("/public/tiles/{layer}.json")
async def public_tilejson(
    request: Request, caller: PublicCaller, settings: SettingsDep, layer: PublicLayerName
) -> JSONResponse:
    """TileJSON 3.0.0 of a layer residents may see."""
    base = _base(request)
    body = await caller.run(lambda ctx: tilesets.tilejson(ctx.conn, settings, layer, base, True))
    return _json(body, True)


@router.get(f"/public/tiles/{{layer}}/{tilesets.WEB_MERCATOR_QUAD}")
async def public_tileset(
    request: Request, caller: PublicCaller, layer: PublicLayerName
) -> JSONResponse:
    """OGC API – Tiles: a layer's tileset as residents may see it."""
    base = _base(request)
    body = await caller.run(lambda ctx: tilesets.tileset(ctx.conn, layer, base, True))
    return _json(body, True)


@router.get("/tiles/{layer}/{z}/{x}/{y}.mvt", response_class=Response, responses=TILE_ERRORS)
async def tile(
    request: Request,
    caller: TilesCaller,
    settings: SettingsDep,
    layer: LayerName,
    z: TileZ,
    x: TileX,
    y: TileY,
    department: Department = None,
) -> Response:
    """A vector tile of a layer (EPSG:3857 tiling, 4096 extent), inside the caller's scope."""
    filters = _department(layer, department)
    return await caller.run(
        partial(render_tile, request, settings, layer, (z, x, y), False, filters)
    )


@router.get("/public/tiles/{layer}/{z}/{x}/{y}.mvt", response_class=Response, responses=TILE_ERRORS)
async def public_tile(
    request: Request,
    caller: PublicCaller,
    settings: SettingsDep,
    layer: PublicLayerName,
    z: TileZ,
    x: TileX,
    y: TileY,
) -> Response:
    """A vector tile with only what a resident may see: grid outlines, codes and names."""
    return await caller.run(partial(render_tile, request, settings, layer, (z, x, y), True, {}))
