"""Request dependencies: pure parsers that return typed values, and the database connection.

The parsers are ``async def`` although they do no I/O: FastAPI runs a plain ``def`` dependency in
a worker thread, and each such hop costs more than the parsing itself.
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import math
import weakref
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, TypeVar

import anyio
from fastapi import Depends, Path, Query, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import Connection

from gridmap.api.openapi import bounded
from gridmap.core.access import PUBLIC, PUBLIC_REPORTER, Principal
from gridmap.core.codes import (
    GRID_CODE_PATTERN,
    GRID_ONLY_CODE_PATTERN,
    REGION_CODE_PATTERN,
    CodeError,
    parse_grid_code,
    parse_region_code,
)
from gridmap.core.errors import Forbidden, InvalidInput, Unauthorized
from gridmap.core.settings import Settings
from gridmap.db.scope import apply_scope
from gridmap.services import accounts, api_keys


async def app_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(app_settings)]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
API_KEY_HEADER = "X-API-Key"
# a request's transaction ends (commits) when its route returns, before the answer is sent: a
# client that reads right after a write sees it (streamed files read in a transaction of
# their own, ``exports.streamed``)
SCOPE = "function"
T = TypeVar("T")
# declared so that the OpenAPI document (and /docs) show how to authenticate
_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


@dataclass(frozen=True)
class Context:
    """A request's transaction, already scoped to its caller, and the caller."""

    conn: Connection
    principal: Principal


@dataclass(frozen=True)
class Credentials:
    """What the caller sent: a token and how (``bearer``, ``cookie``, ``api_key``), and for
    HTTP Basic the user name it gave."""

    token: str
    transport: str
    username: str | None = None


def _basic(header: str) -> Credentials:
    """HTTP Basic with an API key as the password (what QGIS and GDAL's USERPWD send)."""
    try:
        username, _, key = base64.b64decode(header[6:].strip()).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        raise Unauthorized("the Basic credentials are not base64 of 'user:key'") from None
    if not api_keys.is_api_key(key):
        raise Unauthorized(
            "HTTP Basic takes a personal API key as the password (POST /api/v1/auth/api-keys)"
        )
    return Credentials(key, "api_key", username)


def _credentials(request: Request, settings: Settings, bearer: str | None) -> Credentials:
    key = request.headers.get(API_KEY_HEADER)
    if key:
        return Credentials(key, "api_key")
    if bearer:
        return Credentials(bearer, "api_key" if api_keys.is_api_key(bearer) else "bearer")
    header = request.headers.get("authorization", "")
    if header[:6].lower() == "basic ":
        return _basic(header)
    if header:
        raise Unauthorized("the Authorization header must read 'Bearer <token>' or 'Basic …'")
    cookie = request.cookies.get(settings.auth.cookie_name)
    if cookie:
        return Credentials(cookie, "cookie")
    raise Unauthorized(
        "sign in first: send 'Authorization: Bearer <token>' (from POST /api/v1/auth/token),"
        f" a personal API key ({API_KEY_HEADER}, or HTTP Basic with the key as password),"
        " or log in at /login"
    )


@contextmanager
def _caller_transaction(
    request: Request, settings: Settings, sent: Credentials
) -> Iterator[Context]:
    """The request's transaction, its caller authenticated and the transaction scoped to them
    (RLS) in one statement (``db.scope.checked``)."""
    with request.app.state.engine.begin() as conn:
        if sent.transport == "api_key":
            principal = api_keys.authenticate(conn, settings, sent.token, sent.username)
        else:
            principal = accounts.authenticate(conn, settings, sent.token)
        if sent.transport == "cookie" and request.method not in SAFE_METHODS:
            csrf = request.headers.get(CSRF_HEADER, "")
            if not (csrf and principal.csrf and hmac.compare_digest(csrf, principal.csrf)):
                raise Forbidden(
                    f"a signed-in page must send the {CSRF_HEADER} header with unsafe requests"
                )
        yield Context(conn, principal)


def request_context(
    request: Request,
    settings: SettingsDep,
    bearer: Annotated[str | None, Depends(_bearer)] = None,
) -> Iterator[Context]:
    """Authenticate the caller and scope the request's transaction to them (RLS)."""
    with _caller_transaction(request, settings, _credentials(request, settings, bearer)) as ctx:
        yield ctx


def check_permission(principal: Principal, permission: str) -> None:
    """403 unless the caller's role has ``permission`` (for checks that depend on the request;
    routes with a fixed permission use ``require``)."""
    if not principal.can(permission):
        raise Forbidden(f"role {principal.role!r} may not do this ({permission})")


def _check_any(principal: Principal, permissions: tuple[str, ...]) -> None:
    if not any(principal.can(p) for p in permissions):
        raise Forbidden(f"role {principal.role!r} may not do this ({' or '.join(permissions)})")


