"""The departments ledger (职能部门): the units that handle events, with the level they work
at, the region they serve and the categories (or groups of them) they take; a row updates the
department of the same code (``gridmap import departments FILE``)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, text

from gridmap.ingest.batches import Prepare
from gridmap.ingest.checks import Check, as_boolean, boolean, one_of, phone, required
from gridmap.ingest.ledger import Ledger
from gridmap.ingest.readers import Column, Row

_SEPARATORS = re.compile(r"\s*[;；,，、|]\s*")
_PHONE_NOISE = re.compile(r"[\s()（）]")

COLUMNS = (
    Column("code", ("编码", "部门编码", "单位编码", "代码"), required=True),
    Column("name", ("名称", "部门名称", "单位名称"), required=True),
    Column("level", ("层级", "级别"), required=True),
    Column("region_code", ("区划代码", "行政区划代码", "region"), required=True),
    Column("categories", ("承办类别", "事件类别", "类别")),
    Column("phone", ("电话", "联系电话")),
    Column("active", ("启用", "是否启用")),
)


def _prepare(settings: Any) -> Prepare:
    """Labels to codes, in place: the level, and each category or group taken."""
    config = settings.events
    levels = {**{c: c for c in config.levels}, **{v: k for k, v in config.levels.items()}}
    takes = {**{c: c for c in config.categories}, **{c: c for c in config.groups}}
    takes.update({spec.label: code for code, spec in config.categories.items()})
    takes.update({label: code for code, label in config.groups.items()})

    def prepare(row: Row) -> tuple[Any, ...]:
        _, _, level, _, categories, phone_number, _ = row
        if level:
            row[2] = levels.get(level, level)
        if categories:
            row[4] = ";".join(takes.get(t, t) for t in _SEPARATORS.split(categories) if t)
        if phone_number:
            row[5] = _PHONE_NOISE.sub("", phone_number)
        return ()

    return prepare


_CATEGORIES = Check(
    "categories",
    "CASE WHEN s.categories IS NOT NULL THEN (SELECT CASE WHEN count(*) > 0 THEN"
    " format('unknown categories or groups %s (known: %s)', string_agg(t, ', '),"
    " array_to_string(CAST(:takes AS text[]), ', ')) END"
    " FROM unnest(string_to_array(s.categories, ';')) t"
    " WHERE NOT (t = ANY (CAST(:takes AS text[])))) END",
)


def _check_rows(conn: Connection) -> None:
    """A code twice in the file, an unknown region, a region outside the caller's
    jurisdiction, a department of another jurisdiction."""
    conn.execute(
        text(
            """
            INSERT INTO stage_rejects (row_no, field, value, reason)
            SELECT row_no, 'code', code, format('duplicate code %s in the file (first at row %s)',
                                                code, first)
              FROM (SELECT row_no, code, min(row_no) OVER (PARTITION BY code) AS first
                      FROM stage WHERE code IS NOT NULL) d
             WHERE row_no > first
            UNION ALL
            SELECT s.row_no, 'region_code', s.region_code,
                   CASE WHEN g.code IS NULL THEN format('unknown region %s', s.region_code)
                        ELSE format('region %s is outside your jurisdiction', s.region_code) END
              FROM stage s LEFT JOIN regions g ON g.code = s.region_code
             WHERE s.region_code IS NOT NULL
               AND (g.code IS NULL OR NOT (g.prefix >= gridmap_scope_lo()
                                           AND g.prefix < gridmap_scope_hi()))
            UNION ALL
            SELECT s.row_no, 'code', s.code,
                   format('department %s belongs to region %s, outside your jurisdiction',
                          s.code, d.region_code)
              FROM stage s JOIN departments d ON d.code = s.code
             WHERE NOT (d.scope >= gridmap_scope_lo() AND d.scope < gridmap_scope_hi())
            """
        )
    )


DEPARTMENTS = Ledger(
    layer="departments",
    chunked=False,  # a department's code may come twice: the whole list is checked at once
    columns=COLUMNS,
    prepare=_prepare,
    checks=(
        required("code"),
        required("name"),
        required("level"),
        required("region_code"),
        one_of("level", "levels", "level"),
        phone("phone"),
        boolean("active"),
        _CATEGORIES,
    ),
    resolve=(_check_rows,),
    params=lambda settings: {
        "levels": list(settings.events.levels),
        "takes": [*settings.events.categories, *settings.events.groups],
    },
    move=f"""
        INSERT INTO departments AS d (code, name, level, region_code, scope, categories, phone,
                                      active, generated)
        SELECT s.code, s.name, s.level, s.region_code, g.prefix,
               coalesce(string_to_array(s.categories, ';'), '{{}}'), s.phone,
               {as_boolean("active", True)}, :generated
          FROM stage s JOIN regions g ON g.code = s.region_code
         WHERE NOT s.rejected
        ON CONFLICT (code) DO UPDATE
           SET name = excluded.name, level = excluded.level, region_code = excluded.region_code,
               scope = excluded.scope, categories = excluded.categories,
               phone = excluded.phone, active = excluded.active
    """,
)
