"""``/api/v1/audit``: the audit log for auditors (admins), filtered, paged, and as CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from gridmap.api import exports
from gridmap.api.deps import AuditRead, PageDep
from gridmap.api.errors import responses
from gridmap.api.links import page_links
from gridmap.api.params import Moment, free_text
from gridmap.layers import audit

# every route needs audit:read (403 without it)
router = APIRouter(prefix="/api/v1/audit", tags=["audit"], responses=responses(400, 403))


def audit_filter(
    actor: Annotated[str | None, Query(description="username")] = None,
    action: Annotated[
        str | None, Query(description="login, login_failed, insert, update …")
    ] = None,
    object_type: Annotated[str | None, Query()] = None,
    object_id: Annotated[str | None, Query()] = None,
    since: Annotated[Moment | None, Query(description="ISO 8601, inclusive")] = None,
    until: Annotated[Moment | None, Query(description="ISO 8601, exclusive")] = None,
) -> audit.AuditFilter:
    return audit.AuditFilter(
        free_text(actor, "actor"),
        free_text(action, "action"),
        free_text(object_type, "object_type"),
        free_text(object_id, "object_id"),
        since,
        until,
    )


FilterDep = Annotated[audit.AuditFilter, Depends(audit_filter)]


@router.get("")
def list_audit(request: Request, ctx: AuditRead, page: PageDep, where: FilterDep) -> dict:
    """Entries newest first, with the ``total`` that match (inside the caller's scope)."""
    entries, total = audit.list_entries(ctx.conn, where, page.limit, page.offset)
    return {
        "total": total,
        "entries": entries,
        "links": page_links(request, page, len(entries), total),
    }


def _to_csv(entries: Iterator[dict]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(audit.COLUMNS)
    for entry in entries:
        writer.writerow(
            json.dumps(entry[c], ensure_ascii=False, default=str)
            if isinstance(entry[c], dict | list)
            else entry[c]
            for c in audit.COLUMNS
        )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


@router.get("/export.csv", response_class=StreamingResponse, responses=exports.formats("csv"))
def export_audit(request: Request, ctx: AuditRead, where: FilterDep) -> StreamingResponse:
    """Every matching entry as CSV (UTF-8), streamed."""
    return StreamingResponse(
        _to_csv(
            exports.streamed(
                request.app.state.engine,
                ctx.principal,
                lambda conn: audit.stream_entries(conn, where),
            )
        ),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="gridmap-audit.csv"'},
    )