def require(*permissions: str) -> Callable[[Context], Awaitable[Context]]:
    """A dependency that lets through only callers whose role has one of ``permissions``
    (else 403 naming them)."""

    async def check(context: Annotated[Context, Depends(request_context, scope=SCOPE)]) -> Context:
        _check_any(context.principal, permissions)
        return context

    check.__name__ = "require_" + "_or_".join(p.replace(":", "_") for p in permissions)
    return check


@contextmanager
def _public_transaction(request: Request, principal: Principal) -> Iterator[Context]:
    with request.app.state.engine.begin() as conn:
        apply_scope(conn, principal)
        yield Context(conn, principal)


def public_context(request: Request) -> Iterator[Context]:
    """A transaction for public routes: everything in scope, only public columns are read."""
    with _public_transaction(request, PUBLIC) as ctx:
        yield ctx


def reporter_context(request: Request) -> Iterator[Context]:
    """A transaction for residents reporting (Open311, the public form): they may take an event
    in and read back what is public, nothing else."""
    with _public_transaction(request, PUBLIC_REPORTER) as ctx:
        yield ctx


_FAST_PATH_LIMITERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _fast_path_limiter(total: int) -> anyio.CapacityLimiter:
    """The worker's limit on fast-path requests at the database, one per event loop (a limiter
    belongs to the loop it waits in)."""
    loop = asyncio.get_running_loop()
    limiter = _FAST_PATH_LIMITERS.get(loop)
    if limiter is None:
        limiter = _FAST_PATH_LIMITERS[loop] = anyio.CapacityLimiter(total)
    return limiter


@dataclass(frozen=True)
class Caller:
    """The caller of a route that does all its database work at once (a tile): what they sent,
    parsed without I/O; ``run`` authenticates it, checks the permission and does the work in one
    transaction in one worker-thread hop. A dependency with a transaction (``CurrentUser``)
    costs three hops (open, the route, close), each about what serving a kept tile costs."""

    request: Request
    settings: Settings
    credentials: Credentials | None  # None: a resident (public, nothing to check)
    permissions: tuple[str, ...] = ()
    # reads that only compute wait their turn (``GRIDMAP_DB_CONCURRENCY``); a write waits on
    # its commit's flush, when others may use the processor (intake 192 → 207/s)
    limited: bool = True

    async def run(self, work: Callable[[Context], T]) -> T:
        """``work(context)`` in the caller's transaction, committed before it returns; reads at
        most ``GRIDMAP_DB_CONCURRENCY`` at once in a worker."""
        limiter = _fast_path_limiter(self.settings.server.db_concurrency) if self.limited else None
        return await anyio.to_thread.run_sync(self._run, work, limiter=limiter)

    def _run(self, work: Callable[[Context], T]) -> T:
        if self.credentials is None:
            with _public_transaction(self.request, PUBLIC) as ctx:
                return work(ctx)
        with _caller_transaction(self.request, self.settings, self.credentials) as ctx:
            _check_any(ctx.principal, self.permissions)
            return work(ctx)


def caller(*permissions: str, limited: bool = True) -> Callable[..., Awaitable[Caller]]:
    """A dependency giving a ``Caller`` who must have one of ``permissions`` (checked in
    ``Caller.run``); 401 at once when they sent no credentials. ``limited``: see ``Caller``."""

    async def parse(
        request: Request,
        settings: SettingsDep,
        bearer: Annotated[str | None, Depends(_bearer)] = None,
    ) -> Caller:
        sent = _credentials(request, settings, bearer)
        return Caller(request, settings, sent, permissions, limited)

    parse.__name__ = "caller_" + "_or_".join(p.replace(":", "_") for p in permissions)
    return parse


async def public_caller(request: Request, settings: SettingsDep) -> Caller:
    """A resident: a ``Caller`` whose work runs in a public transaction."""
    return Caller(request, settings, None)


CurrentUser = Annotated[Context, Depends(request_context, scope=SCOPE)]
PublicDep = Annotated[Context, Depends(public_context, scope=SCOPE)]
ReporterDep = Annotated[Context, Depends(reporter_context, scope=SCOPE)]
RegionsRead = Annotated[Context, Depends(require("regions:read"))]
GridsRead = Annotated[Context, Depends(require("grids:read"))]
GridsWrite = Annotated[Context, Depends(require("grids:write"))]
TilesRead = Annotated[Context, Depends(require("tiles:read"))]
TilesCaller = Annotated[Caller, Depends(caller("tiles:read"))]
GridsCaller = Annotated[Caller, Depends(caller("grids:read"))]
PublicCaller = Annotated[Caller, Depends(public_caller)]
MapRead = Annotated[Context, Depends(require("map:read"))]
AuditRead = Annotated[Context, Depends(require("audit:read"))]
UsersRead = Annotated[Context, Depends(require("users:read"))]
PlacesRead = Annotated[Context, Depends(require("places:read"))]
PeopleCount = Annotated[Context, Depends(require("people:count"))]
EventsRead = Annotated[Context, Depends(require("events:read", "events:handle"))]
EventsWrite = Annotated[Context, Depends(require("events:write"))]
EventsWriteCaller = Annotated[Caller, Depends(caller("events:write", limited=False))]
EventsAct = Annotated[Context, Depends(require("events:write", "events:handle"))]


