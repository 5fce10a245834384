"""Uploads (上传): a department's grid layer or a ledger (台账), imported in the background as a
job; poll ``/api/v1/jobs/{id}`` for progress and the report."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, File, Form, Request, UploadFile

from gridmap.api.deps import CurrentUser, GridsWrite, SettingsDep, check_permission
from gridmap.api.errors import responses
from gridmap.core.errors import InvalidInput
from gridmap.core.settings import Settings
from gridmap.ingest.readers import TABULAR, VECTOR
from gridmap.ingest.report import ImportReport
from gridmap.ingest.sources import import_department_grids
from gridmap.services import imports, jobs

# a file of the wrong kind is a 400 (what it holds is judged by the job, row by row)
router = APIRouter(tags=["uploads"], responses=responses(400))

_SAFE_NAME = re.compile(r"[^\w.\-]+")

VECTOR_SUFFIXES = VECTOR
LEDGER_SUFFIXES = (*TABULAR, *VECTOR)
# which permission an upload needs, by ledger
UPLOAD_PERMISSION = {
    "residents": "people:write",
    "households": "people:write",
    "grid_workers": "grids:write",
    "departments": "units:write",
    "events": "events:write",
    "cameras": "cameras:write",
    "natural_villages": "cameras:write",
}


def upload_dir(settings: Settings, job_id: str) -> Path:
    """Where a job's uploaded file and its rejects report are kept (outside ``static/``)."""
    return Path(settings.db.data_dir) / "uploads" / job_id


def check_suffix(file: UploadFile, suffixes: tuple[str, ...]) -> str:
    """The upload's file name made safe; refused unless it ends with one of ``suffixes``."""
    name = _SAFE_NAME.sub("_", Path(file.filename or "upload").name)
    if not name.lower().endswith(suffixes):
        raise InvalidInput(f"{name!r} is not one of {', '.join(suffixes)}", field="file")
    return name


def save_upload(
    settings: Settings, job_id: str, file: UploadFile, suffixes: tuple[str, ...]
) -> Path:
    """Stream an uploaded file into the job's folder (checked by suffix); returns its path."""
    name = check_suffix(file, suffixes)
    folder = upload_dir(settings, job_id)
    folder.mkdir(parents=True)
    path = folder / name
    with path.open("wb") as handle:
        while chunk := file.file.read(1 << 20):
            handle.write(chunk)
    return path


def _job_result(job_id: str, report: ImportReport) -> dict[str, Any]:
    """The report as the job's result: rejects reports as links, never server paths."""
    result = {k: v for k, v in report.as_dict().items() if k != "rejects_files"}
    links = [f"/api/v1/jobs/{job_id}/rejects{Path(p).suffix}" for p in report.rejects_files]
    return {**result, "rejects": links}


@router.post("/api/v1/uploads/grids", status_code=202)
def upload_grids(
    request: Request,
    ctx: GridsWrite,
    settings: SettingsDep,
    background: BackgroundTasks,
    file: Annotated[UploadFile, File(description="GeoJSON, GeoPackage or zipped Shapefile")],
    department: Annotated[str, Form(min_length=1)],
    crs: Annotated[str | None, Form(description="EPSG:…, GCJ-02, BD-09; else the file's")] = None,
    code_field: Annotated[str | None, Form()] = None,
    name_field: Annotated[str | None, Form()] = None,
) -> dict:
    """Import a department's grid layer in the background; poll the returned job."""
    check_suffix(file, VECTOR_SUFFIXES)
    engine, principal = request.app.state.engine, ctx.principal
    job_id = jobs.start(engine, principal, "import grids")
    path = save_upload(settings, job_id, file, VECTOR_SUFFIXES)

    def work(conn, advance) -> dict:
        report = import_department_grids(
            conn, path, department, crs, code_field, name_field, principal.scope, advance
        )
        return _job_result(job_id, report)

    background.add_task(jobs.run, engine, principal, job_id, work)
    return {"job": job_id, "status": f"/api/v1/jobs/{job_id}"}


LedgerName = Literal[
    "residents",
    "households",
    "buildings",
    "places",
    "things",
    "organisations",
    "grid_workers",
    "departments",
    "events",
    "cameras",
    "natural_villages",
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
    check_suffix(file, LEDGER_SUFFIXES)
    engine, principal = request.app.state.engine, ctx.principal
    job_id = jobs.start(engine, principal, f"import {layer}")
    path = save_upload(settings, job_id, file, LEDGER_SUFFIXES)

    def work(conn, advance) -> dict:
        report = imports.import_ledger(conn, settings, layer, path, crs, advance)
        return _job_result(job_id, report)

    background.add_task(jobs.run, engine, principal, job_id, work)
    return {"job": job_id, "status": f"/api/v1/jobs/{job_id}"}
