"""Grid workers' field work (网格员巡查): patrols and their GPS points, all-safe reports
(无事报平安), check-ins at must-visit points (必到点), and manual points (积分) from spot checks.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy import Connection, text

from gridmap.db import sql
from gridmap.db.schema import actor, code_type, flag, identity_id, metadata, point

# patrols (巡查): a worker's walk through their grid, its track built when it stops
patrols_table = sa.Table(
    "patrols",
    metadata,
    identity_id(),
    sa.Column("worker", sa.Text, nullable=False),
    sa.Column("grid_code", code_type(15), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ended_at", sa.DateTime(timezone=True)),
    sa.Column("track", Geometry("LINESTRING", srid=4326, spatial_index=False)),
    sa.Column("length_m", sa.Double),
    sa.Column("points", sa.Integer, nullable=False, server_default=text("0")),
    flag("generated"),
    sa.PrimaryKeyConstraint("id", name="patrols_pkey"),
    sa.CheckConstraint(
        "ended_at IS NULL OR ended_at >= started_at", name="patrols_ended_after_start"
    ),
    sa.Index("patrols_one_open", "worker", unique=True, postgresql_where=text("ended_at IS NULL")),
    comment="patrols of grid workers (网格员巡查)",
)
sa.Index("patrols_worker_idx", patrols_table.c.worker, patrols_table.c.started_at.desc())
sa.Index("patrols_grid_idx", patrols_table.c.grid_code, patrols_table.c.started_at.desc())

# patrol_points (巡查轨迹点): GPS points as the phone sent them, in batches
patrol_points_table = sa.Table(
    "patrol_points",
    metadata,
    identity_id(),
    sa.Column(
        "patrol_id",
        sa.BigInteger,
        sa.ForeignKey("patrols.id", name="patrol_points_patrol_id_fkey", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("grid_code", code_type(15), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("pt", point(), nullable=False),
    sa.Column("accuracy_m", sa.REAL),
    sa.PrimaryKeyConstraint("id", name="patrol_points_pkey"),
    sa.UniqueConstraint("patrol_id", "at", name="patrol_points_once"),
    sa.Index("patrol_points_pt_idx", "pt", postgresql_using="gist"),
    comment="GPS points of patrols, as the phone sent them",
)
sa.Index(
    "patrol_points_latest_idx", patrol_points_table.c.grid_code, patrol_points_table.c.at.desc()
)

# all_safe (无事报平安): nothing to report today, once a worker a day
all_safe_table = sa.Table(
    "all_safe",
    metadata,
    identity_id(),
    sa.Column("worker", sa.Text, nullable=False),
    sa.Column("grid_code", code_type(15), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=text("now()")),
    sa.Column("note", sa.Text),
    flag("generated"),
    sa.PrimaryKeyConstraint("id", name="all_safe_pkey"),
    sa.UniqueConstraint("worker", "day", name="all_safe_once_a_day"),
    sa.Index("all_safe_grid_idx", "grid_code", "day"),
    comment="all-safe reports (无事报平安), one a worker a day",
)

# checkins (必到点打卡): a patrol passing a must-visit point
checkins_table = sa.Table(
    "checkins",
    metadata,
    identity_id(),
    sa.Column(
        "patrol_id",
        sa.BigInteger,
        sa.ForeignKey("patrols.id", name="checkins_patrol_id_fkey", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("grid_code", code_type(15), nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("record_id", sa.BigInteger, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("distance_m", sa.REAL, nullable=False),
    sa.PrimaryKeyConstraint("id", name="checkins_pkey"),
    sa.UniqueConstraint("patrol_id", "kind", "record_id", name="checkins_once"),
    sa.Index("checkins_grid_idx", "grid_code", "at"),
    comment="check-ins at must-visit points (必到点)",
)

# point_adjustments (积分抽查): manual points with a reason
point_adjustments_table = sa.Table(
    "point_adjustments",
    metadata,
    identity_id(),
    sa.Column("subject_kind", sa.Text, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("scope", code_type(17), nullable=False),
    sa.Column("month", sa.Date, nullable=False),
    sa.Column("points", sa.REAL, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    actor("actor"),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=text("now()")),
    sa.PrimaryKeyConstraint("id", name="point_adjustments_pkey"),
    sa.CheckConstraint(
        "subject_kind = ANY (ARRAY['worker'::text, 'department'::text])",
        name="point_adjustments_subject_kind_check",
    ),
    sa.CheckConstraint("EXTRACT(day FROM month) = 1", name="point_adjustments_month_check"),
    sa.CheckConstraint("reason <> ''", name="point_adjustments_reason_check"),
    sa.Index("point_adjustments_month_idx", "month", "subject"),
    comment="manual points from spot checks (积分抽查), with why",
)


# -- patrols --------------------------------------------------------------------------------

_PATROL = (
    "p.id, p.worker, p.grid_code, p.started_at, p.ended_at, p.length_m, p.points,"
    " round((extract(epoch FROM coalesce(p.ended_at, now()) - p.started_at) / 3600)::numeric,"
    " 2)::float AS hours"
)


def open_patrol(conn: Connection, worker: str) -> dict[str, Any] | None:
    """The worker's patrol under way, if any."""
    found = sql.rows(
        conn,
        f"SELECT {_PATROL} FROM patrols p WHERE p.worker = :w AND p.ended_at IS NULL",
        {"w": worker},
    )
    return found[0] if found else None


