"""Department layers: upload one (a job with a status resource), list them, read the rejects."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, File, Form, Request, UploadFile
from fastapi.responses import FileResponse

from gridmap import jobs, loaders
from gridmap.api.deps import CurrentUser, GridsRead, GridsWrite, SettingsDep
from gridmap.errors import InvalidInput, NotFound
from gridmap.layers import jobs as job_rows
from gridmap.layers import sources

router = APIRouter(tags=["department layers"])

_SAFE_NAME = re.compile(r"[^\w.\-]+")


VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".zip", ".shp")


def _upload_dir(settings, job_id: str) -> Path:
    return Path(settings.db.data_dir) / "uploads" / job_id


def check_suffix(file: UploadFile, suffixes: tuple[str, ...]) -> str:
    name = _SAFE_NAME.sub("_", Path(file.filename or "upload").name)
    if not name.lower().endswith(suffixes):
        raise InvalidInput(f"{name!r} is not one of {', '.join(suffixes)}", field="file")
    return name


def save_upload(settings, job_id: str, file: UploadFile, suffixes: tuple[str, ...]) -> Path:
    """Stream an uploaded file into the job's folder (checked by suffix); returns its path."""
    name = check_suffix(file, suffixes)
    folder = _upload_dir(settings, job_id)
    folder.mkdir(parents=True)
    path = folder / name
    with path.open("wb") as handle:
        while chunk := file.file.read(1 << 20):
            handle.write(chunk)
    return path


@router.post("/api/v1/uploads/grids", status_code=202)
def upload_grids(
    request: Request,
    ctx: GridsWrite,
    settings: SettingsDep,
    background: BackgroundTasks,
    file: Annotated[UploadFile, File(description="GeoJSON, GeoPackage or zipped Shapefile")],
    department: Annotated[str, Form()],
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
        report = loaders.import_department_grids(
            conn, path, department, crs, code_field, name_field, principal.scope, advance
        )
        result = report.as_dict()
        result["rejects"] = [
            f"/api/v1/jobs/{job_id}/rejects{Path(p).suffix}" for p in report.rejects_files
        ]
        return result

    background.add_task(jobs.run, engine, principal, job_id, work)
    return {"job": job_id, "status": f"/api/v1/jobs/{job_id}"}


@router.get("/api/v1/jobs/{job_id}")
def job_status(ctx: CurrentUser, job_id: str) -> dict:
    """A job's state (queued, running, done, failed), progress and result."""
    job = job_rows.get(ctx.conn, job_id) if _is_uuid(job_id) else None
    if job is None:
        raise NotFound(f"job {job_id} does not exist (or is not yours)")
    return job


@router.get("/api/v1/jobs/{job_id}/rejects.{kind}", response_class=FileResponse)
def job_rejects(ctx: CurrentUser, settings: SettingsDep, job_id: str, kind: str) -> FileResponse:
    """The rejects report of an import job, as CSV or GeoJSON."""
    if kind not in ("csv", "geojson") or not _is_uuid(job_id) or not job_rows.get(ctx.conn, job_id):
        raise NotFound(f"no rejects report {kind!r} for job {job_id}")
    found = sorted(_upload_dir(settings, job_id).glob(f"*.rejects.{kind}"))
    if not found:
        raise NotFound(f"job {job_id} rejected nothing")
    return FileResponse(found[0], filename=f"rejects-{job_id}.{kind}")


@router.get("/api/v1/sources")
def list_sources(ctx: GridsRead) -> dict:
    """The department layers imported, newest first."""
    return {"sources": sources.list_sources(ctx.conn)}


def _is_uuid(value: str) -> bool:
    return bool(
        re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", value)
    )
