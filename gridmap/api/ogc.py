"""OGC API – Features at ``/ogc``, read-only: Part 1 (core, GeoJSON, OpenAPI 3.0), Part 2 (CRS
by reference) and Part 3 (queryables, CQL2 filters in text and JSON), plus ``sortby`` and
``properties``.

Every layer of the catalogue that has a collection is served (``gridmap.catalog``); what a
collection holds, filters on and can be sorted by is its one declaration
(``gridmap.db.features.FeatureTable``). A caller sees the collections their role may read, and
in each only the rows of their jurisdiction (row-level security scopes the request's
connection). GDAL's OAPIF driver and QGIS read it (bearer token, or a personal API key as the
password of HTTP Basic).

``numberMatched`` is given on the first page, exact up to ``NUMBER_MATCHED_CAP`` features and
left out above it, and on the last page (where it costs nothing); other pages leave it out (OGC
API allows that: counting under row-level security costs more than the page, and a client
paging through a collection would pay it on every page).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from gridmap import catalog
from gridmap.api import errors
from gridmap.api.deps import Context, CurrentUser, Page, PageDep
from gridmap.api.links import GEOJSON, feature_collection
from gridmap.core.errors import Forbidden, NotFound
from gridmap.db import cql2, features, sql
from gridmap.db.features import CRS84, CRSES, Box, Crs

router = APIRouter(prefix="/ogc", tags=["OGC API - Features"])

SCHEMA_JSON = "application/schema+json"
QUERYABLES = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
NUMBER_MATCHED_CAP = 10_000
# stored as PostGIS SRID 4326 (EPSG:4326; asked in it, coordinates come latitude first)
STORAGE_CRS = features.WGS84
_FEATURES = "http://www.opengis.net/spec/ogcapi-features"
_CQL2 = "http://www.opengis.net/spec/cql2/1.0/conf"
CONFORMANCE = [
    f"{_FEATURES}-1/1.0/conf/core",
    f"{_FEATURES}-1/1.0/conf/geojson",
    f"{_FEATURES}-1/1.0/conf/oas30",
    f"{_FEATURES}-2/1.0/conf/crs",
    f"{_FEATURES}-3/1.0/conf/queryables",
    f"{_FEATURES}-3/1.0/conf/filter",
    f"{_FEATURES}-3/1.0/conf/features-filter",
    f"{_CQL2}/cql2-text",
    f"{_CQL2}/cql2-json",
    f"{_CQL2}/basic-cql2",
    f"{_CQL2}/advanced-comparison-operators",
    f"{_CQL2}/case-insensitive-comparison",
    f"{_CQL2}/basic-spatial-functions",
    f"{_CQL2}/basic-spatial-functions-plus",
    f"{_CQL2}/spatial-functions",
    f"{_CQL2}/property-property",
]
_CRS_HELP = (
    "CRS URI: http://www.opengis.net/def/crs/OGC/1.3/CRS84 (default, lon/lat),"
    " http://www.opengis.net/def/crs/EPSG/0/4490 (CGCS2000, lat/lon),"
    " http://www.opengis.net/def/crs/EPSG/0/4326 (lat/lon), …/EPSG/0/3857 (metres);"
    " EPSG:4490 also accepted"
)

_EPSG_CODES = "|".join(uri.rsplit("/", 1)[1] for uri in CRSES if "/EPSG/" in uri)
CRS_PATTERN = (
    r"^\[?(?:https?://www\.opengis\.net/def/crs/(?:OGC/[^/]*/CRS84|EPSG/[^/]*/(?:"
    f"{_EPSG_CODES}))|urn:ogc:def:crs:(?:OGC:[^:]*:CRS84|EPSG:[^:]*:(?:{_EPSG_CODES}))"
    f"|EPSG:(?:{_EPSG_CODES})|OGC:CRS84|CRS84)\\]?$"
)
"""The CRSs served, in the forms ``features.parse_crs`` reads (it ignores case, too)."""
_CRS = {"pattern": CRS_PATTERN}


# what the routes answer, as the OpenAPI document says it (errors: ``errors.responses``)
_FEATURE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "geometry", "properties"],
    "properties": {
        "type": {"type": "string", "enum": ["Feature"]},
        "id": {"type": ["string", "integer"]},
        "geometry": {"type": ["object", "null"]},
        "properties": {"type": "object"},
    },
}
_COLLECTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "features", "numberReturned", "links"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "numberMatched": {"type": "integer", "minimum": 0},
        "numberReturned": {"type": "integer", "minimum": 0},
        "links": {"type": "array", "items": {"type": "object"}},
        "features": {"type": "array", "items": _FEATURE_SCHEMA},
    },
}


def _answers(media_type: str, schema: dict[str, Any], *statuses: int) -> dict[int | str, Any]:
    """A route's success (its media type and schema) and its error answers."""
    success = {"description": "OK", "content": {media_type: {"schema": schema}}}
    return {200: success, **errors.responses(*statuses)}


