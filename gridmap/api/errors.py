"""One table from exception type to HTTP status; error bodies say what was wrong, in words.

A route declares what it may answer besides success with ``responses(400, 404)``, each with
the body it really sends (``ErrorBody``); what every route of a kind answers (401 behind
sign-in, 422 for a parameter that breaks its schema …) the OpenAPI document adds by itself
(``gridmap.api.openapi``).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg.errors import QueryCanceled
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DataError, OperationalError
from starlette.exceptions import HTTPException
from starlette.routing import Match, Mount

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


class ErrorBody(BaseModel):
    """What every error answers: the status, what was wrong in words, the field at fault; a
    conflict or a refused edit adds what the caller needs to try again (``problems``,
    ``invalid_edges``, the current ``versions``, the ``allowed`` actions …)."""

    model_config = ConfigDict(extra="allow")

    status: int = Field(ge=400, le=599, description="the HTTP status, again")
    detail: str = Field(description="what was wrong, in words")
    field: str | None = Field(default=None, description="the parameter or field at fault")


# what each status means in gridmap, as the OpenAPI document says it
MEANING = {
    400: "a parameter or record breaks a rule: `detail` names it and why",
    401: "not signed in: no credentials, or a token, session or API key that is not valid",
    403: "signed in, but the role may not do this (or a page's write lacks its CSRF token)",
    404: "what the path names does not exist, or lies outside the caller's jurisdiction",
    409: "the request clashes with the current state (a stale version, a name taken …)",
    413: "the request body is larger than the limit",
    422: "a parameter or the body does not match its schema",
    503: "the database is not reachable, or took too long: try again shortly",
}


def responses(
    *statuses: int, model: type[BaseModel] = ErrorBody, **meaning: str
) -> dict[int | str, dict[str, Any]]:
    """The error answers of a route (``@router.get(…, responses=responses(400, 404))``), each
    with the body it sends; ``meaning`` overrides a description (``e404="no such grid"``)."""
    return {
        status: {"model": model, "description": meaning.get(f"e{status}", MEANING[status])}
        for status in statuses
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


# the methods a 405's Allow may name (HEAD is answered only where a route declares it)
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> list[str]:
    """The methods some route answers at the request's path (a path may be served by routes
    of several routers: ``GET /api/v1/grids`` lists, ``POST`` draws)."""
    found = []
    probe = {
        "type": "http",
        "path": request.url.path,
        "root_path": request.scope.get("root_path", ""),
        "headers": [],
        "query_string": b"",
    }
    for method in _METHODS:
        scope = {**probe, "method": method}
        for route in request.app.router.routes:
            if isinstance(route, Mount):  # mounts take every method (their app answers 405)
                continue
            if route.matches(scope)[0] is Match.FULL:
                found.append(method)
                break
    return found


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    response = _body(exc.status_code, detail)
    if exc.headers:
        response.headers.update(exc.headers)
    if exc.status_code == 405:
        # every method of the path, not only those of the first route that matched it; the
        # static files (a mount) answer GET and HEAD
        response.headers["Allow"] = ", ".join(allowed_methods(request) or ("GET", "HEAD"))
    return response


async def _database_refused(_request: Request, exc: DataError) -> JSONResponse:
    # a value the client sent that PostgreSQL cannot take (text with a NUL character …):
    # the client's error, said in the database's words (never the statement)
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "invalid value"
    log.warning("the database refused a value: %s", reason)
    return _body(400, f"a value the database cannot take: {reason}")


async def _database_down(_request: Request, exc: OperationalError) -> JSONResponse:
    if isinstance(exc.orig, QueryCanceled):
        log.warning("statement timeout: %s", exc.orig)
        return _body(
            503,
            "the database took longer than it allows a request (statement timeout): ask for"
            " less (a region, a bounding box) or try again shortly",
        )
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
    app.add_exception_handler(DataError, _database_refused)
    app.add_exception_handler(Exception, _unexpected)
