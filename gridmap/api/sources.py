"""Department layers (部门网格): the layers imported, newest first (uploads: ``api/uploads``)."""

from __future__ import annotations

from fastapi import APIRouter

from gridmap.api.deps import GridsRead
from gridmap.api.errors import responses
from gridmap.layers import sources

router = APIRouter(tags=["department layers"], responses=responses(403))


@router.get("/api/v1/sources")
def list_sources(ctx: GridsRead) -> dict:
    """The department layers imported, newest first."""
    return {"sources": sources.list_sources(ctx.conn)}
