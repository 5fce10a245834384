"""Taking an event in (受理): checking what a channel brought, placing it (a point in any CRS,
a known building's address, or a grid), and sealing a citizen's name and phone."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection

from gridmap.core import pii
from gridmap.core.codes import CodeError, parse_grid_code
from gridmap.core.errors import InvalidInput, NotFound
from gridmap.core.event_settings import EventSettings
from gridmap.core.settings import Settings
from gridmap.ingest.readers import to_wgs84_arrays
from gridmap.layers import events as rows
from gridmap.layers import grids

PHONE = re.compile(r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$")
_PHONE_NOISE = re.compile(r"[\s\-()（）]")
# what ``normal_phone`` accepts as sent, noise and +86 included (for schemas)
_NOISE = r"[\s\-()（）]*"
PHONE_INPUT_PATTERN = (
    rf"^{_NOISE}(?:\+{_NOISE}8{_NOISE}6{_NOISE})?"
    rf"(?:1{_NOISE}[3-9]{_NOISE}(?:[0-9]{_NOISE}){{9}}|0{_NOISE}(?:[0-9]{_NOISE}){{9,11}})$"
)
# the CRSs an event's lon/lat may be sent in: WGS84, CGCS2000 and its Gauss-Krüger zones, Web
# Mercator, and the map apps' GCJ-02 and BD-09
CRS_NAMES = (
    "WGS84",
    "EPSG:4326",
    "CGCS2000",
    "EPSG:4490",
    "EPSG:3857",
    *(f"EPSG:{code}" for code in range(4534, 4555)),
    "GCJ-02",
    "BD-09",
)
# what an event may be about, and the table each lives in
RELATED = {
    "resident": "residents",
    "place": "places",
    "building": "buildings",
    "organisation": "organisations",
}


@dataclass
class Intake:
    """An event as a channel brings it in (受理). Where it is: ``lon``/``lat`` (in ``crs``:
    EPSG:…, GCJ-02, BD-09; default WGS84), else the exact address or code of a known building,
    else the grid it names."""

    channel: str
    category: str
    title: str
    description: str | None = None
    urgency: str = "normal"
    lon: float | None = None
    lat: float | None = None
    crs: str | None = None
    address: str | None = None
    grid: str | None = None
    reporter_name: str | None = None
    reporter_phone: str | None = None
    related: dict[str, int] = field(default_factory=dict)
    source_ref: str | None = None
    reported_at: datetime | None = None
    generated: bool = False


def check_vocabulary(config: EventSettings, intake: Intake, public: bool) -> None:
    """Channel, category and urgency known; a title; residents only through public channels."""
    for name, value, known in (
        ("channel", intake.channel, config.channels),
        ("category", intake.category, config.categories),
        ("urgency", intake.urgency, config.urgencies),
    ):
        if value not in known:
            raise InvalidInput(f"unknown {name} {value!r} (known: {', '.join(known)})", field=name)
    if not intake.title or not intake.title.strip():
        raise InvalidInput("title is required", field="title")
    if public and intake.channel not in config.public_channels:
        raise InvalidInput(
            f"residents report through {', '.join(config.public_channels)}, not {intake.channel!r}",
            field="channel",
        )


def locate(conn: Connection, intake: Intake) -> dict[str, Any]:
    """The event's point, grid and micro-grid and address, or a refusal naming the field."""
    if intake.lon is not None or intake.lat is not None:
        return {**_at_point(conn, intake), "address": intake.address}
    if intake.address:
        found = rows.building_at_address(conn, intake.address.strip())
        if found is not None:
            return {**_tie(conn, *found, "address"), "address": intake.address}
        if not intake.grid:
            raise InvalidInput(
                f"address {intake.address!r} is no known building's address or code: give lon"
                " and lat, or the grid",
                field="address",
            )
    if intake.grid:
        return {**_named_grid(conn, intake.grid), "address": intake.address}
    raise InvalidInput(
        "where is it? give lon and lat, the address of a known building, or the grid",
        field="lon",
    )


def _at_point(conn: Connection, intake: Intake) -> dict[str, Any]:
    if intake.lon is None or intake.lat is None:
        raise InvalidInput("give both lon and lat", field="lat" if intake.lat is None else "lon")
    lon, lat = to_wgs84_arrays(
        np.array([float(intake.lon)]), np.array([float(intake.lat)]), intake.crs
    )
    x, y = float(lon[0]), float(lat[0])
    if not (math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90):
        raise InvalidInput(f"lon/lat {intake.lon},{intake.lat} are out of range", field="lon")
    return _tie(conn, x, y, "lon")


def _tie(conn: Connection, lon: float, lat: float, field_name: str) -> dict[str, Any]:
    """The grid holding a point, or why none does for the caller."""
    found = grids.grid_at(conn, lon, lat)
    if found is None:
        elsewhere = grids.grid_anywhere(conn, lon, lat)
        where = f"{lon:.6f},{lat:.6f}"
        reason = (
            f"{where} is outside your jurisdiction (in grid {elsewhere})"
            if elsewhere
            else f"{where} is outside every grid"
        )
        raise InvalidInput(reason, field=field_name)
    grid, micro = found
    return {"lon": lon, "lat": lat, "grid_code": grid, "micro_code": micro}


def _named_grid(conn: Connection, code: str) -> dict[str, Any]:
    try:
        parsed = parse_grid_code(code.strip())
    except CodeError as error:
        raise InvalidInput(str(error), field="grid") from None
    grid = parsed.code[:15]
    if not rows.grid_exists(conn, grid):
        raise NotFound(f"grid {grid} does not exist (or lies outside your jurisdiction)")
    micro = parsed.code if len(parsed.code) == 17 else None
    return {"lon": None, "lat": None, "grid_code": grid, "micro_code": micro}


def related(conn: Connection, named: dict[str, int]) -> dict[str, int]:
    """Entities the event is about, each checked to exist (for the caller)."""
    for kind, record_id in named.items():
        table = RELATED.get(kind)
        if table is None:
            raise InvalidInput(
                f"unknown related kind {kind!r} (known: {', '.join(RELATED)})", field="related"
            )
        if not rows.record_exists(conn, table, int(record_id)):
            raise NotFound(f"{kind} {record_id} does not exist (or lies outside your jurisdiction)")
    return {kind: int(record_id) for kind, record_id in named.items()}


def normal_phone(value: str) -> str:
    """A phone number without spaces, dashes, brackets or +86; refused when it is neither a
    mobile (11 digits, 13x–19x) nor a landline with its area code."""
    phone = _PHONE_NOISE.sub("", value)
    phone = phone[3:] if phone.startswith("+86") else phone
    if not PHONE.match(phone):
        raise InvalidInput(
            f"phone {value!r} is not a mobile number (11 digits, 13x–19x) or a landline with"
            " its area code",
            field="reporter_phone",
        )
    return phone


def sealed_reporter(settings: Settings, intake: Intake) -> dict[str, Any]:
    """A citizen's name and phone, sealed and masked like residents' (never in clear)."""
    sealed: dict[str, Any] = {}
    vault = pii.vault(settings)
    if intake.reporter_name:
        name = intake.reporter_name.strip()
        sealed["reporter_name_cipher"] = vault.seal("name", name)
        sealed["reporter_name_masked"] = pii.mask_name(name)
    if intake.reporter_phone:
        phone = vault.phone(normal_phone(intake.reporter_phone))
        sealed.update(
            reporter_phone_cipher=phone.cipher,
            reporter_phone_hash=phone.hash,
            reporter_phone_masked=phone.masked,
        )
    return sealed
