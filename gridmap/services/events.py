"""Events (事件): many channels in, one point of dispatch (多端口收集、一端口交办), the six-step
closed loop (六步闭环), deadlines and escalation village → township → county.

``EventDesk`` works in one transaction of a caller (scoped by row-level security): ``report``
takes an event in from any channel, ``transition`` takes an action of the configured workflow
(``gridmap.ops.workflow``), ``show`` reads one with its history and the actions the caller may
take. Deadlines are counted on the work calendar (``gridmap.ops.worktime``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import numpy as np

from gridmap.core import pii
from gridmap.core.access import Principal
from gridmap.core.codes import CodeError, parse_grid_code
from gridmap.core.errors import Conflict, InvalidInput, NotFound
from gridmap.core.event_settings import STEP_OF_STATE, EventSettings
from gridmap.core.settings import Settings
from gridmap.db.sql import transaction_time
from gridmap.ingest.readers import to_wgs84_arrays
from gridmap.layers import audit
from gridmap.layers import events as rows
from gridmap.ops import kpi, workflow
from gridmap.ops.worktime import WorkCalendar

PHONE = re.compile(r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$")
_PHONE_NOISE = re.compile(r"[\s\-()（）]")


@lru_cache(maxsize=4)
def _calendar(
    periods: tuple[tuple[Any, Any], ...], holidays: frozenset, workdays: frozenset, tz: str
) -> WorkCalendar:
    return WorkCalendar(
        periods=periods,
        holidays=holidays,
        workdays=workdays,
        tz=tz,
        table_name="GRIDMAP_EVENTS_HOLIDAYS / GRIDMAP_EVENTS_WORKDAYS",
    )


def work_calendar(events: EventSettings) -> WorkCalendar:
    """The deployment's work calendar (工作日历), built once per configuration."""
    return _calendar(
        tuple(events.working_periods),
        frozenset(events.holidays),
        frozenset(events.workdays),
        events.time_zone,
    )


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


@dataclass(frozen=True)
class Due:
    """A step's deadline, the moment it turns amber, and what the calendar had to say."""

    step: str | None
    at: datetime | None
    amber_at: datetime | None
    warnings: tuple[str, ...] = ()


RELATED = {
    "resident": "residents",
    "place": "places",
    "building": "buildings",
    "organisation": "organisations",
}


