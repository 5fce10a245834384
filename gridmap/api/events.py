"""Events (事件): ``/api/v1/events`` (take in, list, read, act on), their photos, and
``/api/v1/units`` (the departments that handle them, 职能部门).

Every route runs as the caller: row-level security decides which events exist for them (a
village worker's grid, a township dispatcher's township, a department's dispatched events).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile
from fastapi.encoders import jsonable_encoder
from fastapi.responses import FileResponse, JSONResponse
from pydantic import ConfigDict, Field

from gridmap.api import exports
from gridmap.api.deps import (
    BBoxDep,
    CurrentUser,
    EventsAct,
    EventsRead,
    EventsWriteCaller,
    PageDep,
    SettingsDep,
)
from gridmap.api.errors import responses
from gridmap.api.links import page_links
from gridmap.api.openapi import bounded, vocabulary
from gridmap.api.params import AwareMoment, Body, IfMatch, Moment, free_text, version_of
from gridmap.core.codes import (
    GRID_CODE_PATTERN,
    REGION_CODE_PATTERN,
    CodeError,
    parse_grid_code,
    parse_region_code,
)
from gridmap.core.errors import InvalidInput, NotFound
from gridmap.db import sql
from gridmap.layers import events as event_rows
from gridmap.ops import kpi
from gridmap.services import events as event_service
from gridmap.services import photos
from gridmap.services.events import EventDesk, Intake
from gridmap.services.events.intake import CRS_NAMES, PHONE_INPUT_PATTERN, RELATED

router = APIRouter(tags=["events"])

RelatedKind = Literal[tuple(RELATED)]  # type: ignore[valid-type]
CrsName = Literal[CRS_NAMES]  # type: ignore[valid-type]
GridQuery = Annotated[
    str | None,
    Query(
        json_schema_extra={"pattern": GRID_CODE_PATTERN},
        description="15-digit grid or 17-digit micro-grid code",
    ),
]
RegionQuery = Annotated[
    str | None,
    Query(json_schema_extra={"pattern": REGION_CODE_PATTERN}, description="12-digit region code"),
]
# what places an event: a point, a known building's address, or a grid (given, not null)
WHERE = {
    "lon_lat": {"lon": {"type": "number"}, "lat": {"type": "number"}},
    "address": {"address": {"type": "string", "minLength": 1}},
    "grid": {"grid": {"type": "string"}},
}


def photos_content() -> dict[int | str, dict]:
    """A photo as it was taken: JPEG, PNG or WebP."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    kinds = ("image/jpeg", "image/png", "image/webp")
    return {200: {"content": {kind: binary for kind in kinds}}}


class ReportBody(Body):
    """An event taken in (受理). Where it is: ``lon``/``lat`` (in ``crs``), else the exact
    address (or code) of a known building, else the grid (or micro-grid) it names."""

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": ["lon", "lat"], "properties": WHERE["lon_lat"]},
                {"required": ["address"], "properties": WHERE["address"]},
                {"required": ["grid"], "properties": WHERE["grid"]},
            ]
        }
    )

    channel: str = Field(
        description="the intake channel (GET /api/v1/map/config: labels)",
        json_schema_extra=vocabulary("event_channels"),
    )
    category: str = Field(
        description="the event category (a code of the taxonomy)",
        json_schema_extra=vocabulary("event_categories"),
    )
    title: str = Field(min_length=1, max_length=200, json_schema_extra={"pattern": r"\S"})
    description: str | None = Field(default=None, max_length=4000)
    urgency: str = Field(default="normal", json_schema_extra=vocabulary("event_urgencies"))
    lon: float | None = Field(default=None, description="in crs (WGS84: -180…180)")
    lat: float | None = Field(default=None, description="in crs (WGS84: -90…90)")
    crs: CrsName | None = Field(default=None, description="lon and lat in this CRS; default WGS84")
    address: str | None = Field(default=None, max_length=300)
    grid: str | None = Field(
        default=None,
        json_schema_extra={"pattern": GRID_CODE_PATTERN},
        description="15-digit grid or 17-digit micro-grid",
    )
    reporter_name: str | None = Field(default=None, max_length=50)
    reporter_phone: str | None = Field(
        default=None,
        max_length=30,
        json_schema_extra={"pattern": PHONE_INPUT_PATTERN},
        description="a mobile (11 digits, 13x–19x) or a landline with its area code",
    )
    related: dict[RelatedKind, Annotated[int, Field(ge=1)]] = Field(
        default={}, description="resident, place, building or organisation ids it concerns"
    )
    source_ref: str | None = Field(
        default=None,
        max_length=100,
        description="the channel's own reference (a 12345 ticket number, or a client's"
        " idempotency key): sending it again returns the same event",
    )


