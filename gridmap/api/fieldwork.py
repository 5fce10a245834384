"""Grid workers' field work (网格员巡查): patrols with GPS points in batches, all-safe reports
(无事报平安), and where the workers are now (for the centre's map)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from gridmap.api.deps import Context, EventsRead, SettingsDep, require
from gridmap.services.fieldwork import FieldDesk

router = APIRouter(tags=["field work"])

PatrolsWrite = Annotated[Context, Depends(require("patrols:write"))]
PatrolsRead = Annotated[Context, Depends(require("patrols:write", "events:read"))]


class PointsBody(BaseModel):
    points: list[dict[str, Any]] = Field(
        description='GPS points: [{"lon": …, "lat": …, "at": ISO 8601 with zone, "accuracy": m}]'
    )


class AllSafeBody(BaseModel):
    note: str | None = Field(default=None, max_length=500)


@router.post("/api/v1/patrols", status_code=201)
def start_patrol(ctx: PatrolsWrite, settings: SettingsDep) -> dict:
    """Start a patrol in the caller's grid (a retry returns the patrol under way)."""
    return FieldDesk(ctx.conn, settings, ctx.principal).start()


@router.get("/api/v1/patrols/current")
def current_patrol(ctx: PatrolsWrite, settings: SettingsDep) -> dict:
    """The caller's patrol under way (``patrol`` null when none)."""
    return {"patrol": FieldDesk(ctx.conn, settings, ctx.principal).current()}


@router.get("/api/v1/patrols/{patrol_id}")
def get_patrol(ctx: PatrolsRead, settings: SettingsDep, patrol_id: int) -> dict:
    """One patrol with its track (GeoJSON): a worker's own, or any in the caller's
    jurisdiction for the centre."""
    return FieldDesk(ctx.conn, settings, ctx.principal).show(patrol_id)


@router.post("/api/v1/patrols/{patrol_id}/points")
def add_points(ctx: PatrolsWrite, settings: SettingsDep, patrol_id: int, body: PointsBody) -> dict:
    """A batch of GPS points of the patrol; must-visit points (必到点) passed within the
    check-in distance are checked in (``checkins``)."""
    return FieldDesk(ctx.conn, settings, ctx.principal).add_points(patrol_id, body.points)


@router.post("/api/v1/patrols/{patrol_id}/stop")
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
