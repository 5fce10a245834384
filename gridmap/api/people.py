"""People, places and the grid profile: ``/api/v1/residents``, buildings → units → households
→ residents drill-down, ``…/profile`` of grids and regions, and ledger uploads."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse

from gridmap import imports, jobs, people, pii
from gridmap.api.deps import (
    CurrentUser,
    GridCodePath,
    PageDep,
    PeopleCount,
    PlacesRead,
    RegionCodePath,
    SettingsDep,
    check_permission,
)
from gridmap.api.links import geojson_page, page_links
from gridmap.api.sources import check_suffix, save_upload
from gridmap.codes import CodeError, parse_grid_code, parse_region_code
from gridmap.errors import InvalidInput, NotFound
from gridmap.layers import buildings, ties
from gridmap.layers import residents as resident_rows

router = APIRouter(tags=["people and places"])

Masked = Annotated[bool, Query(description="show masked ID numbers and phones even if allowed")]
Purpose = Annotated[
    str | None, Query(max_length=200, description="why personal data is read (audited)")
]
# which permission an upload needs, by ledger
UPLOAD_PERMISSION = {
    "residents": "people:write",
    "households": "people:write",
    "grid_workers": "grids:write",
}


def _grid_param(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return parse_grid_code(value).code
    except CodeError as error:
        raise InvalidInput(str(error), field="grid") from None


@router.get("/api/v1/residents")
def list_residents(
    request: Request,
    ctx: CurrentUser,
    settings: SettingsDep,
    page: PageDep,
    grid: Annotated[str | None, Query(description="15-digit grid or 17-digit micro-grid")] = None,
    region: Annotated[str | None, Query(description="12-digit region code")] = None,
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
    prefix = parse_region_code(region).prefix if region else None
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


@router.get("/api/v1/grids/{code}/profile")
def grid_profile(ctx: PeopleCount, settings: SettingsDep, code: GridCodePath) -> dict:
    """The grid profile (网格画像): households, population by kind, age pyramid, key groups,
    places, organisations and facilities of a grid or micro-grid."""
    return people.build_profile(ctx.conn, settings, code)


@router.get("/api/v1/regions/{code}/profile")
def region_profile(ctx: PeopleCount, settings: SettingsDep, code: RegionCodePath) -> dict:
    """The same profile rolled up for a village, township or county (the caller's part of it),
    with its sub-units."""
    return people.build_profile(ctx.conn, settings, code)


@router.get("/api/v1/grids/{code}/buildings", response_class=JSONResponse)
def grid_buildings(
    request: Request, ctx: PlacesRead, page: PageDep, code: GridCodePath
) -> JSONResponse:
    """The buildings (楼栋) of a grid as GeoJSON points, with households and residents counted."""
    found = buildings.buildings_in_grid(ctx.conn, code, page.limit, page.offset)
    features = [
        {
            "type": "Feature",
            "id": b["id"],
            "geometry": {"type": "Point", "coordinates": [b.pop("lon"), b.pop("lat")]},
            "properties": b,
        }
        for b in found["buildings"]
    ]
    return geojson_page(request, page, features, found["total"])


@router.get("/api/v1/buildings/{building_id}")
def get_building(ctx: PlacesRead, building_id: int) -> dict:
    """A building with its units (单元) and their households (户), and the grids it has been
    in (``ties``: every tie made or changed, with when and by which operation)."""
    found = buildings.building(ctx.conn, building_id)
    if found is None:
        raise NotFound(f"building {building_id} does not exist (or is not yours)")
    return {**found, "ties": ties.history(ctx.conn, "buildings", building_id)}


@router.get("/api/v1/households/{household_id}")
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


LedgerName = Literal[
    "residents", "households", "buildings", "places", "things", "organisations", "grid_workers"
]


@router.post("/api/v1/uploads/{layer}", status_code=202)
def upload_ledger(
    request: Request,
    ctx: CurrentUser,
    settings: SettingsDep,
    background: BackgroundTasks,
    layer: LedgerName,
    file: Annotated[UploadFile, File(description="CSV, .xlsx, or GeoJSON for located layers")],
    crs: Annotated[str | None, Form(description="coordinates' CRS: EPSG:…, GCJ-02, BD-09")] = None,
) -> dict:
    """Import a ledger (台账) in the background; poll ``/api/v1/jobs/{id}`` for progress and
    the report, ``…/rejects.csv`` for the rejected rows."""
    check_permission(ctx.principal, UPLOAD_PERMISSION.get(layer, "places:write"))
    suffixes = (*imports.SUFFIXES, ".json", ".zip")
    check_suffix(file, suffixes)
    engine, principal = request.app.state.engine, ctx.principal
    job_id = jobs.start(engine, principal, f"import {layer}")
    path = save_upload(settings, job_id, file, suffixes)

    def work(conn, advance) -> dict:
        report = imports.import_ledger(conn, layer, path, settings, crs, advance)
        result = report.as_dict()
        result["rejects"] = [f"/api/v1/jobs/{job_id}/rejects.csv" for _ in report.rejects_files]
        return result

    background.add_task(jobs.run, engine, principal, job_id, work)
    return {"job": job_id, "status": f"/api/v1/jobs/{job_id}"}
