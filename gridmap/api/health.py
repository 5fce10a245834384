"""``GET /health``: is the service up, which PostGIS, which database, which migration."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError

from gridmap import __version__
from gridmap.db import migrate

router = APIRouter(tags=["health"])


@router.get("/health")
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