def patrol(conn: Connection, patrol_id: int) -> dict[str, Any] | None:
    found = sql.rows(conn, f"SELECT {_PATROL} FROM patrols p WHERE p.id = :id", {"id": patrol_id})
    return found[0] if found else None


def start_patrol(conn: Connection, worker: str, grid: str, at: datetime) -> int:
    return conn.execute(
        text(
            "INSERT INTO patrols (worker, grid_code, started_at) VALUES (:w, :g, :at) RETURNING id"
        ),
        {"w": worker, "g": grid, "at": at},
    ).scalar_one()


def add_points(conn: Connection, patrol_id: int, grid: str, points: list[dict[str, Any]]) -> int:
    """Store a batch of GPS points (a batch sent twice adds nothing); how many were new."""
    return conn.execute(
        text(
            """
            INSERT INTO patrol_points (patrol_id, grid_code, at, pt, accuracy_m)
            SELECT :patrol, :grid, p.at, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326),
                   p.accuracy
              FROM jsonb_to_recordset(CAST(:points AS jsonb))
                   AS p(lon float8, lat float8, at timestamptz, accuracy real)
            ON CONFLICT ON CONSTRAINT patrol_points_once DO NOTHING
            """
        ),
        {"patrol": patrol_id, "grid": grid, "points": json.dumps(points, default=str)},
    ).rowcount


def check_in(
    conn: Connection, patrol_id: int, grid: str, distance_m: float, since: datetime
) -> list[dict[str, Any]]:
    """Check the patrol in at every must-visit point its points since ``since`` passed within
    ``distance_m``: places flagged must-visit, and places, buildings and organisations named by
    an event of the grid (a past petition, accident or case makes them must-visit). Returns
    the new check-ins."""
    return sql.rows(
        conn,
        """
        WITH must AS (
          SELECT 'place' AS kind, id, name, pt FROM places
           WHERE grid_code = :grid AND must_visit
          UNION
          SELECT k.kind, t.id, t.name, t.pt
            FROM events e
           CROSS JOIN LATERAL jsonb_each_text(e.related) AS r(kind, ref)
            JOIN (VALUES ('place', 'places'), ('building', 'buildings'),
                         ('organisation', 'organisations')) AS k(kind, tab) ON k.kind = r.kind
           CROSS JOIN LATERAL (
              SELECT p.id, p.name, p.pt FROM places p
               WHERE k.tab = 'places' AND p.id = r.ref::bigint
              UNION ALL
              SELECT b.id, coalesce(b.name, b.address), b.pt FROM buildings b
               WHERE k.tab = 'buildings' AND b.id = r.ref::bigint
              UNION ALL
              SELECT o.id, o.name, o.pt FROM organisations o
               WHERE k.tab = 'organisations' AND o.id = r.ref::bigint) t
           WHERE e.grid_code = :grid),
        passed AS (
          SELECT DISTINCT ON (m.kind, m.id) m.kind, m.id, m.name, q.at,
                 ST_Distance(m.pt::geography, q.pt::geography) AS distance
            FROM must m JOIN patrol_points q
              ON q.patrol_id = :patrol AND q.at >= :since
             AND ST_DWithin(m.pt::geography, q.pt::geography, :distance)
           ORDER BY m.kind, m.id, distance),
        added AS (
          INSERT INTO checkins (patrol_id, grid_code, kind, record_id, at, distance_m)
          SELECT :patrol, :grid, kind, id, at, distance FROM passed
          ON CONFLICT ON CONSTRAINT checkins_once DO NOTHING
          RETURNING kind, record_id, at, distance_m)
        SELECT a.kind, a.record_id AS id, p.name, a.at, round(a.distance_m::numeric, 1)::float
               AS distance_m
          FROM added a JOIN passed p ON p.kind = a.kind AND p.id = a.record_id
        """,
        {"patrol": patrol_id, "grid": grid, "distance": distance_m, "since": since},
    )


