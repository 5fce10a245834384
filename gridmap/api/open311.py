"""Open311 GeoReport v2 at ``/open311/v2/…``: residents' reports from any Open311 client.

``services.json`` lists the event categories; ``requests.json`` takes a report (form-encoded as
the standard says, or JSON; a photo may come as the multipart part ``media``) and lists public
requests; ``requests/{id}.json`` reads one. Errors come as the standard's
``[{"code": …, "description": …}]``.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.datastructures import UploadFile

from gridmap.api import errors
from gridmap.api.deps import ReporterDep, SettingsDep
from gridmap.api.errors import STATUS
from gridmap.api.events import photos_content
from gridmap.api.openapi import VALIDATION_AS_400, vocabulary
from gridmap.core.errors import GridmapError, InvalidInput, NotFound
from gridmap.layers import events as event_rows
from gridmap.services import open311, photos
from gridmap.services.events import EventDesk, Intake
from gridmap.services.events.intake import PHONE_INPUT_PATTERN

MAX_LIST = 1000


class Open311Error(BaseModel):
    """One error as GeoReport v2 has it; an answer holds a list of them."""

    code: int
    description: str


def responses(*statuses: int, **meaning: str) -> dict[int | str, dict[str, Any]]:
    """What a route of the standard may answer besides success: GeoReport's error list."""
    return errors.responses(*statuses, model=list[Open311Error], **meaning)


class Open311Route(APIRoute):
    """Errors as GeoReport v2 wants them: a list of ``{code, description}``, schema errors
    included (400, never 422)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        options["openapi_extra"] = {VALIDATION_AS_400: True, **(options.get("openapi_extra") or {})}
        super().__init__(path, endpoint, **options)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def open311_errors(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as error:
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in e.get('loc', ())[1:])}: {e.get('msg')}"
                    for e in error.errors()
                )
                return _error(400, problems)
            except GridmapError as error:
                status = next(code for kind, code in STATUS.items() if isinstance(error, kind))
                return _error(status, str(error))

        return open311_errors


def _error(status: int, description: str) -> JSONResponse:
    return JSONResponse([{"code": status, "description": description}], status_code=status)


router = APIRouter(prefix="/open311/v2", tags=["Open311 GeoReport v2"], route_class=Open311Route)


@router.get("/discovery.json")
def discovery(request: Request) -> dict:
    """Where this Open311 endpoint is and what it speaks."""
    base = str(request.base_url).rstrip("/")
    return {
        "changeset": "2026-11-29",
        "contact": "the grid-management centre (综治中心)",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": f"{base}/open311/v2",
                "type": "production",
                "formats": ["application/json"],
            }
        ],
    }


@router.get("/services.json")
def services(settings: SettingsDep) -> list[dict]:
    """The services (event categories) a resident may report."""
    return open311.services(settings.events)


@router.get("/services/{service_code}.json", responses=responses(404))
def service_definition(
    settings: SettingsDep,
    service_code: Annotated[str, Path(json_schema_extra=vocabulary("event_categories"))],
) -> dict:
    """A service's definition: no extra attributes are asked."""
    if service_code not in settings.events.categories:
        raise NotFound(f"service_code {service_code!r} does not exist")
    return {"service_code": service_code, "attributes": []}


