"""The events desk (事件受理与流转): one transaction of one caller (scoped by row-level security).
``report`` takes an event in from any channel, ``transition`` takes an action of the configured
workflow, ``show`` reads one with its history and the actions the caller may take now."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from gridmap.core import pii
from gridmap.core.access import Principal
from gridmap.core.errors import Conflict, InvalidInput, NotFound
from gridmap.core.settings import Settings
from gridmap.db.sql import transaction_time
from gridmap.layers import audit
from gridmap.layers import events as rows
from gridmap.ops import workflow
from gridmap.services.events.deadlines import due
from gridmap.services.events.effects import EFFECTS, KEEPS_DEADLINE, RESTARTS_CLOCK, Step
from gridmap.services.events.intake import (
    Intake,
    check_vocabulary,
    locate,
    related,
    sealed_reporter,
)


class EventDesk:
    """The events desk of one transaction, as one caller."""

    def __init__(self, conn: Any, settings: Settings, principal: Principal) -> None:
        self.conn = conn
        self.settings = settings
        self.config = settings.events
        self.principal = principal

    @property
    def _is_public(self) -> bool:
        return self.principal.user_id is None

    # -- intake ----------------------------------------------------------------------------

    def report(self, intake: Intake) -> dict[str, Any]:
        """Take an event in; returns it as ``show`` does, with possible duplicates. A retry of
        the same channel reference returns the event already taken in (``repeated``)."""
        check_vocabulary(self.config, intake, self._is_public)
        if intake.source_ref:
            existing = rows.by_source_ref(self.conn, intake.channel, intake.source_ref)
            if existing is not None:
                return {**self.show(existing), "repeated": True}
        record = locate(self.conn, intake)
        now = intake.reported_at or transaction_time(self.conn)
        auto = self._registers_on_intake(intake.channel)
        state = "registered" if auto else "reported"
        deadline = due(self.config, intake.category, state, intake.urgency, now)
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
            related=related(self.conn, intake.related),
            source_ref=intake.source_ref,
            deadline=deadline.at,
            amber_at=deadline.amber_at,
            deadline_step=deadline.step,
            reported_at=now,
            registered_at=now if auto else None,
            generated=intake.generated,
            **sealed_reporter(self.settings, intake),
        )
        event_id = rows.insert_event(self.conn, record)
        self._log(event_id, now, "report", None, "reported", first_level, channel=intake.channel)
        if auto:
            note = "registered on intake: seen on site by the grid worker"
            self._log(event_id, now, "register", "reported", state, first_level, note=note)
        shown = self.show(event_id)
        shown["calendar_warnings"] = list(deadline.warnings)
        if record.get("lon") is not None:
            near = self.duplicates(intake.category, record["lon"], record["lat"])
            shown["possible_duplicates"] = [d for d in near if d["id"] != event_id]
        return shown

    def _registers_on_intake(self, channel: str) -> bool:
        """A grid worker's own report is registered at once (it was seen on site)."""
        register = self.config.actions.get("register")
        return (
            channel in self.config.auto_register_channels
            and register is not None
            and self.principal.role in register.roles
        )

    def _log(
        self,
        event_id: int,
        at: datetime,
        action: str,
        source: str | None,
        target: str,
        level: str,
        note: str | None = None,
        **detail: Any,
    ) -> None:
        entry = {
            "at": at,
            "role": self.principal.role,
            "action": action,
            "from_state": source,
            "to_state": target,
            "level": level,
            "note": note,
            "detail": detail or None,
        }
        rows.add_history(self.conn, event_id, entry)

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

    # -- the loop --------------------------------------------------------------------------

    def transition(
        self, event_id: int, action: str, given: dict[str, Any], version: int | None
    ) -> dict[str, Any]:
        """Take ``action`` on an event: 409 with the allowed actions when it is not allowed
        now, 409 with the current version when the caller's is stale, 400 naming the field
        when what the action needs is missing."""
        event = self._locked(event_id, version)
        self._check_allowed(event, action)
        spec = self.config.actions[action]
        workflow.check_needs(action, spec, given)
        now = transaction_time(self.conn)
        effect = EFFECTS.get(action)
        changes = effect(Step(self.conn, self.config, event, given, now)) if effect else {}
        if spec.to is not None:
            changes["state"] = spec.to
        state = changes.get("state", event["state"])
        moved = state != event["state"] or action in RESTARTS_CLOCK
        if action not in KEEPS_DEADLINE and moved:
            step = due(self.config, event["category"], state, event["urgency"], now)
            changes.update(deadline=step.at, amber_at=step.amber_at, deadline_step=step.step)
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
                "detail": _detail(given, changes),
            },
        )
        if not rows.update(self.conn, event_id, event["version"], changes):
            raise Conflict(f"event {event_id} changed meanwhile: reload and retry")
        return self.show(event_id)

    def _locked(self, event_id: int, version: int | None) -> dict[str, Any]:
        event = rows.lock(self.conn, event_id)
        if event is None:
            raise NotFound(f"event {event_id} does not exist (or is not yours)")
        if version is not None and version != event["version"]:
            raise Conflict(
                f"event {event_id} changed since you read it (you sent version {version}, it is"
                f" now {event['version']}): reload and retry",
                version=event["version"],
            )
        return event

    def _check_allowed(self, event: dict[str, Any], action: str) -> None:
        actions = self.config.actions
        if action not in actions:
            raise InvalidInput(
                f"unknown action {action!r} (actions: {', '.join(actions)})", field="action"
            )
        allowed = self.allowed(event)
        if action not in allowed:
            hold = " on hold" if event["on_hold"] else ""
            raise Conflict(
                f"{action} is not allowed now: event {event['id']} is {event['state']}{hold} at"
                f" {event['level']} level; you may: {', '.join(allowed) or 'nothing'}",
                allowed=allowed,
                state=event["state"],
            )

    def allowed(self, event: dict[str, Any]) -> list[str]:
        """The actions the caller may take on an event now."""
        return workflow.allowed(
            self.config.actions,
            event["state"],
            self.principal.role,
            event["level"],
            event["on_hold"],
        )

    # -- reading ---------------------------------------------------------------------------

    def show(self, event_id: int, unmask: bool = False, purpose: str | None = None) -> dict:
        """An event with its labels, history, photos and the actions the caller may take now.
        The reporter's name and phone are masked unless ``unmask`` (audited, with a purpose)."""
        event = rows.get_event(self.conn, event_id)
        if event is None:
            raise NotFound(f"event {event_id} does not exist (or is not yours)")
        reporter = self._reporter(event, unmask, purpose)
        for key in [k for k in event if k.startswith("reporter_")]:
            event.pop(key)
        return {
            **event,
            "reporter_contact": reporter,
            "labels": self._labels(event),
            "history": rows.history(self.conn, event_id),
            "attachments": [
                {**a, "url": f"/api/v1/events/{event_id}/attachments/{a['id']}"}
                for a in rows.attachments(self.conn, event_id)
            ],
            "actions": [] if self._is_public else self.allowed(event),
        }

    def _labels(self, event: dict[str, Any]) -> dict[str, str | None]:
        config = self.config
        category = config.categories.get(event["category"])
        return {
            "state": config.states.get(event["state"], event["state"]),
            "category": category.label if category else event["category"],
            "group": config.groups.get(category.group) if category else None,
            "channel": config.channels.get(event["channel"], event["channel"]),
            "urgency": config.urgencies.get(event["urgency"], event["urgency"]),
            "level": config.levels.get(event["level"], event["level"]),
        }

    def _reporter(self, event: dict, unmask: bool, purpose: str | None) -> dict | None:
        """A citizen reporter's contact: masked, or in clear for staff who may act on the event
        (a call-back), every such read audited with its purpose in the event's grid."""
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
        name, phone = event.get("reporter_name_cipher"), event.get("reporter_phone_cipher")
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


def _detail(given: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any] | None:
    """What a history entry keeps besides its note: the unit, score, original, new deadline,
    new level (the event log from which KPIs can be recomputed)."""
    detail = {
        key: given[key].isoformat() if isinstance(given.get(key), datetime) else given.get(key)
        for key in ("unit", "score", "original", "until")
        if given.get(key) is not None
    }
    for key in ("level", "deadline"):
        value = changes.get(key)
        if value is not None:
            detail[key] = value.isoformat() if isinstance(value, datetime) else value
    return detail or None
