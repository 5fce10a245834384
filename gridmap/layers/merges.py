"""Merge runs (多网合一) and their crosswalks: which department grid became which unified grid.

A ``merges`` row keeps a run's options and report; ``grid_crosswalk`` ties every department grid
(``source_grids``) to the unified grids it overlaps, with the shared area and its share of both.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pandas as pd
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Double,
    ForeignKey,
    Index,
    PrimaryKeyConstraint,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from gridmap.db.schema import actor, code_type, identity_id, metadata, now_column

# merges (网格合并): one merge of department layers into the unified grids (多网合一)
merges_table = Table(
    "merges",
    metadata,
    identity_id(),
    Column(
        "region_code",
        code_type(12),
        ForeignKey("regions.code", name="merges_region_code_fkey"),
        nullable=False,
    ),
    Column("base_department", Text, nullable=False),
    Column("options", JSONB, nullable=False, server_default=text("'{}'")),
    Column("report", JSONB, nullable=False),
    now_column("merged_at"),
    actor("merged_by"),
    PrimaryKeyConstraint("id", name="merges_pkey"),
)

# grid_crosswalk (网格对照表): department grid <-> unified grid, shared area and its shares
grid_crosswalk_table = Table(
    "grid_crosswalk",
    metadata,
    Column(
        "merge_id",
        BigInteger,
        ForeignKey("merges.id", name="grid_crosswalk_merge_id_fkey", ondelete="CASCADE"),
        nullable=False,
    ),
    Column(
        "source_grid_id",
        BigInteger,
        ForeignKey(
            "source_grids.id", name="grid_crosswalk_source_grid_id_fkey", ondelete="CASCADE"
        ),
        nullable=False,
    ),
    Column("department", Text, nullable=False),
    Column("source_code", Text, nullable=False),
    Column("grid_code", code_type(17), nullable=False),
    Column("shared_area_m2", Double, nullable=False),
    Column("share_of_source", Double, nullable=False),
    Column("share_of_grid", Double, nullable=False),
    PrimaryKeyConstraint("merge_id", "source_grid_id", "grid_code", name="grid_crosswalk_pkey"),
    Index("grid_crosswalk_grid_idx", "grid_code"),
    Index("grid_crosswalk_source_idx", "department", "source_code"),
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
