"""Request dependencies: pure parsers that return typed values, and the database connection."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from sqlalchemy import Connection

from gridmap.codes import CodeError, parse_grid_code, parse_region_code
from gridmap.errors import InvalidInput
from gridmap.settings import Settings


def get_connection(request: Request) -> Iterator[Connection]:
    """One connection and transaction per request, committed when the route returns."""
    engine = request.app.state.engine
    with engine.begin() as conn:
        yield conn


def app_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(app_settings)]
ConnDep = Annotated[Connection, Depends(get_connection)]


@dataclass(frozen=True)
class BBox:
    """A bounding box in EPSG:4326: min lon, min lat, max lon, max lat."""

    minx: float
    miny: float
    maxx: float
    maxy: float

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.minx, self.miny, self.maxx, self.maxy)


def parse_bbox(
    bbox: Annotated[
        str | None,
        Query(
            description="minLon,minLat,maxLon,maxLat in EPSG:4326",
            examples=["117.2,28.1,117.6,28.8"],
        ),
    ] = None,
) -> BBox | None:
    if bbox is None:
        return None
    parts = bbox.split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise InvalidInput(
            f"bbox {bbox!r} is not four comma-separated numbers", field="bbox"
        ) from None
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise InvalidInput(f"bbox {bbox!r} must be four finite numbers", field="bbox")
    box = BBox(*values)
    if not (-180 <= box.minx <= box.maxx <= 180 and -90 <= box.miny <= box.maxy <= 90):
        raise InvalidInput(
            f"bbox {bbox!r} is not minLon,minLat,maxLon,maxLat within ±180/±90 with min ≤ max",
            field="bbox",
        )
    return box


@dataclass(frozen=True)
class Page:
    """A page of a list: ``limit`` items from ``offset``."""

    limit: int
    offset: int


def parse_page(
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, description="items per page (capped by the server)")] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page:
    cap = settings.server.api_page_limit
    if limit > cap:
        raise InvalidInput(f"limit {limit} is above the largest page, {cap}", field="limit")
    return Page(limit, offset)


def _region_code(value: str, field: str) -> str:
    try:
        return parse_region_code(value).code
    except CodeError as error:
        raise InvalidInput(str(error), field=field) from None


def parse_region_param(
    region: Annotated[str | None, Query(description="12-digit region code (区划代码)")] = None,
) -> str | None:
    return None if region is None else _region_code(region, "region")


def parse_parent_param(
    parent: Annotated[str | None, Query(description="12-digit code of the parent region")] = None,
) -> str | None:
    return None if parent is None else _region_code(parent, "parent")


def region_path(code: Annotated[str, Path(description="12-digit region code")]) -> str:
    return _region_code(code, "code")


def grid_path(
    code: Annotated[str, Path(description="15-digit grid or 17-digit micro-grid code")],
) -> str:
    try:
        return parse_grid_code(code).code
    except CodeError as error:
        raise InvalidInput(str(error), field="code") from None


BBoxDep = Annotated[BBox | None, Depends(parse_bbox)]
PageDep = Annotated[Page, Depends(parse_page)]
RegionParam = Annotated[str | None, Depends(parse_region_param)]
ParentParam = Annotated[str | None, Depends(parse_parent_param)]
RegionCodePath = Annotated[str, Depends(region_path)]
GridCodePath = Annotated[str, Depends(grid_path)]
