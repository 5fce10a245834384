"""The grid staff ledger (网格员台账): a grid's workers, heads and informants with their public
service phones; a ledger replaces the staff of the grids it lists (a re-import does not
duplicate them)."""

from __future__ import annotations

from sqlalchemy import Connection, text

from gridmap.ingest.checks import one_of, phone, required
from gridmap.ingest.ledger import Ledger
from gridmap.ingest.readers import Column


def _check_grids(conn: Connection) -> None:
    conn.execute(
        text(
            "INSERT INTO stage_rejects (row_no, field, value, reason)"
            " SELECT s.row_no, 'grid', s.grid, format('unknown grid %s (or outside"
            " your jurisdiction)', s.grid) FROM stage s"
            " WHERE s.grid IS NOT NULL"
            " AND NOT EXISTS (SELECT 1 FROM grids g WHERE g.code = s.grid)"
        )
    )


GRID_WORKERS = Ledger(
    layer="grid_workers",
    chunked=False,  # its move replaces the staff of the grids it lists: all rows at once
    columns=(
        Column("grid", ("grid_code", "网格编码", "网格代码"), required=True),
        Column("name", ("姓名",), required=True),
        Column("duty", ("职务", "岗位"), required=True),
        Column("service_phone", ("服务电话", "联系电话")),
    ),
    checks=(
        required("grid"),
        phone("service_phone"),
        required("name"),
        required("duty"),
        one_of("duty", "duties", "duty"),
    ),
    resolve=(_check_grids,),
    params=lambda settings: {"duties": list(settings.people.duties)},
    move="""
        WITH replaced AS (
          DELETE FROM grid_workers
           WHERE grid_code IN (SELECT grid FROM stage WHERE NOT rejected))
        INSERT INTO grid_workers (grid_code, name, duty, service_phone)
        SELECT s.grid, s.name, s.duty, s.service_phone FROM stage s WHERE NOT s.rejected
    """,
)