class EventDesk:
    """The events desk of one transaction, as one caller."""

    def __init__(self, conn: Any, settings: Settings, principal: Principal) -> None:
        self.conn = conn
        self.settings = settings
        self.config = settings.events
        self.principal = principal
        self.calendar = work_calendar(self.config)

    # -- intake ----------------------------------------------------------------------------

    def report(self, intake: Intake) -> dict[str, Any]:
        """Take an event in; returns it as ``show`` does, with possible duplicates. A retry of
        the same channel reference returns the event already taken in (``repeated``)."""
        self._check_vocabulary(intake)
        if intake.source_ref:
            existing = rows.by_source_ref(self.conn, intake.channel, intake.source_ref)
            if existing is not None:
                return {**self.show(existing), "repeated": True}
        record = self._located(intake)
        now = intake.reported_at or transaction_time(self.conn)
        auto = self._registers_on_intake(intake.channel)
        state = "registered" if auto else "reported"
        due = self.due(intake.category, state, intake.urgency, now)
        first_level = next(iter(self.config.levels))
        record.update(
            channel=intake.channel,
            category=intake.category,
            urgency=intake.urgency,
            title=intake.title.strip(),
            description=intake.description,
            level=first_level,
            max_level=first_level,
            state=state,
            public=intake.channel in self.config.public_channels,
            reporter=None if self._is_public else self.principal.username,
            related=self._related(intake.related),
            source_ref=intake.source_ref,
            deadline=due.at,
            amber_at=due.amber_at,
            deadline_step=due.step,
            reported_at=now,
            registered_at=now if auto else None,
            generated=intake.generated,
            **self._sealed_reporter(intake),
        )
        event_id = rows.insert_event(self.conn, record)
        entry = {"at": now, "role": self.principal.role, "level": first_level}
        rows.add_history(
            self.conn,
            event_id,
            {
                **entry,
                "action": "report",
                "to_state": "reported",
                "detail": {"channel": intake.channel},
            },
        )
        if auto:
            note = "registered on intake: seen on site by the grid worker"
            rows.add_history(
                self.conn,
                event_id,
                {
                    **entry,
                    "action": "register",
                    "from_state": "reported",
                    "to_state": state,
                    "note": note,
                },
            )
        shown = self.show(event_id)
        shown["calendar_warnings"] = list(due.warnings)
        if record.get("lon") is not None:
            shown["possible_duplicates"] = [
                d
                for d in self.duplicates(intake.category, record["lon"], record["lat"])
                if d["id"] != event_id
            ]
        return shown

    @property
    def _is_public(self) -> bool:
        return self.principal.user_id is None

    def _check_vocabulary(self, intake: Intake) -> None:
        config = self.config
        for name, value, known in (
            ("channel", intake.channel, config.channels),
            ("category", intake.category, config.categories),
            ("urgency", intake.urgency, config.urgencies),
        ):
            if value not in known:
                raise InvalidInput(
                    f"unknown {name} {value!r} (known: {', '.join(known)})", field=name
                )
        if not intake.title or not intake.title.strip():
            raise InvalidInput("title is required", field="title")
        if self._is_public and intake.channel not in config.public_channels:
            raise InvalidInput(
                f"residents report through {', '.join(config.public_channels)}, not"
                f" {intake.channel!r}",
                field="channel",
            )

    def _registers_on_intake(self, channel: str) -> bool:
        """A grid worker's own report is registered at once (it was seen on site)."""
        register = self.config.actions.get("register")
        return (
            channel in self.config.auto_register_channels
            and register is not None
            and self.principal.role in register.roles
        )

    def _located(self, intake: Intake) -> dict[str, Any]:
        """The event's point, grid and micro-grid and address, or a refusal naming the field."""
        if intake.lon is not None or intake.lat is not None:
            return self._at_point(intake)
        if intake.address:
            found = rows.building_at_address(self.conn, intake.address.strip())
            if found is None and not intake.grid:
                raise InvalidInput(
                    f"address {intake.address!r} is no known building's address or code: give"
                    " lon and lat, or the grid",
                    field="address",
                )
            if found is not None:
                lon, lat = found
                return {**self._tie(lon, lat, "address"), "address": intake.address}
        if intake.grid:
            return {**self._named_grid(intake.grid), "address": intake.address}
        raise InvalidInput(
            "where is it? give lon and lat, the address of a known building, or the grid",
            field="lon",
        )

    def _at_point(self, intake: Intake) -> dict[str, Any]:
        if intake.lon is None or intake.lat is None:
            raise InvalidInput(
                "give both lon and lat", field="lat" if intake.lat is None else "lon"
            )
        lon, lat = to_wgs84_arrays(
            np.array([float(intake.lon)]), np.array([float(intake.lat)]), intake.crs
        )
        x, y = float(lon[0]), float(lat[0])
        if not (math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90):
            raise InvalidInput(f"lon/lat {intake.lon},{intake.lat} are out of range", field="lon")
        return {**self._tie(x, y, "lon"), "address": intake.address}

    def _tie(self, lon: float, lat: float, field_name: str) -> dict[str, Any]:
        found = rows.grid_at(self.conn, lon, lat)
        if found is None:
            elsewhere = rows.grid_anywhere(self.conn, lon, lat)
            where = f"{lon:.6f},{lat:.6f}"
            reason = (
                f"{where} is outside your jurisdiction (in grid {elsewhere})"
                if elsewhere
                else f"{where} is outside every grid"
            )
            raise InvalidInput(reason, field=field_name)
        grid, micro = found
        return {"lon": lon, "lat": lat, "grid_code": grid, "micro_code": micro}

    def _named_grid(self, code: str) -> dict[str, Any]:
        try:
            parsed = parse_grid_code(code.strip())
        except CodeError as error:
            raise InvalidInput(str(error), field="grid") from None
        grid = parsed.code[:15]
        if not rows.grid_exists(self.conn, grid):
            raise InvalidInput(
                f"grid {grid} does not exist (or lies outside your jurisdiction)", field="grid"
            )
        micro = parsed.code if len(parsed.code) == 17 else None
        return {"lon": None, "lat": None, "grid_code": grid, "micro_code": micro}

    def _related(self, related: dict[str, int]) -> dict[str, int]:
        """Entities the event is about, checked to exist (for the caller)."""
        for kind, record_id in related.items():
            table = RELATED.get(kind)
            if table is None:
                raise InvalidInput(
                    f"unknown related kind {kind!r} (known: {', '.join(RELATED)})",
                    field="related",
                )
            if not rows.record_exists(self.conn, table, int(record_id)):
                raise InvalidInput(
                    f"{kind} {record_id} does not exist (or lies outside your jurisdiction)",
                    field="related",
                )
        return {kind: int(record_id) for kind, record_id in related.items()}

    def _sealed_reporter(self, intake: Intake) -> dict[str, Any]:
        """A citizen's name and phone, sealed and masked like residents' (never in clear)."""
        sealed: dict[str, Any] = {}
        vault = pii.vault(self.settings)
        if intake.reporter_name:
            name = intake.reporter_name.strip()
            sealed["reporter_name_cipher"] = vault.seal("name", name)
            sealed["reporter_name_masked"] = pii.mask_name(name)
        if intake.reporter_phone:
            phone = _PHONE_NOISE.sub("", intake.reporter_phone)
            phone = phone[3:] if phone.startswith("+86") else phone
            if not PHONE.match(phone):
                raise InvalidInput(
                    f"phone {intake.reporter_phone!r} is not a mobile number (11 digits, 13x–19x)"
                    " or a landline with its area code",
                    field="reporter_phone",
                )
            phone_sealed = vault.phone(phone)
            sealed.update(
                reporter_phone_cipher=phone_sealed.cipher,
                reporter_phone_hash=phone_sealed.hash,
                reporter_phone_masked=phone_sealed.masked,
            )
        return sealed

    def duplicates(
        self, category: str, lon: float, lat: float, staff: bool | None = None
    ) -> list[dict[str, Any]]:
        """Open events of the same category near a point, reported lately, nearest first."""
        config = self.config
        staff = (not self._is_public) if staff is None else staff
        distance = (
            config.duplicate_distance_staff_m if staff else config.duplicate_distance_public_m
        )
        since = transaction_time(self.conn) - timedelta(days=config.duplicate_days)
        return rows.near_open(
            self.conn,
            category,
            lon,
            lat,
            distance,
            since,
            config.duplicate_suggestions,
            config.open_states,
        )

    # -- deadlines -------------------------------------------------------------------------

    def due(self, category: str, state: str, urgency: str, start: datetime) -> Due:
        """The deadline of the step an event in ``state`` waits for, counted from ``start``."""
        step = STEP_OF_STATE.get(state)
        if step is None:
            return Due(None, None, None)
        group = self.config.categories[category].group if category in self.config.categories else ""
        rule = workflow.deadline_rule(self.config.deadlines, category, group, step, urgency)
        if rule is None:
            return Due(step, None, None)
        deadline = self.calendar.add(start, rule.amount, rule.unit)
        amber = self.calendar.add(start, rule.amount * self.config.amber_share, rule.unit)
        return Due(step, deadline.at, amber.at, deadline.warnings)

    # -- the loop --------------------------------------------------------------------------

    def transition(
        self, event_id: int, action: str, given: dict[str, Any], version: int | None
    ) -> dict[str, Any]:
        """Take ``action`` on an event: 409 with the allowed actions when it is not allowed
        now, 409 with the current version when the caller's is stale, 400 naming the field
        when what the action needs is missing."""
        event = rows.lock(self.conn, event_id)
        if event is None:
            raise NotFound(f"event {event_id} does not exist (or is not yours)")
        if version is not None and version != event["version"]:
            raise Conflict(
                f"event {event_id} changed since you read it (you sent version {version}, it is"
                f" now {event['version']}): reload and retry",
                version=event["version"],
            )
        config = self.config
        if action not in config.actions:
            raise InvalidInput(
                f"unknown action {action!r} (actions: {', '.join(config.actions)})", field="action"
            )
        allowed = self.allowed(event)
        if action not in allowed:
            hold = " on hold" if event["on_hold"] else ""
            raise Conflict(
                f"{action} is not allowed now: event {event_id} is {event['state']}{hold} at"
                f" {event['level']} level; you may: {', '.join(allowed) or 'nothing'}",
                allowed=allowed,
                state=event["state"],
            )
        step = config.actions[action]
        workflow.check_needs(action, step, given)
        now = transaction_time(self.conn)
        changes = self._effects(event, action, given, now)
        if step.to is not None:
            changes["state"] = step.to
        state = changes.get("state", event["state"])
        if action not in ("extend", "hold") and (
            state != event["state"] or action in ("resume", "escalate")
        ):
            due = self.due(event["category"], state, event["urgency"], now)
            changes.update(deadline=due.at, amber_at=due.amber_at, deadline_step=due.step)
        rows.add_history(
            self.conn,
            event_id,
            {
                "at": now,
                "role": self.principal.role,
                "action": action,
                "from_state": event["state"],
                "to_state": state,
                "level": changes.get("level", event["level"]),
                "department_id": changes.get("department_id", event["department_id"]),
                "note": given.get("reason") or given.get("note"),
                "attachments": given.get("attachments") or [],
                "detail": self._detail(action, given, changes),
            },
        )
        if not rows.update(self.conn, event_id, event["version"], changes):
            raise Conflict(f"event {event_id} changed meanwhile: reload and retry")
        if rows.get_event(self.conn, event_id) is None:
            # handed back by a department: done, and no longer theirs to see
            return {
                "id": event_id,
                "state": state,
                "version": event["version"] + 1,
                "released": True,
            }
        return self.show(event_id)

    def allowed(self, event: dict[str, Any]) -> list[str]:
        return workflow.allowed(
            self.config.actions,
            event["state"],
            self.principal.role,
            event["level"],
            event["on_hold"],
        )

    def _effects(
        self, event: dict[str, Any], action: str, given: dict[str, Any], now: datetime
    ) -> dict[str, Any]:
        """What an action changes besides the state: milestones, counters, level, unit."""
        effect = getattr(self, f"_on_{action}", None)
        return effect(event, given, now) if effect else {}

    def _on_register(self, event: dict, given: dict, now: datetime) -> dict:
        return {"registered_at": event["registered_at"] or now}

    def _on_mark_duplicate(self, event: dict, given: dict, now: datetime) -> dict:
        original = int(given["original"])
        if original == event["id"] or rows.get_event(self.conn, original) is None:
            raise InvalidInput(
                f"event {original} cannot be the original of event {event['id']}: it does not"
                " exist for you, or it is this one",
                field="original",
            )
        return {"duplicate_of": original}

    def _on_dispatch(self, event: dict, given: dict, now: datetime) -> dict:
        unit = rows.department(self.conn, str(given["unit"]))
        if unit is None or not unit["active"]:
            raise InvalidInput(
                f"department {given['unit']!r} does not exist (or does not serve this area)",
                field="unit",
            )
        category = event["category"]
        group = self.config.categories[category].group if category in self.config.categories else ""
        takes = unit["categories"]
        if takes and category not in takes and group not in takes:
            raise InvalidInput(
                f"department {unit['code']} ({unit['name']}) does not take {category} events"
                f" (it takes: {', '.join(takes)})",
                field="unit",
            )
        if event["tries"] >= self.config.tries_per_level:
            raise Conflict(
                f"the {self.config.tries_per_level} tries at {event['level']} level are used up:"
                " escalate the event",
                allowed=["escalate"],
            )
        return {
            "department_id": unit["id"],
            "departments": sorted({*event["departments"], unit["id"]}),
            "tries": event["tries"] + 1,
            "dispatches": event["dispatches"] + 1,
            "dispatched_at": event["dispatched_at"] or now,
        }

    def _on_accept(self, event: dict, given: dict, now: datetime) -> dict:
        return {"accepted_at": now}

    def _on_return(self, event: dict, given: dict, now: datetime) -> dict:
        return {"returns": event["returns"] + 1, "department_id": None}

    def _on_report_back(self, event: dict, given: dict, now: datetime) -> dict:
        ids = [int(i) for i in given["attachments"]]
        known = rows.attachment_ids(self.conn, event["id"])
        strangers = sorted(set(ids) - known)
        if strangers:
            raise InvalidInput(
                f"attachments {strangers} are not photos of event {event['id']}: upload them to"
                f" /api/v1/events/{event['id']}/attachments first",
                field="attachments",
            )
        on_time = event["deadline"] is None or now <= event["deadline"]
        return {"handled_at": now, "handle_deadline": event["deadline"], "handled_on_time": on_time}

    def _on_close(self, event: dict, given: dict, now: datetime) -> dict:
        on_time = event["deadline"] is None or now <= event["deadline"]
        return {"closed_at": now, "closed_on_time": on_time}

    def _on_rework(self, event: dict, given: dict, now: datetime) -> dict:
        return {"reworks": event["reworks"] + 1}

    def _on_evaluate(self, event: dict, given: dict, now: datetime) -> dict:
        return {"satisfaction": int(given["score"]), "evaluated_at": now}

    def _on_escalate(self, event: dict, given: dict, now: datetime) -> dict:
        levels = list(self.config.levels)
        above = workflow.next_level(levels, event["level"])
        if above is None:
            raise Conflict(
                f"event {event['id']} is at the top level ({event['level']}): it cannot go higher",
                allowed=[],
            )
        highest = max(event["max_level"], above, key=levels.index)
        return {
            "level": above,
            "max_level": highest,
            "tries": 0,
            "escalations": event["escalations"] + 1,
            "department_id": None,
            "on_hold": False,
        }

    def _on_extend(self, event: dict, given: dict, now: datetime) -> dict:
        until = given["until"]
        if not isinstance(until, datetime) or until.tzinfo is None:
            raise InvalidInput("until must be a date and time with its time zone", field="until")
        if until <= now or (event["deadline"] is not None and until <= event["deadline"]):
            raise InvalidInput(
                f"until {until.isoformat()} does not extend the deadline"
                f" ({event['deadline'].isoformat() if event['deadline'] else 'none'})",
                field="until",
            )
        amber = now + (until - now) * self.config.amber_share
        return {"deadline": until, "amber_at": amber}

    def _on_hold(self, event: dict, given: dict, now: datetime) -> dict:
        # on the 挂账 list the clock stops: no deadline until it is resumed
        return {"on_hold": True, "deadline": None, "amber_at": None}

    def _on_resume(self, event: dict, given: dict, now: datetime) -> dict:
        return {"on_hold": False}

    def _detail(self, action: str, given: dict, changes: dict) -> dict[str, Any] | None:
        detail = {
            key: given[key].isoformat() if isinstance(given.get(key), datetime) else given.get(key)
            for key in ("unit", "score", "original", "until")
            if given.get(key) is not None
        }
        for key in ("level", "deadline"):
            if key in changes and changes[key] is not None:
                value = changes[key]
                detail[key] = value.isoformat() if isinstance(value, datetime) else value
        return detail or None

    # -- reading ---------------------------------------------------------------------------

    def show(self, event_id: int, unmask: bool = False, purpose: str | None = None) -> dict:
        """An event with its labels, history, photos and the actions the caller may take now.
        The reporter's name and phone are masked unless ``unmask`` (audited, with a purpose)."""
        event = rows.get_event(self.conn, event_id)
        if event is None:
            raise NotFound(f"event {event_id} does not exist (or is not yours)")
        config = self.config
        reporter = self._reporter(event, unmask, purpose)
        for key in list(event):
            if key.startswith("reporter_"):
                event.pop(key)
        category = config.categories.get(event["category"])
        return {
            **event,
            "reporter_contact": reporter,
            "labels": {
                "state": config.states.get(event["state"], event["state"]),
                "category": category.label if category else event["category"],
                "group": config.groups.get(category.group) if category else None,
                "channel": config.channels.get(event["channel"], event["channel"]),
                "urgency": config.urgencies.get(event["urgency"], event["urgency"]),
                "level": config.levels.get(event["level"], event["level"]),
            },
            "history": rows.history(self.conn, event_id),
            "attachments": [
                {**a, "url": f"/api/v1/events/{event_id}/attachments/{a['id']}"}
                for a in rows.attachments(self.conn, event_id)
            ],
            "actions": self.allowed(event) if not self._is_public else [],
        }

    def _reporter(self, event: dict, unmask: bool, purpose: str | None) -> dict | None:
        if not (event.get("reporter_name_masked") or event.get("reporter_phone_masked")):
            return None
        if not unmask:
            return {
                "name": event.get("reporter_name_masked"),
                "phone": event.get("reporter_phone_masked"),
                "masked": True,
            }
        if not self.principal.can("events:write"):
            raise InvalidInput(
                f"role {self.principal.role!r} may not unmask a reporter's contact", field="unmask"
            )
        vault = pii.vault(self.settings)
        name = event.get("reporter_name_cipher")
        phone = event.get("reporter_phone_cipher")
        purpose = purpose or "call-back on an event (事件回访)"
        audit.record(
            self.conn,
            "pii_read",
            object_type="event_reporter",
            object_id=str(event["id"]),
            scope=event["grid_code"],
            detail={"purpose": purpose, "fields": ["name", "phone"], "event": event["id"]},
        )
        return {
            "name": vault.open("name", bytes(name)) if name else None,
            "phone": vault.open("phone", bytes(phone)) if phone else None,
            "masked": False,
            "purpose": purpose,
        }


