"""Buildings (房屋/楼栋), their units (单元) and households (户).

A building is located by a point (its footprint's point on surface when it has one) and tied
to the grid and micro-grid that contain it; its units and households follow it by reference
(their row-level security looks the building's tie up). A household
names its building by the building's code and its unit by name (units are created as they are
first named).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, text

from gridmap.db.features import FeatureTable, Property
from gridmap.db.schema import flag, identity_id, metadata, multipolygon
from gridmap.layers.ties import TIE_PROPERTIES, located_columns, located_indexes

# buildings (房屋/楼栋): footprint or point, tied to a grid and micro-grid
buildings_table = sa.Table(
    "buildings",
    metadata,
    identity_id(),
    sa.Column("code", sa.Text(collation="C"), nullable=False),
    sa.Column("address", sa.Text, nullable=False),
    sa.Column("name", sa.Text),
    sa.Column("floors", sa.SmallInteger),
    sa.Column("use", sa.Text),
    sa.Column("year", sa.SmallInteger),
    sa.Column("footprint", multipolygon()),
    *located_columns(),
    sa.PrimaryKeyConstraint("id", name="buildings_pkey"),
    sa.UniqueConstraint("code", name="buildings_code_key"),
    sa.CheckConstraint("code <> ''", name="buildings_code_check"),
    sa.CheckConstraint("address <> ''", name="buildings_address_check"),
    sa.CheckConstraint("floors BETWEEN 1 AND 300", name="buildings_floors_check"),
    sa.CheckConstraint("year BETWEEN 1000 AND 2100", name="buildings_year_check"),
    *located_indexes("buildings"),
    sa.Index("buildings_footprint_idx", "footprint", postgresql_using="gist"),
    sa.Index(
        "buildings_address_trgm",
        "address",
        postgresql_using="gin",
        postgresql_ops={"address": "gin_trgm_ops"},
    ),
    comment="buildings (房屋/楼栋): footprint or point",
)

# units (单元): units of a building
units_table = sa.Table(
    "units",
    metadata,
    identity_id(),
    sa.Column(
        "building_id",
        sa.BigInteger,
        sa.ForeignKey("buildings.id", name="units_building_id_fkey", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("name", sa.Text, nullable=False),
    sa.PrimaryKeyConstraint("id", name="units_pkey"),
    sa.UniqueConstraint("building_id", "name", name="units_building_id_name_key"),
    sa.CheckConstraint("name <> ''", name="units_name_check"),
    comment="units of a building (单元)",
)

# households (户): registered (户籍户) or not, in a building (and a unit of it)
households_table = sa.Table(
    "households",
    metadata,
    identity_id(),
    sa.Column("household_no", sa.Text(collation="C"), nullable=False),
    sa.Column(
        "building_id",
        sa.BigInteger,
        sa.ForeignKey("buildings.id", name="households_building_id_fkey", ondelete="RESTRICT"),
        nullable=False,
    ),
    sa.Column(
        "unit_id",
        sa.BigInteger,
        sa.ForeignKey("units.id", name="households_unit_id_fkey", ondelete="RESTRICT"),
    ),
    sa.Column("room", sa.Text),
    sa.Column("address", sa.Text, nullable=False),
    flag("registered", default=True),
    flag("generated"),
    sa.PrimaryKeyConstraint("id", name="households_pkey"),
    sa.UniqueConstraint("household_no", name="households_household_no_key"),
    sa.CheckConstraint("household_no <> ''", name="households_household_no_check"),
    sa.Index("households_building_idx", "building_id"),
    sa.Index("households_unit_idx", "unit_id"),
    comment="households (户): registered (户籍户) or not",
)


# the OGC collection ``buildings``: a footprint where there is one, else the point
FEATURES = FeatureTable(
    table="buildings",
    alias="b",
    key="id",
    key_type="integer",
    geometry=("footprint", "pt"),
    geometry_type="geometry",
    order="b.code",
    properties=(
        Property("id", "integer", "record number"),
        Property("code", "string", "building code"),
        Property("address", "string", "address of the building (门牌地址)"),
        Property("name", "string", "name of the building"),
        Property("floors", "integer", "number of floors"),
        Property("use", "string", "use: residential, rural_house, commercial, …"),
        Property("year", "integer", "year built"),
        *TIE_PROPERTIES,
    ),
)


def buildings_in_grid(conn: Connection, grid: str, limit: int, offset: int) -> dict[str, Any]:
    """Buildings of a grid (or micro-grid) with their household and resident counts."""
    column = "micro_code" if len(grid) == 17 else "grid_code"
    rows = conn.execute(
        text(
            f"""
            SELECT b.id, b.code, b.address, b.name, b.floors, b.use, b.year,
                   ST_X(b.pt) AS lon, ST_Y(b.pt) AS lat, b.grid_code, b.micro_code,
                   (SELECT count(*) FROM households h WHERE h.building_id = b.id) AS households,
                   (SELECT count(*) FROM households h JOIN residents r ON r.household_id = h.id
                     WHERE h.building_id = b.id) AS residents
              FROM buildings b WHERE b.{column} = :grid
             ORDER BY b.code LIMIT :limit OFFSET :offset
            """
        ),
        {"grid": grid, "limit": limit, "offset": offset},
    ).mappings()
    items = [dict(r) for r in rows]
    total = conn.execute(
        text(f"SELECT count(*) FROM buildings WHERE {column} = :grid"), {"grid": grid}
    ).scalar_one()
    return {"grid": grid, "total": total, "buildings": items}


def building(conn: Connection, building_id: int) -> dict[str, Any] | None:
    """A building with its units and each unit's households (resident counts, no names)."""
    row = (
        conn.execute(
            text(
                "SELECT id, code, address, name, floors, use, year, ST_X(pt) AS lon,"
                " ST_Y(pt) AS lat, grid_code, micro_code, generated FROM buildings WHERE id = :id"
            ),
            {"id": building_id},
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    households = conn.execute(
        text(
            """
            SELECT h.id, h.household_no, u.name AS unit, h.room, h.address, h.registered,
                   (SELECT count(*) FROM residents r WHERE r.household_id = h.id) AS residents
              FROM households h LEFT JOIN units u ON u.id = h.unit_id
             WHERE h.building_id = :id ORDER BY u.name NULLS FIRST, h.room, h.household_no
            """
        ),
        {"id": building_id},
    ).mappings()
    units: dict[str | None, list[dict[str, Any]]] = {}
    for household in households:
        units.setdefault(household["unit"], []).append(dict(household))
    return {
        **dict(row),
        "units": [{"unit": name, "households": items} for name, items in units.items()],
    }


def household(conn: Connection, household_id: int) -> dict[str, Any] | None:
    row = (
        conn.execute(
            text(
                "SELECT h.id, h.household_no, h.building_id, b.code AS building_code,"
                " u.name AS unit, h.room, h.address, h.registered, b.grid_code, b.micro_code"
                " FROM households h JOIN buildings b ON b.id = h.building_id"
                " LEFT JOIN units u ON u.id = h.unit_id WHERE h.id = :id"
            ),
            {"id": household_id},
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None
