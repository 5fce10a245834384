"""Ties (归属): which grid and micro-grid each record lies in, kept as grids change.

Located records (buildings, places, things, organisations) are tied by their point; units,
households and residents follow their building. ``gridmap_retie`` (migration 0004) does it in
PostGIS, grids driving the join, and ``tie_history`` records every tie made or changed, so the
grid a record was in at any time can be read back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, text

from gridmap.core.signals import GridChange
from gridmap.db import sql
from gridmap.db.features import Property
from gridmap.db.schema import actor, code_type, flag, identity_id, metadata, now_column, point


def tie_columns(nullable: bool = False) -> list[sa.Column]:
    """The tie of a located record: its grid (15 digits) and micro-grid (17 digits)."""
    return [
        sa.Column("grid_code", code_type(15), nullable=nullable),
        sa.Column("micro_code", code_type(17)),
    ]


def located_columns() -> list[sa.Column]:
    """The columns every located table (buildings, places, things, organisations) ends with."""
    return [
        sa.Column("pt", point(), nullable=False),
        *tie_columns(),
        flag("generated"),
        now_column("imported_at"),
    ]


def located_indexes(table: str) -> list[sa.Index]:
    """The point's GiST index and the tie's btree indexes of a located table."""
    return [
        sa.Index(f"{table}_pt_idx", "pt", postgresql_using="gist"),
        sa.Index(f"{table}_grid_idx", "grid_code"),
        sa.Index(
            f"{table}_micro_idx", "micro_code", postgresql_where=text("micro_code IS NOT NULL")
        ),
    ]


# tie_history (网格归属历史): which grid a located record was in when (the record_ties trigger)
tie_history_table = sa.Table(
    "tie_history",
    metadata,
    identity_id(),
    sa.Column("layer", sa.Text, nullable=False),
    sa.Column("record_id", sa.BigInteger, nullable=False),
    *tie_columns(nullable=True),
    sa.Column(
        "tied_at",
        sa.DateTime(timezone=True),
        nullable=False,
        server_default=text("clock_timestamp()"),
    ),
    sa.Column("operation", sa.Text, nullable=False),
    actor("actor"),
    sa.PrimaryKeyConstraint("id", name="tie_history_pkey"),
    sa.Index("tie_history_record_idx", "layer", "record_id", "tied_at"),
    comment=(
        "which grid a located record was in when: one row per tie made or changed; "
        "the grid at time T is the newest row with tied_at <= T"
    ),
)


LOCATED = ("buildings", "places", "things", "organisations", "events", "cameras")

# what every located table's OGC collection tells of its tie
TIE_PROPERTIES = (
    Property("grid_code", "string", "15-digit grid it lies in"),
    Property("micro_code", "string", "17-digit micro-grid it lies in"),
    Property("generated", "boolean", "generated (demo), not surveyed"),
)


def retie(conn: Connection, area_wkb: bytes | None = None) -> dict[str, int]:
    """Re-tie records inside ``area_wkb`` (EPSG:4326; None: everywhere); moved rows per layer."""
    if area_wkb is None:  # a city-wide re-tie is bulk work, not an interactive statement
        sql.bulk_work(conn)
    rows = conn.execute(
        text(
            "SELECT layer, moved FROM gridmap_retie("
            "CASE WHEN CAST(:area AS bytea) IS NULL THEN NULL"
            " ELSE ST_GeomFromWKB(CAST(:area AS bytea), 4326) END)"
        ),
        {"area": area_wkb},
    ).all()
    return {layer: moved for layer, moved in rows}


def follow_grids(conn: Connection, change: GridChange) -> None:
    """Grid edits and merges re-tie the records in the changed area, in their transaction (the
    catalogue's hook of the located layers)."""
    if change.area_wkb is not None:
        retie(conn, change.area_wkb)


def history(conn: Connection, layer: str, record_id: int) -> list[dict[str, Any]]:
    """Every tie of a located record, oldest first."""
    if layer not in LOCATED:
        raise ValueError(f"layer {layer!r} has no tie history (located layers: {LOCATED})")
    rows = conn.execute(
        text(
            "SELECT grid_code, micro_code, tied_at, operation, actor FROM tie_history"
            " WHERE layer = :layer AND record_id = :id ORDER BY tied_at, id"
        ),
        {"layer": layer, "id": record_id},
    ).mappings()
    return [dict(r) for r in rows]


def grid_at(conn: Connection, layer: str, record_id: int, at: datetime) -> str | None:
    """The grid a located record was in at time ``at`` (None before it was first tied)."""
    return conn.execute(
        text(
            "SELECT grid_code FROM tie_history WHERE layer = :layer AND record_id = :id"
            " AND tied_at <= :at ORDER BY tied_at DESC, id DESC LIMIT 1"
        ),
        {"layer": layer, "id": record_id, "at": at},
    ).scalar_one_or_none()
