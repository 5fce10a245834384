"""KPIs of event handling per region, grid, department or category (考核指标); how each cohort
and rate is counted is ``gridmap.ops.kpi``'s docstring.

A period's complete months are added up from the counts kept by month (``event_kpi_months``),
recounting first the months written since they were counted; the days before the first and
after the last (the current month among them) are counted from the events. Callers who see
events by more than their area (a department's own, the public's) are counted from the events
throughout: the months kept are whole townships'."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from typing import Any

from gridmap.core.access import ALL, Principal
from gridmap.core.errors import InvalidInput
from gridmap.core.settings import Settings
from gridmap.db.sql import transaction_time
from gridmap.layers import event_kpis
from gridmap.layers import events as rows
from gridmap.ops import kpi


def kpis(
    conn: Any,
    settings: Settings,
    principal: Principal,
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
    by_month = _sees_whole_townships(principal) and (
        prefix is None or len(prefix) <= event_kpis.TOWNSHIP_DIGITS
    )
    found = _counts(conn, settings, since, until, prefix, group, by_month)
    labels = _group_labels(conn, group, [r["key"] for r in found])
    groups = []
    for counts in found:
        rate = kpi.rates(counts)
        groups.append(
            {
                **kpi.finish(counts),
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


def count_months(conn: Any, settings: Settings) -> int:
    """Recount every complete month written since counted (after an import); returns how many
    months were recounted."""
    counting = counting_config(settings)
    current = _month_of(transaction_time(conn))
    fingerprint = _fingerprint(counting)
    stale = event_kpis.stale(conn, None, None, fingerprint, before=current)
    _recount(conn, stale, counting, fingerprint)
    return len(stale)


def _counts(
    conn: Any,
    settings: Settings,
    since: datetime,
    until: datetime,
    prefix: str | None,
    group: str,
    by_month: bool,
) -> list[dict[str, Any]]:
    counting = counting_config(settings)
    months = _whole_months(since, until, _month_of(transaction_time(conn)))
    if not (by_month and months):
        return kpi.combine([event_kpis.counted(conn, since, until, prefix, group, counting)])
    fingerprint = _fingerprint(counting)
    _recount(conn, event_kpis.stale(conn, months, prefix, fingerprint), counting, fingerprint)
    first, end = _start(months[0]), _start(_next(months[-1]))
    parts = [event_kpis.kept(conn, months, prefix, group, fingerprint)]
    for start, stop in ((since, first), (end, until)):
        if start < stop:
            parts.append(event_kpis.counted(conn, start, stop, prefix, group, counting))
    return kpi.combine(parts)


def _recount(
    conn: Any, stale: dict[date, list[str]], counting: dict[str, Any], fingerprint: str
) -> None:
    for month, townships in sorted(stale.items()):
        event_kpis.recount(conn, month, _next(month), townships, counting, fingerprint)


def _sees_whole_townships(principal: Principal) -> bool:
    """Whether the events the caller sees are exactly those of whole townships (their area,
    at township level or above), so that months kept per township add up to them."""
    if principal.scope == ALL:
        return principal.can("events:read")
    area = rows.own_area(principal)
    return area is not None and len(area) <= event_kpis.TOWNSHIP_DIGITS


def counting_config(settings: Settings) -> dict[str, Any]:
    """What counting depends on in configuration: the time zone of same-day clearance, the
    dispute categories, the levels that count as local."""
    config = settings.events
    disputes = [c for c, spec in config.categories.items() if spec.group == config.dispute_group]
    return {
        "tz": config.time_zone,
        "disputes": sorted(disputes),
        "local_levels": sorted(config.local_levels),
    }


def _fingerprint(counting: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(counting, sort_keys=True).encode()).hexdigest()[:16]


def _month_of(moment: datetime) -> date:
    utc = moment.astimezone(UTC)
    return date(utc.year, utc.month, 1)


def _next(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _start(month: date) -> datetime:
    return datetime(month.year, month.month, 1, tzinfo=UTC)


def _whole_months(since: datetime, until: datetime, current: date) -> list[date]:
    """The UTC months wholly inside [since, until) and before the current one."""
    month = _month_of(since)
    if _start(month) < since:
        month = _next(month)
    months = []
    while month < current and _start(_next(month)) <= until:
        months.append(month)
        month = _next(month)
    return months


def _group_labels(conn: Any, group: str, keys: list[str]) -> dict[str, str]:
    """Names for the groups' keys: townships, grids and departments by name."""
    if group == "department":
        return {str(d["id"]): d["name"] for d in rows.list_departments(conn, active=None)}
    if group in ("region", "grid"):
        return rows.names_of(conn, "regions" if group == "region" else "grids", keys)
    return {}
