"""Sharp Eyes cameras (雪亮工程): the archive, bad records, coverage, blind spots.

``GET /api/v1/cameras`` lists the archive (一机一档), ``POST`` registers a camera, ``PATCH`` and
``DELETE …/{id}`` correct or remove one; ``…/problems`` every bad record with its reason;
``…/coverage`` cameras, quotas and what working cameras see per grid, village or township;
``…/blind-spots`` what no camera sees, ranked by what it holds; ``POST …/views`` redraws what
cameras see, as a job.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Query, Request, Response
from pydantic import ConfigDict, Field, field_validator

from gridmap.api import exports
from gridmap.api.deps import BBoxDep, Context, PageDep, SettingsDep, require
from gridmap.api.errors import responses
from gridmap.api.links import GeoJSONResponse, page_links
from gridmap.api.openapi import vocabulary
from gridmap.api.params import Body, Day
from gridmap.core.codes import (
    GRID_CODE_PATTERN,
    REGION_CODE_PATTERN,
    CodeError,
    parse_grid_code,
    parse_region_code,
)
from gridmap.core.errors import InvalidInput, NotFound
from gridmap.db.sql import Where
from gridmap.layers import cameras as camera_rows
from gridmap.services import camera_planning, cameras, jobs

# every route needs a cameras permission (403 without it)
router = APIRouter(tags=["cameras"], responses=responses(403))

CamerasRead = Annotated[Context, Depends(require("cameras:read"))]
CamerasWrite = Annotated[Context, Depends(require("cameras:write"))]
RegionQuery = Annotated[
    str | None,
    Query(json_schema_extra={"pattern": REGION_CODE_PATTERN}, description="12-digit region code"),
]
JobId = Annotated[
    str,
    Path(
        json_schema_extra={
            "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
        },
        description="the planning job's id (a UUID)",
    ),
]


def _area(region: str | None, grid: str | None = None) -> str | None:
    """A region's prefix or a grid's code (what lies under it)."""
    try:
        if grid is not None:
            return parse_grid_code(grid).code
        return parse_region_code(region).prefix if region is not None else None
    except CodeError as error:
        raise InvalidInput(str(error), field="grid" if grid is not None else "region") from None


@router.get("/api/v1/cameras", responses=responses(400))
def list_cameras(
    request: Request,
    ctx: CamerasRead,
    page: PageDep,
    bbox: BBoxDep = None,
    region: RegionQuery = None,
    grid: Annotated[
        str | None,
        Query(
            json_schema_extra={"pattern": GRID_CODE_PATTERN},
            description="15-digit grid or 17-digit micro-grid",
        ),
    ] = None,
    status: str | None = None,
    ptz_type: Annotated[int | None, Query(ge=1, le=4)] = None,
    planned: bool | None = None,
) -> dict:
    """The archive (一机一档) in the caller's jurisdiction, paged with ``total``."""
    where = Where().bbox("c.pt", bbox.as_tuple() if bbox else None)
    area = _area(region, grid)
    where.code_range("c.grid_code" if grid else "c.region_code", area)
    where.equals("c.status", status, "status").equals("c.ptz_type", ptz_type, "ptz_type")
    where.equals("c.planned", planned, "planned")
    found, total = camera_rows.list_cameras(ctx.conn, where, page.limit, page.offset)
    return {
        "total": total,
        "cameras": found,
        "links": page_links(request, page, len(found), total),
    }


PROBLEM_COLUMNS = (
    ("id", "记录 id"),
    ("device_id", "设备编码 device_id"),
    ("name", "设备名称 name"),
    ("region_code", "区划 region"),
    ("grid_code", "网格 grid"),
    ("problem", "问题 problem"),
    ("label", "问题名称 label"),
    ("reason", "原因 reason"),
    ("lon", "经度 lon"),
    ("lat", "纬度 lat"),
)


