"""Sharp Eyes cameras (雪亮工程) and natural villages (自然村): tables and queries.

A camera record (一机一档) keeps the GB/T 28181 archive fields, where it stands (tied to its grid
in PostGIS, or to no grid: a wrong position is a problem to find, not a reason to lose the
record), the region it belongs to, and what it sees (``sector``: its view to the range of the
configured pixel density, minus what buildings hide).
"""

from __future__ import annotations

import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy import Connection, text
from sqlalchemy.dialects.postgresql import ARRAY

from gridmap.db import sql
from gridmap.db.schema import code_type, flag, identity_id, metadata, now_column, point

# cameras (摄像机, 一机一档)
cameras_table = sa.Table(
    "cameras",
    metadata,
    identity_id(),
    sa.Column("device_id", sa.Text(collation="C")),
    sa.Column("osm_id", sa.BigInteger),
    sa.Column("source", sa.Text, nullable=False),
    *(sa.Column(name, sa.Text) for name in ("name", "manufacturer", "model", "owner", "address")),
    *(sa.Column(name, sa.SmallInteger) for name in ("ptz_type", "room_type", "use", "light")),
    sa.Column("resolution_px", sa.Integer),
    *(sa.Column(name, sa.REAL) for name in ("hfov", "direction", "tilt", "height")),
    sa.Column("status", sa.Text, nullable=False, server_default=text("'online'")),
    sa.Column("checked_on", sa.Date),
    sa.Column("declared_crs", sa.Text),
    sa.Column("pt", point(), nullable=False),
    sa.Column("grid_code", code_type(15)),
    sa.Column("micro_code", code_type(17)),
    sa.Column("home_region", code_type(12), nullable=False),
    sa.Column(
        "region_code",
        code_type(12),
        sa.Computed('COALESCE("left"((grid_code)::text, 12), (home_region)::text)', persisted=True),
    ),
    sa.Column("sector", Geometry("GEOMETRY", srid=4326, spatial_index=False)),
    sa.Column("sector_area_m2", sa.REAL),
    sa.Column("sector_range_m", sa.REAL),
    sa.Column("sector_defaults", ARRAY(sa.Text), nullable=False, server_default=text("'{}'")),
    sa.Column("sector_at", sa.DateTime(timezone=True)),
    flag("planned"),
    flag("generated"),
    now_column("imported_at"),
    sa.PrimaryKeyConstraint("id", name="cameras_pkey"),
    sa.CheckConstraint("ptz_type >= 1 AND ptz_type <= 4", name="cameras_ptz_type_check"),
    sa.CheckConstraint("room_type >= 1 AND room_type <= 2", name="cameras_room_type_check"),
    sa.CheckConstraint("use >= 1 AND use <= 3", name="cameras_use_check"),
    sa.CheckConstraint("light >= 1 AND light <= 4", name="cameras_light_check"),
    sa.Index("cameras_pt_idx", "pt", postgresql_using="gist"),
    sa.Index("cameras_sector_idx", "sector", postgresql_using="gist"),
    sa.Index("cameras_region_idx", "region_code"),
    sa.Index("cameras_grid_idx", "grid_code"),
    sa.Index("cameras_device_idx", "device_id"),
    sa.Index("cameras_osm_key", "osm_id", unique=True, postgresql_where=text("osm_id IS NOT NULL")),
    comment="Sharp Eyes cameras (雪亮工程), one record each (一机一档)",
)

# natural_villages (自然村): within administrative villages; a point or an outline
natural_villages_table = sa.Table(
    "natural_villages",
    metadata,
    identity_id(),
    sa.Column("code", sa.Text(collation="C"), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column(
        "region_code",
        code_type(12),
        sa.ForeignKey("regions.code", name="natural_villages_region_code_fkey"),
        nullable=False,
    ),
    sa.Column("geom", Geometry("GEOMETRY", srid=4326, spatial_index=False), nullable=False),
    flag("generated"),
    sa.PrimaryKeyConstraint("id", name="natural_villages_pkey"),
    sa.UniqueConstraint("code", name="natural_villages_code_key"),
    sa.CheckConstraint("code <> ''", name="natural_villages_code_check"),
    sa.CheckConstraint("name <> ''", name="natural_villages_name_check"),
    sa.Index("natural_villages_geom_idx", "geom", postgresql_using="gist"),
    sa.Index("natural_villages_region_idx", "region_code"),
    comment="natural villages (自然村) within administrative villages, for camera quotas",
)


def count(conn: Connection) -> int:
    return conn.execute(text("SELECT count(*) FROM cameras")).scalar_one()


def natural_village_count(conn: Connection) -> int:
    return sql.rows(conn, "SELECT count(*) AS n FROM natural_villages")[0]["n"]
