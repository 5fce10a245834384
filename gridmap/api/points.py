"""Points (积分) and rankings of grid workers and departments, monthly and quarterly, and manual
points from spot checks (with a reason)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import Field

from gridmap.api import exports
from gridmap.api.deps import Context, EventsRead, SettingsDep, require
from gridmap.api.errors import responses
from gridmap.api.openapi import bounded
from gridmap.api.params import Body
from gridmap.layers import points as point_rows
from gridmap.services import points

router = APIRouter(tags=["points"], responses=responses(403))

MONTH = "^[1-9][0-9]{3}-(0[1-9]|1[0-2])$"
PERIOD = "^[1-9][0-9]{3}-(0[1-9]|1[0-2]|Q[1-4])$"

PointsWrite = Annotated[Context, Depends(require("points:write"))]


class AdjustmentBody(Body):
    kind: Literal["worker", "department"]
    subject: str = Field(
        min_length=1, description="a worker's username or a department's id (404 if none)"
    )
    month: str = Field(json_schema_extra={"pattern": MONTH}, description="YYYY-MM")
    points: float = Field(
        description="plus or minus, up to the configured limit",
        json_schema_extra=bounded("manual_points"),
    )
    reason: str = Field(min_length=1, max_length=500, json_schema_extra={"pattern": r"\S"})


@router.get(
    "/api/v1/points",
    response_model=None,
    responses={**exports.formats("json", "csv", "xlsx"), **responses(400)},
)
def ranking(
    ctx: EventsRead,
    settings: SettingsDep,
    period: Annotated[
        str,
        Query(
            json_schema_extra={"pattern": PERIOD},
            description="a month (2026-11) or a quarter (2026-Q4)",
        ),
    ],
    kind: Literal["worker", "department"] = "worker",
    format: Literal["json", "csv", "xlsx"] = "json",
) -> dict | Response:
    """Scores of the period, best first, with what each is made of (items per month)."""
    result = points.ranking(ctx.conn, settings, period, kind)
    if format == "json":
        return result
    columns = (
        ("rank", "名次 rank"),
        ("subject", "对象 subject"),
        ("label", "名称 name"),
        ("score", "积分 score"),
    )
    return exports.table(point_rows.rows_of(result["ranking"]), columns, format, f"points-{period}")


@router.post("/api/v1/points/adjustments", status_code=201, responses=responses(400, 404))
def adjust(ctx: PointsWrite, settings: SettingsDep, body: AdjustmentBody) -> dict:
    """Manual points from a spot check (抽查), within ±the configured limit, with a reason."""
    return points.adjust(
        ctx.conn,
        settings,
        ctx.principal,
        body.kind,
        body.subject,
        body.month,
        body.points,
        body.reason,
    )
