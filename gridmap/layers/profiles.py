"""The grid profile (网格画像): what a grid, or a region rolled up, holds at a glance.

Counts only: households, population by kind, the age pyramid by sex in 5-year bands, key
populations by tag, places, organisations and facilities by kind. Every count runs in
PostgreSQL under the caller's row-level security, so a region's roll-up is the caller's part of
it. A grid's residents are reached through its households (indexed by grid), a region's by the
range of their grid codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from gridmap.core.codes import parse_region_code
from gridmap.db import sql

BANDS = [f"{age}-{age + 4}" for age in range(0, 100, 5)] + ["100+"]
# households and residents are in an area through their building
_IN_AREA = "SELECT id FROM buildings WHERE {where}"
_HOUSEHOLDS = f"households h WHERE h.building_id IN ({_IN_AREA})"


@dataclass(frozen=True)
class Area:
    """What a profile is of: a grid, a micro-grid or a region (its code range)."""

    code: str
    level: str
    where: str  # a condition on ``grid_code``/``micro_code`` with :area bound
    key: str  # the value bound as :area: a grid's code or a region's prefix

    @classmethod
    def of(cls, code: str) -> Area:
        if len(code) == 17:
            return cls(code, "micro_grid", "micro_code = :area", code)
        if len(code) == 15:
            return cls(code, "grid", "grid_code = :area", code)
        region = parse_region_code(code)
        return cls(code, region.level.value, sql.code_range("grid_code", ":area"), region.prefix)

    @property
    def params(self) -> dict[str, str]:
        return {"area": self.key}


def _counts(conn: Connection, query: str, area: Area) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in conn.execute(text(query.format(where=area.where)), area.params)]


def _residents_of(area: Area) -> str:
    """Residents of the area's buildings, reached through households (both indexed)."""
    return f"residents r WHERE r.household_id IN (SELECT h.id FROM {_HOUSEHOLDS})"


def heading(conn: Connection, area: Area) -> dict[str, Any] | None:
    """Code, name, area and provenance of the grid or region (None: not visible)."""
    table = "grids" if area.level in ("grid", "micro_grid") else "regions"
    area_sql = "area_km2" if table == "grids" else "gridmap_area_km2(boundary)"
    row = (
        conn.execute(
            text(
                f"SELECT code, name, {area_sql} AS area_km2, generated FROM {table} WHERE code = :c"
            ),
            {"c": area.code},
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def totals(conn: Connection, area: Area) -> dict[str, int]:
    row = conn.execute(
        text(
            f"""
            SELECT (SELECT count(*) FROM buildings WHERE {area.where}) AS buildings,
                   (SELECT count(*) FROM {_HOUSEHOLDS.format(where=area.where)}) AS households,
                   (SELECT count(*) FROM {_residents_of(area).format(where=area.where)})
                     AS residents,
                   (SELECT count(*) FROM places WHERE {area.where} AND must_visit) AS must_visit
            """
        ),
        area.params,
    ).one()
    return dict(row._mapping)


def population(conn: Connection, area: Area) -> dict[str, Any]:
    """Residents by kind, the age pyramid by sex, and key populations by tag."""
    source = _residents_of(area)
    by_kind = _counts(conn, f"SELECT kind, count(*) FROM {source} GROUP BY 1", area)
    pyramid = _counts(
        conn,
        "SELECT sex, least(extract(year FROM age(current_date, birth_date))::int / 5, 20),"
        f" count(*) FROM {source} AND birth_date IS NOT NULL GROUP BY 1, 2",
        area,
    )
    tags = _counts(conn, f"SELECT unnest(tags), count(*) FROM {source} GROUP BY 1", area)
    male, female = [0] * len(BANDS), [0] * len(BANDS)
    for sex, band, count in pyramid:
        (male if sex == "M" else female)[band] += count
    return {
        "by_kind": dict(by_kind),
        "age_pyramid": {"bands": BANDS, "male": male, "female": female},
        "by_tag": dict(tags),
    }


def by_kind(conn: Connection, area: Area, table: str, column: str) -> dict[str, int]:
    """Rows of a located layer per kind (places by kind, things by category …)."""
    return dict(
        _counts(conn, f"SELECT {column}, count(*) FROM {table} WHERE {{where}} GROUP BY 1", area)
    )


def children(conn: Connection, area: Area) -> list[dict[str, Any]]:
    """A region's next level down (sub-regions, and grids lying directly under it) with their
    households and residents, counted per grid once and summed by code range in SQL."""
    rows = conn.execute(
        text(
            f"""
            WITH kids AS (
              SELECT code, name, prefix FROM regions WHERE parent_code = :code
              UNION ALL
              SELECT code, name, code FROM grids WHERE region_code = :code AND length(code) = 15),
            totals AS (
              SELECT b.grid_code, count(DISTINCT h.id) AS households, count(r.id) AS residents
                FROM buildings b JOIN households h ON h.building_id = b.id
                LEFT JOIN residents r ON r.household_id = h.id
               WHERE b.{area.where} GROUP BY 1)
            SELECT k.code, k.name, coalesce(sum(t.households), 0)::bigint AS households,
                   coalesce(sum(t.residents), 0)::bigint AS residents
              FROM kids k LEFT JOIN totals t
                ON {sql.code_range("t.grid_code", "k.prefix")}
             GROUP BY k.code, k.name
            HAVING length(k.code) = 15 OR coalesce(sum(t.residents), 0) > 0
                   OR coalesce(sum(t.households), 0) > 0
             ORDER BY k.code
            """
        ),
        {"code": area.code, **area.params},
    ).mappings()
    return [dict(r) for r in rows]
