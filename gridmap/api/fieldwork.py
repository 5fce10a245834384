"""Grid workers' field work (网格员巡查): patrols with GPS points in batches, all-safe reports
(无事报平安), and where the workers are now (for the centre's map)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import Field

from gridmap.api.deps import Context, EventsRead, SettingsDep, require
from gridmap.api.errors import responses
from gridmap.api.openapi import bounded
from gridmap.api.params import Body
from gridmap.services.fieldwork import FieldDesk

# every route needs a permission (403 without it, or for a caller whose jurisdiction is no grid)
router = APIRouter(tags=["field work"], responses=responses(403))

PatrolsWrite = Annotated[Context, Depends(require("patrols:write"))]
PatrolsRead = Annotated[Context, Depends(require("patrols:write", "events:read"))]


# a GPS point as the patrol service checks it (400 naming the point when it is not)
GPS_POINT = {
    "type": "object",
    "required": ["lon", "lat", "at"],
    "properties": {
        "lon": {"type": "number", "minimum": -180, "maximum": 180, "description": "WGS84"},
        "lat": {"type": "number", "minimum": -90, "maximum": 90, "description": "WGS84"},
        "at": {"type": "string", "format": "date-time", "description": "with its time zone"},
        "accuracy": {"type": ["number", "null"], "description": "metres"},
    },
}


class PointsBody(Body):
    points: list[dict[str, Any]] = Field(
        description="a batch of GPS points (at most the configured batch)",
        json_schema_extra={"items": GPS_POINT, "minItems": 1, **bounded("patrol_batch")},
    )


class AllSafeBody(Body):
    note: str | None = Field(default=None, max_length=500)


@router.post("/api/v1/patrols", status_code=201)
def start_patrol(ctx: PatrolsWrite, settings: SettingsDep) -> dict:
    """Start a patrol in the caller's grid (a retry returns the patrol under way)."""
    return FieldDesk(ctx.conn, settings, ctx.principal).start()


@router.get("/api/v1/patrols/current")
def current_patrol(ctx: PatrolsWrite, settings: SettingsDep) -> dict:
    """The caller's patrol under way (``patrol`` null when none)."""
    return {"patrol": FieldDesk(ctx.conn, settings, ctx.principal).current()}


@router.get("/api/v1/patrols/{patrol_id:int}", responses=responses(404))
def get_patrol(ctx: PatrolsRead, settings: SettingsDep, patrol_id: int) -> dict:
    """One patrol with its track (GeoJSON): a worker's own, or any in the caller's
    jurisdiction for the centre."""
    return FieldDesk(ctx.conn, settings, ctx.principal).show(patrol_id)


@router.post("/api/v1/patrols/{patrol_id:int}/points", responses=responses(400, 404, 409))
def add_points(ctx: PatrolsWrite, settings: SettingsDep, patrol_id: int, body: PointsBody) -> dict:
    """A batch of GPS points of the patrol; must-visit points (必到点) passed within the
    check-in distance are checked in (``checkins``)."""
    return FieldDesk(ctx.conn, settings, ctx.principal).add_points(patrol_id, body.points)


@router.post("/api/v1/patrols/{patrol_id:int}/stop", responses=responses(404))
def stop_patrol(ctx: PatrolsWrite, settings: SettingsDep, patrol_id: int) -> dict:
    """End the patrol: its track (GeoJSON), length and hours."""
    return FieldDesk(ctx.conn, settings, ctx.principal).stop(patrol_id)


@router.post("/api/v1/all-safe")
def all_safe(ctx: PatrolsWrite, settings: SettingsDep, body: AllSafeBody) -> dict:
    """Nothing to report today in the caller's grid (无事报平安), once a day."""
    return FieldDesk(ctx.conn, settings, ctx.principal).all_safe(body.note)


@router.get("/api/v1/workers/positions")
def positions(ctx: EventsRead, settings: SettingsDep) -> dict:
    """The workers' last known positions (recent ones), and who is on patrol now."""
    return {"workers": FieldDesk(ctx.conn, settings, ctx.principal).positions()}