# -- parameters -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FeatureParams:
    """What an items request asks for, parsed: CRSs, a bounding box, a filter, an order and
    the properties to output."""

    crs: Crs = CRS84
    bbox: tuple[float, float, float, float] | None = None
    bbox_crs: Crs = CRS84
    datetime: str | None = None
    filter: str | None = None
    filter_lang: str | None = None
    filter_crs: Crs = CRS84
    sortby: str | None = None
    properties: list[str] | None = None


def _names(value: str | None) -> list[str] | None:
    return None if value is None else [n.strip() for n in value.split(",") if n.strip()]


async def output_crs(
    crs: Annotated[
        str | None, Query(description=f"output {_CRS_HELP}", json_schema_extra=_CRS)
    ] = None,
) -> Crs:
    return features.parse_crs(crs, "crs")


async def output_properties(
    properties: Annotated[
        str | None,
        Query(description="only these properties, comma-separated", examples=["code,name"]),
    ] = None,
) -> list[str] | None:
    return _names(properties)


OutputCrs = Annotated[Crs, Depends(output_crs)]
OutputProperties = Annotated[list[str] | None, Depends(output_properties)]


async def feature_params(
    crs: OutputCrs,
    properties: OutputProperties,
    bbox: Annotated[
        str | None,
        Query(
            description="minLon,minLat,maxLon,maxLat in CRS84, or in bbox-crs and its axis order",
            examples=["117.2,28.1,117.6,28.8"],
        ),
    ] = None,
    bbox_crs: Annotated[
        str | None, Query(alias="bbox-crs", description=_CRS_HELP, json_schema_extra=_CRS)
    ] = None,
    datetime: Annotated[
        str | None,
        Query(
            description="an instant or an interval (start/end, '..' open) on the collection's"
            " time (events: reported_at)",
            examples=["2025-01-01T00:00:00Z/.."],
        ),
    ] = None,
    filter_: Annotated[
        str | None,
        Query(
            alias="filter",
            description="a CQL2 filter over the collection's queryables",
            examples=["kind = 'ordinary' AND area_km2 > 0.5"],
        ),
    ] = None,
    filter_lang: Annotated[
        str | None,
        Query(
            alias="filter-lang",
            description="cql2-text (default) or cql2-json",
            json_schema_extra={"enum": list(cql2.LANGUAGES)},
        ),
    ] = None,
    filter_crs: Annotated[
        str | None,
        Query(
            alias="filter-crs",
            description=f"geometries of the filter: {_CRS_HELP}",
            json_schema_extra=_CRS,
        ),
    ] = None,
    sortby: Annotated[
        str | None,
        Query(
            description="properties to sort by, '-' for descending", examples=["+name,-area_km2"]
        ),
    ] = None,
) -> FeatureParams:
    box_crs = features.parse_crs(bbox_crs, "bbox-crs")
    return FeatureParams(
        crs=crs,
        bbox=None if bbox is None else features.parse_bbox(bbox, box_crs),
        bbox_crs=box_crs,
        datetime=datetime,
        filter=filter_,
        filter_lang=filter_lang,
        filter_crs=features.parse_crs(filter_crs, "filter-crs"),
        sortby=sortby,
        properties=properties,
    )


FeatureParamsDep = Annotated[FeatureParams, Depends(feature_params)]


# -- documents ------------------------------------------------------------------------------


def _link(request: Request, path: str, rel: str, kind: str, title: str = "") -> dict[str, str]:
    link = {"href": str(request.base_url).rstrip("/") + path, "rel": rel, "type": kind}
    return {**link, "title": title} if title else link


def _may_read(ctx: Context, collection: catalog.Collection) -> bool:
    return any(ctx.principal.can(p) for p in collection.permissions)


def _readable(ctx: Context, name: str) -> catalog.Collection:
    """The collection named, if the caller's role may read it (404 / 403 naming why not)."""
    found = catalog.collection(name)
    if not _may_read(ctx, found):
        raise Forbidden(
            f"role {ctx.principal.role!r} may not read collection {name!r}"
            f" ({' or '.join(found.permissions)})"
        )
    return found