@router.get(
    "/api/v1/cameras/problems",
    response_model=None,
    responses={**exports.formats("json", "csv", "xlsx"), **responses(400)},
)
def camera_problems(
    ctx: CamerasRead,
    settings: SettingsDep,
    region: RegionQuery = None,
    format: Literal["json", "csv", "xlsx"] = "json",
) -> dict | Response:
    """Every bad record with its reason, per village and grid (a record may have several)."""
    found = cameras.problems(ctx.conn, settings, _area(region))
    if format != "json":
        return exports.table(found, PROBLEM_COLUMNS, format, "camera-problems")
    counts: dict[str, int] = {}
    for problem in found:
        counts[problem["problem"]] = counts.get(problem["problem"], 0) + 1
    return {"total": len(found), "by_problem": counts, "problems": found}


COVERAGE_COLUMNS = (
    ("key", "编码 key"),
    ("name", "名称 name"),
    ("cameras", "摄像机 cameras"),
    ("working", "在线 working"),
    ("working_rate", "完好率 working rate"),
    ("quota", "配额 quota"),
    ("quota_met", "达标 quota met"),
    ("area_share", "面积覆盖率 area"),
    ("building_share", "房屋覆盖率 buildings"),
    ("resident_share", "人口覆盖率 residents"),
    ("key_place_share", "重点场所覆盖率 key places"),
)


@router.get(
    "/api/v1/cameras/coverage",
    response_model=None,
    responses={**exports.formats("json", "csv", "xlsx"), **responses(400)},
)
def camera_coverage(
    ctx: CamerasRead,
    settings: SettingsDep,
    region: RegionQuery = None,
    group: Literal["grid", "village", "township"] = "grid",
    format: Literal["json", "csv", "xlsx"] = "json",
) -> dict | Response:
    """Coverage per grid, village or township: cameras by status against the quotas and the
    working-rate target (完好率), and the shares of area, buildings, residents and key places
    working cameras see; natural villages (自然村) with their own quota."""
    result = cameras.coverage(ctx.conn, settings, _area(region), group)
    if format != "json":
        return exports.table(result["groups"], COVERAGE_COLUMNS, format, f"coverage-{group}")
    return result


@router.get("/api/v1/cameras/blind-spots", response_class=GeoJSONResponse, responses=responses(400))
def blind_spots(
    ctx: CamerasRead,
    settings: SettingsDep,
    region: RegionQuery = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    min_area_m2: Annotated[float, Query(ge=0)] = 500,
) -> GeoJSONResponse:
    """What no working camera sees, as polygons ranked by the residents, key places and events
    of the last year inside them (GeoJSON)."""
    config = settings.cameras
    found = camera_rows.blind_spots(
        ctx.conn,
        _area(region),
        config.working_statuses,
        config.key_place_kinds,
        min_area_m2,
        limit,
    )
    features = [
        {"type": "Feature", "geometry": spot.pop("geometry"), "properties": spot} for spot in found
    ]
    return GeoJSONResponse({"type": "FeatureCollection", "features": features})


@router.get("/api/v1/cameras/{camera_id:int}", responses=responses(404))
def get_camera(ctx: CamerasRead, camera_id: int) -> dict:
    """One camera: every archive field, where it stands, what it sees (``view``)."""
    found = camera_rows.camera(ctx.conn, camera_id)
    if found is None:
        raise NotFound(f"camera {camera_id} does not exist (or is not yours)")
    return found


FLOAT4_TINY = 1.2e-38  # about the smallest normal 4-byte float


class CameraFields(Body):
    """The archive fields of a camera (一机一档, GB/T 28181 catalogue)."""

    device_id: str | None = Field(default=None, description="GB/T 28181 20-digit ID (设备编码)")
    name: str | None = Field(default=None, description="设备名称")
    manufacturer: str | None = None
    model: str | None = None
    owner: str | None = None
    address: str | None = None
    ptz_type: int | None = Field(
        default=None, ge=1, le=4, description="1 dome, 2 half-dome, 3 fixed bullet, 4 remote"
    )
    room_type: int | None = Field(default=None, ge=1, le=2, description="1 outdoor, 2 indoor")
    use: int | None = Field(default=None, ge=1, le=3, description="1 order, 2 traffic, 3 key")
    light: int | None = Field(default=None, ge=1, le=4)
    resolution_px: int | None = Field(
        default=None, gt=0, le=100_000, description="horizontal pixels"
    )
    hfov: float | None = Field(default=None, ge=0.1, le=360, description="degrees")
    direction: float | None = Field(default=None, ge=0, lt=360, description="degrees from north")
    tilt: float | None = Field(default=None, ge=-90, le=90, description="degrees down")
    height: float | None = Field(default=None, ge=0.01, le=500, description="metres")
    status: str | None = Field(default=None, json_schema_extra=vocabulary("camera_statuses"))
    checked_on: Day | None = None
    planned: bool | None = None

    @field_validator("hfov", "direction", "tilt", "height")
    @classmethod
    def _as_kept(cls, value: float | None) -> float | None:
        """A measure as the archive keeps it (a 4-byte float): magnitudes too small for one
        are zero, never an error of the database."""
        if value is None or abs(value) >= FLOAT4_TINY:
            return value
        return 0.0


