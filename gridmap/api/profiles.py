"""The grid profile (网格画像) of a grid, micro-grid or region: ``…/profile``."""

from __future__ import annotations

from fastapi import APIRouter

from gridmap.api.deps import GridCodePath, PeopleCount, RegionCodePath, SettingsDep
from gridmap.api.errors import responses
from gridmap.api.params import CODE
from gridmap.services import people

router = APIRouter(tags=["people and places"], responses=responses(400, 403, 404))


@router.get(f"/api/v1/grids/{CODE}/profile")
def grid_profile(ctx: PeopleCount, settings: SettingsDep, code: GridCodePath) -> dict:
    """The grid profile (网格画像): households, population by kind, age pyramid, key groups,
    places, organisations and facilities of a grid or micro-grid."""
    return people.build_profile(ctx.conn, settings, code)


@router.get("/api/v1/regions/{code}/profile")
def region_profile(ctx: PeopleCount, settings: SettingsDep, code: RegionCodePath) -> dict:
    """The same profile rolled up for a village, township or county (the caller's part of it),
    with its sub-units."""
    return people.build_profile(ctx.conn, settings, code)