def kpis(
    conn: Any,
    settings: Settings,
    since: datetime,
    until: datetime,
    prefix: str | None,
    group: str,
) -> dict[str, Any]:
    """The KPIs of a period per group (``gridmap.ops.kpi`` says how each is counted), in the
    caller's jurisdiction (row-level security) and under ``prefix``."""
    if until <= since:
        raise InvalidInput(f"to ({until.isoformat()}) must come after from", field="to")
    config = settings.events
    disputes = [c for c, spec in config.categories.items() if spec.group == config.dispute_group]
    found = rows.kpi_counts(
        conn, since, until, prefix, group, config.time_zone, disputes, config.local_levels
    )
    labels = _group_labels(conn, group, [r["key"] for r in found])
    groups = []
    for counts in found:
        rate = kpi.rates(counts)
        groups.append(
            {
                **counts,
                "label": labels.get(counts["key"], counts["key"]),
                "rates": rate,
                "composite": kpi.composite(rate, config.kpi_weights),
            }
        )
    return {
        "from": since.isoformat(),
        "to": until.isoformat(),
        "group": group,
        "groups": groups,
        "rate_labels": kpi.RATE_LABELS,
        "weights": config.kpi_weights,
    }


def _group_labels(conn: Any, group: str, keys: list[str]) -> dict[str, str]:
    """Names for the groups' keys: townships, grids and departments by name."""
    if group == "department":
        return {str(d["id"]): d["name"] for d in rows.list_departments(conn, active=None)}
    if group in ("region", "grid"):
        return rows.names_of(conn, "regions" if group == "region" else "grids", keys)
    return {}
