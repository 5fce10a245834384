"""Places (场所), things (物/部件) and organisations (组织): located records tied to grids.

Places are schools, hospitals, markets, industrial parks, the nine small places (九小场所) and
other key places, as a point or a polygon; ``must_visit`` marks a must-visit point (必到点) of the
daily patrol. Things are public facilities with a category code (hydrants, manholes, lamps);
organisations are enterprises, social organisations and party branches, optionally in a
building. Kinds and categories are configuration (``GRIDMAP_PEOPLE_*``).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
)

from gridmap.db.schema import flag, identity_id, metadata, multipolygon
from gridmap.layers.ties import located_columns, located_indexes

# places (场所): key places and the nine small places (九小场所); must_visit: 必到点
places_table = Table(
    "places",
    metadata,
    identity_id(),
    Column("code", Text(collation="C"), nullable=False),
    Column("name", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("address", Text),
    flag("must_visit"),
    Column("footprint", multipolygon()),
    *located_columns(),
    PrimaryKeyConstraint("id", name="places_pkey"),
    UniqueConstraint("code", name="places_code_key"),
    CheckConstraint("code <> ''", name="places_code_check"),
    *located_indexes("places"),
    Index("places_kind_idx", "grid_code", "kind"),
    comment="places (场所): key places, nine small places (九小场所); must_visit: 必到点",
)

# things (物/部件): public facilities with a category code
things_table = Table(
    "things",
    metadata,
    identity_id(),
    Column("code", Text(collation="C"), nullable=False),
    Column("category", Text, nullable=False),
    Column("name", Text),
    *located_columns(),
    PrimaryKeyConstraint("id", name="things_pkey"),
    UniqueConstraint("code", name="things_code_key"),
    CheckConstraint("code <> ''", name="things_code_check"),
    *located_indexes("things"),
    comment="things (物/部件): public facilities with a category code",
)

# organisations (组织): enterprises, social organisations, party branches
organisations_table = Table(
    "organisations",
    metadata,
    identity_id(),
    Column("code", Text(collation="C")),
    Column("name", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("address", Text),
    Column(
        "building_id",
        BigInteger,
        ForeignKey("buildings.id", name="organisations_building_id_fkey", ondelete="SET NULL"),
    ),
    *located_columns(),
    PrimaryKeyConstraint("id", name="organisations_pkey"),
    UniqueConstraint("code", name="organisations_code_key"),
    CheckConstraint("code <> ''", name="organisations_code_check"),
    *located_indexes("organisations"),
    comment="organisations (组织): enterprises, social organisations, party branches",
)
