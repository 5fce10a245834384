"""Residents (人口): who lives in a household, with ID number and phone protected.

ID numbers and phones are sealed by the application (``gridmap.core.pii``) before they reach the
database: a ciphertext, a keyed hash for exact look-up and a masked form for lists. Sex and birth
date come from the ID number. ``kind`` is registered (户籍), resident (常住), floating (流动) or
foreign (境外); ``tags`` are key-population codes (重点人群) from the configured taxonomy.
A resident's grid is their building's (``building_id`` repeats the household's), so residents
follow their building when grids change without being rewritten.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, text
from sqlalchemy.dialects.postgresql import ARRAY

from gridmap.db import sql
from gridmap.db.schema import flag, identity_id, metadata

# residents (人口): ID number and phone encrypted, keyed hashes for look-up, masked for lists
residents_table = sa.Table(
    "residents",
    metadata,
    identity_id(),
    sa.Column(
        "household_id",
        sa.BigInteger,
        sa.ForeignKey("households.id", name="residents_household_id_fkey", ondelete="RESTRICT"),
        nullable=False,
    ),
    # the household's building, repeated for the row-level-security look-up: no foreign key
    sa.Column("building_id", sa.BigInteger, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("id_hash", sa.LargeBinary),
    sa.Column("id_cipher", sa.LargeBinary),
    sa.Column("id_masked", sa.Text),
    sa.Column("sex", sa.CHAR(1)),
    sa.Column("birth_date", sa.Date),
    sa.Column("phone_hash", sa.LargeBinary),
    sa.Column("phone_cipher", sa.LargeBinary),
    sa.Column("phone_masked", sa.Text),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("tags", ARRAY(sa.Text), nullable=False, server_default=text("'{}'")),
    flag("generated"),
    sa.PrimaryKeyConstraint("id", name="residents_pkey"),
    sa.CheckConstraint("name <> ''", name="residents_name_check"),
    sa.CheckConstraint("sex IN ('M', 'F')", name="residents_sex_check"),
    sa.CheckConstraint("(id_hash IS NULL) = (id_cipher IS NULL)", name="residents_check"),
    sa.CheckConstraint("(phone_hash IS NULL) = (phone_cipher IS NULL)", name="residents_check1"),
    sa.Index("residents_id_hash_key", "id_hash", unique=True),
    sa.Index("residents_household_idx", "household_id"),
    sa.Index("residents_phone_hash_idx", "phone_hash"),
    comment=(
        "residents (人口): ID number and phone encrypted, "
        "with keyed hashes for look-up and masked forms for lists"
    ),
)


_LIST = """
    SELECT r.id, r.name, r.id_masked, r.phone_masked, r.id_cipher, r.phone_cipher, r.sex,
           extract(year FROM age(current_date, r.birth_date))::int AS age, r.kind, r.tags,
           r.household_id, h.household_no, b.grid_code, b.micro_code, r.generated
      FROM residents r JOIN households h ON h.id = r.household_id
      JOIN buildings b ON b.id = r.building_id
     WHERE {where}
     {page}
"""


def _in_buildings(condition: str) -> str:
    """Residents of the buildings meeting ``condition``, through households (indexed)."""
    return (
        "r.household_id IN (SELECT h.id FROM households h WHERE h.building_id IN"
        f" (SELECT id FROM buildings WHERE {condition}))"
    )


def _filter(
    grid: str | None, prefix: str | None, household_id: int | None, id_hash: bytes | None
) -> sql.Where:
    """One filter, the most specific given (an ID number's hash, a household, a grid, a region)."""
    if id_hash is not None:
        return sql.Where().equals("r.id_hash", id_hash)
    if household_id is not None:
        return sql.Where().equals("r.household_id", household_id)
    if grid is not None:
        column = "micro_code" if len(grid) == 17 else "grid_code"
        return sql.Where().add(_in_buildings(f"{column} = :grid"), grid=grid)
    if prefix is not None:
        return sql.Where().add(_in_buildings(sql.code_range("grid_code")), prefix=prefix)
    return sql.Where()


def list_residents(
    conn: Connection,
    *,
    grid: str | None = None,
    prefix: str | None = None,
    household_id: int | None = None,
    id_hash: bytes | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """Residents of a grid, a region (code prefix) or a household, or the one with an ID
    number's keyed hash (exact look-up, nothing decrypted), with ciphertexts (the caller
    decides what to unmask), and the total the filter matches."""
    where = _filter(grid, prefix, household_id, id_hash)
    order = "r.household_id, r.birth_date NULLS LAST, r.id"
    query = _LIST.format(where=where.sql, page=sql.page(order))
    rows = conn.execute(text(query), {**where.params, "limit": limit, "offset": offset}).mappings()
    return [dict(r) for r in rows], sql.matched(conn, "residents r", where)
