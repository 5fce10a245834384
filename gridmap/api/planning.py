"""Merging department layers (多网合一) and re-dividing a region, as background jobs."""

from __future__ import annotations

import io
import json
from typing import Literal

import geopandas as gpd
import shapely
from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import StreamingResponse
from pydantic import Field

from gridmap.api import exports
from gridmap.api.deps import GridsRead, GridsWrite, RegionParam, SettingsDep
from gridmap.api.errors import responses
from gridmap.api.geojson import collection_schema, feature_frame
from gridmap.api.params import Body
from gridmap.core.codes import REGION_CODE_PATTERN, parse_region_code
from gridmap.core.errors import InvalidInput, NotFound
from gridmap.layers import merges
from gridmap.ops.balance import DivideOptions
from gridmap.services import jobs, planning

# every route needs grids:read or grids:write (403 without it)
router = APIRouter(tags=["grid system planning"], responses=responses(400, 403))

REGION_CODE = {"pattern": REGION_CODE_PATTERN}


class LayerMergeBody(Body):
    region: str = Field(
        description="12-digit code of the region to merge", json_schema_extra=REGION_CODE
    )
    base: str = Field(min_length=1, description="the department whose grids win overlaps")
    reason: str | None = None


@router.post("/api/v1/merges", status_code=202)
def start_merge(
    request: Request,
    ctx: GridsWrite,
    settings: SettingsDep,
    body: LayerMergeBody,
    background: BackgroundTasks,
) -> dict:
    """Merge the departments' newest layers of a region; poll the job for the report."""
    region = parse_region_code(body.region).code
    engine, principal = request.app.state.engine, ctx.principal
    job_id = jobs.start(engine, principal, "merge")

    def work(conn, _advance) -> dict:
        return planning.merge_region(conn, settings, region, body.base, body.reason)

    background.add_task(jobs.run, engine, principal, job_id, work)
    return {"job": job_id, "status": f"/api/v1/jobs/{job_id}"}


@router.get("/api/v1/merges")
def list_merges(ctx: GridsRead, region: RegionParam = None) -> dict:
    """Merge runs with their reports, newest first."""
    return {"merges": merges.runs(ctx.conn, region)}


@router.get(
    "/api/v1/merges/{merge_id}/crosswalk.csv",
    response_class=StreamingResponse,
    responses={**exports.formats("csv"), **responses(404)},
)
def crosswalk(ctx: GridsRead, merge_id: int) -> StreamingResponse:
    """Department grid ↔ unified grid, with the shared area and its share of both (CSV)."""
    frame = merges.crosswalk_frame(ctx.conn, merge_id)
    if frame.empty:
        raise NotFound(f"merge {merge_id} has no crosswalk (or lies outside your jurisdiction)")
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return StreamingResponse(
        iter(["\ufeff" + buffer.getvalue()]),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="crosswalk-{merge_id}.csv"'},
    )


class DivideBody(Body):
    region: str = Field(json_schema_extra=REGION_CODE)
    grids: int = Field(ge=1, le=999, description="how many grids")
    points: dict = Field(
        description="GeoJSON FeatureCollection of weighted points, EPSG:4326",
        json_schema_extra=collection_schema(),
    )
    weight: str | None = Field(default=None, description="the property holding each weight")
    method: Literal["azp", "bisect", "skater"] = "azp"
    block_size_m: float = Field(default=150.0, gt=0)


def _points(collection: dict, weight: str | None) -> gpd.GeoDataFrame:
    frame = feature_frame(collection, "points", "weighted points")
    if weight and weight not in frame.columns:
        raise InvalidInput(f"no point has the weight property {weight!r}", field="weight")
    return frame


@router.post("/api/v1/divide/preview", status_code=202, responses=responses(404))
def preview_division(
    request: Request,
    ctx: GridsRead,
    settings: SettingsDep,
    body: DivideBody,
    background: BackgroundTasks,
) -> dict:
    """Propose N balanced grids for a region (a job; its result holds the proposal GeoJSON)."""
    region = parse_region_code(body.region).code
    points = _points(body.points, body.weight)
    options = DivideOptions(block_size_m=body.block_size_m, method=body.method)
    engine, principal = request.app.state.engine, ctx.principal
    job_id = jobs.start(engine, principal, "divide")

    def work(conn, _advance) -> dict:
        plan = planning.propose_division(
            conn, settings, region, body.grids, points, body.weight, options
        )
        return {"report": plan.report, "proposal": json.loads(plan.grids.to_json())}

    background.add_task(jobs.run, engine, principal, job_id, work)
    return {"job": job_id, "status": f"/api/v1/jobs/{job_id}"}


PROPOSAL_PROPERTIES = ("code", "region_code", "name")


class DivisionAcceptBody(Body):
    region: str = Field(json_schema_extra=REGION_CODE)
    proposal: dict = Field(
        description="the FeatureCollection a preview returned",
        json_schema_extra=collection_schema(*PROPOSAL_PROPERTIES),
    )
    reason: str | None = None


@router.post("/api/v1/divide/accept", responses=responses(404))
def accept_division(ctx: GridsWrite, body: DivisionAcceptBody) -> dict:
    """Replace the region's grids with an accepted proposal (checked to cover the region)."""
    region = parse_region_code(body.region).code
    frame = feature_frame(body.proposal, "proposal", "grids (as a preview returned them)")
    for column in PROPOSAL_PROPERTIES:
        if column not in frame.columns:
            raise InvalidInput(f"proposal grids need a {column!r} property", field="proposal")
    cells = shapely.make_valid(frame.geometry.values)
    if not shapely.coverage_is_valid(cells):
        raise InvalidInput("the proposal's grids overlap: preview again", field="proposal")
    plan = planning.Plan(region, frame.set_geometry(cells), {})
    planning.check_cover(ctx.conn, plan)
    return planning.apply_plan(ctx.conn, plan, "divide", body.reason or "division accepted")
