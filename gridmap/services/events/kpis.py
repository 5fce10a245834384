"""KPIs of event handling per region, grid, department or category (考核指标); how each cohort
and rate is counted is ``gridmap.ops.kpi``'s docstring."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gridmap.core.errors import InvalidInput
from gridmap.core.settings import Settings
from gridmap.layers import events as rows
from gridmap.ops import kpi


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
