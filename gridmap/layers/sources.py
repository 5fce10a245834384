"""Department grid layers (部门网格) as imported: one ``sources`` row per file, its grids kept.

Each department grid is tied to the smallest loaded region that contains it (a village when
there are village polygons, else its township or county), the key of its row-level security.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, text

from gridmap.db import sql
from gridmap.db.features import FeatureTable, Property
from gridmap.db.schema import (
    actor,
    code_type,
    counter,
    flag,
    identity_id,
    metadata,
    multipolygon,
    now_column,
)

# sources (部门网格图层): department grid layers as imported
sources_table = sa.Table(
    "sources",
    metadata,
    identity_id(),
    sa.Column("department", sa.Text, nullable=False),
    sa.Column("scope", code_type(17), nullable=False),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("crs", sa.Text, nullable=False),
    sa.Column("code_field", sa.Text),
    sa.Column("name_field", sa.Text),
    counter("features_read"),
    counter("features_written"),
    counter("features_rejected"),
    now_column("imported_at"),
    actor("imported_by"),
    sa.PrimaryKeyConstraint("id", name="sources_pkey"),
    sa.CheckConstraint("department <> ''", name="sources_department_check"),
    comment="department grid layers as imported (部门网格)",
)

# source_grids (部门网格): one department grid of an imported layer
source_grids_table = sa.Table(
    "source_grids",
    metadata,
    identity_id(),
    sa.Column(
        "source_id",
        sa.BigInteger,
        sa.ForeignKey("sources.id", name="source_grids_source_id_fkey", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("department", sa.Text, nullable=False),
    sa.Column("feature_index", sa.Integer, nullable=False),
    sa.Column("source_code", sa.Text, nullable=False),
    sa.Column("name", sa.Text),
    sa.Column(
        "region_code",
        code_type(12),
        sa.ForeignKey("regions.code", name="source_grids_region_code_fkey"),
        nullable=False,
    ),
    sa.Column("boundary", multipolygon(), nullable=False),
    flag("repaired"),
    sa.PrimaryKeyConstraint("id", name="source_grids_pkey"),
    sa.UniqueConstraint(
        "source_id", "feature_index", name="source_grids_source_id_feature_index_key"
    ),
    sa.UniqueConstraint("source_id", "source_code", name="source_grids_source_id_source_code_key"),
    sa.CheckConstraint(
        "ST_IsValid(boundary) AND NOT ST_IsEmpty(boundary)", name="source_grids_boundary_check"
    ),
    sa.Index("source_grids_boundary_idx", "boundary", postgresql_using="gist"),
    sa.Index("source_grids_region_idx", "region_code"),
)

# the OGC collection ``source_grids``: every department grid as imported, each layer's own
FEATURES = FeatureTable(
    table="source_grids",
    alias="s",
    key="id",
    key_type="integer",
    geometry=("boundary",),
    geometry_type="multipolygon",
    order="s.source_id DESC, s.feature_index",
    properties=(
        Property("id", "integer", "record number"),
        Property("source_id", "integer", "the imported layer (GET /api/v1/sources)"),
        Property("department", "string", "department whose grid it is (党建, 综治, 城管, 警务 …)"),
        Property("source_code", "string", "the department's own code of the grid"),
        Property("name", "string", "the department's name of the grid"),
        Property("region_code", "string", "smallest loaded region containing it"),
        Property("repaired", "boolean", "its geometry was repaired on import"),
    ),
)


LEVEL_DEPTH = (
    "CASE r.level WHEN 'village' THEN 5 WHEN 'township' THEN 4 WHEN 'county' THEN 3"
    " WHEN 'city' THEN 2 ELSE 1 END"
)


def stage(
    conn: Connection,
    rows: Iterable[tuple[int, str, str | None, bytes, bool]],
    on_progress: sql.Progress | None = None,
) -> int:
    """COPY ``(feature index, code, name, WKB in EPSG:4326, repaired)`` into a staging table."""
    sql.staging_table(
        conn,
        "source_grids_in",
        "feature_index integer, source_code text, name text, wkb bytea, repaired boolean",
    )
    return sql.copy_rows(
        conn,
        "source_grids_in",
        ["feature_index", "source_code", "name", "wkb", "repaired"],
        rows,
        on_progress,
    )


def place_staged(conn: Connection) -> dict[int, str | None]:
    """The region each staged feature lies in (None: in no loaded region boundary).

    The polygon drives nothing here: there are few regions and many features, so each feature's
    point on surface looks up the deepest region containing it through the regions' GiST index.
    """
    conn.execute(text("ALTER TABLE source_grids_in ADD COLUMN IF NOT EXISTS region_code text"))
    conn.execute(
        text(
            f"""
            UPDATE source_grids_in s SET region_code = (
              SELECT r.code FROM regions r
               WHERE r.boundary IS NOT NULL
                 AND ST_Intersects(r.boundary, ST_PointOnSurface(ST_GeomFromWKB(s.wkb, 4326)))
               ORDER BY {LEVEL_DEPTH} DESC, r.code LIMIT 1)
            """
        )
    )
    rows = conn.execute(text("SELECT feature_index, region_code FROM source_grids_in"))
    return {row.feature_index: row.region_code for row in rows}


def create_source(
    conn: Connection,
    department: str,
    scope: str,
    file_name: str,
    crs: str,
    fields: tuple[str | None, str | None],
    counts: tuple[int, int, int],
) -> int:
    """Record an imported file: its department, CRS, code and name fields, and the features
    read, written and rejected."""
    return conn.execute(
        text(
            "INSERT INTO sources (department, scope, file_name, crs, code_field, name_field,"
            " features_read, features_written, features_rejected)"
            " VALUES (:d, :s, :f, :c, :cf, :nf, :r, :w, :x) RETURNING id"
        ),
        {
            "d": department,
            "s": scope,
            "f": file_name,
            "c": crs,
            "cf": fields[0],
            "nf": fields[1],
            "r": counts[0],
            "w": counts[1],
            "x": counts[2],
        },
    ).scalar_one()


def write_staged(conn: Connection, source_id: int, department: str, keep: list[int]) -> int:
    """Move the staged features whose index is in ``keep`` into ``source_grids``."""
    return conn.execute(
        text(
            """
            INSERT INTO source_grids (source_id, department, feature_index, source_code, name,
                                      region_code, boundary, repaired)
            SELECT :source, :department, feature_index, source_code, name, region_code,
                   ST_Multi(ST_GeomFromWKB(wkb, 4326)), repaired
              FROM source_grids_in WHERE feature_index = ANY(:keep)
            """
        ),
        {"source": source_id, "department": department, "keep": keep},
    ).rowcount


def list_sources(conn: Connection) -> list[dict[str, Any]]:
    """Every imported layer visible to the caller, newest first."""
    rows = conn.execute(
        text(
            "SELECT id, department, scope, file_name, crs, features_read, features_written,"
            " features_rejected, imported_at, imported_by FROM sources ORDER BY id DESC"
        )
    )
    return [dict(row._mapping) for row in rows]


def latest_grids(conn: Connection, prefix: str) -> list[dict[str, Any]]:
    """The grids of each department's newest layer that lie under a region code prefix."""
    rows = conn.execute(
        text(
            f"""
            WITH latest AS (SELECT DISTINCT ON (department) id, department FROM sources
                             ORDER BY department, id DESC)
            SELECT g.id, g.department, g.source_code, g.name, g.region_code,
                   ST_AsBinary(g.boundary) AS wkb
              FROM source_grids g JOIN latest l ON l.id = g.source_id
             WHERE {sql.code_range("g.region_code")}
             ORDER BY g.department, g.source_code
            """
        ),
        {"prefix": prefix},
    )
    return [dict(row._mapping) for row in rows]


def tile(
    conn: Connection,
    z: int,
    x: int,
    y: int,
    limit: int,
    public: bool = False,
    department: str | None = None,
) -> bytes:
    """Vector tile (layer ``source_grids``) of the newest layer of each department, or of one."""
    latest = (
        "latest AS (SELECT DISTINCT ON (department) id FROM sources"
        " WHERE CAST(:department AS text) IS NULL OR department = :department"
        " ORDER BY department, id DESC)"
    )
    return sql.mvt(
        conn,
        "source_grids",
        "source_grids g JOIN latest l ON l.id = g.source_id",
        "g.department, g.source_code, g.name",
        (z, x, y),
        limit,
        with_=latest,
        params={"department": department},
    )
