"""One table from exception type to HTTP status; error bodies say what was wrong, in words."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException

from gridmap.core.codes import CodeError
from gridmap.core.errors import (
    Conflict,
    DatabaseSetupError,
    Forbidden,
    GridmapError,
    ImportRejected,
    InvalidInput,
    NotFound,
    Unauthorized,
)

log = logging.getLogger("gridmap.api")

STATUS: dict[type[Exception], int] = {
    Unauthorized: 401,
    Forbidden: 403,
    Conflict: 409,
    InvalidInput: 400,
    CodeError: 400,
    ImportRejected: 400,
    NotFound: 404,
    DatabaseSetupError: 503,
    GridmapError: 500,
}


def _body(
    status: int, detail: str, field: str | None = None, extra: dict | None = None
) -> JSONResponse:
    content: dict[str, object] = {"status": status, "detail": detail, **(extra or {})}
    if field:
        content["field"] = field
    return JSONResponse(content, status_code=status)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    status = next(code for kind, code in STATUS.items() if isinstance(exc, kind))
    response = _body(status, str(exc), getattr(exc, "field", None), getattr(exc, "extra", None))
    if status == 401:
        # desktop clients of the OGC API answer a Basic challenge with user and API key; the
        # pages' own requests never get one (a browser would pop up its password dialog)
        basic = request.url.path.startswith("/ogc")
        challenge = 'Bearer, Basic realm="gridmap"' if basic else "Bearer"
        response.headers["WWW-Authenticate"] = challenge
    return response


async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    problems = []
    for error in exc.errors():
        where = ".".join(
            str(part) for part in error.get("loc", ()) if part not in ("query", "path")
        )
        problems.append(f"{where}: {error.get('msg')} (got {error.get('input')!r})")
    first = exc.errors()[0].get("loc", ("", ""))[-1] if exc.errors() else None
    return _body(422, "; ".join(problems), str(first) if first is not None else None)


async def _http_error(_request: Request, exc: HTTPException) -> JSONResponse:
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    return _body(exc.status_code, detail)


async def _database_down(_request: Request, exc: OperationalError) -> JSONResponse:
    log.error("database unavailable: %s", exc.orig)
    return _body(503, "the database is not reachable; try again shortly")


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    # the trace goes to the log, never to the client
    log.exception("unhandled error", exc_info=exc)
    return _body(500, "internal error: the server could not complete the request")


def install(app: FastAPI) -> None:
    for kind in STATUS:
        app.add_exception_handler(kind, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(OperationalError, _database_down)
    app.add_exception_handler(Exception, _unexpected)