class TransitionBody(Body):
    """An action of the workflow, with what it needs."""

    action: str = Field(json_schema_extra=vocabulary("event_actions"))
    version: int | None = Field(
        default=None, ge=0, description="the version you read (or If-Match)"
    )
    reason: str | None = Field(default=None, max_length=2000)
    note: str | None = Field(default=None, max_length=2000)
    unit: str | None = Field(
        default=None, min_length=1, description="dispatch: the department's code"
    )
    attachments: list[Annotated[int, Field(ge=1)]] = Field(
        default=[], description="report_back: photo ids"
    )
    score: int | None = Field(default=None, ge=1, le=5, description="evaluate: satisfaction 1–5")
    original: int | None = Field(default=None, ge=1, description="mark_duplicate: the original")
    until: AwareMoment | None = Field(default=None, description="extend: the new deadline")


def _area(grid: str | None, region: str | None) -> str | None:
    """A grid's code or a region's prefix (the events under it)."""
    try:
        if grid is not None:
            return parse_grid_code(grid).code
        return parse_region_code(region).prefix if region is not None else None
    except CodeError as error:
        raise InvalidInput(str(error), field="grid" if grid is not None else "region") from None


def _csv(values: str | None) -> list[str]:
    return [v.strip() for v in (values or "").split(",") if v.strip()]


