"""Jobs (任务): the status resource of long work (imports, merges, divisions) and the rejects
report an import left."""

from __future__ import annotations

import re

from fastapi import APIRouter
from fastapi.responses import FileResponse

from gridmap.api.deps import CurrentUser, SettingsDep
from gridmap.api.uploads import upload_dir
from gridmap.core.errors import NotFound
from gridmap.layers import jobs as job_rows

router = APIRouter(tags=["jobs"])


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
    found = sorted(upload_dir(settings, job_id).glob(f"*.rejects.{kind}"))
    if not found:
        raise NotFound(f"job {job_id} rejected nothing")
    return FileResponse(found[0], filename=f"rejects-{job_id}.{kind}")


def _is_uuid(value: str) -> bool:
    return bool(
        re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", value)
    )
