"""The FastAPI application: settings, the database engine's lifespan, routers, error handlers."""

from __future__ import annotations

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


def create_app(settings: Settings | None = None) -> FastAPI:
    """Assemble the app; the application role's engine is opened at start and closed at stop."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
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
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    security.install(app, settings)
    errors.install(app)
    for module in ROUTERS:
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=pages.STATIC_DIR), name="static")
    return app
