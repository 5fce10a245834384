"""The event workflow (事件流转) as a state machine given by configuration: which actions a role
may take now, what each needs, which level comes next, and which deadline rule applies.

Pure: the actions, levels and rules come in as arguments (``gridmap.core.event_settings``
describes them and holds the defaults of the six-step closed loop, 六步闭环).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gridmap.core.errors import InvalidInput
from gridmap.core.event_settings import Action, DeadlineRule


def allowed(
    actions: Mapping[str, Action],
    state: str,
    role: str,
    level: str,
    on_hold: bool,
) -> list[str]:
    """The actions a role may take on an event in ``state`` at ``level``, in the configured
    order. An event on hold (挂账) may only be resumed (or escalated); ``admin`` may take any
    action a role may."""
    found = []
    for name, action in actions.items():
        if state not in action.sources:
            continue
        if role not in action.roles and not (role == "admin" and action.roles):
            continue
        if action.levels and level not in action.levels:
            continue
        if on_hold and name not in ("resume", "escalate"):
            continue
        if not on_hold and name == "resume":
            continue
        found.append(name)
    return found


def check_needs(name: str, action: Action, given: Mapping[str, Any]) -> None:
    """Refuse a transition that lacks what its action needs, naming the field and why."""
    what = {
        "reason": "a reason (why)",
        "unit": "the department to dispatch to (its code)",
        "photo": "at least one photo (an attachment id uploaded to this event)",
        "score": "a satisfaction score from 1 to 5",
        "original": "the id of the event this one duplicates",
        "until": "the new deadline (ISO 8601 with a time zone)",
    }
    for need in action.needs:
        field = "attachments" if need == "photo" else need
        value = given.get(field)
        missing = value is None or (isinstance(value, str | list | tuple) and not value)
        if missing:
            raise InvalidInput(f"{name} needs {what[need]}: give {field!r}", field=field)
    score = given.get("score")
    if "score" in action.needs and not (isinstance(score, int) and 1 <= score <= 5):
        raise InvalidInput(
            f"{name} needs a satisfaction score from 1 to 5, not {score!r}", field="score"
        )


def next_level(levels: Sequence[str], level: str) -> str | None:
    """The level above ``level`` (village → township → county), None at the top."""
    index = list(levels).index(level)
    return levels[index + 1] if index + 1 < len(levels) else None


def deadline_rule(
    rules: Sequence[DeadlineRule], category: str, group: str, step: str, urgency: str
) -> DeadlineRule | None:
    """The most specific rule for a step: the category beats its group beats ``*``, then an
    exact urgency beats ``*``; among equals the last one given wins (a deployment's override)."""
    best: tuple[int, int] | None = None
    chosen = None
    for rule in rules:
        if rule.step != step:
            continue
        kind = {category: 2, group: 1, "*": 0}.get(rule.category)
        if kind is None or rule.urgency not in (urgency, "*"):
            continue
        rank = (kind, int(rule.urgency == urgency))
        if best is None or rank >= best:
            best, chosen = rank, rule
    return chosen
