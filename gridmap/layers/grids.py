"""The merged grid system (网格, 多网合一): 15-digit grids and 17-digit micro-grids (微网格).

A grid's code is its parent region's 12 digits plus a 3-digit sequence; a micro-grid's is its
grid's 15 digits plus 2. Boundaries are valid MultiPolygons in EPSG:4326; ``area_km2`` is kept by
a trigger that measures in a metric CRS (see ``gridmap_metric_srid`` in the migrations).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
import sqlalchemy as sa
from sqlalchemy import Connection, text

from gridmap.core.errors import InvalidInput
from gridmap.db import sql
from gridmap.db.features import FeatureTable, Property
from gridmap.db.schema import code_type, flag, metadata, multipolygon, now_column

# grids (网格): the merged grid system (多网合一), 15-digit grids and 17-digit micro-grids (微网格)
grids_table = sa.Table(
    "grids",
    metadata,
    sa.Column("code", code_type(17), nullable=False),
    sa.Column(
        "region_code",
        code_type(12),
        sa.ForeignKey("regions.code", name="grids_region_code_fkey"),
        nullable=False,
    ),
    sa.Column(
        "parent_grid_code",
        code_type(15),
        sa.ForeignKey("grids.code", name="grids_parent_grid_code_fkey"),
    ),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False, server_default=text("'ordinary'")),
    sa.Column("purpose", sa.Text),
    sa.Column("boundary", multipolygon(), nullable=False),
    # area_km2 and version are kept by the grids_maintain trigger
    sa.Column("area_km2", sa.Double, nullable=False),
    flag("generated"),
    now_column("created_at"),
    now_column("updated_at"),
    sa.Column("version", sa.Integer, nullable=False, server_default=text("1")),
    sa.PrimaryKeyConstraint("code", name="grids_pkey"),
    sa.CheckConstraint("code ~ '^[0-9]{15}([0-9]{2})?$'", name="grids_code_check"),
    sa.CheckConstraint("name <> ''", name="grids_name_check"),
    sa.CheckConstraint(
        "ST_IsValid(boundary) AND NOT ST_IsEmpty(boundary)", name="grids_boundary_check"
    ),
    sa.CheckConstraint("left(code, 12) = region_code", name="grids_code_in_region"),
    sa.CheckConstraint(
        "(length(code) = 17) = (parent_grid_code IS NOT NULL)", name="grids_micro_has_parent"
    ),
    sa.CheckConstraint(
        "parent_grid_code IS NULL OR left(code, 15) = parent_grid_code", name="grids_micro_prefix"
    ),
    sa.CheckConstraint(
        "substr(code, 13, 3) <> '000' AND (length(code) = 15 OR substr(code, 16, 2) <> '00')",
        name="grids_sequence_nonzero",
    ),
    sa.Index("grids_region_code_idx", "region_code"),
    sa.Index("grids_parent_grid_code_idx", "parent_grid_code"),
    sa.Index("grids_boundary_idx", "boundary", postgresql_using="gist"),
    comment="the merged grid system (网格, 多网合一)",
)


@dataclass(frozen=True)
class GridRecord:
    """A grid to write: its code, parent region, name, kind and WKB boundary in EPSG:4326."""

    code: str
    region_code: str
    name: str
    wkb: bytes
    kind: str = "ordinary"
    purpose: str | None = None
    generated: bool = False


def replace_under(
    conn: Connection,
    prefix: str,
    records: Iterable[GridRecord],
    on_progress: sql.Progress | None = None,
) -> int:
    """Replace every grid whose code starts with ``prefix`` by ``records`` (caller's transaction).

    Returns the number of grids written.
    """
    sql.staging_table(
        conn,
        "grids_in",
        "code text, region_code text, name text, kind text, purpose text, wkb bytea,"
        " generated boolean",
    )
    rows = ((r.code, r.region_code, r.name, r.kind, r.purpose, r.wkb, r.generated) for r in records)
    columns = ["code", "region_code", "name", "kind", "purpose", "wkb", "generated"]
    sql.copy_rows(conn, "grids_in", columns, rows, on_progress)
    conn.execute(text("DELETE FROM grids WHERE code LIKE :prefix || '%'"), {"prefix": prefix})
    return conn.execute(
        text(
            """
            INSERT INTO grids (code, region_code, parent_grid_code, name, kind, purpose,
                               boundary, generated)
            SELECT code, region_code, CASE WHEN length(code) = 17 THEN left(code, 15) END,
                   name, kind, purpose, ST_Multi(ST_GeomFromWKB(wkb, 4326)), generated
              FROM grids_in
             ORDER BY length(code), code
            """
        )
    ).rowcount


def write_level(
    conn: Connection,
    prefix: str,
    records: Iterable[tuple[str, str, str, bytes]],
    operation: str,
    reason: str | None,
) -> dict[str, int]:
    """Make the grids (15 digits) under a code prefix exactly ``records`` (code, region code,
    name, MultiPolygon WKB in EPSG:4326), set-based: unchanged grids stay as they are, changed
    ones are updated, new ones inserted and vanished ones removed (history and audit by
    trigger, one statement each). Refused while micro-grids lie under a grid to be removed."""
    sql.staging_table(conn, "plan_in", "code text, region_code text, name text, wkb bytea")
    sql.copy_rows(conn, "plan_in", ["code", "region_code", "name", "wkb"], records)
    params = {"prefix": prefix}
    kept_micro = conn.execute(
        text(
            f"SELECT count(*) FROM grids m WHERE length(m.code) = 17 AND {sql.code_range('m.code')}"
            " AND m.parent_grid_code NOT IN (SELECT code FROM plan_in)"
        ),
        params,
    ).scalar_one()
    if kept_micro:
        raise InvalidInput(
            f"{kept_micro} micro-grids lie under grids the plan removes: remove or move them first"
        )
    mark_change(conn, operation, reason, [])
    removed = conn.execute(
        text(
            f"DELETE FROM grids WHERE length(code) = 15 AND {sql.code_range('code')}"
            " AND code NOT IN (SELECT code FROM plan_in)"
        ),
        params,
    ).rowcount
    updated = conn.execute(
        text(
            "UPDATE grids g SET boundary = ST_GeomFromWKB(p.wkb, 4326) FROM plan_in p"
            " WHERE g.code = p.code AND NOT ST_OrderingEquals(ST_Normalize(g.boundary),"
            " ST_Normalize(ST_GeomFromWKB(p.wkb, 4326)))"
        )
    ).rowcount
    inserted = conn.execute(
        text(
            "INSERT INTO grids (code, region_code, name, boundary)"
            " SELECT p.code, p.region_code, p.name, ST_GeomFromWKB(p.wkb, 4326) FROM plan_in p"
            " WHERE NOT EXISTS (SELECT 1 FROM grids g WHERE g.code = p.code)"
        )
    ).rowcount
    return {"inserted": inserted, "updated": updated, "removed": removed}


# -- reads ----------------------------------------------------------------------------------

_PUBLIC_PROPERTIES = "g.code, g.name"
_PROPERTIES = """
    g.code, g.name, g.kind, g.purpose, g.region_code, g.parent_grid_code,
    round(g.area_km2::numeric, 4)::float AS area_km2, g.generated, g.version,
    g.created_at, g.updated_at
"""


@dataclass(frozen=True)
class GridFilter:
    """Which grids a list asks for: a bbox (EPSG:4326) and/or a region or grid code prefix."""

    bbox: sql.BBox | None = None
    prefix: str | None = None

    def where(self) -> sql.Where:
        return sql.Where().bbox("g.boundary", self.bbox).code_range("g.code", self.prefix)


def list_grids(
    conn: Connection, where: GridFilter, limit: int, offset: int, public: bool = False
) -> tuple[list[str], int]:
    """A page of grids as GeoJSON Feature texts (assembled in PostgreSQL), by code, and the
    number matched. ``public`` keeps only code and name (what a resident may see)."""
    properties = _PUBLIC_PROPERTIES if public else _PROPERTIES
    condition = where.where()
    # only the page's rows become GeoJSON (a projection above OFFSET runs for skipped rows too)
    rows = conn.execute(
        text(
            f"""
            SELECT json_build_object(
                     'type', 'Feature', 'id', g.code,
                     'geometry', ST_AsGeoJSON(g.boundary, 7)::json,
                     'properties', to_jsonb(p.*))::text
              FROM (SELECT g.* FROM grids g WHERE {condition.sql} {sql.page("g.code")}) g
              CROSS JOIN LATERAL (SELECT {properties}) p
             ORDER BY g.code
            """
        ),
        {**condition.params, "limit": limit, "offset": offset},
    ).scalars()
    found = list(rows)
    total = sql.last_page_total(len(found), limit, offset)
    return found, sql.matched(conn, "grids g", condition) if total is None else total


def get_grid(conn: Connection, code: str) -> dict[str, Any] | None:
    """One grid as a GeoJSON Feature with its township and micro-grid count."""
    return conn.execute(
        text(
            f"""
            SELECT json_build_object(
                     'type', 'Feature', 'id', g.code,
                     'bbox', json_build_array(ST_XMin(g.boundary), ST_YMin(g.boundary),
                                              ST_XMax(g.boundary), ST_YMax(g.boundary)),
                     'geometry', ST_AsGeoJSON(g.boundary, 7)::json,
                     'properties', to_jsonb(p.*) || jsonb_build_object(
                        'region_name', r.name,
                        'micro_grids', (SELECT count(*) FROM grids m
                                         WHERE m.parent_grid_code = g.code)))
              FROM grids g
              JOIN regions r ON r.code = g.region_code
              CROSS JOIN LATERAL (SELECT {_PROPERTIES}) p
             WHERE g.code = :code
            """
        ),
        {"code": code},
    ).scalar()


def extent(conn: Connection) -> list[float] | None:
    """[minx, miny, maxx, maxy] of every grid boundary, or None when there is none."""
    return sql.extent(conn, "grids")


# the OGC collection ``grids``
FEATURES = FeatureTable(
    table="grids",
    alias="g",
    key="code",
    key_type="string",
    geometry=("boundary",),
    geometry_type="multipolygon",
    order="g.code",
    temporal="updated_at",
    properties=(
        Property(
            "code", "string", "grid code: the village's 12 digits + 3 (grid) or + 5 (micro-grid)"
        ),
        Property("name", "string", "grid name"),
        Property("kind", "string", "kind of grid (ordinary, or a special grid such as a park)"),
        Property("purpose", "string", "what a special grid is for"),
        Property("region_code", "string", "12-digit code of the village or community it lies in"),
        Property("parent_grid_code", "string", "a micro-grid's grid (null for a grid)"),
        Property(
            "area_km2",
            "number",
            "area in km², measured in the metric CRS",
            output="round(g.area_km2::numeric, 4)::float",
        ),
        Property("generated", "boolean", "drawn by gridmap (demo or generated), not surveyed"),
        Property("version", "integer", "edit count: 1 when created, +1 each change"),
        Property("created_at", "date-time", "when the grid was created"),
        Property("updated_at", "date-time", "when it last changed"),
    ),
)


def count(conn: Connection) -> int:
    return conn.execute(text("SELECT count(*) FROM grids")).scalar_one()


_TILE_PROPERTIES = {
    # what the staff map's popup and colours need
    False: """g.code, g.name, g.kind, round(g.area_km2::numeric, 3)::float AS area_km2,
              left(g.code, 9) || '000' AS township, g.generated, length(g.code) = 17 AS micro""",
    # what a resident may see: outline, code and name
    True: """g.code, g.name, left(g.code, 9) || '000' AS township, g.generated,
             length(g.code) = 17 AS micro""",
}


# zoomed out, one feature a township (乡镇/街道) from its outline, with how many grids of it the
# caller sees: townships the caller sees no grid of are left out (nothing in it is personal)
_TOWNSHIP_TILE_PROPERTIES = """g.code, g.name, g.code AS township, g.generated, false AS micro,
    'township' AS level, n.grids"""
_TOWNSHIP_GRIDS = (
    "regions g CROSS JOIN LATERAL (SELECT count(*)::int AS grids FROM grids x"
    f" WHERE {sql.code_range('x.code', 'g.prefix')} AND length(x.code) = 15) n"
)


def tile(
    conn: Connection,
    z: int,
    x: int,
    y: int,
    limit: int,
    public: bool = False,
    micro_min_zoom: int = 14,
    outline_below: int = 0,
) -> bytes:
    """Mapbox vector tile of grids (layer ``grids``); micro-grids only from ``micro_min_zoom``;
    below ``outline_below`` the outlines of the townships holding them instead (thousands of
    grids would be a few pixels each), as features with ``level`` 'township' and ``grids``.

    ``public`` keeps only what a resident may see (code, name, township).
    """
    if z < outline_below:
        return sql.mvt(
            conn,
            "grids",
            _TOWNSHIP_GRIDS,
            _TOWNSHIP_TILE_PROPERTIES,
            (z, x, y),
            limit,
            where="g.level = 'township' AND n.grids > 0",
            order="g.code",
        )
    return sql.mvt(
        conn,
        "grids",
        "grids g",
        _TILE_PROPERTIES[public],
        (z, x, y),
        limit,
        where="length(g.code) = 15 OR :z >= :micro_min_zoom",
        order="g.code",
        params={"micro_min_zoom": micro_min_zoom},
    )


def townships(conn: Connection) -> list[dict[str, Any]]:
    """Each township that has grids: code, name, grid count and whether any are generated."""
    rows = conn.execute(
        text(
            """
            SELECT t.code, coalesce(r.name, t.code) AS name, t.grids, t.generated
              FROM (SELECT left(code, 9) || '000' AS code, count(*) AS grids,
                           bool_or(generated) AS generated
                      FROM grids WHERE length(code) = 15 GROUP BY 1) t
              LEFT JOIN regions r ON r.code = t.code
             ORDER BY t.code
            """
        )
    )
    return [dict(row._mapping) for row in rows]


# -- editing: locks, neighbours, writes (history and audit are kept by triggers) -----------

_ROW = (
    "code, version, region_code, parent_grid_code, name, kind, purpose,"
    " ST_AsBinary(boundary) AS wkb"
)


def lock(conn: Connection, codes: list[str]) -> dict[str, dict[str, Any]]:
    """The grids named, locked for this transaction (FOR UPDATE), by code."""
    rows = conn.execute(
        text(f"SELECT {_ROW} FROM grids WHERE code = ANY(:codes) ORDER BY code FOR UPDATE"),
        {"codes": codes},
    )
    return {row.code: dict(row._mapping) for row in rows}


def covered_by(conn: Connection, wkb: bytes, micro_of: str | None) -> list[str]:
    """Codes of the grids (or of one grid's micro-grids) that overlap an area."""
    level = "length(code) = 17 AND parent_grid_code = :parent" if micro_of else "length(code) = 15"
    return (
        conn.execute(
            text(
                f"SELECT code FROM grids WHERE {level}"
                " AND ST_Relate(boundary, ST_GeomFromWKB(:wkb, 4326), '2********') ORDER BY code"
            ),
            {"wkb": wkb, "parent": micro_of},
        )
        .scalars()
        .all()
    )


def neighbours(conn: Connection, wkb: bytes, exclude: list[str], micro_of: str | None):
    """The grids at the same level that touch an area, other than ``exclude`` (for checks)."""
    level = "length(code) = 17 AND parent_grid_code = :parent" if micro_of else "length(code) = 15"
    rows = conn.execute(
        text(
            f"SELECT {_ROW} FROM grids WHERE {level} AND NOT (code = ANY(:exclude))"
            " AND ST_Intersects(boundary, ST_GeomFromWKB(:wkb, 4326))"
        ),
        {"wkb": wkb, "exclude": exclude, "parent": micro_of},
    )
    return [dict(row._mapping) for row in rows]


def parent_boundary(conn: Connection, parent: str) -> bytes | None:
    """The boundary of a grid's parent: its region, or its grid for a micro-grid."""
    table = "regions" if len(parent) == 12 else "grids"
    wkb = conn.execute(
        text(f"SELECT ST_AsBinary(boundary) FROM {table} WHERE code = :c"), {"c": parent}
    ).scalar()
    return None if wkb is None else bytes(wkb)


def region_at(conn: Connection, wkb: bytes) -> str | None:
    """The deepest loaded region containing an area's point on surface."""
    return conn.execute(
        text(
            "SELECT code FROM regions WHERE boundary IS NOT NULL AND level IN"
            " ('township', 'village') AND ST_Intersects(boundary,"
            " ST_PointOnSurface(ST_GeomFromWKB(:wkb, 4326)))"
            " ORDER BY CASE level WHEN 'village' THEN 0 ELSE 1 END LIMIT 1"
        ),
        {"wkb": wkb},
    ).scalar()


def free_codes(conn: Connection, parent: str, n: int) -> list[str]:
    """The ``n`` lowest unused codes under a parent (a region: 3 digits; a grid: 2)."""
    width = 3 if len(parent) == 12 else 2
    top = 10**width - 1
    taken = set(
        conn.execute(
            text(f"SELECT code FROM grids WHERE {sql.code_range('code')} AND length(code) = :n"),
            {"prefix": parent, "n": len(parent) + width},
        ).scalars()
    )
    free = [
        f"{parent}{i:0{width}d}" for i in range(1, top + 1) if f"{parent}{i:0{width}d}" not in taken
    ]
    if len(free) < n:
        raise InvalidInput(
            f"parent {parent} has no room for {n} more codes: {len(taken)} of {top} are used"
        )
    return free[:n]


def mark_change(conn: Connection, operation: str, reason: str | None, lineage: list[str]) -> None:
    """Tell the history trigger what the next statements are, why, and what they came from."""
    conn.execute(
        text(
            "SELECT set_config('gridmap.operation', :op, true),"
            " set_config('gridmap.reason', :why, true),"
            " set_config('gridmap.lineage', :came, true)"
        ),
        {"op": operation, "why": reason or "", "came": ",".join(lineage)},
    )


def update_boundary(conn: Connection, code: str, wkb: bytes) -> int:
    return conn.execute(
        text("UPDATE grids SET boundary = ST_Multi(ST_GeomFromWKB(:wkb, 4326)) WHERE code = :c"),
        {"wkb": wkb, "c": code},
    ).rowcount


def update_fields(conn: Connection, code: str, fields: dict[str, Any]) -> int:
    """Update name, kind, purpose or code (the caller validated the values)."""
    allowed = {"name", "kind", "purpose", "code", "region_code"}
    assignments = ", ".join(f"{k} = :{k}" for k in fields if k in allowed)
    return conn.execute(
        text(f"UPDATE grids SET {assignments} WHERE code = :where_code"),
        {**fields, "where_code": code},
    ).rowcount


def insert_grid(
    conn: Connection,
    code: str,
    region_code: str,
    name: str,
    wkb: bytes,
    kind: str = "ordinary",
    purpose: str | None = None,
) -> None:
    conn.execute(
        text(
            "INSERT INTO grids (code, region_code, parent_grid_code, name, kind, purpose, boundary)"
            " VALUES (:c, :r, :g, :n, :k, :p,"
            " ST_Multi(ST_GeomFromWKB(:wkb, 4326)))"
        ),
        {
            "c": code,
            "r": region_code,
            "g": code[:15] if len(code) == 17 else None,
            "n": name,
            "k": kind,
            "p": purpose,
            "wkb": wkb,
        },
    )


def delete_grids(conn: Connection, codes: list[str]) -> int:
    return conn.execute(text("DELETE FROM grids WHERE code = ANY(:c)"), {"c": codes}).rowcount


def micro_count(conn: Connection, code: str) -> int:
    return conn.execute(
        text("SELECT count(*) FROM grids WHERE parent_grid_code = :c"), {"c": code}
    ).scalar_one()


def export_frame(conn: Connection, prefix: str | None) -> gpd.GeoDataFrame:
    """The grids under a code prefix (all visible ones when None) as a GeoDataFrame, EPSG:4326."""
    where = GridFilter(prefix=prefix).where()
    rows = conn.execute(
        text(
            f"SELECT g.code, g.name, g.kind, g.purpose, g.region_code, g.parent_grid_code,"
            f" round(g.area_km2::numeric, 6)::float AS area_km2, g.version, g.generated,"
            f" ST_AsBinary(g.boundary) AS wkb FROM grids g WHERE {where.sql} ORDER BY g.code"
        ),
        where.params,
    ).all()
    frame = pd.DataFrame([dict(r._mapping) for r in rows])
    if frame.empty:
        return gpd.GeoDataFrame({"code": []}, geometry=[], crs="EPSG:4326")
    geometry = shapely.from_wkb([bytes(w) for w in frame.pop("wkb")])
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


def grid_frame(conn: Connection, prefix: str) -> gpd.GeoDataFrame:
    """The grids (15 digits) under a code prefix with their region's name, EPSG:4326."""
    rows = conn.execute(
        text(
            "SELECT g.code, g.name, g.region_code, r.name AS region_name,"
            " ST_AsBinary(g.boundary) AS wkb FROM grids g JOIN regions r ON r.code = g.region_code"
            f" WHERE length(g.code) = 15 AND {sql.code_range('g.code')} ORDER BY g.code"
        ),
        {"prefix": prefix},
    ).all()
    frame = pd.DataFrame(rows, columns=["code", "name", "region_code", "region_name", "wkb"])
    return gpd.GeoDataFrame(
        frame.drop(columns="wkb"), geometry=shapely.from_wkb(frame.wkb.values), crs="EPSG:4326"
    )


def first_code(conn: Connection, prefix: str) -> str | None:
    """The lowest grid code under a code prefix (None when there is none)."""
    return conn.execute(
        text(f"SELECT min(code) FROM grids WHERE {sql.code_range('code')}"), {"prefix": prefix}
    ).scalar()


def grid_at(conn: Connection, lon: float, lat: float) -> tuple[str, str | None] | None:
    """The grid and micro-grid holding a point (EPSG:4326) among those the caller may see."""
    row = conn.execute(
        text(
            """
            WITH p AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS pt)
            SELECT g.code,
                   (SELECT m.code FROM grids m WHERE m.parent_grid_code = g.code
                       AND ST_Intersects(m.boundary, p.pt) ORDER BY m.code LIMIT 1)
              FROM grids g, p
             WHERE length(g.code) = 15 AND ST_Intersects(g.boundary, p.pt)
             ORDER BY g.code LIMIT 1
            """
        ),
        {"lon": lon, "lat": lat},
    ).first()
    return None if row is None else (row[0], row[1])


def grid_anywhere(conn: Connection, lon: float, lat: float) -> str | None:
    """The grid holding a point whether or not the caller may see it (a narrow SECURITY
    DEFINER look-up that says only its code: "outside your jurisdiction (in grid …)")."""
    return conn.execute(
        text(
            "SELECT grid_code FROM gridmap_grids_at(ARRAY[CAST(:lon AS float8)],"
            " ARRAY[CAST(:lat AS float8)])"
        ),
        {"lon": lon, "lat": lat},
    ).scalar()
