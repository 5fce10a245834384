"""The FastAPI application: settings, the database engine's lifespan, routers, error handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles

from gridmap import __version__
from gridmap.api import errors, grids, health, pages, regions, tiles
from gridmap.db.engine import engine_for
from gridmap.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """Assemble the app; the engine is opened at start-up and disposed at shutdown."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = engine_for(settings)
        yield
        app.state.engine.dispose()

    app = FastAPI(
        title="gridmap",
        version=__version__,
        description="City grid management (网格化服务管理): one merged grid system on PostGIS.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    errors.install(app)
    for module in (health, regions, grids, tiles, pages):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=pages.STATIC_DIR), name="static")
    return app
