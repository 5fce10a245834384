"""The buildings (房屋/楼栋) and households (户) ledgers: a building by its point or footprint
(or coordinates in any CRS), a household by its building's code and its unit's name (units are
created as they are first named)."""

from __future__ import annotations

from sqlalchemy import Connection

from gridmap.ingest.checks import as_boolean, boolean, one_of, required, whole_number
from gridmap.ingest.ledger import Ledger, link
from gridmap.ingest.readers import Column

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
