"""The residents ledger (人口台账): each row a person in a household, named by household number.

ID numbers and phones are normalised and sealed by the reading thread (``gridmap.core.pii``)
before they reach the database: a ciphertext, a keyed hash for exact look-up and a masked form.
The ID number is checked in SQL (format, province, birth date, check character); kinds and
key-population tags may be given as codes or as their configured labels.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from gridmap.core import pii
from gridmap.core.codes import PROVINCE_CODES, id_check_character
from gridmap.ingest.batches import Prepare
from gridmap.ingest.checks import Check, one_of, phone, required
from gridmap.ingest.ledger import Ledger, link
from gridmap.ingest.readers import Column, Row

# residence permits of Hong Kong, Macao and Taiwan residents use 83xxxx (GB/T 2260 has no 83)
ID_REGION_PREFIXES = sorted(PROVINCE_CODES | {"83"})
_SEPARATORS = re.compile(r"\s*[;；,，、|]\s*")
_PHONE_NOISE = re.compile(r"[\s\-()（）]")


def _prepare(settings: Any) -> Prepare:
    """Normalise the row in place (ID upper case, phone digits, kind and tag labels to codes)
    and seal the ID number and phone: the staged extras."""
    vault = pii.vault(settings)
    people = settings.people
    kinds = {**{code: code for code in people.kinds}, **{v: k for k, v in people.kinds.items()}}
    kinds.update({label[:2]: code for code, label in people.kinds.items()})
    tags = {code: code for code in people.key_groups}
    tags.update({group.label: code for code, group in people.key_groups.items()})

    def prepare(row: Row) -> tuple[Any, ...]:
        _, id_number, phone, _, kind, tag_text = row
        if id_number:
            id_number = row[1] = id_number.replace(" ", "").upper()
        if phone:
            phone = _PHONE_NOISE.sub("", phone)
            phone = row[2] = phone[3:] if phone.startswith("+86") else phone
        if kind:
            row[4] = kinds.get(kind, kind)
        if tag_text:
            row[5] = ";".join(tags.get(t, t) for t in _SEPARATORS.split(tag_text) if t)
        sealed_id = vault.id_number(id_number) if id_number else None
        sealed_phone = vault.phone(phone) if phone else None
        return (_expected_check(id_number), *_sealed(sealed_id), *_sealed(sealed_phone))

    return prepare


def _expected_check(id_number: str | None) -> str | None:
    """The check character the first 17 digits call for (compared in SQL), if they are digits."""
    if id_number and len(id_number) == 18 and id_number[:17].isdigit():
        return id_check_character(id_number[:17])
    return None


def _sealed(value: pii.Sealed | None) -> tuple[Any, Any, Any]:
    return (value.hash, value.cipher, value.masked) if value else (None, None, None)


_ID_CHECK = Check(
    "id_number",
    "CASE WHEN s.id_number IS NULL THEN CASE WHEN s.kind <> 'foreign'"
    " THEN 'required (only foreign residents may have none)' END"
    " ELSE gridmap_id_problem(s.id_number, CAST(:id_regions AS text[]), CAST(:today AS text),"
    " s.id_expected) END",
)
_TAGS_CHECK = Check(
    "tags",
    "CASE WHEN s.tags IS NOT NULL THEN (SELECT CASE WHEN count(*) > 0 THEN"
    " format('unknown key-population tag(s) %s (known: %s)', string_agg(t, ', '),"
    " array_to_string(CAST(:tags AS text[]), ', ')) END"
    " FROM unnest(string_to_array(s.tags, ';')) t"
    " WHERE NOT (t = ANY (CAST(:tags AS text[])))) END",
)


def _link_household(conn: Connection) -> None:
    link(conn, "household_no", "households", "household_no")


def _reject_taken_ids(conn: Connection) -> None:
    """An ID number twice in the file, already registered here, or in another jurisdiction."""
    conn.execute(
        text(
            "INSERT INTO stage_rejects (row_no, field, value, reason)"
            " SELECT row_no, 'id_number', id_number, format('duplicate ID in the file (first at"
            " row %s)', first) FROM (SELECT row_no, id_number, min(row_no) OVER"
            " (PARTITION BY id_hash) AS first FROM stage WHERE id_hash IS NOT NULL) d"
            " WHERE row_no > first"
        )
    )
    conn.execute(
        text(
            "INSERT INTO stage_rejects (row_no, field, value, reason)"
            " SELECT s.row_no, 'id_number', s.id_number, 'duplicate ID: already registered'"
            " FROM stage s JOIN residents r ON r.id_hash = s.id_hash"
        )
    )
    # without an ID number (foreign residents) a person is known by name within the household
    conn.execute(
        text(
            "INSERT INTO stage_rejects (row_no, field, value, reason)"
            " SELECT s.row_no, 'name', s.name, format('%s (no ID number) is already registered"
            " in household %s', s.name, s.household_no) FROM stage s"
            " JOIN households h ON h.household_no = s.household_no"
            " JOIN residents r ON r.household_id = h.id AND r.name = s.name"
            " AND r.id_hash IS NULL WHERE s.id_number IS NULL"
        )
    )
    if conn.execute(text("SELECT gridmap_scope() = '*'")).scalar_one():
        return  # the whole system is visible: the join above saw every registered ID
    conn.execute(
        text(
            "INSERT INTO stage_rejects (row_no, field, value, reason)"
            " SELECT s.row_no, 'id_number', s.id_number,"
            " 'duplicate ID: already registered in another jurisdiction'"
            " FROM stage s WHERE s.id_hash IN (SELECT gridmap_ids_elsewhere(ARRAY("
            " SELECT id_hash FROM stage WHERE id_hash IS NOT NULL)))"
            " AND NOT EXISTS (SELECT 1 FROM residents r WHERE r.id_hash = s.id_hash)"
        )
    )


RESIDENTS = Ledger(
    layer="residents",
    columns=(
        Column("name", ("姓名",), required=True),
        Column("id_number", ("身份证号", "公民身份号码", "身份证号码", "证件号码")),
        Column("phone", ("联系电话", "手机号", "电话", "手机")),
        Column("household_no", ("户号", "户编号"), required=True),
        Column("kind", ("人口类型", "类型", "人员类别"), required=True),
        Column("tags", ("重点人群", "标签", "重点人群标签")),
    ),
    prepared=(
        "id_expected text",
        "id_hash bytea",
        "id_cipher bytea",
        "id_masked text",
        "phone_hash bytea",
        "phone_cipher bytea",
        "phone_masked text",
    ),
    prepare=_prepare,
    checks=(
        required("name"),
        required("household_no"),
        required("kind"),
        one_of("kind", "kinds", "kind"),
        _ID_CHECK,
        phone("phone"),
        _TAGS_CHECK,
    ),
    resolve=(_link_household, _reject_taken_ids),
    params=lambda settings: {
        "kinds": list(settings.people.kinds),
        "tags": list(settings.people.key_groups),
        "id_regions": ID_REGION_PREFIXES,
        "today": date.today().strftime("%Y%m%d"),
    },
    move="""
        INSERT INTO residents (household_id, building_id, name, id_hash, id_cipher, id_masked, sex,
                               birth_date, phone_hash, phone_cipher, phone_masked, kind, tags,
                               generated)
        SELECT h.id, h.building_id, s.name, s.id_hash, s.id_cipher, s.id_masked,
               CASE WHEN s.id_number IS NULL THEN NULL
                    WHEN substr(s.id_number, 17, 1)::int % 2 = 1 THEN 'M' ELSE 'F' END,
               to_date(substr(s.id_number, 7, 8), 'YYYYMMDD'),
               s.phone_hash, s.phone_cipher, s.phone_masked, s.kind,
               coalesce(string_to_array(s.tags, ';'), '{}'), :generated
          FROM stage s JOIN households h ON h.household_no = s.household_no
         WHERE NOT s.rejected
    """,
)
