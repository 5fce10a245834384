"""The centre's analytics (研判分析): hot spots, emerging hot spots, does it predict, five-colour
risk, and incident heatmaps as tiles; each over the caller's grids and events.

Event filters are the queue's (``category``, ``channel``, ``state``, ``since``, ``until``, …);
``region`` chooses the grids analysed.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import geopandas as gpd
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from starlette.background import BackgroundTask

from gridmap.api import exports
from gridmap.api.deps import Context, SettingsDep, require
from gridmap.api.errors import responses
from gridmap.api.events import EventQuery, RegionQuery
from gridmap.api.links import GeoJSONResponse
from gridmap.api.params import Moment
from gridmap.api.tiles import MVT, TileX, TileY, TileZ, check_tile
from gridmap.core.codes import CodeError, parse_region_code
from gridmap.core.errors import InvalidInput
from gridmap.core.settings import Settings
from gridmap.ingest.vector import write_vector
from gridmap.ops.areal import HotSpotOptions
from gridmap.services import analytics, heatmaps
from gridmap.services.tiles import Tile

# every route needs analytics:read (403 without it); a bad filter or option is a 400
router = APIRouter(tags=["analytics"], responses=responses(400, 403))
# a region without grids of the caller's, or a department (unit) that does not exist
FILTERED = responses(404, e404="the region holds none of your grids, or the unit does not exist")

AnalyticsRead = Annotated[Context, Depends(require("analytics:read"))]
GEOJSON = "application/geo+json"
GEOPACKAGE = "application/geopackage+sqlite3"
# what ``format`` can send instead of JSON (documented so that clients and checkers expect it)
DOWNLOADS = {
    200: {
        "content": {
            "text/csv": {},
            exports.XLSX: {},
            GEOPACKAGE: {},
        }
    }
}


def _prefix(region: str | None) -> str | None:
    try:
        return parse_region_code(region).prefix if region is not None else None
    except CodeError as error:
        raise InvalidInput(str(error), field="region") from None


def _geopackage(features: Sequence[dict[str, Any]], name: str) -> FileResponse:
    """GeoJSON features as a GeoPackage layer ``name`` (EPSG:4326), sent as ``name.gpkg``."""
    frame = gpd.GeoDataFrame.from_features(list(features), crs="EPSG:4326")
    folder = Path(tempfile.mkdtemp(prefix="gridmap-analytics-"))
    path = write_vector(frame, folder / f"{name}.gpkg")
    return FileResponse(
        path,
        media_type=GEOPACKAGE,
        filename=path.name,
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


def _download(found: dict[str, Any], fmt: str, name: str) -> Response:
    """A GeoJSON answer's features as a table (CSV, XLSX: their properties) or a GeoPackage."""
    features = found["features"]
    if fmt == "gpkg":
        return _geopackage(features, name)
    keys = list(features[0]["properties"]) if features else ["code", "name"]
    return exports.table((f["properties"] for f in features), [(k, k) for k in keys], fmt, name)


def hotspot_options(
    settings: SettingsDep,
    method: Literal["gi_star", "local_moran"] = "gi_star",
    rate: Literal["count", "per_km2", "per_1000"] = "count",
    weights: Literal["queen", "rook", "distance"] | None = None,
    distance_m: Annotated[float | None, Query(gt=0, le=100_000)] = None,
    permutations: Annotated[int | None, Query(ge=0, le=9999)] = None,
    seed: int | None = None,
    fdr: bool | None = None,
) -> HotSpotOptions:
    """The hot-spot options a request asks for, the configured ones for the rest."""
    if weights == "distance" and distance_m is None and settings.analytics.distance_m is None:
        raise InvalidInput("distance weights need distance_m (metres)", field="distance_m")
    return analytics.options_from(
        settings,
        method=method,
        rate=rate,
        weights=weights,
        distance_m=distance_m,
        permutations=permutations,
        seed=seed,
        fdr=fdr,
    )


HotSpotQuery = Annotated[HotSpotOptions, Depends(hotspot_options)]


