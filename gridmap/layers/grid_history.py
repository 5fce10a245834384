"""The history of the grid system (网格历史): every version of every grid, with who, why and
lineage, written by the ``grids_history`` trigger (migration 0003); which grid held a point at a
moment, and what the grids around an area were at a moment (for restores)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, text
from sqlalchemy.dialects.postgresql import ARRAY

from gridmap.db.schema import code_type, metadata, multipolygon

# grid_versions (网格历史版本): every version of every grid, written by the grids_history trigger
grid_versions_table = sa.Table(
    "grid_versions",
    metadata,
    sa.Column("code", code_type(17), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("region_code", code_type(12), nullable=False),
    sa.Column("parent_grid_code", code_type(15)),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("purpose", sa.Text),
    sa.Column("boundary", multipolygon(), nullable=False),
    sa.Column("area_km2", sa.Double, nullable=False),
    sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
    sa.Column("valid_to", sa.DateTime(timezone=True)),
    sa.Column("operation", sa.Text, nullable=False),
    sa.Column("changed_by", sa.Text, nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("lineage", ARRAY(sa.Text), nullable=False, server_default=text("'{}'")),
    sa.PrimaryKeyConstraint("code", "version", name="grid_versions_pkey"),
    sa.CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="grid_versions_check"),
    sa.Index("grid_versions_boundary_idx", "boundary", postgresql_using="gist"),
    sa.Index("grid_versions_time_idx", "valid_from", "valid_to"),
    sa.Index("grid_versions_lineage_idx", "lineage", postgresql_using="gin"),
    comment="history of grids: valid_from/to, who, why, lineage",
)


def history(conn: Connection, code: str) -> list[dict[str, Any]]:
    """Every version of a grid, oldest first, with who, why and lineage."""
    rows = conn.execute(
        text(
            "SELECT code, version, name, kind, purpose, round(area_km2::numeric, 4)::float"
            " AS area_km2, valid_from, valid_to, operation, changed_by, reason, lineage"
            " FROM grid_versions WHERE code = :c ORDER BY valid_from, version"
        ),
        {"c": code},
    )
    return [dict(row._mapping) for row in rows]


def version_of(conn: Connection, code: str, version: int) -> dict[str, Any] | None:
    row = conn.execute(
        text(
            "SELECT code, version, region_code, name, kind, purpose, valid_from, valid_to,"
            " ST_AsBinary(boundary) AS wkb FROM grid_versions WHERE code = :c AND version = :v"
        ),
        {"c": code, "v": version},
    ).first()
    return None if row is None else dict(row._mapping)


def at(conn: Connection, lon: float, lat: float, when: Any) -> dict[str, Any] | None:
    """The grid (15-digit) that held a point at a moment, from the history."""
    row = conn.execute(
        text(
            "SELECT code, version, name, valid_from, valid_to FROM grid_versions"
            " WHERE length(code) = 15 AND valid_from <= :t AND (valid_to IS NULL OR valid_to > :t)"
            " AND ST_Intersects(boundary, ST_SetSRID(ST_MakePoint(:x, :y), 4326))"
            " ORDER BY valid_from DESC LIMIT 1"
        ),
        {"t": when, "x": lon, "y": lat},
    ).first()
    return None if row is None else dict(row._mapping)


def versions_at(conn: Connection, when: Any, wkb: bytes, micro_of: str | None):
    """The versions current at a moment that overlap an area (same level), with geometry."""
    level = "length(code) = 17 AND parent_grid_code = :parent" if micro_of else "length(code) = 15"
    rows = conn.execute(
        text(
            f"SELECT code, version, region_code, name, kind, purpose, ST_AsBinary(boundary) AS wkb"
            f" FROM grid_versions WHERE {level} AND valid_from <= :t"
            " AND (valid_to IS NULL OR valid_to > :t)"
            " AND ST_Relate(boundary, ST_GeomFromWKB(:wkb, 4326), '2********')"
        ),
        {"t": when, "wkb": wkb, "parent": micro_of},
    )
    return [dict(row._mapping) for row in rows]


def code_used(conn: Connection, code: str) -> bool:
    """Whether a code names a grid now or did before (codes are not reused)."""
    return conn.execute(
        text(
            "SELECT EXISTS (SELECT 1 FROM grids WHERE code = :c)"
            " OR EXISTS (SELECT 1 FROM grid_versions WHERE code = :c)"
        ),
        {"c": code},
    ).scalar_one()