class NewCamera(CameraFields):
    lon: float = Field(ge=-180, le=180, description="WGS84")
    lat: float = Field(ge=-90, le=90, description="WGS84")
    region: str | None = Field(
        default=None,
        json_schema_extra={"pattern": REGION_CODE_PATTERN},
        description="its region when it stands in no grid and its ID names none",
    )


def _together(one: str, other: str) -> dict:
    return {
        "if": {"required": [one], "properties": {one: {"type": "number"}}},
        "then": {"required": [other], "properties": {other: {"type": "number"}}},
    }


def _never_null(mark: dict[str, Any] | None = None) -> Callable[[dict[str, Any]], None]:
    """The schema of a change's field that is changed but never cleared (the record always has
    one): no null, no default (a field not given is not changed)."""

    def extra(schema: dict[str, Any]) -> None:
        schema.pop("default", None)
        schema.update(mark or {})

    return extra


class CameraChange(CameraFields):
    """What changes: the fields given (``null`` clears one, but a camera always has a
    ``status`` and is ``planned`` or not); ``lon`` and ``lat`` together."""

    model_config = ConfigDict(
        json_schema_extra={"allOf": [_together("lon", "lat"), _together("lat", "lon")]}
    )

    status: str = Field(  # type: ignore[assignment]
        default=None, json_schema_extra=_never_null(vocabulary("camera_statuses"))
    )
    planned: bool = Field(default=None, json_schema_extra=_never_null())  # type: ignore[assignment]
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)


_POSITION = {"lon", "lat", "region"}


@router.post("/api/v1/cameras", status_code=201, responses=responses(400))
def register_camera(ctx: CamerasWrite, settings: SettingsDep, body: NewCamera) -> dict:
    """Register a camera where it stands; what it sees is drawn at once."""
    fields = body.model_dump(exclude_none=True, exclude=_POSITION)
    region = parse_region_code(body.region).code if body.region else None
    return cameras.register(ctx.conn, settings, fields, body.lon, body.lat, region)


@router.patch("/api/v1/cameras/{camera_id:int}", responses=responses(400, 404))
def edit_camera(
    ctx: CamerasWrite, settings: SettingsDep, camera_id: int, body: CameraChange
) -> dict:
    """Correct a record (fields given are changed; ``null`` clears one), or move the camera
    (``lon`` and ``lat`` together); its view is redrawn."""
    if (body.lon is None) != (body.lat is None):
        raise InvalidInput("give lon and lat together to move a camera", field="lon")
    fields = body.model_dump(exclude_unset=True, exclude=_POSITION)
    position = (body.lon, body.lat) if body.lon is not None else None
    return cameras.edit(ctx.conn, settings, camera_id, fields, position)


@router.delete("/api/v1/cameras/{camera_id:int}", status_code=204, responses=responses(404))
def remove_camera(ctx: CamerasWrite, camera_id: int) -> Response:
    cameras.remove(ctx.conn, camera_id)
    return Response(status_code=204)


class ViewsBody(Body):
    region: str | None = Field(
        default=None,
        json_schema_extra={"pattern": REGION_CODE_PATTERN},
        description="12-digit region code (default: all)",
    )
    stale_only: bool = Field(
        default=False, description="only views never drawn or older than buildings near them"
    )