def _describe(request: Request, name: str, bbox: Box | None) -> dict[str, Any]:
    collection = catalog.collection(name)
    base = f"/ogc/collections/{name}"
    return {
        "id": name,
        "title": collection.title,
        "description": collection.description,
        "itemType": "feature",
        "crs": list(CRSES),
        "storageCrs": STORAGE_CRS.uri,
        "extent": {"spatial": {"bbox": [bbox] if bbox else [], "crs": CRS84.uri}},
        "links": [
            _link(request, base, "self", "application/json"),
            _link(request, f"{base}/items", "items", GEOJSON, collection.title),
            _link(request, f"{base}/queryables", QUERYABLES, SCHEMA_JSON, "queryables"),
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
def collections(request: Request, ctx: CurrentUser) -> dict:
    """The feature collections the caller's role may read (their scope decides what the
    extents hold)."""
    readable = [name for name, found in catalog.collections().items() if _may_read(ctx, found)]
    return {
        "links": [_link(request, "/ogc/collections", "self", "application/json")],
        "crs": list(CRSES),
        "collections": [
            _describe(request, name, bbox)
            for name, bbox in catalog.extents(ctx.conn, readable).items()
        ],
    }


@router.get(
    "/collections/{collection_id}",
    responses=errors.responses(403, 404, e404="no such collection"),
)
def collection(request: Request, ctx: CurrentUser, collection_id: str) -> dict:
    """One collection: its extent, CRSs and links (items, queryables)."""
    _readable(ctx, collection_id)
    bbox = catalog.extents(ctx.conn, [collection_id])[collection_id]
    return _describe(request, collection_id, bbox)


@router.get(
    "/collections/{collection_id}/queryables",
    response_class=Response,
    responses=_answers(SCHEMA_JSON, {"type": "object"}, 403, 404),
)
def queryables(request: Request, ctx: CurrentUser, collection_id: str) -> JSONResponse:
    """The properties a filter and ``sortby`` may name (a JSON Schema; Part 3)."""
    found = _readable(ctx, collection_id)
    url = str(request.base_url).rstrip("/") + f"/ogc/collections/{collection_id}/queryables"
    document = features.queryables(found.features, found.title, url)
    return JSONResponse(document, media_type=SCHEMA_JSON)


# -- features -------------------------------------------------------------------------------


def _conditions(table: features.FeatureTable, params: FeatureParams) -> sql.Where:
    where = sql.Where()
    if params.bbox is not None:
        clause, values = features.bbox_condition(table, params.bbox, params.bbox_crs)
        where.add(clause, **values)
    if params.datetime is not None:
        clause, moments = features.datetime_condition(table, params.datetime)
        where.add(clause, **moments)
    if params.filter is not None:
        condition = cql2.compile_filter(params.filter, params.filter_lang, table, params.filter_crs)
        where.add(condition.sql, **condition.params)
    return where


def _number_matched(
    ctx: Context, table: features.FeatureTable, where: sql.Where, page: Page, returned: int
) -> int | None:
    """``numberMatched``: known without counting on the last page; counted on the first page
    only (where clients read it), up to ``NUMBER_MATCHED_CAP``; None otherwise."""
    known = sql.last_page_total(returned, page.limit, page.offset)
    if known is not None or page.offset > 0:
        return known
    return features.matched(ctx.conn, table, where, NUMBER_MATCHED_CAP)


@router.get(
    "/collections/{collection_id}/items",
    response_class=Response,
    responses=_answers(GEOJSON, _COLLECTION_SCHEMA, 400, 403, 404),
)
def items(
    request: Request,
    ctx: CurrentUser,
    page: PageDep,
    params: FeatureParamsDep,
    collection_id: str,
) -> Response:
    """Features by bounding box and CQL2 filter, sorted, paged (``limit``, ``offset``;
    ``next`` link), in the CRS asked for (``Content-Crs`` says which)."""
    table = _readable(ctx, collection_id).features
    where = _conditions(table, params)
    query = features.FeatureQuery(
        where,
        params.crs,
        table.pick(params.properties, "properties"),
        features.sort_order(table, params.sortby),
        page.limit,
        page.offset,
    )
    found = features.page(ctx.conn, table, query)
    total = _number_matched(ctx, table, where, page, len(found))
    body = feature_collection(request, page, found, total)
    return Response(body, media_type=GEOJSON, headers={"Content-Crs": params.crs.header})


@router.get(
    "/collections/{collection_id}/items/{feature_id}",
    response_class=Response,
    responses=_answers(GEOJSON, _FEATURE_SCHEMA, 400, 403, 404),
)
def item(
    request: Request,
    ctx: CurrentUser,
    collection_id: str,
    feature_id: str,
    crs: OutputCrs,
    properties: OutputProperties,
) -> JSONResponse:
    """One feature by its id, in the CRS asked for."""
    table = _readable(ctx, collection_id).features
    found = features.one(ctx.conn, table, feature_id, crs, table.pick(properties, "properties"))
    if found is None:
        raise NotFound(f"{collection_id} has no feature {feature_id!r}")
    feature = json.loads(found)
    feature["links"] = [
        _link(request, f"/ogc/collections/{collection_id}/items/{feature_id}", "self", GEOJSON),
        _link(request, f"/ogc/collections/{collection_id}", "collection", "application/json"),
    ]
    return JSONResponse(feature, media_type=GEOJSON, headers={"Content-Crs": crs.header})
