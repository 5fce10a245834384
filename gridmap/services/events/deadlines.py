"""Deadlines of event steps (办件时限): the rule of a (category, step, urgency), counted on the
deployment's work calendar (工作日历), with the moment a step turns amber."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from gridmap.core.event_settings import STEP_OF_STATE, EventSettings
from gridmap.ops import workflow
from gridmap.ops.worktime import WorkCalendar


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


@dataclass(frozen=True)
class Due:
    """A step's deadline, the moment it turns amber, and what the calendar had to say."""

    step: str | None
    at: datetime | None
    amber_at: datetime | None
    warnings: tuple[str, ...] = ()


def due(config: EventSettings, category: str, state: str, urgency: str, start: datetime) -> Due:
    """The deadline of the step an event in ``state`` waits for, counted from ``start``."""
    step = STEP_OF_STATE.get(state)
    if step is None:
        return Due(None, None, None)
    spec = config.categories.get(category)
    rule = workflow.deadline_rule(
        config.deadlines, category, spec.group if spec else "", step, urgency
    )
    if rule is None:
        return Due(step, None, None)
    calendar = work_calendar(config)
    deadline = calendar.add(start, rule.amount, rule.unit)
    amber = calendar.add(start, rule.amount * config.amber_share, rule.unit)
    return Due(step, deadline.at, amber.at, deadline.warnings)
