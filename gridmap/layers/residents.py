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

from sqlalchemy import Connection, text

_LIST = """
    SELECT r.id, r.name, r.id_masked, r.phone_masked, r.id_cipher, r.phone_cipher, r.sex,
           extract(year FROM age(current_date, r.birth_date))::int AS age, r.kind, r.tags,
           r.household_id, h.household_no, b.grid_code, b.micro_code, r.generated
      FROM residents r JOIN households h ON h.id = r.household_id
      JOIN buildings b ON b.id = r.building_id
     WHERE {where}
     ORDER BY r.household_id, r.birth_date NULLS LAST, r.id
     LIMIT :limit OFFSET :offset
"""


def _in_buildings(condition: str) -> str:
    """Residents of the buildings meeting ``condition``, through households (indexed)."""
    return (
        "r.household_id IN (SELECT h.id FROM households h WHERE h.building_id IN"
        f" (SELECT id FROM buildings WHERE {condition}))"
    )


def _filter(
    grid: str | None, prefix: str | None, household_id: int | None, id_hash: bytes | None
) -> str:
    if id_hash is not None:
        return "r.id_hash = :id_hash"
    if household_id is not None:
        return "r.household_id = :household"
    if grid is not None:
        column = "micro_code" if len(grid) == 17 else "grid_code"
        return _in_buildings(f"{column} = :grid")
    if prefix is not None:
        return _in_buildings("grid_code >= :prefix AND grid_code < :prefix || ':'")
    return "true"


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
    params = {"grid": grid, "prefix": prefix, "household": household_id, "id_hash": id_hash}
    rows = conn.execute(
        text(_LIST.format(where=where)), {**params, "limit": limit, "offset": offset}
    ).mappings()
    total = conn.execute(
        text(f"SELECT count(*) FROM residents r WHERE {where}"), params
    ).scalar_one()
    return [dict(r) for r in rows], total
