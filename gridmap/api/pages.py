"""The web pages: ``/`` (the grid map) and the configuration its script reads."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from gridmap.api.deps import ConnDep, SettingsDep
from gridmap.layers import grids, regions

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"

router = APIRouter(tags=["map"])


@router.get("/", include_in_schema=False)
def index() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html")


@router.get("/api/v1/map/config")
def map_config(conn: ConnDep, settings: SettingsDep) -> dict:
    """What the map page needs: initial bounds, base map, palette, legend, provenance."""
    legend = grids.townships(conn)
    palette = settings.map.palette
    for index, entry in enumerate(legend):
        entry["color"] = palette[index % len(palette)]
    generated_regions = regions.generated_count(conn)
    return {
        "bounds": grids.extent(conn) or regions.boundary_extent(conn),
        "base_map": {"url": settings.map.tile_url, "attribution": settings.map.tile_attribution},
        "grid_min_zoom": settings.map.grid_min_zoom,
        "legend": legend,
        "generated": {
            "grids": any(entry["generated"] for entry in legend),
            "regions": generated_regions > 0,
        },
        "tiles": {layer: f"/tiles/{layer}/{{z}}/{{x}}/{{y}}.mvt" for layer in ("regions", "grids")},
    }