@router.post("/api/v1/cameras/views", status_code=202, responses=responses(400))
def redraw_views(
    request: Request,
    ctx: CamerasWrite,
    settings: SettingsDep,
    body: ViewsBody,
    background: BackgroundTasks,
) -> dict:
    """Redraw what cameras see (sectors to the DORI range, minus what buildings hide) as a
    job; poll it for progress and the counts."""
    prefix = _area(body.region)
    engine, principal = request.app.state.engine, ctx.principal
    total = cameras.views_to_draw(ctx.conn, prefix, body.stale_only)
    job_id = jobs.start(engine, principal, "camera_views", total=total)

    def work(conn, advance) -> dict:
        return cameras.draw_views(
            conn, settings, prefix, stale_only=body.stale_only, on_progress=advance
        )

    background.add_task(jobs.run, engine, principal, job_id, work)
    return {"job": job_id, "status": f"/api/v1/jobs/{job_id}", "cameras": total}


class PlanBody(Body):
    region: str = Field(
        json_schema_extra={"pattern": REGION_CODE_PATTERN},
        description="12-digit code of the region to plan (a village, township…)",
    )
    budget: int = Field(ge=0, le=5000, description="most new cameras")
    quotas: bool = Field(default=True, description="meet the villages' camera quotas")
    sites: int | None = Field(default=None, ge=1, le=5000, description="most candidate sites")
    headings: int | None = Field(default=None, ge=1, le=36, description="headings per site")
    time_limit_s: float | None = Field(default=None, gt=0, le=600)


@router.post("/api/v1/cameras/plans", status_code=202, responses=responses(400))
def start_plan(
    request: Request,
    ctx: CamerasWrite,
    settings: SettingsDep,
    body: PlanBody,
    background: BackgroundTasks,
) -> dict:
    """Plan where the next cameras go (选址) as a job: maximal coverage of residents and key
    places with the existing cameras kept, against a greedy baseline; poll it for the plan."""
    prefix = parse_region_code(body.region).prefix
    engine, principal = request.app.state.engine, ctx.principal
    job_id = jobs.start(engine, principal, camera_planning.PLAN_JOB, total=4)
    options = body.model_dump(exclude={"region"})

    def work(conn, advance) -> dict:
        return camera_planning.plan(conn, settings, prefix, on_progress=advance, **options)

    background.add_task(jobs.run, engine, principal, job_id, work)
    return {"job": job_id, "status": f"/api/v1/jobs/{job_id}"}


PLAN_COLUMNS = (
    ("rank", "序号 rank"),
    ("lon", "经度 lon"),
    ("lat", "纬度 lat"),
    ("heading", "监控方向 heading"),
    ("village", "村 village"),
    ("gain", "增益 gain"),
    ("new_weight", "新覆盖 new weight"),
)


@router.get(
    "/api/v1/cameras/plans/{job_id}",
    response_class=Response,
    responses={**exports.formats("geojson", "csv", "xlsx"), **responses(404)},
)
def export_plan(
    ctx: CamerasRead, job_id: JobId, format: Literal["geojson", "csv", "xlsx"] = "geojson"
) -> Response:
    """A finished plan's cameras: their views as GeoJSON, or a table (CSV/XLSX)."""
    features = camera_planning.proposal(ctx.conn, job_id)["features"]
    if format == "geojson":
        return GeoJSONResponse({"type": "FeatureCollection", "features": features})
    table = [f["properties"] for f in features]
    return exports.table(table, PLAN_COLUMNS, format, f"camera-plan-{job_id[:8]}")


class PlanAcceptBody(Body):
    ranks: list[Annotated[int, Field(ge=1)]] | None = Field(
        default=None, description="the plan's cameras to accept (default: all)"
    )


@router.post(
    "/api/v1/cameras/plans/{job_id}/accept", status_code=201, responses=responses(404, 409)
)
def accept_plan(
    ctx: CamerasWrite, settings: SettingsDep, job_id: JobId, body: PlanAcceptBody
) -> dict:
    """Write a plan's cameras (all, or the ranks given) as planned cameras."""
    return camera_planning.accept(ctx.conn, settings, job_id, body.ranks)
