"""``GET /health``: is the service up, which PostGIS, which database, which migration."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import OperationalError

from gridmap import __version__
from gridmap.db import migrate

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """The service's health: ``ok``, ``degraded`` (migrations behind) or ``unavailable``."""

    model_config = ConfigDict(extra="allow")

    status: Literal["ok", "degraded", "unavailable"]
    version: str
    database: Literal["embedded", "external"]
    migration: dict[str, str | None]
    postgis: str | None = None
    postgresql: str | None = None


@router.get(
    "/health",
    response_model=Health,
    responses={503: {"model": Health, "description": "the database is not reachable"}},
)
def health(request: Request) -> JSONResponse:
    """Service health: ``status``, PostGIS version, embedded or external database, migration."""
    state = request.app.state
    body = {
        "status": "ok",
        "version": __version__,
        "database": "embedded" if state.settings.db.embedded else "external",
        "migration": {"head": migrate.head_revision()},
    }
    try:
        with state.engine.connect() as conn:
            body.update(migrate.server_versions(conn))
            body["migration"]["current"] = migrate.current_revision_of(conn)
    except OperationalError:
        body.update(status="unavailable", postgis=None)
        return JSONResponse(body, status_code=503)
    if body["migration"]["current"] != body["migration"]["head"]:
        body["status"] = "degraded"
    return JSONResponse(body)
