"""Jobs (任务): the status resource of long work (imports, merges, divisions) and the rejects
report an import left."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import FileResponse

from gridmap.api import exports
from gridmap.api.deps import CurrentUser, SettingsDep
from gridmap.api.errors import responses
from gridmap.api.uploads import upload_dir
from gridmap.core.errors import NotFound
from gridmap.layers import jobs as job_rows

router = APIRouter(tags=["jobs"], responses=responses(404))

UUID = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
JobId = Annotated[
    str, Path(description="the job's id (a UUID)", json_schema_extra={"pattern": UUID})
]
RejectsKind = Annotated[
    str, Path(description="csv or geojson", json_schema_extra={"enum": ["csv", "geojson"]})
]


@router.get("/api/v1/jobs/{job_id}")
def job_status(ctx: CurrentUser, job_id: JobId) -> dict:
    """A job's state (queued, running, done, failed), progress and result."""
    job = job_rows.get(ctx.conn, job_id) if _is_uuid(job_id) else None
    if job is None:
        raise NotFound(f"job {job_id} does not exist (or is not yours)")
    return job


@router.get(
    "/api/v1/jobs/{job_id}/rejects.{kind}",
    response_class=FileResponse,
    responses=exports.formats("csv", "geojson"),
)
def job_rejects(
    ctx: CurrentUser, settings: SettingsDep, job_id: JobId, kind: RejectsKind
) -> FileResponse:
    """The rejects report of an import job, as CSV or GeoJSON."""
    if kind not in ("csv", "geojson") or not _is_uuid(job_id) or not job_rows.get(ctx.conn, job_id):
        raise NotFound(f"no rejects report {kind!r} for job {job_id}")
    found = sorted(upload_dir(settings, job_id).glob(f"*.rejects.{kind}"))
    if not found:
        raise NotFound(f"job {job_id} rejected nothing")
    media_type = exports.MEDIA_TYPES[kind][0]
    return FileResponse(found[0], media_type=media_type, filename=f"rejects-{job_id}.{kind}")


def _is_uuid(value: str) -> bool:
    return bool(re.fullmatch(UUID, value))
