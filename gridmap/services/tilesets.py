"""What map clients read to find the vector tiles (瓦片集), so that one URL adds a layer:

- TileJSON 3.0.0 per layer (MapLibre and Mapbox GL sources, QGIS, Leaflet plugins): the tile
  URL template (absolute), zooms, the layer's bounds in the caller's scope and its fields;
- OGC API – Tiles: the list of tilesets, each layer's tileset in the WebMercatorQuad tile matrix
  set (with the templated ``item`` link to its tiles and the limits of its bounds) and that tile
  matrix set's definition (OGC 2D Tile Matrix Set 2.0).

The staff's tiles (``/tiles/…``) are described to a signed-in caller, in their scope; the
residents' (``/public/tiles/…``) to anyone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Connection

from gridmap import catalog
from gridmap.core.settings import Settings
from gridmap.db import sql

MVT = "application/vnd.mapbox-vector-tile"
TILEJSON = "application/json"
WEB_MERCATOR_QUAD = "WebMercatorQuad"
WEB_MERCATOR_QUAD_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
EPSG_3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
TILING_SCHEME = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
MAX_ZOOM = 22  # tiles are drawn up to this zoom
NATIVE_MAX_ZOOM = 18  # …and hold all their detail from this one (clients zoom in on it)
WORLD = (-180.0, -85.0511287798066, 180.0, 85.0511287798066)  # Web Mercator's square
_HALF_WORLD_M = sql.WORLD_WIDTH_M / 2
_PIXEL = 0.00028  # the standard rendering pixel, m (OGC's scale denominators)


@dataclass(frozen=True)
class Field:
    """A property of a tile layer's features: its JSON type and what it is."""

    type: str  # string | number | integer | boolean
    description: str


@dataclass(frozen=True)
class TileLayer:
    """How a catalogue layer's tiles are described: what they hold, where (the table and
    geometry column whose extent in the caller's scope gives the bounds), and their fields
    (``staff_only``: left out of the residents' tiles)."""

    title: str
    description: str
    geometry: str  # points | polygons
    extent_of: tuple[str, str]
    fields: dict[str, Field]
    staff_only: tuple[str, ...] = ()


_S, _N, _I, _B = "string", "number", "integer", "boolean"

LAYERS: dict[str, TileLayer] = {
    "grids": TileLayer(
        "网格 Grids",
        "the unified grid system: grids, micro-grids from zoom 14; zoomed out further than the"
        " map shows grids, their townships' outlines (level 'township', with their grid count)",
        "polygons",
        ("grids", "boundary"),
        {
            "code": Field(_S, "grid code (15 digits; micro-grid 17), or the township's (12)"),
            "name": Field(_S, "name"),
            "kind": Field(_S, "grid kind (ordinary, dedicated …)"),
            "area_km2": Field(_N, "area, km²"),
            "township": Field(_S, "12-digit code of the township (乡镇/街道) holding it"),
            "generated": Field(_B, "boundary generated for the demo, not a real one"),
            "micro": Field(_B, "a micro-grid (小微网格)"),
            "level": Field(_S, "'township' for a township's outline (zoomed out)"),
            "grids": Field(_I, "a township's outline: the grids in it the caller sees"),
        },
        staff_only=("kind", "area_km2"),
    ),
    "regions": TileLayer(
        "区划 Regions",
        "administrative divisions that have a boundary: county, township, village …",
        "polygons",
        ("regions", "boundary"),
        {
            "code": Field(_S, "12-digit statistical division code"),
            "name": Field(_S, "name"),
            "level": Field(_S, "province, city, county, township or village"),
            "generated": Field(_B, "boundary generated for the demo, not a real one"),
        },
    ),
    "source_grids": TileLayer(
        "部门网格 Departments' grids",
        "the newest imported grid layer of each department (or of ?department=)",
        "polygons",
        ("source_grids", "boundary"),
        {
            "department": Field(_S, "the department whose grids these are"),
            "source_code": Field(_S, "the grid's code in the department's own system"),
            "name": Field(_S, "name"),
        },
    ),
    "events": TileLayer(
        "事件 Events",
        "located events; below zoom 12 counted per cell (count, open, red) instead",
        "points",
        ("events", "pt"),
        {
            "id": Field(_I, "event number"),
            "state": Field(_S, "state in the loop (reported, registered, dispatched …)"),
            "category": Field(_S, "category"),
            "urgency": Field(_S, "urgency"),
            "level": Field(_S, "level handling it (village, township, county)"),
            "title": Field(_S, "title"),
            "overdue": Field(_S, "deadline colour (green, amber, red)"),
            "count": Field(_I, "zoomed out: events in the cell"),
            "open": Field(_I, "zoomed out: open events in the cell"),
            "red": Field(_I, "zoomed out: open events past their deadline in the cell"),
        },
    ),
    "cameras": TileLayer(
        "摄像机 Cameras",
        "Sharp Eyes cameras (雪亮工程)",
        "points",
        ("cameras", "pt"),
        {
            "id": Field(_I, "camera number"),
            "device_id": Field(_S, "GB/T 28181 20-digit device ID"),
            "name": Field(_S, "name"),
            "ptz_type": Field(_I, "1 dome, 2 half-dome, 3 fixed bullet, 4 remote bullet"),
            "status": Field(_S, "status (online, faulty …)"),
            "direction": Field(_N, "direction, degrees clockwise from north"),
            "planned": Field(_B, "a planned site, not yet built"),
        },
    ),
    "camera_sectors": TileLayer(
        "可视域 Camera views",
        "what each camera sees, minus what buildings hide",
        "polygons",
        ("cameras", "sector"),
        {
            "id": Field(_I, "camera number"),
            "status": Field(_S, "status (online, faulty …)"),
            "ptz_type": Field(_I, "1 dome, 2 half-dome, 3 fixed bullet, 4 remote bullet"),
            "planned": Field(_B, "a planned site, not yet built"),
            "area_m2": Field(_N, "area seen, m²"),
        },
    ),
}

