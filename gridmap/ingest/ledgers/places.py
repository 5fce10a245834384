"""The places (场所), things (物/部件) and organisations (组织) ledgers: located by coordinates,
a footprint, or (places and organisations) a building's code or exact address."""

from __future__ import annotations

from gridmap.ingest.checks import Check, as_boolean, boolean, one_of, required
from gridmap.ingest.ledger import Ledger
from gridmap.ingest.readers import Column

_CODE = Column("code", ("编码", "编号"), required=True)
_LOCATED_COLUMNS = "s.pt, s.grid_code, s.micro_code, :generated"

PLACES = Ledger(
    layer="places",
    columns=(
        _CODE,
        Column("name", ("名称", "场所名称"), required=True),
        Column("kind", ("类型", "场所类型"), required=True),
        Column("address", ("地址",)),
        Column("must_visit", ("必到点", "是否必到点")),
        Column("building_code", ("楼栋编码",)),
    ),
    checks=(
        required("code"),
        required("name"),
        required("kind"),
        one_of("kind", "kinds", "place kind"),
        boolean("must_visit"),
    ),
    located=True,
    by_building=True,
    key="code",
    params=lambda settings: {"kinds": list(settings.people.place_kinds)},
    move=f"""
        INSERT INTO places (code, name, kind, address, must_visit, footprint, pt, grid_code,
                            micro_code, generated)
        SELECT s.code, s.name, s.kind, s.address, {as_boolean("must_visit", False)},
               ST_Multi(ST_GeomFromWKB(s.footprint, 4326)), {_LOCATED_COLUMNS}
          FROM stage s WHERE NOT s.rejected
    """,
)

THINGS = Ledger(
    layer="things",
    columns=(
        _CODE,
        Column("category", ("类别", "部件类别", "类别代码"), required=True),
        Column("name", ("名称",)),
    ),
    checks=(required("code"), required("category"), one_of("category", "categories", "category")),
    located=True,
    key="code",
    params=lambda settings: {"categories": list(settings.people.thing_categories)},
    move=f"""
        INSERT INTO things (code, category, name, pt, grid_code, micro_code, generated)
        SELECT s.code, s.category, s.name, {_LOCATED_COLUMNS}
          FROM stage s WHERE NOT s.rejected
    """,
)

# 统一社会信用代码 (GB 32100): 18 characters of digits and capitals without I, O, S, V, Z
_CREDIT_CODE = "^[0-9A-HJ-NP-RTUWXY]{2}[0-9]{6}[0-9A-HJ-NP-RTUWXY]{10}$"

ORGANISATIONS = Ledger(
    layer="organisations",
    columns=(
        Column("code", ("统一社会信用代码", "信用代码", "credit_code")),
        Column("name", ("名称", "组织名称", "单位名称"), required=True),
        Column("kind", ("类型", "组织类型"), required=True),
        Column("address", ("地址",)),
        Column("building_code", ("楼栋编码",)),
    ),
    checks=(
        required("name"),
        required("kind"),
        one_of("kind", "kinds", "organisation kind"),
        Check(
            "code",
            f"CASE WHEN s.code IS NOT NULL AND s.code !~ '{_CREDIT_CODE}'"
            " THEN 'not a unified social credit code (18 characters, GB 32100)' END",
        ),
    ),
    located=True,
    by_building=True,
    key="code",
    params=lambda settings: {"kinds": list(settings.people.organisation_kinds)},
    move=f"""
        INSERT INTO organisations (code, name, kind, address, building_id, pt, grid_code,
                                   micro_code, generated)
        SELECT s.code, s.name, s.kind, s.address, s.building_id, {_LOCATED_COLUMNS}
          FROM stage s WHERE NOT s.rejected
    """,
)