@router.post(
    "/api/v1/events",
    status_code=201,
    responses={
        200: {
            "description": "taken in before: the same channel's reference (source_ref) again",
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        **responses(400, 404, e404="the grid or a related record it names does not exist"),
    },
)
async def report_event(
    caller: EventsWriteCaller, settings: SettingsDep, body: ReportBody, response: Response
) -> dict:
    """Take an event in from any channel (the centre's intake, the worker page, a 12345
    operator). Suggests open events of the same category nearby (``possible_duplicates``)."""
    intake = Intake(**body.model_dump())
    # the caller's check and the intake in one worker-thread hop (``Caller``)
    event = await caller.run(
        lambda ctx: EventDesk(ctx.conn, settings, ctx.principal).report(intake)
    )
    if event.get("repeated"):
        response.status_code = 200
    return event


def event_filter(
    ctx: EventsRead,
    settings: SettingsDep,
    bbox: BBoxDep = None,
    state: Annotated[
        str | None,
        Query(
            description="states, comma-separated",
            json_schema_extra=vocabulary("event_states", listed=True),
        ),
    ] = None,
    category: Annotated[
        str | None,
        Query(
            description="categories or groups, comma-separated",
            json_schema_extra=vocabulary("event_categories_and_groups", listed=True),
        ),
    ] = None,
    channel: Annotated[
        str | None,
        Query(
            description="channels, comma-separated",
            json_schema_extra=vocabulary("event_channels", listed=True),
        ),
    ] = None,
    urgency: Annotated[str | None, Query(json_schema_extra=vocabulary("event_urgencies"))] = None,
    grid: GridQuery = None,
    region: RegionQuery = None,
    unit: Annotated[
        str | None, Query(min_length=1, description="a department's code (404 if none has it)")
    ] = None,
    overdue: Annotated[Literal["red", "amber", "none"] | None, Query()] = None,
    on_hold: bool | None = None,
    since: Moment | None = None,
    until: Moment | None = None,
    q: Annotated[
        str | None, Query(max_length=100, description="words in title, text or address")
    ] = None,
) -> event_rows.EventFilter:
    """The queue's filters, each vocabulary checked (a category may be a group of them)."""
    config = settings.events
    where = event_rows.EventFilter(
        states=_known(_csv(state), config.states, "state"),
        channels=_known(_csv(channel), config.channels, "channel"),
        urgency=None if urgency is None else _known([urgency], config.urgencies, "urgency")[0],
        prefix=_area(grid, region),
        overdue=overdue,
        on_hold=on_hold,
        bbox=bbox.as_tuple() if bbox else None,
        since=since,
        until=until,
        text=free_text(q, "q"),
        within=event_rows.own_area(ctx.principal),
    )
    wanted = _csv(category)
    unknown = [c for c in wanted if c not in config.categories and c not in config.groups]
    if unknown:
        raise InvalidInput(
            f"unknown category {unknown[0]!r} (categories and groups: see the map config)",
            field="category",
        )
    where.categories = [
        c for c, spec in config.categories.items() if c in wanted or spec.group in wanted
    ]
    if unit is not None:
        found = event_rows.department(ctx.conn, unit)
        if found is None:
            raise NotFound(f"department {unit!r} does not exist")
        where.department_id = found["id"]
    return where


EventQuery = Annotated[event_rows.EventFilter, Depends(event_filter)]


@router.get("/api/v1/events", responses=responses(400, 403, 404))
def list_events(
    request: Request,
    ctx: EventsRead,
    settings: SettingsDep,
    page: PageDep,
    where: EventQuery,
    sort: Literal["reported", "deadline", "updated"] = "reported",
) -> dict:
    """The queue (事件列表): filtered, paged, with ``total`` and links; ``overdue`` is red
    (past the deadline), amber (past its share of the time) or green for open events;
    ``total`` is exact up to ``more_than`` events and null above."""
    found = event_rows.list_events(ctx.conn, where, page.limit, page.offset, sort)
    cap = settings.server.api_count_cap
    total = sql.last_page_total(len(found), page.limit, page.offset)
    if total is None:
        total = event_rows.count_events(ctx.conn, where, cap)
    return {
        "total": total,
        "more_than": None if total is not None else cap,
        "limit": page.limit,
        "offset": page.offset,
        "events": found,
        "links": page_links(request, page, len(found), total),
    }


LIST_COLUMNS = (
    ("id", "编号 id"),
    ("reported_at", "上报时间 reported"),
    ("channel", "渠道 channel"),
    ("category", "类别 category"),
    ("urgency", "紧急程度 urgency"),
    ("title", "标题 title"),
    ("address", "地址 address"),
    ("grid_code", "网格 grid"),
    ("state", "状态 state"),
    ("level", "层级 level"),
    ("department", "处置部门 department"),
    ("deadline", "时限 deadline"),
    ("overdue", "超期 overdue"),
    ("lon", "经度 lon"),
    ("lat", "纬度 lat"),
)


@router.get(
    "/api/v1/events/export",
    response_class=Response,
    responses={**exports.formats("csv", "xlsx"), **responses(400, 403, 404)},
)
def export_events(
    request: Request,
    ctx: EventsRead,
    where: EventQuery,
    format: Literal["csv", "xlsx"] = "csv",
) -> Response:
    """The queue as a file (every matching event, newest first)."""
    rows = exports.streamed(
        request.app.state.engine, ctx.principal, lambda conn: event_rows.stream_events(conn, where)
    )
    return exports.table(rows, LIST_COLUMNS, format, "events")


KPI_COLUMNS = (
    ("key", "编码 key"),
    ("label", "名称 name"),
    ("reported", "受理数 reported"),
    ("registered", "立案数 registered"),
    ("dispatched", "派遣数 dispatched"),
    ("handled", "处置数 handled"),
    ("handled_on_time", "按期处置数 on time"),
    ("closed", "结案数 closed"),
    ("closed_on_time", "按期结案数 closed on time"),
    ("reworked", "返工数 reworked"),
    ("returned", "回退数 returned"),
    ("same_day", "日清日结数 same day"),
    ("satisfaction", "满意度 satisfaction"),
    *((f"rate_{name}", f"{label} {name}") for name, label in kpi.RATE_LABELS.items()),
    ("composite", "综合指标值 composite"),
)


@router.get(
    "/api/v1/events/kpis",
    response_model=None,
    responses={**exports.formats("json", "csv", "xlsx"), **responses(400, 403)},
)
def event_kpis(
    ctx: EventsRead,
    settings: SettingsDep,
    region: RegionQuery = None,
    grid: GridQuery = None,
    since: Annotated[Moment | None, Query(alias="from", description="default: 1 January")] = None,
    until: Annotated[Moment | None, Query(alias="to", description="default: now")] = None,
    group: Literal["total", "region", "grid", "department", "category"] = "total",
    format: Literal["json", "csv", "xlsx"] = "json",
) -> dict | Response:
    """KPIs of a period (处置率, 按期处置率, 结案率, 返工率, 准确派遣率, local resolution, same-day
    clearance, satisfaction, mean hours per step, 综合指标值) per region, grid, department or
    category, in the caller's jurisdiction. ``from``/``to`` without a time zone are read in the
    centre's (``GRIDMAP_EVENTS_TIME_ZONE``); the cohorts are documented in ``gridmap.ops.kpi``."""
    zone = ZoneInfo(settings.events.time_zone)
    now = datetime.now(zone)
    since = _aware(since, zone) or datetime(now.year, 1, 1, tzinfo=zone)
    until = _aware(until, zone) or now
    result = event_service.kpis(
        ctx.conn, settings, ctx.principal, since, until, _area(grid, region), group
    )
    if format == "json":
        # plain JSON types already: FastAPI's encoder took a second over a city's 10,000 grids
        return JSONResponse(result)
    flat = [{**g, **{f"rate_{k}": v for k, v in g["rates"].items()}} for g in result["groups"]]
    return exports.table(flat, KPI_COLUMNS, format, f"kpis-{group}")


def _aware(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """A date and time without a zone is the centre's local time."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=zone)


def _known(values: list[str], known: dict, field: str) -> list[str]:
    for value in values:
        if value not in known:
            raise InvalidInput(
                f"unknown {field} {value!r} (known: {', '.join(known)})", field=field
            )
    return values


@router.get("/api/v1/events/duplicates", responses=responses(400, 403))
def suggest_duplicates(
    ctx: EventsRead,
    settings: SettingsDep,
    category: Annotated[str, Query(json_schema_extra=vocabulary("event_categories"))],
    lon: Annotated[float, Query(ge=-180, le=180)],
    lat: Annotated[float, Query(ge=-90, le=90)],
) -> dict:
    """Open events of a category near a point, reported lately, nearest first (重复件)."""
    _known([category], settings.events.categories, "category")
    desk = EventDesk(ctx.conn, settings, ctx.principal)
    return {"events": desk.duplicates(category, lon, lat)}


@router.get("/api/v1/events/{event_id:int}", responses=responses(400, 403, 404))
def get_event(
    ctx: EventsRead,
    settings: SettingsDep,
    event_id: int,
    unmask: Annotated[bool, Query(description="the reporter's contact in clear (audited)")] = False,
    purpose: Annotated[str | None, Query(max_length=200)] = None,
) -> JSONResponse:
    """An event with its ``state``, ``history`` (every transition: who, when, from, to, why),
    photos and the ``actions`` the caller may take now; ETag is its version."""
    event = EventDesk(ctx.conn, settings, ctx.principal).show(event_id, unmask, purpose)
    return JSONResponse(jsonable_encoder(event), headers={"ETag": f'"{event["version"]}"'})


@router.post("/api/v1/events/{event_id:int}/transitions", responses=responses(400, 404, 409))
def transition(
    ctx: EventsAct,
    settings: SettingsDep,
    event_id: int,
    body: TransitionBody,
    if_match: IfMatch = None,
) -> dict:
    """Take an action (register, dispatch with ``unit``, accept, return, report_back with
    photos, close, rework, evaluate with ``score``, escalate, extend ``until``, hold, resume,
    reject, mark_duplicate with ``original``). 409 names the actions allowed now, or the
    current version when yours is stale."""
    desk = EventDesk(ctx.conn, settings, ctx.principal)
    given = body.model_dump(exclude={"action", "version"})
    return desk.transition(event_id, body.action, given, version_of(if_match, body.version))


@router.post(
    "/api/v1/events/{event_id:int}/attachments", status_code=201, responses=responses(400, 404)
)
async def upload_photos(
    ctx: EventsAct,
    settings: SettingsDep,
    event_id: int,
    files: Annotated[
        list[UploadFile],
        File(
            description="JPEG, PNG or WebP photos",
            json_schema_extra={"minItems": 1, **bounded("photos_per_upload")},
        ),
    ],
) -> dict:
    """Photos of an event (before a report-back, or of the scene): checked by content, sized,
    kept under the data folder; their location is removed from what residents see."""
    if event_rows.get_event(ctx.conn, event_id) is None:
        raise NotFound(f"event {event_id} does not exist (or is not yours)")
    if len(files) > settings.events.photos_per_upload:
        raise InvalidInput(
            f"{len(files)} photos is more than {settings.events.photos_per_upload} at once",
            field="files",
        )
    stored = []
    for upload in files:
        data = await upload.read(settings.events.photo_max_bytes + 1)
        record = photos.store(data, upload.filename or "photo", event_id, settings)
        record["id"] = event_rows.add_attachment(ctx.conn, event_id, record)
        stored.append(
            {
                "id": record["id"],
                "media_type": record["media_type"],
                "bytes": record["bytes"],
                "url": f"/api/v1/events/{event_id}/attachments/{record['id']}",
            }
        )
    return {"attachments": stored}


@router.get(
    "/api/v1/events/{event_id:int}/attachments/{attachment_id}",
    response_class=FileResponse,
    responses={**photos_content(), **responses(403, 404)},
)
def get_photo(
    ctx: EventsRead, settings: SettingsDep, event_id: int, attachment_id: int
) -> FileResponse:
    """A photo of an event the caller may see (as taken; residents get it without metadata)."""
    found = event_rows.attachment(ctx.conn, event_id, attachment_id)
    if found is None:
        raise NotFound(f"event {event_id} has no photo {attachment_id} (or is not yours)")
    return FileResponse(
        photos.path_of(settings, found["path"]),
        media_type=found["media_type"],
        headers={"Cache-Control": "private, max-age=3600"},
    )


@router.get("/api/v1/units", responses=responses(400))
def list_units(
    ctx: CurrentUser,
    settings: SettingsDep,
    category: Annotated[
        str | None,
        Query(
            description="only those taking this category",
            json_schema_extra=vocabulary("event_categories"),
        ),
    ] = None,
    region: Annotated[
        str | None,
        Query(
            json_schema_extra={"pattern": REGION_CODE_PATTERN},
            description="only those serving this region",
        ),
    ] = None,
) -> dict:
    """Departments and units (职能部门) that handle events, with the categories they take."""
    if region is not None:
        try:
            region = parse_region_code(region).code
        except CodeError as error:
            raise InvalidInput(str(error), field="region") from None
    spec = settings.events.categories.get(category) if category else None
    if category is not None and spec is None:
        _known([category], settings.events.categories, "category")
    group = spec.group if spec else None
    return {"units": event_rows.list_departments(ctx.conn, category, region, group=group)}