@router.get(
    "/api/v1/analytics/hotspots",
    response_class=GeoJSONResponse,
    responses={**DOWNLOADS, **FILTERED},
)
def hotspots(
    ctx: AnalyticsRead,
    settings: SettingsDep,
    events: EventQuery,
    options: HotSpotQuery,
    region: RegionQuery = None,
    format: Literal["geojson", "csv", "xlsx", "gpkg"] = "geojson",
) -> Response:
    """Hot spots of the grids (GeoJSON): each grid's events, the value analysed (count, per
    km², per 1,000 residents) and Getis-Ord Gi* (z, p, p_sim, ``gi_bin`` −3…3 as ArcGIS's
    Gi_Bin at 90/95/99 %, FDR-corrected) or local Moran's I (``label`` HH/LL/HL/LH);
    ``format`` csv, xlsx (the properties) or gpkg (a GeoPackage layer) to download."""
    found = analytics.hotspots(ctx.conn, settings, _prefix(region), events, options)
    if format != "geojson":
        name = "hotspots" if options.method == "gi_star" else "local-moran"
        return _download(found, format, name)
    return JSONResponse(found, media_type=GEOJSON)


@router.get(
    "/api/v1/analytics/hotspots/{z}/{x}/{y}.mvt",
    response_class=Response,
    responses={200: {"content": {MVT: {}}}, **FILTERED},
)
def hotspot_tile(
    request: Request,
    ctx: AnalyticsRead,
    settings: SettingsDep,
    events: EventQuery,
    options: HotSpotQuery,
    z: TileZ,
    x: TileX,
    y: TileY,
    region: RegionQuery = None,
) -> Response:
    """Hot spots as a vector tile (layer ``hotspots``): the grids of the tile with the same
    properties as the GeoJSON, computed over the whole ``region`` (not the tile)."""
    check_tile(z, x, y)
    drawn = analytics.hotspot_tile(
        ctx.conn, settings, ctx.principal, _prefix(region), events, options, (z, x, y)
    )
    return _tile_response(request, drawn, MVT)


@router.get(
    "/api/v1/analytics/emerging",
    response_class=GeoJSONResponse,
    responses={**DOWNLOADS, **FILTERED},
)
def emerging_hotspots(
    ctx: AnalyticsRead,
    settings: SettingsDep,
    events: EventQuery,
    region: RegionQuery = None,
    period: Literal["week", "month"] | None = None,
    periods: Annotated[int | None, Query(ge=3, le=120)] = None,
    at: Annotated[Moment | None, Query(description="the last period holds this time")] = None,
    format: Literal["geojson", "csv", "xlsx", "gpkg"] = "geojson",
) -> Response:
    """Emerging hot spots (GeoJSON): per grid, its pattern over the periods (new,
    consecutive, intensifying, persistent, diminishing, sporadic, oscillating, historical hot
    or cold spot, or no pattern), how many periods it was hot or cold, and its trend;
    ``format`` csv, xlsx or gpkg to download."""
    found = analytics.emerging_hotspots(
        ctx.conn, settings, _prefix(region), events, at, period, periods
    )
    if format != "geojson":
        return _download(found, format, "emerging")
    return JSONResponse(found, media_type=GEOJSON)


@router.get("/api/v1/analytics/forecast", responses=FILTERED)
def forecast(
    ctx: AnalyticsRead,
    settings: SettingsDep,
    events: EventQuery,
    split: Annotated[Moment, Query(description="train before this time, test after it")],
    region: RegionQuery = None,
    train_days: Annotated[int, Query(ge=7, le=3650)] = 365,
    test_days: Annotated[int, Query(ge=1, le=730)] = 90,
) -> dict:
    """Does it predict: the Gi* hot spots and a kernel density of the events before
    ``split``, judged on the events after it: hit rate, PAI and PEI at the same shares of
    the area, so the centre knows how far to trust each map."""
    if split.tzinfo is None:
        raise InvalidInput(
            "split needs a time zone (e.g. 2026-01-01T00:00:00+08:00)", field="split"
        )
    return analytics.forecast_check(
        ctx.conn, settings, _prefix(region), events, split, train_days, test_days
    )


RISK_COLUMNS = (
    ("code", "网格 grid"),
    ("name", "名称 name"),
    ("colour", "颜色 colour"),
    ("previous", "上月 previous"),
    ("score", "分值 score"),
    ("summary", "原因 reasons"),
)


