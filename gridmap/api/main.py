"""The FastAPI application: settings, the database engine's lifespan, routers, error handlers."""

from __future__ import annotations

import functools
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles

from gridmap import __version__
from gridmap.api import (
    analytics,
    audit,
    auth,
    buildings,
    cameras,
    docs,
    errors,
    events,
    fieldwork,
    grid_edits,
    grids,
    health,
    jobs,
    ogc,
    open311,
    openapi,
    pages,
    planning,
    points,
    profiles,
    public,
    regions,
    residents,
    security,
    sources,
    tiles,
    uploads,
    users,
)
from gridmap.core.settings import Settings, get_settings
from gridmap.db.engine import app_engine
from gridmap.services.tiles import TileCache

ROUTERS = (
    health,
    ogc,
    docs,
    auth,
    public,
    regions,
    grid_edits,
    grids,
    tiles,
    pages,
    planning,
    audit,
    users,
    sources,
    uploads,
    jobs,
    residents,
    profiles,
    buildings,
    events,
    open311,
    fieldwork,
    points,
    cameras,
    analytics,
)


@functools.cache
def _freeze_heap() -> None:
    """Leave what start-up loaded (~330,000 objects: modules, settings, the catalogue) out of
    the garbage collector's full passes, once a process: a full pass over them took 0.49 s
    (measured on this machine kind), holding the GIL while every request in flight waits."""
    gc.collect()
    gc.freeze()


def create_app(settings: Settings | None = None) -> FastAPI:
    """Assemble the app; the application role's engine is opened at start and closed at stop."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _freeze_heap()
        yield
        app.state.engine.dispose()

    app = FastAPI(
        title="gridmap",
        version=__version__,
        description="City grid management (网格化服务管理): one merged grid system on PostGIS.",
        lifespan=lifespan,
        # the docs pages are served by gridmap.api.docs from vendored files (no CDN)
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.settings = settings
    app.state.engine = app_engine(settings)
    cache_bytes = settings.map.tile_cache_mb * 1024 * 1024
    app.state.tile_cache = TileCache(cache_bytes) if cache_bytes else None
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=settings.server.gzip_level)
    security.install(app, settings)
    errors.install(app)
    for module in ROUTERS:
        app.include_router(module.router)
    openapi.install(app, settings)
    app.mount("/static", StaticFiles(directory=pages.STATIC_DIR), name="static")
    return app
