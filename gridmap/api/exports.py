"""Tables as files: CSV (UTF-8 with a BOM, as Excel opens it) or XLSX (openpyxl, written
row by row), for the lists and KPI tables users take away."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from fastapi.responses import Response, StreamingResponse
from sqlalchemy import Connection, Engine

from gridmap.core.access import Principal
from gridmap.db.scope import apply_scope

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# what each ``format=`` is sent as, and its schema in the OpenAPI document
MEDIA_TYPES = {
    "json": ("application/json", {}),
    "geojson": ("application/geo+json", {"schema": {"type": "object"}}),
    "csv": ("text/csv", {"schema": {"type": "string", "description": "UTF-8 with a BOM"}}),
    "xlsx": (XLSX, {"schema": {"type": "string", "format": "binary"}}),
    "gpkg": ("application/geopackage+sqlite3", {"schema": {"type": "string", "format": "binary"}}),
    "shp": ("application/zip", {"schema": {"type": "string", "format": "binary"}}),
}


def formats(*names: str, status: int = 200) -> dict[int | str, dict[str, Any]]:
    """The success answer of a route with ``format=``, for ``responses=``: one content type
    per format it writes (the JSON one takes the route's own schema)."""
    content = {MEDIA_TYPES[name][0]: MEDIA_TYPES[name][1] for name in names}
    return {status: {"content": content}}


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, int | float | str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def streamed(
    engine: Engine, principal: Principal, fetch: Callable[[Connection], Iterator[dict[str, Any]]]
) -> Iterator[dict[str, Any]]:
    """Rows read while the response streams, in a transaction of their own scoped to the
    caller (the request's transaction has committed before the first byte is sent)."""
    with engine.begin() as conn:
        apply_scope(conn, principal)
        yield from fetch(conn)


def table(
    rows: Iterable[dict[str, Any]],
    columns: Sequence[tuple[str, str]],
    fmt: str,
    name: str,
) -> Response:
    """``rows`` as a CSV or XLSX download; ``columns`` are (key, heading) pairs."""
    headings = [heading for _, heading in columns]
    keys = [key for key, _ in columns]
    disposition = {"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}
    if fmt == "csv":

        def lines() -> Iterable[str]:
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(headings)
            yield "\ufeff" + buffer.getvalue()
            for row in rows:
                buffer.seek(0)
                buffer.truncate()
                writer.writerow([_cell(row.get(k)) for k in keys])
                yield buffer.getvalue()

        return StreamingResponse(lines(), media_type="text/csv; charset=utf-8", headers=disposition)
    from openpyxl import Workbook  # only XLSX exports need it

    book = Workbook(write_only=True)
    sheet = book.create_sheet(name[:31])
    sheet.append(headings)
    for row in rows:
        sheet.append([_cell(row.get(k)) for k in keys])
    buffer = io.BytesIO()
    book.save(buffer)
    return Response(buffer.getvalue(), media_type=XLSX, headers=disposition)
