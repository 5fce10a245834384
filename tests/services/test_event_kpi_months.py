"""KPIs kept by month add up to the KPIs counted from the events: for every group, after an
old event changes (its month is recounted), and when the configuration they were counted
under changes."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, text

from gridmap.core.access import SYSTEM
from gridmap.core.settings import Settings
from gridmap.layers import event_kpis
from gridmap.ops import kpi
from gridmap.services import events as service


def _kept_and_counted(conn: Connection, settings: Settings, group: str) -> tuple[list, list]:
    """The KPIs of the last year as the service gives them (months kept), and as counted
    from the events in one pass, group by group."""
    until = datetime.now(UTC)
    since = until - timedelta(days=365)
    given = service.kpis(conn, settings, SYSTEM, since, until, None, group)["groups"]
    kept = [{k: v for k, v in g.items() if k not in ("label", "rates", "composite")} for g in given]
    config = service.counting_config(settings)
    counted = kpi.combine([event_kpis.counted(conn, since, until, None, group, config)])
    return kept, [kpi.finish(c) for c in counted]


def _months_kept(conn: Connection) -> int:
    return conn.execute(text("SELECT count(DISTINCT month) FROM event_kpi_months")).scalar_one()


@pytest.mark.parametrize("group", list(event_kpis.KPI_GROUPS))
def test_months_kept_add_up_to_the_events(conn: Connection, settings: Settings, group: str):
    kept, counted = _kept_and_counted(conn, settings, group)
    assert kept == counted
    assert sum(g["reported"] for g in kept) > 100  # the demo county's year of events
    assert _months_kept(conn) >= 10  # most of the year came from months kept


def test_an_old_event_changed_is_recounted(conn: Connection, settings: Settings) -> None:
    _kept_and_counted(conn, settings, "total")
    changed = conn.execute(
        text(
            "UPDATE events SET satisfaction = 1, max_level = 'county'"
            " WHERE id = (SELECT id FROM events WHERE closed_at < now() - interval '90 days'"
            " AND satisfaction = 5 ORDER BY id LIMIT 1)"
            " RETURNING date_trunc('month', registered_at AT TIME ZONE 'UTC')::date"
        )
    ).scalar_one()
    stale = conn.execute(
        text("SELECT count(*) FROM event_kpi_stale WHERE month = :m"), {"m": changed}
    ).scalar_one()
    assert stale >= 1
    for group in ("total", "department"):
        kept, counted = _kept_and_counted(conn, settings, group)
        assert kept == counted
    assert not conn.execute(
        text("SELECT count(*) FROM event_kpi_stale WHERE month = :m"), {"m": changed}
    ).scalar_one()


def test_counts_of_another_configuration_are_recounted(
    conn: Connection, settings: Settings
) -> None:
    before, _ = _kept_and_counted(conn, settings, "total")
    local = copy.copy(settings)
    local.events = settings.events.model_copy(update={"local_levels": ["village"]})
    kept, counted = _kept_and_counted(conn, local, "total")
    assert kept == counted
    assert kept[0]["closed_local"] < before[0]["closed_local"]