def _dates(value: str | None, field: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{field} {value!r} is not a W3C date and time", field=field) from None
    if moment.tzinfo is None:
        raise InvalidInput(f"{field} {value!r} needs a time zone", field=field)
    return moment


def _list(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


W3C_DATETIME = {"format": "date-time", "description": "W3C date and time with its time zone"}


@router.get("/requests.json", responses=responses(400))
def list_requests(
    ctx: ReporterDep,
    settings: SettingsDep,
    service_request_id: Annotated[
        str | None,
        Query(
            description="request ids, comma-separated",
            json_schema_extra={"pattern": r"^\s*[0-9]*\s*(?:,\s*[0-9]*\s*)*$"},
        ),
    ] = None,
    service_code: Annotated[
        str | None,
        Query(
            description="service codes, comma-separated",
            json_schema_extra=vocabulary("event_categories", listed=True),
        ),
    ] = None,
    start_date: Annotated[str | None, Query(json_schema_extra=W3C_DATETIME)] = None,
    end_date: Annotated[str | None, Query(json_schema_extra=W3C_DATETIME)] = None,
    status: Annotated[
        str | None,
        Query(
            description="open, closed or both, comma-separated",
            json_schema_extra={"pattern": r"^\s*(?:open|closed)?\s*(?:,\s*(?:open|closed)?\s*)*$"},
        ),
    ] = None,
    jurisdiction_id: Annotated[str | None, Query(description="ignored: one jurisdiction")] = None,
) -> list[dict]:
    """Public service requests, newest first (at most 1,000)."""
    ids = _list(service_request_id)
    if any(not i.isdigit() for i in ids):
        raise InvalidInput("service_request_id must be numbers, comma-separated", field="id")
    return open311.find(
        ctx.conn,
        settings.events,
        [int(i) for i in ids],
        _list(service_code),
        _list(status),
        _dates(start_date, "start_date"),
        _dates(end_date, "end_date"),
        MAX_LIST,
    )


async def _fields(request: Request) -> tuple[dict[str, Any], UploadFile | None]:
    """The request's parameters: form-encoded (the standard), multipart, or JSON."""
    kind = request.headers.get("content-type", "")
    if kind.startswith("application/json"):
        try:
            body = await request.json()
        except ValueError:
            raise InvalidInput(
                "the body is not JSON (or send a form, as GeoReport has it)"
            ) from None
        if not isinstance(body, dict):
            raise InvalidInput("the body must be a JSON object of GeoReport parameters")
        return {name: _text(name, value) for name, value in body.items()}, None
    form = await request.form()
    media = form.get("media")
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    return values, media if isinstance(media, UploadFile) else None


def _text(name: str, value: Any) -> str | None:
    """A JSON parameter as the form would have sent it: text (a number as its digits)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise InvalidInput(f"{name} must be a string or a number, not {value!r}", field=name)


def _number(fields: dict[str, Any], name: str) -> float | None:
    value = fields.get(name)
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} {value!r} is not a number", field=name) from None


def _full_name(first: str | None, last: str | None) -> str | None:
    """张 + 伟 → 张伟 (family name first, no space); John + Smith → John Smith."""
    parts = [p.strip() for p in (first, last) if p and p.strip()]
    if not parts:
        return None
    if any(c.isascii() and c.isalpha() for p in parts for c in p):
        return " ".join(parts)
    return "".join(reversed(parts))


_LOCATION = {
    "lat": {"type": "number", "minimum": -90, "maximum": 90, "description": "WGS84"},
    "long": {"type": "number", "minimum": -180, "maximum": 180, "description": "WGS84"},
    "address_string": {"type": "string", "minLength": 1, "description": "a known building's"},
}
_REPORT = {
    "type": "object",
    "required": ["service_code"],
    "anyOf": [{"required": ["lat", "long"]}, {"required": ["address_string"]}],
    "properties": {
        "service_code": {"type": "string", **vocabulary("event_categories")},
        **_LOCATION,
        "description": {"type": "string", "maxLength": 4000},
        "first_name": {"type": "string", "maxLength": 25},
        "last_name": {"type": "string", "maxLength": 25},
        "phone": {"type": "string", "maxLength": 30, "pattern": PHONE_INPUT_PATTERN},
    },
}
_MEDIA = {"media": {"type": "string", "format": "binary", "description": "a photo"}}
REPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {"schema": _REPORT},
            "multipart/form-data": {
                "schema": {**_REPORT, "properties": {**_REPORT["properties"], **_MEDIA}}
            },
            "application/json": {"schema": _REPORT},
        },
    }
}


@router.post(
    "/requests.json",
    openapi_extra=REPORT_BODY,
    responses={
        **responses(400, e400="a parameter missing or wrong, or a place outside every grid"),
        **errors.responses(413),
    },
)
async def create_request(request: Request, ctx: ReporterDep, settings: SettingsDep) -> list[dict]:
    """A new service request: ``service_code``, and ``lat``/``long`` (WGS84) or
    ``address_string`` (a known building's address); ``description``, ``first_name``,
    ``last_name``, ``phone``; optionally a photo as the multipart part ``media``."""
    fields, media = await _fields(request)
    code = fields.get("service_code")
    if not code:
        raise InvalidInput("service_code is required", field="service_code")
    description = (fields.get("description") or "").strip()
    name = _full_name(fields.get("first_name"), fields.get("last_name"))
    desk = EventDesk(ctx.conn, settings, ctx.principal)
    category = settings.events.categories.get(code)
    intake = Intake(
        channel="open311",
        category=code,
        title=(description[:60] or (category.label if category else code)),
        description=description or None,
        lon=_number(fields, "long"),
        lat=_number(fields, "lat"),
        address=fields.get("address_string") or None,
        reporter_name=name,
        reporter_phone=fields.get("phone") or None,
    )
    event = desk.report(intake)
    if media is not None:
        data = await media.read(settings.events.photo_max_bytes + 1)
        record = photos.store(data, media.filename or "media", event["id"], settings)
        event_rows.add_attachment(ctx.conn, event["id"], record)
    similar = len(event.get("possible_duplicates", []))
    notice = "已受理 received" + (f"; {similar} similar open reports nearby" if similar else "")
    return [{"service_request_id": str(event["id"]), "service_notice": notice, "account_id": None}]


@router.get("/requests/{request_id}.json", responses=responses(404))
def get_request(
    ctx: ReporterDep,
    settings: SettingsDep,
    request_id: Annotated[str, Path(json_schema_extra={"pattern": "^[0-9]+$"})],
) -> list[dict]:
    """One public service request (as a list of one, as the standard has it)."""
    return [open311.one(ctx.conn, settings.events, request_id)]


@router.get(
    "/requests/{request_id}/media/{photo_id}",
    response_class=FileResponse,
    responses={**photos_content(), **responses(400, 404)},
)
def get_media(
    ctx: ReporterDep, settings: SettingsDep, request_id: int, photo_id: int
) -> FileResponse:
    """A public request's photo, without its metadata (no location)."""
    found = event_rows.attachment(ctx.conn, request_id, photo_id)
    if found is None:
        raise NotFound(f"service request {request_id} has no photo {photo_id}")
    return FileResponse(
        photos.path_of(settings, found["public_path"]), media_type=found["media_type"]
    )
