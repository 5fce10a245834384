"""Points (积分) and rankings of grid workers and departments, monthly and quarterly.

Each month a subject earns points by the configured rules (``GRIDMAP_EVENTS_POINTS``): a worker
for each report that was verified (registered), each patrol hour, each all-safe day; minus for
false reports (rejected) and for events of their grid closed late; a department for each event
handled on time, minus for each handled late and each returned. Manual points from spot checks
(with a reason) add to these. Bonuses are capped (``points_monthly_cap``) and a month's score
never falls below zero; a quarter is the sum of its months.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from gridmap.core.access import Principal
from gridmap.core.errors import InvalidInput, NotFound
from gridmap.core.settings import Settings
from gridmap.layers import fieldwork, points

PERIOD = re.compile(r"^([1-9][0-9]{3})-(?:(0[1-9]|1[0-2])|Q([1-4]))$")


def months_of(period: str) -> list[date]:
    """The first days of the months of ``2026-11`` or ``2026-Q4``."""
    found = PERIOD.match(period or "")
    if not found:
        raise InvalidInput(
            f"period {period!r} is not a month (2026-11) or a quarter (2026-Q4)", field="period"
        )
    year = int(found.group(1))
    if found.group(2):
        return [date(year, int(found.group(2)), 1)]
    first = (int(found.group(3)) - 1) * 3 + 1
    return [date(year, month, 1) for month in range(first, first + 3)]


def score(items: dict[str, float], cap: float) -> float:
    """A month's score: bonuses capped at ``cap``, deductions after, never below zero."""
    bonus = sum(v for v in items.values() if v > 0)
    malus = sum(v for v in items.values() if v < 0)
    return round(max(0.0, min(bonus, cap) + malus), 2)


def ranking(conn: Any, settings: Settings, period: str, kind: str) -> dict[str, Any]:
    """Every subject's score of each month of the period and in all, best first, with the
    items each score is made of."""
    if kind not in ("worker", "department"):
        raise InvalidInput(f"kind {kind!r} is not worker or department", field="kind")
    config = settings.events
    subjects: dict[str, dict[str, Any]] = {}
    for month in months_of(period):
        counted = points.month_items(conn, kind, month, config.time_zone, config.points)
        for subject, items in counted.items():
            entry = subjects.setdefault(subject, {"subject": subject, "months": {}, "score": 0.0})
            month_score = score(items, config.points_monthly_cap)
            entry["months"][month.strftime("%Y-%m")] = {"items": items, "score": month_score}
            entry["score"] = round(entry["score"] + month_score, 2)
    ranked = sorted(subjects.values(), key=lambda e: (-e["score"], e["subject"]))
    labels = points.subject_labels(conn, kind, [e["subject"] for e in ranked])
    for place, entry in enumerate(ranked, start=1):
        entry["rank"] = place
        entry["label"] = labels.get(entry["subject"], entry["subject"])
    return {"period": period, "kind": kind, "rules": config.points, "ranking": ranked}


def adjust(
    conn: Any,
    settings: Settings,
    principal: Principal,
    kind: str,
    subject: str,
    month: str,
    value: float,
    reason: str,
) -> dict[str, Any]:
    """Manual points from a spot check (抽查), with a reason, in the subject's jurisdiction."""
    limit = settings.events.points_manual_limit
    if abs(value) > limit:
        raise InvalidInput(f"{value} points is more than ±{limit} at once", field="points")
    if not reason or not reason.strip():
        raise InvalidInput("a reason is required", field="reason")
    months = months_of(month)
    if len(months) != 1:
        raise InvalidInput(f"month {month!r} must be one month (2026-11)", field="month")
    if kind not in ("worker", "department"):
        raise InvalidInput(f"kind {kind!r} is not worker or department", field="kind")
    scope = points.subject_scope(conn, kind, subject)
    if scope is None:
        raise NotFound(f"{kind} {subject!r} does not exist (or lies outside your jurisdiction)")
    record = {
        "subject_kind": kind,
        "subject": subject,
        "scope": scope,
        "month": months[0],
        "points": value,
        "reason": reason.strip(),
    }
    record["id"] = fieldwork.add_adjustment(conn, record)
    return {**record, "month": months[0].strftime("%Y-%m"), "actor": principal.username}
