"""Places (场所), things (物/部件) and organisations (组织): located records tied to grids.

Places are schools, hospitals, markets, industrial parks, the nine small places (九小场所) and
other key places, as a point or a polygon; ``must_visit`` marks a must-visit point (必到点) of the
daily patrol. Things are public facilities with a category code (hydrants, manholes, lamps);
organisations are enterprises, social organisations and party branches, optionally in a
building. Kinds and categories are configuration (``GRIDMAP_PEOPLE_*``).
"""

from __future__ import annotations

import sqlalchemy as sa

from gridmap.db.features import FeatureTable, Property
from gridmap.db.schema import flag, identity_id, metadata, multipolygon
from gridmap.layers.ties import TIE_PROPERTIES, located_columns, located_indexes

# places (场所): key places and the nine small places (九小场所); must_visit: 必到点
places_table = sa.Table(
    "places",
    metadata,
    identity_id(),
    sa.Column("code", sa.Text(collation="C"), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("address", sa.Text),
    flag("must_visit"),
    sa.Column("footprint", multipolygon()),
    *located_columns(),
    sa.PrimaryKeyConstraint("id", name="places_pkey"),
    sa.UniqueConstraint("code", name="places_code_key"),
    sa.CheckConstraint("code <> ''", name="places_code_check"),
    *located_indexes("places"),
    sa.Index("places_kind_idx", "grid_code", "kind"),
    comment="places (场所): key places, nine small places (九小场所); must_visit: 必到点",
)

# things (物/部件): public facilities with a category code
things_table = sa.Table(
    "things",
    metadata,
    identity_id(),
    sa.Column("code", sa.Text(collation="C"), nullable=False),
    sa.Column("category", sa.Text, nullable=False),
    sa.Column("name", sa.Text),
    *located_columns(),
    sa.PrimaryKeyConstraint("id", name="things_pkey"),
    sa.UniqueConstraint("code", name="things_code_key"),
    sa.CheckConstraint("code <> ''", name="things_code_check"),
    *located_indexes("things"),
    comment="things (物/部件): public facilities with a category code",
)

# organisations (组织): enterprises, social organisations, party branches
organisations_table = sa.Table(
    "organisations",
    metadata,
    identity_id(),
    sa.Column("code", sa.Text(collation="C")),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("address", sa.Text),
    sa.Column(
        "building_id",
        sa.BigInteger,
        sa.ForeignKey("buildings.id", name="organisations_building_id_fkey", ondelete="SET NULL"),
    ),
    *located_columns(),
    sa.PrimaryKeyConstraint("id", name="organisations_pkey"),
    sa.UniqueConstraint("code", name="organisations_code_key"),
    sa.CheckConstraint("code <> ''", name="organisations_code_check"),
    *located_indexes("organisations"),
    comment="organisations (组织): enterprises, social organisations, party branches",
)

# the OGC collections ``places``, ``things`` and ``organisations``
PLACES = FeatureTable(
    table="places",
    alias="p",
    key="id",
    key_type="integer",
    geometry=("footprint", "pt"),
    geometry_type="geometry",
    order="p.code",
    properties=(
        Property("id", "integer", "record number"),
        Property("code", "string", "place code"),
        Property("name", "string", "name of the place"),
        Property("kind", "string", "kind: school, market, small_shop, … (configuration)"),
        Property("address", "string", "address of the place"),
        Property("must_visit", "boolean", "a must-visit point (必到点) of the daily patrol"),
        *TIE_PROPERTIES,
    ),
)
THINGS = FeatureTable(
    table="things",
    alias="t",
    key="id",
    key_type="integer",
    geometry=("pt",),
    geometry_type="point",
    order="t.code",
    properties=(
        Property("id", "integer", "record number"),
        Property("code", "string", "facility code"),
        Property("category", "string", "facility category code (hydrant, manhole, lamp, …)"),
        Property("name", "string", "name of the facility"),
        *TIE_PROPERTIES,
    ),
)
ORGANISATIONS = FeatureTable(
    table="organisations",
    alias="o",
    key="id",
    key_type="integer",
    geometry=("pt",),
    geometry_type="point",
    order="o.id",
    properties=(
        Property("id", "integer", "record number"),
        Property("code", "string", "organisation code (unified social credit code or local)"),
        Property("name", "string", "name of the organisation"),
        Property("kind", "string", "kind: enterprise, social_org, party_branch, … (configuration)"),
        Property("address", "string", "address of the organisation"),
        Property("building_id", "integer", "building it is in"),
        *TIE_PROPERTIES,
    ),
)
