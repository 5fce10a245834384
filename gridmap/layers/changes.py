"""Where each map layer changed (图层变更, migration 0013): the version a cached tile was drawn at,
and whether anything written since touches its area."""

from __future__ import annotations

import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy import Connection, text

from gridmap.db import sql
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
# (psycopg's parameters: run on the driver's cursor, ``sql.driver_row``)
_STATE = """
    SELECT (SELECT coalesce(max(id), 0) FROM layer_changes WHERE layer = ANY (%(tables)s))
             AS version,
           CAST(%(since)s AS bigint) IS NOT NULL AND EXISTS (
             SELECT 1 FROM layer_changes c
              WHERE c.layer = ANY (%(tables)s) AND c.id > %(since)s
                AND (c.box IS NULL
                     OR c.box && ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4326)))
             AS touched
"""


def state(
    conn: Connection, tables: list[str], tile: tuple[int, int, int], since: int | None
) -> tuple[int, bool]:
    """(the tables' version now, whether a change after ``since`` reaches the tile); asked
    before every kept tile is served, so run on the driver's cursor (``sql.driver_row``)."""
    z, x, y = tile
    row = sql.driver_row(conn, _STATE, {"tables": tables, "since": since, "z": z, "x": x, "y": y})
    assert row is not None  # an aggregate: always one row
    return int(row["version"]), bool(row["touched"])


def version(conn: Connection, tables: list[str]) -> int:
    """The tables' version now: the newest change noted to them."""
    return conn.execute(
        text("SELECT coalesce(max(id), 0) FROM layer_changes WHERE layer = ANY (:tables)"),
        {"tables": tables},
    ).scalar_one()