_TILEJSON_TYPES = {_S: "String", _N: "Number", _I: "Number", _B: "Boolean"}


def _fields(layer: str, public: bool) -> dict[str, Field]:
    described = LAYERS[layer]
    hidden = described.staff_only if public else ()
    return {k: v for k, v in described.fields.items() if k not in hidden}


def _root(base: str, public: bool) -> str:
    return base.rstrip("/") + ("/public/tiles" if public else "/tiles")


def _query(filters: dict[str, str]) -> str:
    return "?" + urlencode(filters) if filters else ""


def bounds(conn: Connection, layer: str) -> tuple[float, float, float, float]:
    """The layer's extent in the caller's scope (what row-level security lets them see), in
    EPSG:4326 within Web Mercator's square; the whole square when they see nothing."""
    table, column = LAYERS[layer].extent_of
    found = sql.extent(conn, table, column)
    if found is None:
        return WORLD
    west, south, east, north = found
    return (max(west, WORLD[0]), max(south, WORLD[1]), min(east, WORLD[2]), min(north, WORLD[3]))


def _centre(box: tuple[float, float, float, float]) -> tuple[float, float, int]:
    """The middle of the box and a zoom that shows all of it on a screen of ~1,000 pixels."""
    west, south, east, north = box
    span = max(east - west, (north - south) * 1.2, 1e-6)
    zoom = max(0, min(NATIVE_MAX_ZOOM, int(math.log2(360 / span * 4))))
    return round((west + east) / 2, 6), round((south + north) / 2, 6), zoom


def tile_url(base: str, layer: str, public: bool, filters: dict[str, str] | None = None) -> str:
    """The absolute XYZ template of a layer's tiles ({z}/{x}/{y})."""
    return f"{_root(base, public)}/{layer}/{{z}}/{{x}}/{{y}}.mvt{_query(filters or {})}"


def tilejson(
    conn: Connection,
    settings: Settings,
    layer: str,
    base: str,
    public: bool,
    filters: dict[str, str] | None = None,
) -> dict[str, Any]:
    """TileJSON 3.0.0 of a layer, for the caller (``conn`` is scoped to them)."""
    catalog.tile_query(layer, public)  # NotFound for a layer that has no such tiles
    described = LAYERS[layer]
    box = bounds(conn, layer)
    fields = {k: _TILEJSON_TYPES[f.type] for k, f in _fields(layer, public).items()}
    return {
        "tilejson": "3.0.0",
        "name": layer,
        "description": described.description,
        "version": "1.0.0",
        "attribution": settings.map.tile_attribution or "gridmap",
        "scheme": "xyz",
        "tiles": [tile_url(base, layer, public, filters)],
        "minzoom": 0,
        "maxzoom": NATIVE_MAX_ZOOM,
        "bounds": [round(v, 6) for v in box],
        "center": list(_centre(box)),
        "vector_layers": [
            {
                "id": layer,
                "description": described.title,
                "minzoom": 0,
                "maxzoom": NATIVE_MAX_ZOOM,
                "fields": fields,
            }
        ],
    }


def _tile_range(box: tuple[float, float, float, float], z: int) -> tuple[int, int, int, int]:
    """(min col, max col, min row, max row) of the tiles at ``z`` covering the box."""
    n = 2**z

    def col(lon: float) -> int:
        return min(n - 1, max(0, int((lon + 180) / 360 * n)))

    def row(lat: float) -> int:
        y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
        return min(n - 1, max(0, int(y)))

    west, south, east, north = box
    return col(west), col(east), row(north), row(south)


def tile_matrix_set_url(base: str) -> str:
    """Where WebMercatorQuad's definition is (public: it is the same for everyone)."""
    return f"{base.rstrip('/')}/public/tiles/tileMatrixSets/{WEB_MERCATOR_QUAD}"


def _link(rel: str, href: str, kind: str, title: str, **more: Any) -> dict[str, Any]:
    return {"rel": rel, "href": href, "type": kind, "title": title, **more}


