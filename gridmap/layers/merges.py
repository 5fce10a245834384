"""Merge runs (多网合一) and their crosswalks: which department grid became which unified grid.

A ``merges`` row keeps a run's options and report; ``grid_crosswalk`` ties every department grid
(``source_grids``) to the unified grids it overlaps, with the shared area and its share of both.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import Connection, text
from sqlalchemy.dialects.postgresql import JSONB

from gridmap.db.schema import actor, code_type, identity_id, metadata, now_column

# merges (网格合并): one merge of department layers into the unified grids (多网合一)
merges_table = sa.Table(
    "merges",
    metadata,
    identity_id(),
    sa.Column(
        "region_code",
        code_type(12),
        sa.ForeignKey("regions.code", name="merges_region_code_fkey"),
        nullable=False,
    ),
    sa.Column("base_department", sa.Text, nullable=False),
    sa.Column("options", JSONB, nullable=False, server_default=text("'{}'")),
    sa.Column("report", JSONB, nullable=False),
    now_column("merged_at"),
    actor("merged_by"),
    sa.PrimaryKeyConstraint("id", name="merges_pkey"),
)

# grid_crosswalk (网格对照表): department grid <-> unified grid, shared area and its shares
grid_crosswalk_table = sa.Table(
    "grid_crosswalk",
    metadata,
    sa.Column(
        "merge_id",
        sa.BigInteger,
        sa.ForeignKey("merges.id", name="grid_crosswalk_merge_id_fkey", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column(
        "source_grid_id",
        sa.BigInteger,
        sa.ForeignKey(
            "source_grids.id", name="grid_crosswalk_source_grid_id_fkey", ondelete="CASCADE"
        ),
        nullable=False,
    ),
    sa.Column("department", sa.Text, nullable=False),
    sa.Column("source_code", sa.Text, nullable=False),
    sa.Column("grid_code", code_type(17), nullable=False),
    sa.Column("shared_area_m2", sa.Double, nullable=False),
    sa.Column("share_of_source", sa.Double, nullable=False),
    sa.Column("share_of_grid", sa.Double, nullable=False),
    sa.PrimaryKeyConstraint("merge_id", "source_grid_id", "grid_code", name="grid_crosswalk_pkey"),
    sa.Index("grid_crosswalk_grid_idx", "grid_code"),
    sa.Index("grid_crosswalk_source_idx", "department", "source_code"),
    comment="department grid <-> unified grid: shared area and its share of both",
)


def record(
    conn: Connection, region: str, base: str, options: dict[str, Any], report: dict[str, Any]
) -> int:
    """Record a merge run; returns its id."""
    return conn.execute(
        text(
            "INSERT INTO merges (region_code, base_department, options, report)"
            " VALUES (:r, :b, CAST(:o AS jsonb), CAST(:rep AS jsonb)) RETURNING id"
        ),
        {
            "r": region,
            "b": base,
            "o": json.dumps(options),
            "rep": json.dumps(report, ensure_ascii=False, default=float),
        },
    ).scalar_one()


CROSSWALK_COLUMNS = (
    "source_grid_id",
    "department",
    "source_code",
    "grid_code",
    "shared_area_m2",
    "share_of_source",
    "share_of_grid",
)


def write_crosswalk(conn: Connection, merge_id: int, rows: Iterable[dict[str, Any]]) -> None:
    """Write a merge's crosswalk rows (dicts with ``CROSSWALK_COLUMNS``)."""
    values = [{"merge_id": merge_id, **row} for row in rows]
    if not values:
        return
    columns = ", ".join(CROSSWALK_COLUMNS)
    placeholders = ", ".join(f":{c}" for c in CROSSWALK_COLUMNS)
    conn.execute(
        text(
            f"INSERT INTO grid_crosswalk (merge_id, {columns}) VALUES (:merge_id, {placeholders})"
        ),
        values,
    )


def runs(conn: Connection, region: str | None) -> list[dict[str, Any]]:
    """Merge runs (with their reports), newest first."""
    where = "WHERE region_code = :r" if region else ""
    rows = conn.execute(
        text(
            f"SELECT id, region_code, base_department, options, report, merged_at, merged_by"
            f" FROM merges {where} ORDER BY id DESC LIMIT 50"
        ),
        {"r": region},
    )
    return [dict(row._mapping) for row in rows]


def crosswalk_frame(conn: Connection, merge_id: int) -> pd.DataFrame:
    """A merge's crosswalk, by department, department grid and unified grid."""
    rows = conn.execute(
        text(
            "SELECT department, source_code, grid_code, shared_area_m2, share_of_source,"
            " share_of_grid FROM grid_crosswalk WHERE merge_id = :m ORDER BY department,"
            " source_code, grid_code"
        ),
        {"m": merge_id},
    )
    return pd.DataFrame([dict(r._mapping) for r in rows])