def stop_patrol(conn: Connection, patrol_id: int, at: datetime) -> None:
    """End a patrol: its track and length from its points (the end no earlier than its last)."""
    conn.execute(
        text(
            """
            WITH track AS (
              SELECT count(*) AS n, max(at) AS last,
                     CASE WHEN count(*) >= 2 THEN ST_MakeLine(pt ORDER BY at) END AS line
                FROM patrol_points WHERE patrol_id = :id)
            UPDATE patrols p
               SET ended_at = greatest(CAST(:at AS timestamptz), coalesce(t.last, p.started_at)),
                   track = t.line, points = t.n,
                   length_m = coalesce(ST_Length(t.line::geography), 0)
              FROM track t WHERE p.id = :id
            """
        ),
        {"id": patrol_id, "at": at},
    )


def patrols(
    conn: Connection, worker: str | None, since: datetime, until: datetime, limit: int
) -> list[dict[str, Any]]:
    where = sql.Where(
        ["p.started_at >= :since AND p.started_at < :until"], {"since": since, "until": until}
    )
    where.equals("p.worker", worker, "worker")
    return sql.rows(
        conn,
        f"SELECT {_PATROL} FROM patrols p WHERE {where.sql}"
        " ORDER BY p.started_at DESC LIMIT :limit",
        {**where.params, "limit": limit},
    )


def track(conn: Connection, patrol_id: int) -> dict[str, Any] | None:
    """A patrol's track as GeoJSON (built from its points while it is under way)."""
    return conn.execute(
        text(
            "SELECT ST_AsGeoJSON(coalesce(p.track, (SELECT ST_MakeLine(q.pt ORDER BY q.at)"
            " FROM patrol_points q WHERE q.patrol_id = p.id)), 7)::json"
            " FROM patrols p WHERE p.id = :id"
        ),
        {"id": patrol_id},
    ).scalar()


# -- all safe, positions ----------------------------------------------------------------------


def all_safe(conn: Connection, worker: str, grid: str, day: date, note: str | None) -> bool:
    """Record today's all-safe report; False when it was already made today."""
    return bool(
        conn.execute(
            text(
                "INSERT INTO all_safe (worker, grid_code, day, note) VALUES (:w, :g, :d, :n)"
                " ON CONFLICT ON CONSTRAINT all_safe_once_a_day DO NOTHING"
            ),
            {"w": worker, "g": grid, "d": day, "n": note},
        ).rowcount
    )


def positions(conn: Connection, since: datetime) -> list[dict[str, Any]]:
    """Each worker's last known position since ``since``, and whether they are on patrol."""
    return sql.rows(
        conn,
        """
        SELECT DISTINCT ON (p.worker) p.worker, p.grid_code, q.at, ST_X(q.pt) AS lon,
               ST_Y(q.pt) AS lat, p.ended_at IS NULL AS patrolling, p.id AS patrol_id
          FROM patrol_points q JOIN patrols p ON p.id = q.patrol_id
         WHERE q.at >= :since
         ORDER BY p.worker, q.at DESC
        """,
        {"since": since},
    )


def add_adjustment(conn: Connection, record: dict[str, Any]) -> int:
    return conn.execute(
        text(
            "INSERT INTO point_adjustments (subject_kind, subject, scope, month, points, reason)"
            " VALUES (:subject_kind, :subject, :scope, :month, :points, :reason) RETURNING id"
        ),
        record,
    ).scalar_one()
