"""What each action of the workflow changes besides the state (流转的作用): milestones,
counters, the level, the department, the deadline. One function per action, each given the
event as locked, what the caller sent, and the transaction's time; an action with no function
changes only the state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from gridmap.core.errors import Conflict, InvalidInput
from gridmap.core.event_settings import EventSettings
from gridmap.layers import events as rows
from gridmap.ops import workflow

Changes = dict[str, Any]


@dataclass(frozen=True)
class Step:
    """An action being taken: the event as locked, what the caller sent, the time."""

    conn: Connection
    config: EventSettings
    event: dict[str, Any]
    given: dict[str, Any]
    now: datetime


Effect = Callable[[Step], Changes]


def on_register(step: Step) -> Changes:
    return {"registered_at": step.event["registered_at"] or step.now}


def on_mark_duplicate(step: Step) -> Changes:
    original = int(step.given["original"])
    if original == step.event["id"] or rows.get_event(step.conn, original) is None:
        raise InvalidInput(
            f"event {original} cannot be the original of event {step.event['id']}: it does not"
            " exist for you, or it is this one",
            field="original",
        )
    return {"duplicate_of": original}


def on_dispatch(step: Step) -> Changes:
    unit = rows.department(step.conn, str(step.given["unit"]))
    if unit is None or not unit["active"]:
        raise InvalidInput(
            f"department {step.given['unit']!r} does not exist (or does not serve this area)",
            field="unit",
        )
    category = step.event["category"]
    spec = step.config.categories.get(category)
    takes = unit["categories"]
    if takes and category not in takes and (spec is None or spec.group not in takes):
        raise InvalidInput(
            f"department {unit['code']} ({unit['name']}) does not take {category} events"
            f" (it takes: {', '.join(takes)})",
            field="unit",
        )
    if step.event["tries"] >= step.config.tries_per_level:
        raise Conflict(
            f"the {step.config.tries_per_level} tries at {step.event['level']} level are used up:"
            " escalate the event",
            allowed=["escalate"],
        )
    return {
        "department_id": unit["id"],
        "departments": sorted({*step.event["departments"], unit["id"]}),
        "tries": step.event["tries"] + 1,
        "dispatches": step.event["dispatches"] + 1,
        "dispatched_at": step.event["dispatched_at"] or step.now,
    }


def on_accept(step: Step) -> Changes:
    return {"accepted_at": step.now}


def on_return(step: Step) -> Changes:
    return {"returns": step.event["returns"] + 1, "department_id": None}


def on_report_back(step: Step) -> Changes:
    ids = [int(i) for i in step.given["attachments"]]
    strangers = sorted(set(ids) - rows.attachment_ids(step.conn, step.event["id"]))
    if strangers:
        raise InvalidInput(
            f"attachments {strangers} are not photos of event {step.event['id']}: upload them to"
            f" /api/v1/events/{step.event['id']}/attachments first",
            field="attachments",
        )
    on_time = step.event["deadline"] is None or step.now <= step.event["deadline"]
    return {
        "handled_at": step.now,
        "handle_deadline": step.event["deadline"],
        "handled_on_time": on_time,
    }


def on_close(step: Step) -> Changes:
    on_time = step.event["deadline"] is None or step.now <= step.event["deadline"]
    return {"closed_at": step.now, "closed_on_time": on_time}


def on_rework(step: Step) -> Changes:
    return {"reworks": step.event["reworks"] + 1}


def on_evaluate(step: Step) -> Changes:
    return {"satisfaction": int(step.given["score"]), "evaluated_at": step.now}


def on_escalate(step: Step) -> Changes:
    levels = list(step.config.levels)
    above = workflow.next_level(levels, step.event["level"])
    if above is None:
        raise Conflict(
            f"event {step.event['id']} is at the top level ({step.event['level']}): it cannot"
            " go higher",
            allowed=[],
        )
    return {
        "level": above,
        "max_level": max(step.event["max_level"], above, key=levels.index),
        "tries": 0,
        "escalations": step.event["escalations"] + 1,
        "department_id": None,
        "on_hold": False,
    }


def on_extend(step: Step) -> Changes:
    until = step.given["until"]
    if not isinstance(until, datetime) or until.tzinfo is None:
        raise InvalidInput("until must be a date and time with its time zone", field="until")
    current = step.event["deadline"]
    if until <= step.now or (current is not None and until <= current):
        shown = current.isoformat() if current else "none"
        raise InvalidInput(
            f"until {until.isoformat()} does not extend the deadline ({shown})", field="until"
        )
    return {"deadline": until, "amber_at": step.now + (until - step.now) * step.config.amber_share}


def on_hold(step: Step) -> Changes:
    # on the 挂账 list the clock stops: no deadline until it is resumed
    return {"on_hold": True, "deadline": None, "amber_at": None}


def on_resume(step: Step) -> Changes:
    return {"on_hold": False}


EFFECTS: dict[str, Effect] = {
    name.removeprefix("on_"): function
    for name, function in list(globals().items())
    if name.startswith("on_") and callable(function)
}
# actions that set their own deadline (or none), and those that restart the clock
KEEPS_DEADLINE = ("extend", "hold")
RESTARTS_CLOCK = ("resume", "escalate")
