"""OGC API – Features, Part 1 (core, GeoJSON, OpenAPI 3.0) at ``/ogc``, read-only.

Collections are the layers a caller may read (``grids``, ``regions``), scoped by row-level
security like every other route; GDAL's OAPIF driver and QGIS read them (send the bearer token).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from gridmap import catalog
from gridmap.api.deps import BBoxDep, CurrentUser, GridsRead, PageDep, RegionsRead
from gridmap.api.links import geojson_page
from gridmap.core.errors import NotFound

router = APIRouter(prefix="/ogc", tags=["OGC API - Features"])

GEOJSON = "application/geo+json"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]


def _link(request: Request, path: str, rel: str, kind: str, title: str = "") -> dict[str, str]:
    link = {"href": str(request.base_url).rstrip("/") + path, "rel": rel, "type": kind}
    return {**link, "title": title} if title else link


def _describe(request: Request, name: str, conn) -> dict[str, Any]:
    collection = catalog.collection(name)
    bbox = collection.extent(conn)
    return {
        "id": name,
        "title": collection.title,
        "description": collection.description,
        "itemType": "feature",
        "crs": [CRS84],
        "extent": {"spatial": {"bbox": [bbox] if bbox else [], "crs": CRS84}},
        "links": [
            _link(request, f"/ogc/collections/{name}", "self", "application/json"),
            _link(request, f"/ogc/collections/{name}/items", "items", GEOJSON, collection.title),
        ],
    }


@router.get("")
def landing(request: Request, ctx: CurrentUser) -> dict:
    """The landing page: links to the API description, conformance and collections."""
    return {
        "title": "gridmap",
        "description": "City grid management (网格化服务管理): the unified grid system.",
        "links": [
            _link(request, "/ogc", "self", "application/json"),
            _link(
                request,
                "/openapi.json",
                "service-desc",
                "application/vnd.oai.openapi+json;version=3.0",
            ),
            _link(request, "/docs", "service-doc", "text/html"),
            _link(request, "/ogc/conformance", "conformance", "application/json"),
            _link(request, "/ogc/collections", "data", "application/json"),
        ],
    }


@router.get("/conformance")
def conformance(ctx: CurrentUser) -> dict:
    """The conformance classes implemented."""
    return {"conformsTo": CONFORMANCE}


@router.get("/collections")
def collections(request: Request, ctx: GridsRead) -> dict:
    """The feature collections (the caller's scope decides what their extents hold)."""
    return {
        "links": [_link(request, "/ogc/collections", "self", "application/json")],
        "collections": [_describe(request, name, ctx.conn) for name in catalog.collections()],
    }


@router.get("/collections/{collection_id}")
def collection(request: Request, ctx: GridsRead, collection_id: str) -> dict:
    return _describe(request, collection_id, ctx.conn)


@router.get("/collections/{collection_id}/items", response_class=JSONResponse)
def items(
    request: Request, ctx: RegionsRead, page: PageDep, collection_id: str, bbox: BBoxDep = None
) -> JSONResponse:
    """Features by bounding box, paged (``limit``, ``offset``; ``next`` link)."""
    features, total = catalog.collection(collection_id).items(
        ctx.conn, bbox.as_tuple() if bbox else None, page.limit, page.offset
    )
    return geojson_page(request, page, features, total)


@router.get("/collections/{collection_id}/items/{feature_id}", response_class=JSONResponse)
def item(request: Request, ctx: RegionsRead, collection_id: str, feature_id: str) -> JSONResponse:
    """One feature by its id (its code)."""
    feature = catalog.collection(collection_id).item(ctx.conn, feature_id)
    if feature is None:
        raise NotFound(f"{collection_id} has no feature {feature_id!r}")
    feature["links"] = [
        _link(request, f"/ogc/collections/{collection_id}/items/{feature_id}", "self", GEOJSON),
        _link(request, f"/ogc/collections/{collection_id}", "collection", "application/json"),
    ]
    return JSONResponse(feature, media_type=GEOJSON)