def _risk_moment(settings: Settings, at: datetime | None) -> datetime | None:
    """``at``, if the risk window (and a day for its time zone) fits before it in the calendar;
    400 naming it otherwise (the window would start before year 1)."""
    window = settings.analytics.risk_window_days
    if at is None or at.date() - date.min > timedelta(days=window + 1):
        return at
    raise InvalidInput(
        f"at {at.isoformat()} leaves no room for the {window}-day risk window before it",
        field="at",
    )


@router.get("/api/v1/analytics/risk", response_model=None, responses={**DOWNLOADS, **FILTERED})
def risk(
    ctx: AnalyticsRead,
    settings: SettingsDep,
    region: RegionQuery = None,
    at: Annotated[Moment | None, Query(description="as at this time (default: now)")] = None,
    format: Literal["json", "csv", "xlsx", "gpkg"] = "json",
) -> dict | Response:
    """Five-colour risk per grid (五色管控): a configured score over people, events, places,
    things and cameras, its colour (red, orange, yellow, blue, green by thresholds) and the
    reasons: what each factor contributed. ``format`` csv, xlsx or gpkg (the grids' outlines
    with their colour, score, reasons and each factor's points) to download."""
    prefix = _prefix(region)
    found = analytics.risk_colours(ctx.conn, settings, prefix, _risk_moment(settings, at))
    if format == "gpkg":
        units = analytics.units_of(ctx.conn, prefix)
        factors = list(settings.analytics.risk_factors)
        return _geopackage(_risk_features(units, found["grids"], factors), "risk")
    if format != "json":
        return exports.table(found["grids"], RISK_COLUMNS, format, "risk")
    return found


def _risk_features(
    units: gpd.GeoDataFrame, grids: list[dict[str, Any]], factors: Sequence[str]
) -> list[dict[str, Any]]:
    """The risk colours on the grids' outlines, a column of points for each ``factors``."""
    features = []
    for grid in grids:
        if grid["code"] not in units.index:
            continue
        points = {r["factor"]: r["points"] for r in grid["reasons"]}
        properties = {k: grid[k] for k in ("code", "name", "colour", "previous", "score")}
        properties["summary"] = grid["summary"]
        properties.update({f"points_{f}": float(points.get(f, 0.0)) for f in factors})
        geometry = units.at[grid["code"], "geometry"].__geo_interface__
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    return features


@router.get("/api/v1/analytics/risk/history")
def risk_history(ctx: AnalyticsRead, grid: Annotated[str, Query(pattern="^[0-9]{15}$")]) -> dict:
    """A grid's colours by month (kept each time the month's colours are computed)."""
    return {"grid": grid, "months": analytics.risk_history(ctx.conn, grid)}


@router.get("/api/v1/analytics/heatmap/legend", responses=FILTERED)
def heatmap_legend(
    ctx: AnalyticsRead,
    settings: SettingsDep,
    events: EventQuery,
    z: Annotated[int, Query(ge=0, le=22)],
) -> dict:
    """The heatmap's classes at zoom ``z`` (events per km²) and their colours."""
    return heatmaps.legend(ctx.conn, settings, ctx.principal, events, z)


@router.get(
    "/api/v1/analytics/heatmap/{z}/{x}/{y}.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}, **FILTERED},
)
def heatmap_tile(
    request: Request,
    ctx: AnalyticsRead,
    settings: SettingsDep,
    events: EventQuery,
    z: TileZ,
    x: TileX,
    y: TileY,
) -> Response:
    """A heatmap tile: the kernel density of the matching events (events per km²), painted
    with the classes of ``…/heatmap/legend``; a PNG of one pixel a cell."""
    check_tile(z, x, y)
    drawn = heatmaps.tile(
        ctx.conn, settings, request.app.state.tile_cache, ctx.principal, events, (z, x, y)
    )
    return _tile_response(request, drawn, "image/png")


def _tile_response(request: Request, drawn: Tile, media_type: str) -> Response:
    """A tile with its ETag (304 when the client holds it), private to the caller."""
    headers = {
        "ETag": drawn.etag,
        "Cache-Control": "private, max-age=60",
        "Vary": "Authorization, Cookie, X-API-Key",
    }
    if drawn.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(content=drawn.data, media_type=media_type, headers=headers)
