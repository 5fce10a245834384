"""Residents (人口): ``/api/v1/residents`` and a household's residents, ID numbers and phones
masked unless the caller's role and jurisdiction need them (unmasked reads are audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from gridmap.api.deps import CurrentUser, PageDep, SettingsDep
from gridmap.api.errors import responses
from gridmap.api.links import page_links
from gridmap.core import pii
from gridmap.core.codes import (
    GRID_CODE_PATTERN,
    REGION_CODE_PATTERN,
    CodeError,
    parse_grid_code,
    parse_region_code,
)
from gridmap.core.errors import InvalidInput, NotFound
from gridmap.layers import buildings
from gridmap.layers import residents as resident_rows
from gridmap.services import people

# residents are for roles that may count or read them (403 for others)
router = APIRouter(tags=["people and places"], responses=responses(403))

Masked = Annotated[bool, Query(description="show masked ID numbers and phones even if allowed")]
Purpose = Annotated[
    str | None, Query(max_length=200, description="why personal data is read (audited)")
]


def _region_prefix(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return parse_region_code(value).prefix
    except CodeError as error:
        raise InvalidInput(str(error), field="region") from None


def _grid_param(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return parse_grid_code(value).code
    except CodeError as error:
        raise InvalidInput(str(error), field="grid") from None


@router.get("/api/v1/residents", responses=responses(400))
def list_residents(
    request: Request,
    ctx: CurrentUser,
    settings: SettingsDep,
    page: PageDep,
    grid: Annotated[
        str | None,
        Query(
            description="15-digit grid or 17-digit micro-grid",
            json_schema_extra={"pattern": GRID_CODE_PATTERN},
        ),
    ] = None,
    region: Annotated[
        str | None,
        Query(
            description="12-digit region code", json_schema_extra={"pattern": REGION_CODE_PATTERN}
        ),
    ] = None,
    household: Annotated[int | None, Query(ge=1)] = None,
    id_number: Annotated[
        str | None, Query(max_length=18, description="exact look-up by ID number (keyed hash)")
    ] = None,
    masked: Masked = False,
    purpose: Purpose = None,
) -> dict:
    """Residents (人口) of a grid, region or household, paged with ``total``; ID numbers and
    phones masked unless the caller's role and jurisdiction need them (unmasked reads are
    audited with their purpose)."""
    disclosure = people.Disclosure.for_caller(ctx.principal, masked, purpose)
    if grid is None and region is None and household is None and id_number is None:
        raise InvalidInput("give grid, region, household or id_number", field="grid")
    id_hash = (
        pii.vault(settings).lookup_hash("id", id_number.strip().upper()) if id_number else None
    )
    prefix = _region_prefix(region)
    rows, total = resident_rows.list_residents(
        ctx.conn,
        grid=_grid_param(grid),
        prefix=prefix,
        household_id=household,
        id_hash=id_hash,
        limit=page.limit,
        offset=page.offset,
    )
    context = {"grid": grid, "region": region, "household": household, "by_id": bool(id_number)}
    shown = people.present(ctx.conn, settings, rows, disclosure, context)
    return {
        "total": total,
        "limit": page.limit,
        "offset": page.offset,
        "masked": not disclosure.unmasked,
        "purpose": disclosure.purpose,
        "residents": shown,
        "links": page_links(request, page, len(shown), total),
    }


@router.get("/api/v1/households/{household_id}", responses=responses(400, 404))
def get_household(
    ctx: CurrentUser,
    settings: SettingsDep,
    household_id: int,
    masked: Masked = False,
    purpose: Purpose = None,
) -> dict:
    """A household and its residents (masked as for ``/api/v1/residents``)."""
    disclosure = people.Disclosure.for_caller(ctx.principal, masked, purpose)
    found = buildings.household(ctx.conn, household_id)
    if found is None:
        raise NotFound(f"household {household_id} does not exist (or is not yours)")
    rows, _ = resident_rows.list_residents(ctx.conn, household_id=household_id, limit=1000)
    shown = people.present(ctx.conn, settings, rows, disclosure, {"household": household_id})
    return {**found, "masked": not disclosure.unmasked, "residents": shown}
