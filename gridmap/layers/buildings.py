"""Buildings (房屋/楼栋), their units (单元) and households (户).

A building is located by a point (its footprint's point on surface when it has one) and tied
to the grid and micro-grid that contain it; its units and households follow it by reference
(their row-level security looks the building's tie up). A household
names its building by the building's code and its unit by name (units are created as they are
first named).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from gridmap.ledgers import (
    Column,
    Ledger,
    as_boolean,
    boolean,
    link,
    one_of,
    required,
    whole_number,
)

BUILDINGS = Ledger(
    layer="buildings",
    columns=(
        Column("code", ("building_code", "楼栋编码", "房屋编码", "编码"), required=True),
        Column("address", ("地址", "楼栋地址"), required=True),
        Column("name", ("名称", "楼栋名称")),
        Column("floors", ("层数", "楼层数")),
        Column("use", ("用途", "房屋用途")),
        Column("year", ("建成年份", "年份")),
    ),
    checks=(
        required("code"),
        required("address"),
        whole_number("floors", 1, 300),
        whole_number("year", 1000, 2100),
        one_of("use", "uses", "building use"),
    ),
    located=True,
    key="code",
    params=lambda settings: {"uses": list(settings.people.building_uses)},
    move="""
        INSERT INTO buildings (code, address, name, floors, use, year, footprint, pt,
                               grid_code, micro_code, generated)
        SELECT s.code, s.address, s.name, s.floors::smallint, s.use, s.year::smallint,
               ST_Multi(ST_GeomFromWKB(s.footprint, 4326)), s.pt, s.grid_code, s.micro_code,
               :generated
          FROM stage s WHERE NOT s.rejected
    """,
)


def _link_building(conn: Connection) -> None:
    link(conn, "building_code", "buildings", "code")


HOUSEHOLDS = Ledger(
    layer="households",
    columns=(
        Column("household_no", ("户号", "户编号"), required=True),
        Column("building_code", ("楼栋编码", "房屋编码", "building"), required=True),
        Column("unit", ("单元", "单元号")),
        Column("room", ("房号", "室", "门牌号")),
        Column("address", ("地址", "住址")),
        Column("registered", ("户籍户", "是否户籍")),
    ),
    checks=(required("household_no"), required("building_code"), boolean("registered")),
    key="household_no",
    resolve=(_link_building,),
    move=f"""
        WITH new_units AS (
          INSERT INTO units (building_id, name)
          SELECT DISTINCT b.id, s.unit
            FROM stage s JOIN buildings b ON b.code = s.building_code
           WHERE NOT s.rejected AND s.unit IS NOT NULL
          ON CONFLICT (building_id, name) DO NOTHING
          RETURNING id, building_id, name)
        INSERT INTO households (household_no, building_id, unit_id, room, address, registered,
                                generated)
        SELECT s.household_no, b.id, coalesce(n.id, u.id), s.room,
               coalesce(s.address, concat_ws(' ', b.address, s.unit, s.room)),
               {as_boolean("registered", True)}, :generated
          FROM stage s
          JOIN buildings b ON b.code = s.building_code
          LEFT JOIN new_units n ON n.building_id = b.id AND n.name = s.unit
          LEFT JOIN units u ON u.building_id = b.id AND u.name = s.unit
         WHERE NOT s.rejected
    """,
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
