"""Open311 GeoReport v2 (open311.org): categories as services, events as service requests, so
any Open311 client can report into gridmap and follow its reports.

Residents see only public requests (their channel is public) and only what the standard
shows: no reporter, no internal notes beyond the status. Status is ``open`` while the event is
in the loop and ``closed`` once it is closed, evaluated, rejected or a duplicate.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from gridmap.core.errors import InvalidInput, NotFound
from gridmap.core.event_settings import EventSettings
from gridmap.layers import events as rows


def services(config: EventSettings) -> list[dict[str, Any]]:
    """``services.json``: every event category, its group as the Open311 group."""
    return [
        {
            "service_code": code,
            "service_name": category.label,
            "description": f"{config.groups.get(category.group, category.group)}：{category.label}",
            "metadata": False,
            "type": "realtime",
            "keywords": category.group,
            "group": config.groups.get(category.group, category.group),
        }
        for code, category in config.categories.items()
    ]


def _status(state: str, config: EventSettings) -> str:
    return "open" if state in config.open_states else "closed"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def as_request(event: dict[str, Any], config: EventSettings) -> dict[str, Any]:
    """An event as an Open311 service request (public fields only)."""
    category = config.categories.get(event["category"])
    state_label = config.states.get(event["state"], event["state"])
    notes = state_label
    if event["state"] == "duplicate" and event.get("duplicate_of"):
        notes = f"{state_label}: see request {event['duplicate_of']}"
    media = event.get("media_id")
    return {
        "service_request_id": str(event["id"]),
        "status": _status(event["state"], config),
        "status_notes": notes,
        "service_name": category.label if category else event["category"],
        "service_code": event["category"],
        "description": event.get("description") or event["title"],
        "agency_responsible": event.get("department"),
        "service_notice": None,
        "requested_datetime": _iso(event["reported_at"]),
        "updated_datetime": _iso(event["updated_at"]),
        "expected_datetime": _iso(event["deadline"])
        if event["state"] in config.open_states
        else None,
        "address": event.get("address"),
        "address_id": None,
        "zipcode": None,
        "lat": event.get("lat"),
        "long": event.get("lon"),
        "media_url": f"/open311/v2/requests/{event['id']}/media/{media}" if media else None,
    }


def find(
    conn: Connection,
    config: EventSettings,
    ids: list[int],
    codes: list[str],
    statuses: list[str],
    since: datetime | None,
    until: datetime | None,
    limit: int,
) -> list[dict[str, Any]]:
    """``GET requests.json``: public requests by id, service code, status and date."""
    unknown = [c for c in codes if c not in config.categories]
    if unknown:
        raise InvalidInput(f"unknown service_code {unknown[0]!r}", field="service_code")
    wrong = [s for s in statuses if s not in ("open", "closed")]
    if wrong:
        raise InvalidInput(f"status {wrong[0]!r} is not open or closed", field="status")
    where = rows.EventFilter(ids=ids, categories=codes, since=since, until=until)
    if statuses == ["open"]:
        where.states = list(config.open_states)
    elif statuses == ["closed"]:
        where.states = [s for s in config.states if s not in config.open_states]
    found = rows.list_events(conn, where, limit, 0)
    media = rows.first_public_photos(conn, [e["id"] for e in found])
    return [as_request({**e, "media_id": media.get(e["id"])}, config) for e in found]


def one(conn: Connection, config: EventSettings, request_id: str) -> dict[str, Any]:
    """``GET requests/{id}.json``: one public request (404 for anything else)."""
    if not request_id.isdigit():
        raise NotFound(f"service request {request_id!r} does not exist")
    found = find(conn, config, [int(request_id)], [], [], None, None, 1)
    if not found:
        raise NotFound(f"service request {request_id} does not exist")
    return found[0]