def _tileset_links(
    base: str, layer: str, public: bool, filters: dict[str, str]
) -> list[dict[str, Any]]:
    root = _root(base, public)
    query = _query(filters)
    tiles = f"{root}/{layer}/{{tileMatrix}}/{{tileCol}}/{{tileRow}}.mvt{query}"
    return [
        _link("self", f"{root}/{layer}/{WEB_MERCATOR_QUAD}{query}", "application/json", layer),
        _link("item", tiles, MVT, f"{layer}: Mapbox vector tiles", templated=True),
        _link(
            TILING_SCHEME,
            tile_matrix_set_url(base),
            "application/json",
            "the WebMercatorQuad tile matrix set",
        ),
        _link("describedby", f"{root}/{layer}.json{query}", TILEJSON, f"{layer}: TileJSON"),
    ]


def tileset(
    conn: Connection,
    layer: str,
    base: str,
    public: bool,
    filters: dict[str, str] | None = None,
) -> dict[str, Any]:
    """OGC API – Tiles: a layer's vector tileset in WebMercatorQuad, for the caller."""
    catalog.tile_query(layer, public)
    described = LAYERS[layer]
    box = bounds(conn, layer)
    lon, lat, zoom = _centre(box)
    limits = []
    for z in range(0, NATIVE_MAX_ZOOM + 1):
        min_col, max_col, min_row, max_row = _tile_range(box, z)
        limits.append(
            {
                "tileMatrix": str(z),
                "minTileRow": min_row,
                "maxTileRow": max_row,
                "minTileCol": min_col,
                "maxTileCol": max_col,
            }
        )
    schema = {
        "type": "object",
        "properties": {
            k: {"type": f.type, "description": f.description}
            for k, f in _fields(layer, public).items()
        },
    }
    return {
        "title": described.title,
        "description": described.description,
        "dataType": "vector",
        "crs": EPSG_3857,
        "tileMatrixSetURI": WEB_MERCATOR_QUAD_URI,
        "links": _tileset_links(base, layer, public, filters or {}),
        "tileMatrixSetLimits": limits,
        "boundingBox": {"lowerLeft": list(box[:2]), "upperRight": list(box[2:]), "crs": CRS84},
        "centerPoint": {"coordinates": [lon, lat], "tileMatrix": str(zoom), "crs": CRS84},
        "layers": [
            {
                "id": layer,
                "title": described.title,
                "dataType": "vector",
                "geometryDimension": 0 if described.geometry == "points" else 2,
                "minTileMatrix": "0",
                "maxTileMatrix": str(NATIVE_MAX_ZOOM),
                "propertiesSchema": schema,
            }
        ],
    }


def tilesets(base: str, public: bool) -> dict[str, Any]:
    """OGC API – Tiles: the list of vector tilesets (one a layer, WebMercatorQuad)."""
    root = _root(base, public)
    return {
        "title": "gridmap vector tiles" + (" (public)" if public else ""),
        "links": [_link("self", root, "application/json", "this list of tilesets")],
        "tilesets": [
            {
                "title": LAYERS[layer].title,
                "dataType": "vector",
                "crs": EPSG_3857,
                "tileMatrixSetURI": WEB_MERCATOR_QUAD_URI,
                "links": _tileset_links(base, layer, public, {}),
            }
            for layer in catalog.tile_layers(public)
        ],
    }


def tile_matrix_set(base: str) -> dict[str, Any]:
    """OGC 2D Tile Matrix Set 2.0: WebMercatorQuad (256-pixel tiles, zoom 0 to ``MAX_ZOOM``)."""
    matrices = []
    for z in range(MAX_ZOOM + 1):
        cell = sql.WORLD_WIDTH_M / 256 / 2**z
        matrices.append(
            {
                "id": str(z),
                "scaleDenominator": cell / _PIXEL,
                "cellSize": cell,
                "cornerOfOrigin": "topLeft",
                "pointOfOrigin": [-_HALF_WORLD_M, _HALF_WORLD_M],
                "tileWidth": 256,
                "tileHeight": 256,
                "matrixWidth": 2**z,
                "matrixHeight": 2**z,
            }
        )
    return {
        "id": WEB_MERCATOR_QUAD,
        "title": "Google Maps Compatible for the World",
        "uri": WEB_MERCATOR_QUAD_URI,
        "crs": EPSG_3857,
        "orderedAxes": ["X", "Y"],
        "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
        "boundingBox": {
            "lowerLeft": [-_HALF_WORLD_M, -_HALF_WORLD_M],
            "upperRight": [_HALF_WORLD_M, _HALF_WORLD_M],
            "crs": EPSG_3857,
        },
        "links": [
            _link(
                "self",
                tile_matrix_set_url(base),
                "application/json",
                "this tile matrix set",
            )
        ],
        "tileMatrices": matrices,
    }


def tile_matrix_sets(base: str) -> dict[str, Any]:
    """The tile matrix sets gridmap tiles in: only WebMercatorQuad."""
    href = tile_matrix_set_url(base)
    return {
        "tileMatrixSets": [
            {
                "id": WEB_MERCATOR_QUAD,
                "title": "Google Maps Compatible for the World",
                "uri": WEB_MERCATOR_QUAD_URI,
                "links": [_link("self", href, "application/json", WEB_MERCATOR_QUAD)],
            }
        ]
    }
