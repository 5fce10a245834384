"""Showing people (人口) to a caller: names, ID numbers and phones masked unless the caller's role
and jurisdiction need them, and every unmasked read written to the audit log with its purpose.

Rules (the role→permission table is configuration, ``GRIDMAP_AUTH_ROLE_PERMISSIONS``):

- ``people:unmask`` (by default grid workers, for the grids of their jurisdiction; the
  jurisdiction itself is enforced by row-level security): ID numbers and phones in clear, each
  read audited with its purpose; ``masked=true`` asks for the masked forms instead;
- ``people:read``: names in clear, ID numbers and phones masked (``361126********1234``,
  ``138****5678``);
- ``people:count`` only (e.g. ``viewer``): names masked too (``张*``).

A dispatcher handling an event that names a person will unmask through the event (the events
issue adds that purpose); until then dispatchers see masked values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from gridmap.core import pii
from gridmap.core.access import Principal
from gridmap.core.errors import Forbidden, NotFound
from gridmap.core.settings import Settings
from gridmap.layers import audit, grid_workers, profiles

DEFAULT_PURPOSE = "grid service (网格服务管理)"


@dataclass(frozen=True)
class Disclosure:
    """How much of a person a caller sees in this request."""

    names: bool
    unmasked: bool
    purpose: str | None

    @classmethod
    def for_caller(cls, principal: Principal, masked: bool, purpose: str | None) -> Disclosure:
        if not (principal.can("people:read") or principal.can("people:count")):
            raise Forbidden(f"role {principal.role!r} may not see residents (people:count)")
        unmasked = principal.can("people:unmask") and not masked
        return cls(
            names=principal.can("people:read"),
            unmasked=unmasked,
            purpose=(purpose or DEFAULT_PURPOSE) if unmasked else None,
        )


def present(
    conn: Connection,
    settings: Settings,
    rows: list[dict[str, Any]],
    disclosure: Disclosure,
    context: dict[str, Any],
) -> list[dict[str, Any]]:
    """Residents as the caller may see them; an unmasked read is audited (who, whom, why)."""
    vault = pii.vault(settings) if disclosure.unmasked else None
    people = settings.people
    shown = []
    for row in rows:
        if vault is not None:
            id_number = vault.open("id", row["id_cipher"]) if row["id_cipher"] else None
            phone = vault.open("phone", row["phone_cipher"]) if row["phone_cipher"] else None
        else:
            id_number, phone = row["id_masked"], row["phone_masked"]
        shown.append(
            {
                "id": row["id"],
                "name": row["name"] if disclosure.names else pii.mask_name(row["name"]),
                "id_number": id_number,
                "phone": phone,
                "sex": row["sex"],
                "age": row["age"] if disclosure.names else None,
                "kind": row["kind"],
                "kind_label": people.kinds.get(row["kind"], row["kind"]),
                "tags": [
                    {
                        "tag": tag,
                        "label": people.key_groups[tag].label if tag in people.key_groups else tag,
                        "level": people.key_groups[tag].level if tag in people.key_groups else None,
                    }
                    for tag in row["tags"]
                ],
                "household_id": row["household_id"],
                "household_no": row["household_no"],
                "grid_code": row["grid_code"],
                "generated": row["generated"],
            }
        )
    if disclosure.unmasked and shown:
        _audit_read(conn, disclosure, shown, context)
    return shown


def _audit_read(
    conn: Connection,
    disclosure: Disclosure,
    shown: list[dict[str, Any]],
    context: dict[str, Any],
) -> None:
    """One ``pii_read`` entry per grid whose residents were shown unmasked, in that grid's
    scope: the admins of the grid, its township and its county each see every read of it."""
    by_grid: dict[str | None, list[int]] = {}
    for resident in shown:
        by_grid.setdefault(resident["grid_code"], []).append(resident["id"])
    for grid, ids in by_grid.items():
        audit.record(
            conn,
            "pii_read",
            object_type="residents",
            object_id=",".join(str(i) for i in ids[:50]),
            scope=grid,
            detail={
                "purpose": disclosure.purpose,
                "fields": ["id_number", "phone"],
                "residents": ids,
                **context,
            },
        )


def _labelled(counts: dict[str, int], labels: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """Counts per code with their labels, in the configured order, then unknown codes."""
    order = [*labels, *(code for code in counts if code not in labels)]
    rows = []
    for code in order:
        if code not in counts:
            continue
        label = labels.get(code, code)
        entry = {key: code, "label": getattr(label, "label", label), "count": counts[code]}
        for extra in ("level", "group"):
            if hasattr(label, extra):
                entry[extra] = getattr(label, extra)
        rows.append(entry)
    return rows


def build_profile(conn: Connection, settings: Settings, code: str) -> dict[str, Any]:
    """The profile (网格画像) of a grid, micro-grid or region, in the caller's jurisdiction."""
    area = profiles.Area.of(code)
    head = profiles.heading(conn, area)
    if head is None:
        raise NotFound(f"{area.level.replace('_', '-')} {code} does not exist (or is not yours)")
    people = settings.people
    population = profiles.population(conn, area)
    workers = grid_workers.of_grid(conn, code) if area.level in ("grid", "micro_grid") else []
    for worker in workers:
        worker["duty_label"] = people.duties.get(worker["duty"], worker["duty"])
    return {
        **head,
        "level": area.level,
        "workers": workers,
        **profiles.totals(conn, area),
        "population_by_kind": _labelled(population["by_kind"], people.kinds, "kind"),
        "age_pyramid": population["age_pyramid"],
        "key_groups": _labelled(population["by_tag"], people.key_groups, "tag"),
        "places_by_kind": _labelled(
            profiles.by_kind(conn, area, "places", "kind"), people.place_kinds, "kind"
        ),
        "organisations_by_kind": _labelled(
            profiles.by_kind(conn, area, "organisations", "kind"),
            people.organisation_kinds,
            "kind",
        ),
        "facilities_by_category": _labelled(
            profiles.by_kind(conn, area, "things", "category"),
            people.thing_categories,
            "category",
        ),
        "children": profiles.children(conn, area)
        if area.level not in ("grid", "micro_grid")
        else [],
    }
