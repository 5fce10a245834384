"""What points (积分) are counted from: a month's reports, patrols, all-safe days and late
closes of each worker, and handled, late and returned events of each department, plus the
manual points of spot checks; all under the caller's row-level security."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from gridmap.db import sql

_PERIOD = """
    period AS (SELECT CAST(:month AS date)::timestamp AT TIME ZONE :tz AS lo,
                      (CAST(:month AS date) + interval '1 month')::timestamp AT TIME ZONE :tz
                        AS hi)
"""

_WORKER_COUNTS = f"""
    WITH {_PERIOD},
    reports AS (
      SELECT e.reporter AS subject,
             count(*) FILTER (WHERE e.registered_at IS NOT NULL) AS verified_report,
             count(*) FILTER (WHERE e.state = 'rejected') AS false_report
        FROM events e, period
       WHERE e.reporter IS NOT NULL AND e.channel = 'grid_worker'
         AND e.reported_at >= period.lo AND e.reported_at < period.hi
       GROUP BY 1),
    walks AS (
      SELECT p.worker AS subject,
             sum(extract(epoch FROM p.ended_at - p.started_at)) / 3600 AS patrol_hour
        FROM patrols p, period
       WHERE p.ended_at IS NOT NULL AND p.started_at >= period.lo AND p.started_at < period.hi
       GROUP BY 1),
    safe AS (
      SELECT worker AS subject, count(*) AS all_safe_day FROM all_safe
       WHERE day >= CAST(:month AS date) AND day < CAST(:month AS date) + interval '1 month'
       GROUP BY 1),
    late AS (
      SELECT h.actor AS subject, count(*) AS overdue
        FROM event_history h JOIN events e ON e.id = h.event_id, period
       WHERE h.action = 'close' AND e.closed_on_time = false
         AND h.at >= period.lo AND h.at < period.hi
       GROUP BY 1),
    subjects AS (
      SELECT subject FROM reports UNION SELECT subject FROM walks
      UNION SELECT subject FROM safe UNION SELECT subject FROM late)
    SELECT s.subject, coalesce(r.verified_report, 0) AS verified_report,
           coalesce(r.false_report, 0) AS false_report, coalesce(w.patrol_hour, 0) AS patrol_hour,
           coalesce(a.all_safe_day, 0) AS all_safe_day, coalesce(l.overdue, 0) AS overdue
      FROM subjects s LEFT JOIN reports r USING (subject) LEFT JOIN walks w USING (subject)
      LEFT JOIN safe a USING (subject) LEFT JOIN late l USING (subject)
"""

_DEPARTMENT_COUNTS = f"""
    WITH {_PERIOD},
    handled AS (
      SELECT e.department_id::text AS subject,
             count(*) FILTER (WHERE e.handled_on_time) AS handled_on_time,
             count(*) FILTER (WHERE NOT e.handled_on_time) AS overdue
        FROM events e, period
       WHERE e.department_id IS NOT NULL AND e.handled_at >= period.lo
         AND e.handled_at < period.hi
       GROUP BY 1),
    back AS (
      SELECT h.department_id::text AS subject, count(*) AS returned
        FROM event_history h, period
       WHERE h.action = 'return' AND h.department_id IS NOT NULL
         AND h.at >= period.lo AND h.at < period.hi
       GROUP BY 1),
    subjects AS (SELECT subject FROM handled UNION SELECT subject FROM back)
    SELECT s.subject, coalesce(h.handled_on_time, 0) AS handled_on_time,
           coalesce(h.overdue, 0) AS overdue, coalesce(b.returned, 0) AS returned
      FROM subjects s LEFT JOIN handled h USING (subject) LEFT JOIN back b USING (subject)
"""


def month_items(
    conn: Connection, kind: str, month: date, time_zone: str, rules: dict[str, float]
) -> dict[str, dict[str, float]]:
    """Each subject's points of a month by item (count × its rule), manual points included."""
    query = _WORKER_COUNTS if kind == "worker" else _DEPARTMENT_COUNTS
    params = {"month": month, "tz": time_zone}
    found: dict[str, dict[str, float]] = {}
    for row in sql.rows(conn, query, params):
        subject = row.pop("subject")
        found[subject] = {
            item: round(float(count) * rules.get(item, 0), 2) for item, count in row.items()
        }
    manual = conn.execute(
        text(
            "SELECT subject, sum(points) FROM point_adjustments"
            " WHERE subject_kind = :kind AND month = :month GROUP BY 1"
        ),
        {"kind": kind, "month": month},
    )
    for subject, value in manual:
        found.setdefault(subject, {})["manual"] = round(float(value), 2)
    return found


def subject_labels(conn: Connection, kind: str, subjects: list[str]) -> dict[str, str]:
    """What to call the subjects: departments by name, workers by their username."""
    if kind != "department":
        return {}
    ids = [int(s) for s in subjects if s.isdigit()]
    found = conn.execute(
        text("SELECT id::text, name FROM departments WHERE id = ANY (:ids)"), {"ids": ids}
    )
    return dict(found.all())


def subject_scope(conn: Connection, kind: str, subject: str) -> str | None:
    """The jurisdiction a subject's points belong to: a department's scope, or the grid a
    worker last patrolled, reported or was safe in (None when the caller sees none of it)."""
    if kind == "department":
        if not subject.isdigit():
            return None
        return conn.execute(
            text("SELECT scope FROM departments WHERE id = :id"), {"id": int(subject)}
        ).scalar()
    return conn.execute(
        text(
            "SELECT grid_code FROM ("
            " SELECT grid_code, started_at AS at FROM patrols WHERE worker = :s"
            " UNION ALL SELECT grid_code, at FROM all_safe WHERE worker = :s"
            " UNION ALL SELECT grid_code, reported_at FROM events WHERE reporter = :s) t"
            " ORDER BY at DESC LIMIT 1"
        ),
        {"s": subject},
    ).scalar()


def rows_of(ranking: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A ranking flattened for a table: rank, subject, label, score."""
    return [
        {"rank": e["rank"], "subject": e["subject"], "label": e["label"], "score": e["score"]}
        for e in ranking
    ]
