"""Where each map layer changed (图层变更, migration 0013): the version a cached tile was drawn at,
and whether anything written since touches its area."""

from __future__ import annotations

import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy import Connection, text

from gridmap.db.schema import identity_id, metadata, now_column

# layer_changes (图层变更): one row per statement that wrote a table tiles draw
layer_changes_table = sa.Table(
    "layer_changes",
    metadata,
    identity_id(),
    sa.Column("layer", sa.Text, nullable=False),
    sa.Column("box", Geometry("POLYGON", srid=4326, spatial_index=False)),
    now_column("changed_at"),
    sa.PrimaryKeyConstraint("id", name="layer_changes_pkey"),
    sa.Index("layer_changes_layer_idx", "layer", "id"),
    comment="where each map layer changed (图层变更)",
)

# the newest change of the tables, and whether one after ``since`` touches the tile's box
_STATE = """
    SELECT (SELECT coalesce(max(id), 0) FROM layer_changes WHERE layer = ANY (:tables)),
           CAST(:since AS bigint) IS NOT NULL AND EXISTS (
             SELECT 1 FROM layer_changes c
              WHERE c.layer = ANY (:tables) AND c.id > :since
                AND (c.box IS NULL OR c.box && ST_Transform(ST_TileEnvelope(:z, :x, :y), 4326)))
"""


def state(
    conn: Connection, tables: list[str], tile: tuple[int, int, int], since: int | None
) -> tuple[int, bool]:
    """(the tables' version now, whether a change after ``since`` reaches the tile)."""
    z, x, y = tile
    version, touched = conn.execute(
        text(_STATE), {"tables": tables, "since": since, "z": z, "x": x, "y": y}
    ).one()
    return int(version), bool(touched)


def version(conn: Connection, tables: list[str]) -> int:
    """The tables' version now: the newest change noted to them."""
    return conn.execute(
        text("SELECT coalesce(max(id), 0) FROM layer_changes WHERE layer = ANY (:tables)"),
        {"tables": tables},
    ).scalar_one()
