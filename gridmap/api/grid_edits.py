"""Planner edits of the grid system: ``/api/v1/grids/…`` writes, history and restore.

Each request is one transaction, as the caller (row-level security applies). The version the
caller read is sent as ``If-Match`` (or ``version`` in the body); a stale one gets 409 with the
current versions. Refusals (gap, overlap, outside the parent) get 400 with the problems and the
offending edges as GeoJSON.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from gridmap.api import geojson
from gridmap.api.deps import GridCodePath, GridsRead, GridsWrite, SettingsDep, WholeGridCodePath
from gridmap.api.errors import responses
from gridmap.api.openapi import vocabulary
from gridmap.api.params import CODE, Body, IfMatch, Moment, version_of
from gridmap.core.codes import GRID_CODE_PATTERN, REGION_CODE_PATTERN
from gridmap.core.errors import NotFound
from gridmap.db.sql import transaction_time
from gridmap.layers import grid_history
from gridmap.services.grid_edits import GridEditor

# every route needs grids:read or grids:write (403, also outside the caller's jurisdiction)
router = APIRouter(
    prefix="/api/v1/grids", tags=["grid editing"], responses=responses(400, 403, 404)
)
# an edit of grids someone changed since the caller read them
STALE = responses(409, e409="a version is stale, or the edit clashes with the grids as they are")

_GRID = GRID_CODE_PATTERN[1:-1]
GRID_CODE = {"pattern": GRID_CODE_PATTERN}
# the grids (or micro-grids) that take a deleted grid's area, comma-separated
GRID_CODES = {"pattern": rf"^\s*{_GRID}\s*(?:,\s*{_GRID}\s*)*$"}
Version = Annotated[int, Field(ge=1, le=2**31 - 1)]
Name = Annotated[str, Field(min_length=1, max_length=100, json_schema_extra={"pattern": r"\S"})]


class Reason(Body):
    reason: str | None = Field(default=None, description="why (kept in the history)")


POLYGONAL = ("Polygon", "MultiPolygon")
LINEAR = ("LineString", "MultiLineString")


class DrawBody(Reason):
    geometry: dict = Field(
        description="GeoJSON Polygon/MultiPolygon, EPSG:4326",
        json_schema_extra=geojson.schema_of(*POLYGONAL),
    )
    name: Name
    kind: str = Field(default="ordinary", json_schema_extra=vocabulary("grid_kinds"))
    purpose: str | None = Field(
        default=None,
        description="what a dedicated grid serves",
        json_schema_extra=vocabulary("grid_purposes"),
    )
    parent: str | None = Field(
        default=None,
        description="parent region (or grid) code",
        json_schema_extra={"pattern": f"{REGION_CODE_PATTERN}|{GRID_CODE_PATTERN}"},
    )


class SplitBody(Reason):
    line: dict = Field(
        description="GeoJSON LineString crossing the grid",
        json_schema_extra=geojson.schema_of(*LINEAR),
    )
    names: list[Name] | None = None
    version: Version | None = None


class GridMergeBody(Reason):
    codes: list[Annotated[str, Field(json_schema_extra=GRID_CODE)]] = Field(
        min_length=2, json_schema_extra={"uniqueItems": True}
    )
    versions: dict[str, Version] | None = None
    keep: str | None = Field(default=None, json_schema_extra=GRID_CODE)
    name: Name | None = None


class ReshapeBody(Reason):
    geometry: dict = Field(
        description="the grid's new shape (within it and its neighbour)",
        json_schema_extra=geojson.schema_of(*POLYGONAL),
    )
    neighbour: str = Field(json_schema_extra=GRID_CODE)
    versions: dict[str, Version] | None = None


class UpdateBody(Reason):
    name: Name | None = None
    kind: str | None = Field(default=None, json_schema_extra=vocabulary("grid_kinds"))
    purpose: str | None = Field(default=None, json_schema_extra=vocabulary("grid_purposes"))
    code: str | None = Field(
        default=None, description="a new code (re-code)", json_schema_extra=GRID_CODE
    )
    version: Version | None = None


class RestoreBody(Reason):
    version: Version


@router.get("/at", responses=responses(404, e404="no grid held the point at that moment"))
def grid_at(
    ctx: GridsRead,
    lon: Annotated[float, Query(ge=-180, le=180)],
    lat: Annotated[float, Query(ge=-90, le=90)],
    at: Annotated[Moment | None, Query(description="a moment (ISO 8601); default now")] = None,
) -> dict:
    """Which grid held this point at that moment (from the history)."""
    when = at or transaction_time(ctx.conn)
    found = grid_history.at(ctx.conn, lon, lat, when)
    if found is None:
        raise NotFound(f"no grid held ({lon}, {lat}) at {when.isoformat()}")
    return found


@router.post("", status_code=201, responses=STALE)
def draw(ctx: GridsWrite, settings: SettingsDep, body: DrawBody) -> dict:
    """Draw a new grid; it is carved out of the grids it covers (one parent region)."""
    editor = GridEditor(ctx.conn, settings, body.reason)
    geometry = geojson.geometry(body.geometry, "geometry", POLYGONAL)
    return editor.draw(geometry, body.name, body.kind, body.purpose, body.parent).as_dict()


@router.post("/merge", responses=STALE)
def merge(ctx: GridsWrite, settings: SettingsDep, body: GridMergeBody) -> dict:
    """Merge adjacent grids of one parent; ``keep`` keeps its code (default: the lowest)."""
    editor = GridEditor(ctx.conn, settings, body.reason)
    return editor.merge(body.codes, body.versions, body.keep, body.name).as_dict()


@router.post(f"/{CODE}/split", responses=STALE)
def split(
    ctx: GridsWrite,
    settings: SettingsDep,
    code: GridCodePath,
    body: SplitBody,
    if_match: IfMatch = None,
) -> dict:
    """Split a grid along a drawn line; the largest piece keeps the code."""
    editor = GridEditor(ctx.conn, settings, body.reason)
    line = geojson.geometry(body.line, "line", LINEAR)
    return editor.split(code, line, version_of(if_match, body.version), body.names).as_dict()


@router.post(f"/{CODE}/reshape", responses=STALE)
def reshape(ctx: GridsWrite, settings: SettingsDep, code: GridCodePath, body: ReshapeBody) -> dict:
    """Move the boundary a grid shares with a neighbour; both change together."""
    editor = GridEditor(ctx.conn, settings, body.reason)
    geometry = geojson.geometry(body.geometry, "geometry", POLYGONAL)
    return editor.reshape(code, geometry, body.neighbour, body.versions).as_dict()


@router.patch(f"/{CODE}", responses=STALE)
def update(
    ctx: GridsWrite,
    settings: SettingsDep,
    code: GridCodePath,
    body: UpdateBody,
    if_match: IfMatch = None,
) -> dict:
    """Rename, set the kind (专属网格 and its purpose) or re-code a grid."""
    editor = GridEditor(ctx.conn, settings, body.reason)
    return editor.update(
        code,
        version_of(if_match, body.version),
        name=body.name,
        kind=body.kind,
        purpose=body.purpose,
        new_code=body.code,
    ).as_dict()


@router.delete(f"/{CODE}", responses=STALE)
def delete(
    ctx: GridsWrite,
    settings: SettingsDep,
    code: GridCodePath,
    to: Annotated[
        str,
        Query(
            description="comma-separated neighbours that take the area",
            json_schema_extra=GRID_CODES,
        ),
    ],
    reason: Annotated[str | None, Query()] = None,
    if_match: IfMatch = None,
) -> dict:
    """Delete a grid; its area goes to the chosen neighbours."""
    editor = GridEditor(ctx.conn, settings, reason)
    targets = [t.strip() for t in to.split(",") if t.strip()]
    return editor.delete(code, targets, version_of(if_match, None)).as_dict()


@router.post(f"/{CODE}/restore", responses=STALE)
def restore(ctx: GridsWrite, settings: SettingsDep, code: GridCodePath, body: RestoreBody) -> dict:
    """Bring back the grids around this one as they were at an earlier version."""
    editor = GridEditor(ctx.conn, settings, body.reason)
    return editor.restore(code, body.version).as_dict()


class SubdivideBody(Reason):
    count: int = Field(ge=2, le=99, description="how many micro-grids")


@router.post(f"/{CODE}/micro", status_code=201, responses=STALE)
def subdivide(
    ctx: GridsWrite, settings: SettingsDep, code: WholeGridCodePath, body: SubdivideBody
) -> dict:
    """Cut a grid into micro-grids (微网格); they are edited like grids, within their grid."""
    editor = GridEditor(ctx.conn, settings, body.reason)
    return editor.subdivide(code, body.count).as_dict()


@router.get(f"/{CODE}/history")
def history(ctx: GridsRead, code: GridCodePath) -> dict:
    """Every version of a grid: valid from/to, who, why, and which grids it came from."""
    versions = grid_history.history(ctx.conn, code)
    if not versions:
        raise NotFound(f"grid {code} has no history (or lies outside your jurisdiction)")
    return {"code": code, "versions": versions}
