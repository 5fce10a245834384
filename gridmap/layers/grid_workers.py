"""The people on a grid (网格员, 网格长, 楼栋长 …) and their public service phones.

A service phone is a work number published to residents, not personal data. A ledger of grid
staff replaces the staff of the grids it lists (a re-import does not duplicate them).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, text

from gridmap.db.schema import code_type, identity_id, metadata

# grid_workers (网格员): people on a grid (网格员, 网格长 …) and their public service phone
grid_workers_table = sa.Table(
    "grid_workers",
    metadata,
    identity_id(),
    # no foreign key to grids: a merge that retires a grid must not silently drop its people
    sa.Column("grid_code", code_type(17), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("duty", sa.Text, nullable=False),
    sa.Column("service_phone", sa.Text),
    sa.Column(
        "user_id",
        sa.BigInteger,
        sa.ForeignKey("users.id", name="grid_workers_user_id_fkey", ondelete="SET NULL"),
    ),
    sa.PrimaryKeyConstraint("id", name="grid_workers_pkey"),
    sa.CheckConstraint("name <> ''", name="grid_workers_name_check"),
    sa.Index("grid_workers_grid_idx", "grid_code"),
    comment=(
        "people on a grid (网格员, 网格长 …) and their public service phone (not personal data)"
    ),
)


def of_grid(conn: Connection, grid: str) -> list[dict[str, Any]]:
    """A grid's staff, the grid worker first."""
    rows = conn.execute(
        text(
            "SELECT name, duty, service_phone FROM grid_workers WHERE grid_code = :grid"
            " ORDER BY duty <> 'worker', id"
        ),
        {"grid": grid},
    ).mappings()
    return [dict(r) for r in rows]


def public_grid_at(conn: Connection, lon: float, lat: float) -> dict[str, Any] | None:
    """Find my grid (找网格): the grid at a point, its worker and public service phone only."""
    row = conn.execute(
        text("SELECT * FROM gridmap_public_grid_at(:lon, :lat)"), {"lon": lon, "lat": lat}
    ).first()
    return _public(row) if row else None


def public_find_address(conn: Connection, query: str, limit: int) -> list[dict[str, Any]]:
    """Buildings whose address contains ``query``, each with its grid and grid worker."""
    rows = conn.execute(
        text("SELECT * FROM gridmap_public_find_address(:q, :limit)"), {"q": query, "limit": limit}
    ).all()
    return [{"address": r.address, "lon": r.lon, "lat": r.lat, **_public(r)} for r in rows]


def _public(row: Any) -> dict[str, Any]:
    worker = (
        {"name": row.worker, "duty": row.duty, "service_phone": row.service_phone}
        if row.worker
        else None
    )
    return {"grid": {"code": row.code, "name": row.name}, "worker": worker}
