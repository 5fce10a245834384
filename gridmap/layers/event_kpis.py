"""KPI counts of events (考核指标): counted from ``events`` for any period, and kept by month
(``event_kpi_months``, migration 0017) so that a long period adds up months already counted.

Counts are what ``gridmap.ops.kpi`` defines, per group, with the sums and counts its means are
made of (``satisfaction_sum``/``satisfaction_n``, ``{step}_s``/``{step}_n``) and the intake per
channel: rows of one shape whether counted from the events or added up from months, so they
add up (``gridmap.ops.kpi.combine``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, text
from sqlalchemy.dialects.postgresql import JSONB

from gridmap.core.codes import RegionLevel, significant_digits
from gridmap.db import sql
from gridmap.db.schema import code_type, identity_id, metadata

TOWNSHIP_DIGITS = significant_digits(RegionLevel.TOWNSHIP)
TOWNSHIP = f"left(e.grid_code, {TOWNSHIP_DIGITS})"  # the township an event lies in
KPI_GROUPS = {
    "total": "CAST('all' AS text)",  # not a bare literal: GROUP BY takes those as positions
    "region": f"{TOWNSHIP} || '000'",
    "grid": "e.grid_code",
    "department": "coalesce(e.department_id::text, '-')",
    "category": "e.category",
}
# a step's time: from one milestone to the next
_STEP_SPANS = {
    "register": ("e.reported_at", "e.registered_at"),
    "dispatch": ("e.registered_at", "e.dispatched_at"),
    "accept": ("e.dispatched_at", "e.accepted_at"),
    "handle": ("e.accepted_at", "e.handled_at"),
    "close": ("e.handled_at", "e.closed_at"),
}


def _conditions(local: str, dispute: str, same_day: str) -> dict[str, tuple[str, str]]:
    """Each count: (its cohort, the condition within it), as ``gridmap.ops.kpi`` defines them."""
    closed = "e.closed_at IS NOT NULL"
    return {
        "reported": ("rep", "true"),
        "registered": ("reg", "true"),
        "closed": ("reg", closed),
        "closed_on_time": ("reg", "e.closed_on_time"),
        "closed_local": ("reg", f"{closed} AND {local}"),
        "disputes_closed": ("reg", f"{closed} AND {dispute}"),
        "disputes_closed_local": ("reg", f"{closed} AND {dispute} AND {local}"),
        "dispatched": ("dis", "true"),
        "handled": ("dis", "e.handled_at IS NOT NULL"),
        "handled_on_time": ("dis", "e.handled_on_time"),
        "reworked": ("dis", "e.reworks > 0"),
        "returned": ("dis", "e.returns > 0"),
        "same_day": ("rep", f"{closed} AND {same_day}"),
        "evaluated": ("reg", "e.satisfaction IS NOT NULL"),
        "satisfied": ("reg", "e.satisfaction >= 4"),
    }


COUNTS = (*_conditions("", "", ""), "satisfaction_sum", "satisfaction_n")
SUMS = (*COUNTS, *(f"{s}_s" for s in _STEP_SPANS), *(f"{s}_n" for s in _STEP_SPANS))

# event_kpi_months (考核指标月度汇总): one UTC month's counts of one township's events per group
event_kpi_months_table = sa.Table(
    "event_kpi_months",
    metadata,
    sa.Column("month", sa.Date, nullable=False),
    sa.Column("township", code_type(TOWNSHIP_DIGITS), nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("key", sa.Text, nullable=False),
    sa.Column("fingerprint", sa.Text, nullable=False),
    *(
        sa.Column(
            name,
            sa.Float if name.endswith("_s") else sa.BigInteger,
            nullable=False,
            server_default=text("0"),
        )
        for name in SUMS
    ),
    sa.Column("intake", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    sa.PrimaryKeyConstraint("month", "township", "kind", "key", name="event_kpi_months_pkey"),
    sa.CheckConstraint("EXTRACT(day FROM month) = 1", name="event_kpi_months_month_check"),
    # every (month, township) counted has a total row: where the fingerprint is checked
    sa.Index(
        "event_kpi_months_total_idx",
        "month",
        "township",
        postgresql_include=["fingerprint"],
        postgresql_where=text("kind = 'total'::text"),  # as PostgreSQL writes it back
    ),
    comment="KPI counts by month (考核指标月度汇总)",
)

# event_kpi_stale: the (month, township) pairs written since they were counted (a trigger)
event_kpi_stale_table = sa.Table(
    "event_kpi_stale",
    metadata,
    identity_id(),
    sa.Column("month", sa.Date, nullable=False),
    sa.Column("township", code_type(TOWNSHIP_DIGITS), nullable=False),
    sa.PrimaryKeyConstraint("id", name="event_kpi_stale_pkey"),
    sa.Index("event_kpi_stale_month_idx", "month", "township"),
    comment="KPI months written since counted",
)


_COHORTS = {
    "rep": "e.reported_at >= :since AND e.reported_at < :until",
    "reg": "e.registered_at >= :since AND e.registered_at < :until",
    "dis": "e.dispatched_at >= :since AND e.dispatched_at < :until",
}


def _per_channel(dimensions: dict[str, str], area: str) -> str:
    """The counts per ``dimensions`` (name: expression) and channel of the events in a cohort
    of [:since, :until) under ``area``: one scan, aggregated in parallel."""
    same_day = "(e.closed_at AT TIME ZONE :tz)::date = (e.reported_at AT TIME ZONE :tz)::date"
    counts = _conditions(
        "e.max_level = ANY (:local_levels)", "e.category = ANY (:disputes)", same_day
    )
    registered = _COHORTS["reg"]
    inner = [
        f"count(*) FILTER (WHERE {_COHORTS[cohort]} AND {condition}) AS {name}"
        for name, (cohort, condition) in counts.items()
    ]
    inner += [
        f"coalesce(sum(e.satisfaction) FILTER (WHERE {registered}), 0) AS satisfaction_sum",
        f"count(e.satisfaction) FILTER (WHERE {registered}) AS satisfaction_n",
    ]
    for step, (a, b) in _STEP_SPANS.items():
        inner += [
            f"coalesce(sum(extract(epoch FROM {b} - {a})) FILTER (WHERE {registered}), 0)"
            f" AS {step}_s",
            f"count({b} - {a}) FILTER (WHERE {registered}) AS {step}_n",
        ]
    chosen = ", ".join(f"{expr} AS {name}" for name, expr in dimensions.items())
    cohort = " OR ".join(f"({condition})" for condition in _COHORTS.values())
    return f"""
        SELECT {chosen}, e.channel, {", ".join(inner)}
          FROM events e WHERE ({cohort}) AND {area}
         GROUP BY {", ".join(dimensions)}, e.channel
    """


def _rolled(names: list[str], per_channel: str) -> str:
    """Counts per channel summed per ``names``, the intake kept per channel. (Counting per
    channel first and summing after aggregates in parallel; GROUPING SETS could not, and
    sorted a city-year's million rows to disk: 3.0 s → 1.7 s.)"""
    listed = ", ".join(names)
    return f"""
        SELECT {listed}, {", ".join(f"sum({n})::{_type(n)} AS {n}" for n in SUMS)},
               coalesce(jsonb_object_agg(channel, reported) FILTER (WHERE reported > 0),
                        '{{}}') AS intake
          FROM ({per_channel}) per_channel
         GROUP BY {listed}
    """


def _type(name: str) -> str:
    return "float" if name.endswith("_s") else "bigint"


def _params(since: datetime, until: datetime, config: dict[str, Any]) -> dict[str, Any]:
    return {"since": since, "until": until, **config}


def counted(
    conn: Connection,
    since: datetime,
    until: datetime,
    prefix: str | None,
    group: str,
    config: dict[str, Any],
) -> list[dict[str, Any]]:
    """The counts per group of the events the caller sees under ``prefix``, each cohort by
    its own date in [since, until). ``config``: tz, disputes, local_levels."""
    area = sql.Where().code_range("e.grid_code", prefix)
    query = _rolled(["key"], _per_channel({"key": KPI_GROUPS[group]}, area.sql))
    return sql.rows(conn, query, {**_params(since, until, config), **area.params})


def kept(
    conn: Connection, months: list[date], prefix: str | None, group: str, fingerprint: str
) -> list[dict[str, Any]]:
    """The counts per group added up over ``months`` kept (townships under ``prefix``)."""
    area = sql.Where().code_range("m.township", prefix[:TOWNSHIP_DIGITS] if prefix else None)
    where = f"m.kind = :kind AND m.month = ANY (:months) AND m.fingerprint = :fp AND {area.sql}"
    query = f"""
        WITH m AS (SELECT m.* FROM event_kpi_months m WHERE {where}),
             intake AS (
               SELECT key, jsonb_object_agg(channel, n) AS intake
                 FROM (SELECT m.key, c.key AS channel, sum(c.value::bigint) AS n
                         FROM m, jsonb_each_text(m.intake) c GROUP BY 1, 2) per_channel
                GROUP BY key)
        SELECT t.*, coalesce(i.intake, '{{}}') AS intake
          FROM (SELECT m.key, {", ".join(f"sum(m.{n})::{_type(n)} AS {n}" for n in SUMS)}
                  FROM m GROUP BY m.key) t
          LEFT JOIN intake i USING (key)
    """
    params = {"kind": group, "months": months, "fp": fingerprint, **area.params}
    return sql.rows(conn, query, params)


def stale(
    conn: Connection,
    months: list[date] | None,
    prefix: str | None,
    fingerprint: str,
    before: date | None = None,
) -> dict[date, list[str]]:
    """The townships under ``prefix`` whose counts of each of ``months`` (None: every month
    before ``before``) are stale: written since counted, or counted under another
    configuration."""
    area = sql.Where().code_range("township", prefix[:TOWNSHIP_DIGITS] if prefix else None)
    if months is None:
        area.add("month < :before", before=before)
    else:
        area.add("month = ANY (:months)", months=months)
    found = conn.execute(
        text(
            f"SELECT month, township FROM event_kpi_stale WHERE {area.sql}"
            f" UNION SELECT month, township FROM event_kpi_months"
            f" WHERE kind = 'total' AND fingerprint <> :fp AND {area.sql}"
        ),
        {"fp": fingerprint, **area.params},
    ).all()
    pairs: dict[date, list[str]] = {}
    for month, township in found:
        pairs.setdefault(month, []).append(township)
    return pairs


def recount(
    conn: Connection,
    month: date,
    until: date,
    townships: list[str],
    config: dict[str, Any],
    fingerprint: str,
) -> None:
    """Count [month, until) again for ``townships`` (every group kind) and keep it. The notes
    that made them stale and that this transaction sees go; one written meanwhile stays. One
    month is recounted at a time (an advisory lock), so two callers do not count it at once."""
    conn.execute(
        text("SELECT pg_advisory_xact_lock(hashtext('event_kpi_months'), :day)"),
        {"day": month.toordinal()},
    )
    pairs = {"month": month, "townships": townships}
    conn.execute(
        text("DELETE FROM event_kpi_stale WHERE month = :month AND township = ANY (:townships)"),
        pairs,
    )
    conn.execute(
        text("DELETE FROM event_kpi_months WHERE month = :month AND township = ANY (:townships)"),
        pairs,
    )
    area = f"{TOWNSHIP} = ANY (:townships)"
    start = datetime.combine(month, datetime.min.time(), tzinfo=UTC)
    end = datetime.combine(until, datetime.min.time(), tzinfo=UTC)
    # the month's events scanned once, at the grain of every kind's key (named as in events,
    # so that KPI_GROUPS reads them), then each kind summed from that
    finest = {name: f"e.{name}" for name in ("grid_code", "department_id", "category")}
    conn.execute(text("DROP TABLE IF EXISTS pg_temp.kpi_month"))
    conn.execute(
        text(f"CREATE TEMP TABLE kpi_month ON COMMIT DROP AS {_per_channel(finest, area)}"),
        {**_params(start, end, config), **pairs},
    )
    columns = ", ".join(SUMS)
    for kind, key in KPI_GROUPS.items():
        per_channel = (
            f"SELECT {TOWNSHIP} AS township, {key} AS key, e.channel,"
            f" {', '.join(f'sum({n}) AS {n}' for n in SUMS)}"
            f" FROM kpi_month e GROUP BY 1, 2, 3"
        )
        conn.execute(
            text(
                f"INSERT INTO event_kpi_months (month, township, kind, key, fingerprint,"
                f" {columns}, intake) SELECT :month, township, :kind, key, :fp, {columns},"
                f" intake FROM ({_rolled(['township', 'key'], per_channel)}) c"
            ),
            {**pairs, "kind": kind, "fp": fingerprint},
        )
