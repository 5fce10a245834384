"""The OpenAPI document (``/openapi.json``), completed with what FastAPI cannot know.

- What every operation of a kind answers, with the body gridmap sends (``errors.ErrorBody``),
  so that no route repeats it: 404 for a path whose parameter routing does not take, 401
  behind sign-in, 403 for signed-in writes (a page's write without its CSRF token), 400 for a
  body that cannot be parsed and 413 for one over the limit, 422 for a parameter or body that
  breaks its schema (FastAPI's own 422 body is never sent), 503 when the database is down or
  a statement runs out of time. A route declares its own refusals (400, 403, 404, 409) with
  ``errors.responses``.
- What configuration decides, as this server is configured: a parameter or field marked
  ``vocabulary("event_states")`` is documented with the configured codes as an enum
  (``GRIDMAP_EVENTS_STATES`` …), one marked ``bounded("manual_points")`` with the configured
  limits; the route checks them itself (400 naming the codes or the limit).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from gridmap import catalog
from gridmap.api.errors import MEANING, ErrorBody
from gridmap.core.settings import Settings

ERROR_REF = "#/components/schemas/ErrorBody"
_FASTAPI_422 = "#/components/schemas/HTTPValidationError"
_UNSAFE = {"post", "put", "patch", "delete"}
# a route whose 400 is its own list of errors (Open311) answers schema errors as that 400
VALIDATION_AS_400 = "x-validation-as-400"

VOCABULARIES: dict[str, Callable[[Settings], list[str]]] = {
    "event_channels": lambda s: list(s.events.channels),
    "event_categories": lambda s: list(s.events.categories),
    "event_categories_and_groups": lambda s: [*s.events.categories, *s.events.groups],
    "event_urgencies": lambda s: list(s.events.urgencies),
    "event_states": lambda s: list(s.events.states),
    "event_actions": lambda s: list(s.events.actions),
    "grid_kinds": lambda s: list(s.grid.kinds),
    "grid_purposes": lambda s: list(s.grid.dedicated_purposes),
    "camera_statuses": lambda s: list(s.cameras.statuses),
    "tile_layers": lambda _s: catalog.tile_layers(),
    "public_tile_layers": lambda _s: catalog.tile_layers(public=True),
}
# configured limits, as JSON Schema keywords
BOUNDS: dict[str, Callable[[Settings], dict[str, float]]] = {
    "manual_points": lambda s: {
        "minimum": -s.events.points_manual_limit,
        "maximum": s.events.points_manual_limit,
    },
    "page_limit": lambda s: {"maximum": s.server.api_page_limit},
    "patrol_batch": lambda s: {"maxItems": s.events.patrol_max_points_per_batch},
    "photos_per_upload": lambda s: {"maxItems": s.events.photos_per_upload},
}
_MARK = "x-vocabulary"
_LISTED = "x-vocabulary-list"
_BOUND = "x-bounds"


def vocabulary(name: str, listed: bool = False) -> dict[str, Any]:
    """Mark a parameter or field (``json_schema_extra=``) as taking a configured vocabulary's
    codes; ``listed``: several, comma-separated (blanks around them are ignored)."""
    if name not in VOCABULARIES:
        raise KeyError(f"no vocabulary {name!r} (known: {', '.join(VOCABULARIES)})")
    return {_MARK: name, _LISTED: True} if listed else {_MARK: name}


def bounded(name: str) -> dict[str, Any]:
    """Mark a number (``json_schema_extra=``) as limited by configuration (``BOUNDS``)."""
    if name not in BOUNDS:
        raise KeyError(f"no configured bounds {name!r} (known: {', '.join(BOUNDS)})")
    return {_BOUND: name}


def _json_error(status: int) -> dict[str, Any]:
    return {
        "description": MEANING[status],
        "content": {"application/json": {"schema": {"$ref": ERROR_REF}}},
    }


def _errors(method: str, operation: dict[str, Any]) -> None:
    """The answers every operation of its kind gives, where the route did not say them."""
    answers = operation.setdefault("responses", {})
    fastapi_422 = answers.get("422", {}).get("content", {}).get("application/json", {})
    if fastapi_422.get("schema", {}).get("$ref") == _FASTAPI_422:
        if operation.get(VALIDATION_AS_400):
            del answers["422"]
        else:
            answers["422"] = _json_error(422)
    operation.pop(VALIDATION_AS_400, None)
    for status, answer in answers.items():
        # FastAPI gives a declared error the route's own media type (GeoJSON, a file …):
        # every error body is JSON
        content = answer.get("content", {})
        error = status.isdigit() and int(status) >= 400
        if error and content and "application/json" not in content:
            answer["content"] = {"application/json": next(iter(content.values()))}
    kinds = []
    if any(p.get("in") == "path" for p in operation.get("parameters", [])):
        kinds.append(404)  # a value routing does not take (a code is digits) or naming nothing
    if operation.get("security"):
        kinds.append(401)
        if method in _UNSAFE:
            kinds.append(403)
    if "requestBody" in operation:
        kinds += [400, 413]  # a body that cannot be parsed (not JSON, not a form); too large
    kinds.append(503)  # the database down, or a statement over its time
    for status in kinds:
        answers.setdefault(str(status), _json_error(status))
    operation["responses"] = dict(sorted(answers.items()))


def _codes_pattern(codes: list[str]) -> str:
    """Codes, comma-separated, blanks around each ignored (as ``split(",")`` and ``strip``)."""
    item = rf"\s*(?:{'|'.join(re.escape(c) for c in codes)})?\s*"
    return f"^{item}(?:,{item})*$"


def _configured(node: Any, settings: Settings, body: bool) -> None:
    """Replace each mark, anywhere under ``node``, by the codes or limits configured; in a
    body a field that may be null keeps null among its values."""
    if isinstance(node, list):
        for item in node:
            _configured(item, settings, body)
        return
    if not isinstance(node, dict):
        return
    bounds = node.pop(_BOUND, None)
    if bounds is not None:
        node.update(BOUNDS[bounds](settings))
    name = node.pop(_MARK, None)
    if name is not None:
        codes: list[Any] = VOCABULARIES[name](settings)
        if node.pop(_LISTED, False):
            node["pattern"] = _codes_pattern(codes)
        else:
            nullable = any(alt.get("type") == "null" for alt in node.get("anyOf", []))
            node["enum"] = [*codes, None] if body and nullable else codes
    for value in node.values():
        _configured(value, settings, body)


def _complete(document: dict[str, Any], settings: Settings) -> None:
    for item in document.get("paths", {}).values():
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                _errors(method, operation)
    _configured(document.get("paths", {}), settings, body=False)
    _configured(document.get("components", {}), settings, body=True)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ErrorBody", ErrorBody.model_json_schema())
    # FastAPI's validation body is never sent: drop its schemas once nothing refers to them
    for unused in ("HTTPValidationError", "ValidationError"):
        others = {name: schema for name, schema in schemas.items() if name != unused}
        if f"/{unused}'" not in repr([document.get("paths"), others]):
            schemas.pop(unused, None)


def install(app: FastAPI, settings: Settings) -> None:
    """Serve the completed document at ``/openapi.json``: a copy of FastAPI's (which shares
    the routes' declarations), completed once each time FastAPI builds its own."""
    build = app.openapi
    completed: list[tuple[dict[str, Any], dict[str, Any]]] = []

    def openapi() -> dict[str, Any]:
        built = build()
        if completed and completed[0][0] is built:
            return completed[0][1]
        document = copy.deepcopy(built)
        _complete(document, settings)
        completed[:] = [(built, document)]
        return document

    app.openapi = openapi  # type: ignore[method-assign]
