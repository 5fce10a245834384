"""What the centre's analytics (研判分析) read, aggregated in PostGIS: grids as areal units with
their area and residents, events counted per grid (and per period), event points for heatmaps,
and the factors of each grid's risk. Every query runs under the caller's row-level security."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, text
from sqlalchemy.dialects.postgresql import JSONB

from gridmap.db import sql
from gridmap.db.schema import code_type, metadata, now_column
from gridmap.layers.events import EventFilter


def units(conn: Connection, prefix: str | None) -> list[dict[str, Any]]:
    """The grids under a prefix as areal units: code, name, area (km²) and outline (WKB)."""
    where = sql.Where(["length(g.code) = 15"]).code_range("g.code", prefix)
    return sql.rows(
        conn,
        "SELECT g.code, g.name, g.area_km2, ST_AsBinary(g.boundary) AS wkb FROM grids g"
        f" WHERE {where.sql} ORDER BY g.code",
        where.params,
    )


def unit_codes(conn: Connection, prefix: str | None) -> list[str]:
    """The codes of the grids under a prefix the caller sees, in order."""
    where = sql.Where(["length(g.code) = 15"]).code_range("g.code", prefix)
    found = conn.execute(
        text(f"SELECT g.code FROM grids g WHERE {where.sql} ORDER BY g.code"), where.params
    )
    return list(found.scalars())


def residents_per_grid(conn: Connection, prefix: str | None) -> dict[str, int]:
    """Residents per grid, through the buildings they live in."""
    scope = sql.code_range("b.grid_code") if prefix else "TRUE"
    found = conn.execute(
        text(
            "SELECT b.grid_code, count(*) FROM residents r JOIN households h"
            " ON h.id = r.household_id JOIN buildings b ON b.id = h.building_id"
            f" WHERE b.grid_code IS NOT NULL AND {scope} GROUP BY 1"
        ),
        {"prefix": prefix},
    )
    return dict(found.all())


def counts_per_grid(conn: Connection, events: EventFilter) -> dict[str, int]:
    """Events per grid matching the filter."""
    where = events.where()
    found = conn.execute(
        text(f"SELECT e.grid_code, count(*) FROM events e WHERE {where.sql} GROUP BY 1"),
        where.params,
    )
    return dict(found.all())


def counts_per_period(
    conn: Connection, events: EventFilter, period: str, time_zone: str
) -> list[dict[str, Any]]:
    """Events per grid and period (``week`` or ``month`` starting at local midnight in
    ``time_zone``; the period's start as a local time)."""
    where = events.where()
    return sql.rows(
        conn,
        "SELECT e.grid_code AS unit,"
        " date_trunc(:period, e.reported_at AT TIME ZONE :zone) AS period,"
        f" count(*) AS value FROM events e WHERE {where.sql} GROUP BY 1, 2",
        {**where.params, "period": period, "zone": time_zone},
    )


def points(
    conn: Connection, events: EventFilter, limit: int, srid: int = 3857
) -> list[tuple[float, float]]:
    """Event points (EPSG:3857 metres, or ``srid``) matching the filter, at most ``limit``."""
    where = events.where()
    where.add("e.pt IS NOT NULL")
    found = conn.execute(
        text(
            "SELECT ST_X(q), ST_Y(q) FROM (SELECT ST_Transform(e.pt, :srid) AS q FROM events e"
            f" WHERE {where.sql} LIMIT :limit) t"
        ),
        {**where.params, "limit": limit, "srid": srid},
    )
    return [(float(x), float(y)) for x, y in found]


# the factors of the five-colour risk (五色管控), per grid, in one statement
_RISK = """
    WITH g AS (
      SELECT g.code, g.name, g.area_km2, g.boundary FROM grids g
       WHERE length(g.code) = 15 AND {grids}),
    recent AS (
      SELECT e.grid_code AS code,
             sum(coalesce((CAST(:urgency_weights AS jsonb) ->> e.urgency)::float8, 1)
                 * power(0.5, extract(epoch FROM (CAST(:now AS timestamptz) - e.reported_at))
                              / 86400.0 / :half_life))
               FILTER (WHERE e.reported_at >= :since) AS recent_events,
             count(*) FILTER (WHERE e.state = ANY (:open_states) AND e.deadline < :now)
               AS overdue_events
        FROM events e
       WHERE e.reported_at >= :since AND e.reported_at <= :now AND {events}
          OR (e.state = ANY (:open_states) AND e.deadline < :now AND {events})
       GROUP BY 1),
    people AS (
      SELECT b.grid_code AS code, count(*) AS residents,
             count(*) FILTER (WHERE r.tags && CAST(:attention AS text[])) AS attention_residents,
             count(*) FILTER (WHERE r.tags && CAST(:care AS text[])) AS care_residents
        FROM residents r JOIN households h ON h.id = r.household_id
        JOIN buildings b ON b.id = h.building_id
       WHERE {buildings} GROUP BY 1),
    places_in AS (
      SELECT p.grid_code AS code, count(*) FILTER (WHERE p.must_visit) AS must_visit_places,
             count(*) FILTER (WHERE p.kind = ANY (:hazard_kinds)) AS hazard_places
        FROM places p WHERE {places} GROUP BY 1),
    seen AS (
      SELECT g.code, ST_Area(ST_Union(ST_Intersection(c.sector, g.boundary))::geography) AS m2
        FROM g JOIN cameras c ON c.sector && g.boundary AND ST_Intersects(c.sector, g.boundary)
       WHERE NOT c.planned AND c.status = ANY (:working)
       GROUP BY g.code)
    SELECT g.code, g.name, g.area_km2, coalesce(p.residents, 0) AS residents,
           coalesce(r.recent_events, 0) AS recent_events,
           coalesce(r.overdue_events, 0) AS overdue_events,
           coalesce(p.attention_residents, 0) AS attention_residents,
           coalesce(p.care_residents, 0) AS care_residents,
           coalesce(pl.must_visit_places, 0) AS must_visit_places,
           coalesce(pl.hazard_places, 0) AS hazard_places,
           greatest(0, 1 - coalesce(s.m2, 0) / nullif(g.area_km2 * 1e6, 0)) AS unseen_share
      FROM g LEFT JOIN recent r ON r.code = g.code LEFT JOIN people p ON p.code = g.code
      LEFT JOIN places_in pl ON pl.code = g.code LEFT JOIN seen s ON s.code = g.code
     ORDER BY g.code
"""


def risk_factors(
    conn: Connection, prefix: str | None, now: datetime, params: dict[str, Any]
) -> list[dict[str, Any]]:
    """Each grid's raw risk factors at ``now``: recent events (weighted by urgency, halving
    every ``half_life`` days over the window since ``since``), overdue open events, key
    residents needing attention or care, must-visit and hazardous places, and the share of the
    grid no working camera sees. ``params``: since, half_life, urgency_weights (JSON),
    open_states, attention, care, hazard_kinds, working."""

    def scope(column: str) -> str:
        return sql.code_range(column) if prefix else "TRUE"

    query = _RISK.format(
        grids=scope("g.code"),
        events=scope("e.grid_code"),
        buildings=scope("b.grid_code"),
        places=scope("p.grid_code"),
    )
    return sql.rows(conn, query, {**params, "prefix": prefix, "now": now})


# risk_history (五色管控 by month): each grid's colour as last computed in a month
risk_history_table = sa.Table(
    "risk_history",
    metadata,
    sa.Column("grid_code", code_type(15), nullable=False),
    sa.Column("month", sa.Date, nullable=False),
    sa.Column("colour", sa.Text, nullable=False),
    sa.Column("score", sa.REAL, nullable=False),
    sa.Column("reasons", JSONB, nullable=False, server_default=text("'[]'")),
    now_column("computed_at"),
    sa.PrimaryKeyConstraint("grid_code", "month", name="risk_history_pkey"),
    sa.CheckConstraint("EXTRACT(day FROM month) = 1", name="risk_history_month_check"),
    comment="five-colour risk by month (五色管控)",
)


def keep_risk(conn: Connection, month: date, grids: list[dict[str, Any]]) -> None:
    """Keep each grid's colour, score and reasons as the month's (the latest wins)."""
    conn.execute(
        text(
            """
            INSERT INTO risk_history (grid_code, month, colour, score, reasons)
            SELECT g ->> 'code', :month, g ->> 'colour', (g ->> 'score')::real, g -> 'reasons'
              FROM jsonb_array_elements(CAST(:grids AS jsonb)) g
            ON CONFLICT (grid_code, month) DO UPDATE
               SET colour = EXCLUDED.colour, score = EXCLUDED.score,
                   reasons = EXCLUDED.reasons, computed_at = now()
            """
        ),
        {"month": month, "grids": json.dumps(grids, ensure_ascii=False, default=str)},
    )


def risk_before(conn: Connection, month: date, codes: list[str]) -> dict[str, str]:
    """Each grid's colour in the latest month kept before ``month``."""
    found = conn.execute(
        text(
            "SELECT DISTINCT ON (grid_code) grid_code, colour FROM risk_history"
            " WHERE grid_code = ANY (:codes) AND month < :month ORDER BY grid_code, month DESC"
        ),
        {"codes": codes, "month": month},
    )
    return dict(found.all())


def risk_history(conn: Connection, grid: str) -> list[dict[str, Any]]:
    """A grid's colours by month, newest first."""
    return sql.rows(
        conn,
        "SELECT month, colour, score, reasons, computed_at FROM risk_history"
        " WHERE grid_code = :g ORDER BY month DESC",
        {"g": grid},
    )


def figures_tile(
    conn: Connection,
    layer: str,
    address: tuple[int, int, int],
    codes: list[str],
    figures: dict[str, tuple[str, list[Any]]],
    limit: int,
) -> bytes:
    """A vector tile of the grids ``codes`` with figures computed for them elsewhere (hot
    spots): ``figures`` maps a property to its SQL type (``float8``, ``int``, ``text``) and its
    values in the order of ``codes``."""
    names = list(figures)
    arrays = ", ".join(f"CAST(:f{i} AS {kind}[])" for i, (kind, _) in enumerate(figures.values()))
    params: dict[str, Any] = {f"f{i}": values for i, (_, values) in enumerate(figures.values())}
    columns = ", ".join(f'"{name}"' for name in names)
    unnested = f"unnest(CAST(:codes AS text[]), {arrays}) AS f(code, {columns})"
    return sql.mvt(
        conn,
        layer,
        "grids g JOIN f ON f.code = g.code",
        "g.code, g.name, " + ", ".join(f'f."{name}"' for name in names),
        address,
        limit,
        with_=f"f AS (SELECT * FROM {unnested})",
        params={**params, "codes": codes},
    )