@dataclass(frozen=True)
class BBox:
    """A bounding box in EPSG:4326: min lon, min lat, max lon, max lat."""

    minx: float
    miny: float
    maxx: float
    maxy: float

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.minx, self.miny, self.maxx, self.maxy)


# decimal degrees within ±180 and ±90 (the parser also takes exponents and blanks)
_LON = r"-?(?:180(?:\.0+)?|(?:1[0-7][0-9]|[1-9]?[0-9])(?:\.[0-9]+)?)"
_LAT = r"-?(?:90(?:\.0+)?|[1-8]?[0-9](?:\.[0-9]+)?)"
BBOX_PATTERN = f"^{_LON},{_LAT},{_LON},{_LAT}$"
"""minLon,minLat,maxLon,maxLat as the OpenAPI document says it; that min ≤ max, a rule
across the numbers, the parser checks (400)."""


async def parse_bbox(
    bbox: Annotated[
        str | None,
        Query(
            description="minLon,minLat,maxLon,maxLat in EPSG:4326 (min ≤ max)",
            examples=["117.2,28.1,117.6,28.8"],
            json_schema_extra={"pattern": BBOX_PATTERN},
        ),
    ] = None,
) -> BBox | None:
    if bbox is None:
        return None
    parts = bbox.split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise InvalidInput(
            f"bbox {bbox!r} is not four comma-separated numbers", field="bbox"
        ) from None
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise InvalidInput(f"bbox {bbox!r} must be four finite numbers", field="bbox")
    box = BBox(*values)
    if not (-180 <= box.minx <= box.maxx <= 180 and -90 <= box.miny <= box.maxy <= 90):
        raise InvalidInput(
            f"bbox {bbox!r} is not minLon,minLat,maxLon,maxLat within ±180/±90 with min ≤ max",
            field="bbox",
        )
    return box


@dataclass(frozen=True)
class Page:
    """A page of a list: ``limit`` items from ``offset``."""

    limit: int
    offset: int


# the furthest a page may start (PostgreSQL's OFFSET is a bigint; no list is this long)
MAX_OFFSET = 2**31 - 1


async def parse_page(
    settings: SettingsDep,
    limit: Annotated[
        int,
        Query(
            ge=1,
            description="items per page (at most the server's largest page)",
            json_schema_extra=bounded("page_limit"),
        ),
    ] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Page:
    cap = settings.server.api_page_limit
    if limit > cap:
        raise InvalidInput(f"limit {limit} is above the largest page, {cap}", field="limit")
    return Page(limit, offset)


def _region_code(value: str, field: str) -> str:
    try:
        return parse_region_code(value).code
    except CodeError as error:
        raise InvalidInput(str(error), field=field) from None


# documented; the parsers check them, naming what is wrong (400)
_REGION = {"pattern": REGION_CODE_PATTERN}
_GRID = {"pattern": GRID_CODE_PATTERN}


async def parse_region_param(
    region: Annotated[
        str | None, Query(description="12-digit region code (区划代码)", json_schema_extra=_REGION)
    ] = None,
) -> str | None:
    return None if region is None else _region_code(region, "region")


async def parse_parent_param(
    parent: Annotated[
        str | None,
        Query(description="12-digit code of the parent region", json_schema_extra=_REGION),
    ] = None,
) -> str | None:
    return None if parent is None else _region_code(parent, "parent")


async def region_path(
    code: Annotated[str, Path(description="12-digit region code", json_schema_extra=_REGION)],
) -> str:
    return _region_code(code, "code")


async def grid_path(
    code: Annotated[
        str,
        Path(description="15-digit grid or 17-digit micro-grid code", json_schema_extra=_GRID),
    ],
) -> str:
    try:
        return parse_grid_code(code).code
    except CodeError as error:
        raise InvalidInput(str(error), field="code") from None


async def whole_grid_path(
    code: Annotated[
        str,
        Path(
            description="15-digit grid code (not a micro-grid's)",
            json_schema_extra={"pattern": GRID_ONLY_CODE_PATTERN},
        ),
    ],
) -> str:
    return await grid_path(code)


BBoxDep = Annotated[BBox | None, Depends(parse_bbox)]
PageDep = Annotated[Page, Depends(parse_page)]
RegionParam = Annotated[str | None, Depends(parse_region_param)]
ParentParam = Annotated[str | None, Depends(parse_parent_param)]
RegionCodePath = Annotated[str, Depends(region_path)]
GridCodePath = Annotated[str, Depends(grid_path)]
WholeGridCodePath = Annotated[str, Depends(whole_grid_path)]
