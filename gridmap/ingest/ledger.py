"""Ledger imports (台账导入): rows of a CSV, Excel or GeoJSON file into a layer, validated in SQL.

Every layer describes its ledger (``Ledger``: columns, checks, look-ups, the final move); this
module runs one the same way for all of them:

1. the file is streamed in batches (memory does not grow with it) through ``COPY`` into a
   temporary staging table, row numbers as a spreadsheet shows them (the header is row 1);
2. row checks run as one set-based statement, look-ups (the grid that contains a point, the
   household a resident names, keys already taken) as a few more; every problem becomes a
   reject naming the row, the field and the reason;
3. accepted rows move into the layer in one statement, all in the caller's transaction, so a
   file that fails half-way (unreadable, truncated) changes nothing.

Rejects go to ``<file>.rejects.csv``; personal values in it are masked.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from gridmap.core.pii import mask_id_number, mask_name, mask_phone
from gridmap.db.sql import Progress, copy_blocks, staging_table
from gridmap.ingest.batches import Chunks, Prepare, prepared_batches, read_ahead, staging_columns
from gridmap.ingest.checks import Check, row_checks_sql
from gridmap.ingest.readers import (
    LAT_ALIASES,
    LON_ALIASES,
    Column,
    column_index,
    column_positions,
    read_batches,
)
from gridmap.ingest.report import ImportReport
from gridmap.layers import audit

_MASKS = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "reporter_phone": mask_phone,
    "reporter_name": mask_name,
}


@dataclass(frozen=True)
class Ledger:
    """How one layer imports: columns, staging extras, SQL checks, look-ups and the move.

    ``checks`` run in one pass over the staging rows. ``resolve`` steps run
    after the tie and may insert into ``stage_rejects`` (row_no, field, value, reason).
    ``move`` inserts ``stage s WHERE NOT s.rejected`` into the layer; ``after_move``
    statements follow it in each chunk (rows that row-level security admits only once the
    moved rows exist, such as an event's history).
    """

    layer: str
    columns: tuple[Column, ...]
    move: str
    after_move: tuple[str, ...] = ()
    checks: tuple[Check, ...] = ()
    resolve: tuple[str | Callable[[Connection], None], ...] = ()
    prepared: tuple[str, ...] = ()  # staging columns ("name type") filled by ``prepare``
    prepare: Callable[[Any], Prepare] | None = None  # settings -> row -> prepared values
    located: bool = False  # rows carry coordinates or a geometry
    by_building: bool = False  # rows may name a building instead of coordinates
    by_grid: bool = False  # rows may name their grid (column ``grid``) instead of a point
    keeps_gridless: bool = False  # rows in no grid at all are kept (a problem, not a reject)
    staged: tuple[str, ...] = ()  # staging columns ("name type") filled by ``resolve`` steps
    key: str | None = None  # the layer's unique key column
    chunked: bool = True  # checked and moved chunk by chunk (False: the whole file at once)
    params: Callable[[Any], dict[str, Any]] = field(default=lambda settings: {})

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


# -- running a ledger -----------------------------------------------------------------------


# grids drive the join (grids outer, an index scan of the staged points inner): PostGIS reuses
# each grid's prepared geometry for all its points
_TIE = """
    WITH box AS (SELECT ST_SetSRID(ST_Extent(pt), 4326) AS b FROM stage),
    hit AS (
      SELECT DISTINCT ON (p.row_no) p.row_no, g.code
        FROM grids g, box CROSS JOIN LATERAL (
             SELECT s.row_no FROM stage s WHERE ST_Intersects(g.boundary, s.pt)) p
       WHERE length(g.code) = {length} AND g.boundary && box.b
       ORDER BY p.row_no, g.code)
    UPDATE stage s SET {column} = hit.code FROM hit
     WHERE s.row_no = hit.row_no {extra}
"""


def _reject(conn: Connection, sql: str, params: dict[str, Any] | None = None) -> None:
    conn.execute(
        text(f"INSERT INTO stage_rejects (row_no, field, value, reason) {sql}"), params or {}
    )


def _locate(conn: Connection, ledger: Ledger) -> None:
    """Points from coordinates (or the named building), then the grid and micro-grid each lies
    in; rows in no visible grid are rejected, saying whether any grid holds them at all."""
    conn.execute(
        text(
            "UPDATE stage SET pt = ST_SetSRID(ST_MakePoint(lon, lat), 4326)"
            " WHERE lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90"
        )
    )
    if ledger.by_building:
        conn.execute(
            text(
                "UPDATE stage s SET building_id = b.id, pt = coalesce(s.pt, b.pt)"
                " FROM buildings b WHERE b.code = s.building_code"
            )
        )
        link(conn, "building_code", "buildings", "code")
        # no coordinates and no building code: a building whose address is exactly the row's
        conn.execute(
            text(
                "UPDATE stage s SET building_id = b.id, pt = b.pt FROM buildings b"
                " WHERE s.pt IS NULL AND s.building_code IS NULL AND b.address = s.address"
            )
        )
    if ledger.by_grid:
        _named_grids(conn)
    _reject(
        conn,
        "SELECT row_no, 'lon/lat', concat_ws(',', lon, lat), CASE WHEN lon IS NULL OR lat IS NULL"
        f" THEN 'no coordinates: give lon and lat, {_WHERE_ELSE[ledger.by_grid]}'"
        " ELSE 'coordinates out of range' END FROM stage WHERE pt IS NULL AND grid_code IS NULL"
        " AND row_no NOT IN (SELECT row_no FROM stage_rejects)",
    )
    conn.execute(text("ANALYZE stage"))
    conn.execute(text(_TIE.format(length=15, column="grid_code", extra="")))
    conn.execute(
        text(
            _TIE.format(
                length=17, column="micro_code", extra="AND left(hit.code, 15) = s.grid_code"
            )
        )
    )
    _reject_outside(conn, ledger.keeps_gridless)


_WHERE_ELSE = {
    False: "a building code or a building''s address",
    True: "a building code, a building''s address or the grid",
}


def _named_grids(conn: Connection) -> None:
    """Rows without a point that name their grid (or micro-grid): tied to it when the caller
    sees it; else rejected as outside the caller's jurisdiction (the code says where a grid
    lies) or unknown."""
    conn.execute(
        text(
            "UPDATE stage s SET grid_code = left(s.grid, 15),"
            " micro_code = CASE WHEN length(s.grid) = 17 THEN s.grid END"
            " WHERE s.pt IS NULL AND s.grid IS NOT NULL"
            " AND EXISTS (SELECT 1 FROM grids g WHERE g.code = s.grid)"
        )
    )
    _reject(
        conn,
        "SELECT row_no, 'grid', grid, CASE WHEN grid >= gridmap_scope_lo()"
        " AND grid < gridmap_scope_hi() THEN format('unknown grid %s', grid)"
        " ELSE format('grid %s is outside your jurisdiction', grid) END"
        " FROM stage WHERE pt IS NULL AND grid IS NOT NULL AND grid_code IS NULL",
    )


def _reject_outside(conn: Connection, keeps_gridless: bool = False) -> None:
    """Rows in no grid the caller can see: outside their jurisdiction when some grid holds
    them (a narrow SECURITY DEFINER look-up), else outside every grid (unless the ledger
    keeps such rows). Set-based."""
    kept = "WHERE f.grid_code IS NOT NULL" if keeps_gridless else ""
    conn.execute(
        text(
            f"""
            WITH missing AS MATERIALIZED (
              SELECT row_no, lon, lat, row_number() OVER (ORDER BY row_no) AS i
                FROM stage WHERE pt IS NOT NULL AND grid_code IS NULL),
            found AS (
              SELECT * FROM gridmap_grids_at(ARRAY(SELECT lon FROM missing ORDER BY i),
                                             ARRAY(SELECT lat FROM missing ORDER BY i)))
            INSERT INTO stage_rejects (row_no, field, value, reason)
            SELECT m.row_no, 'lon/lat',
                   round(m.lon::numeric, 6) || ',' || round(m.lat::numeric, 6),
                   CASE WHEN f.grid_code IS NOT NULL
                        THEN format('outside your jurisdiction (in grid %s)', f.grid_code)
                        ELSE 'outside every grid' END
              FROM missing m LEFT JOIN found f ON f.i = m.i {kept}
            """
        )
    )


def _reject_taken_keys(conn: Connection, ledger: Ledger) -> None:
    """A key twice in the file, already in the layer, or taken in another jurisdiction."""
    key, table = ledger.key, ledger.layer
    if key is None:
        return
    column = "code" if key != "household_no" else key
    _reject(
        conn,
        f"SELECT row_no, '{key}', {key}, format('duplicate %s in the file (first at row %s)',"
        f" {key}, first) FROM (SELECT row_no, {key}, min(row_no) OVER (PARTITION BY {key})"
        f" AS first FROM stage WHERE {key} IS NOT NULL) d WHERE row_no > first",
    )
    _reject(
        conn,
        f"SELECT s.row_no, '{key}', s.{key}, format('%s already exists', s.{key})"
        f" FROM stage s JOIN {table} t ON t.{column} = s.{key}",
    )
    _reject(
        conn,
        f"SELECT s.row_no, '{key}', s.{key}, format('%s already exists in another"
        f" jurisdiction', s.{key}) FROM stage s JOIN gridmap_keys_elsewhere('{table}',"
        f" ARRAY(SELECT {key} FROM stage WHERE {key} IS NOT NULL)) e ON e.key = s.{key}"
        f" WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.{column} = s.{key})",
    )


def link(conn: Connection, column: str, table: str, key: str) -> None:
    """Check that ``stage.column`` names a row of ``table`` (by ``key``): names that resolve to
    nothing are rejected as unknown, or as outside the caller's jurisdiction when the row
    exists where the caller cannot see it (the moves then join ``table`` themselves)."""
    noun = table.rstrip("s")
    conn.execute(
        text(
            f"""
            WITH missing AS MATERIALIZED (
              SELECT s.row_no, s.{column} AS value FROM stage s
               WHERE s.{column} IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM {table} t WHERE t.{key} = s.{column})),
            elsewhere AS (SELECT * FROM gridmap_keys_elsewhere(CAST(:table AS text),
                            ARRAY(SELECT DISTINCT value FROM missing)))
            INSERT INTO stage_rejects (row_no, field, value, reason)
            SELECT m.row_no, CAST(:column AS text), m.value,
                   CASE WHEN e.key IS NOT NULL
                        THEN format('%s %s is outside your jurisdiction', CAST(:noun AS text),
                                    m.value)
                        ELSE format('unknown %s %s', CAST(:noun AS text), m.value) END
              FROM missing m LEFT JOIN elsewhere e ON e.key = m.value
            """
        ),
        {"table": table, "column": column, "noun": noun},
    )


def _write_rejects(conn: Connection, path: Path) -> tuple[list[str], dict[str, int]]:
    """Stream the rejects into ``<file>.rejects.csv`` (personal values masked); a summary of
    reasons. Read through a server-side cursor, so memory does not grow with the rejects."""
    if not conn.execute(text("SELECT EXISTS (SELECT 1 FROM stage_rejects)")).scalar_one():
        return [], {}
    rows = conn.execute(
        text(
            "SELECT row_no, field, value, reason FROM stage_rejects ORDER BY row_no, field"
        ).execution_options(yield_per=10_000)
    )
    target = path.with_name(path.name + ".rejects.csv")
    reasons: dict[str, int] = {}
    with target.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "field", "value", "reason"])
        for row in rows:
            mask = _MASKS.get(row.field)
            value = mask(row.value) if mask and row.value else row.value
            writer.writerow([row.row_no, row.field, value, row.reason])
            label = f"{row.field}: {_reason_kind(row.reason, row.value)}"
            reasons[label] = reasons.get(label, 0) + 1
    return [str(target)], reasons


def _reason_kind(reason: str, value: str | None) -> str:
    """A reason without its particular value and details, for the summary."""
    general = reason.replace(value, "…") if value else reason
    return re.sub(r"\s*\(.*?\)", "", general)


def _check_and_move(conn: Connection, ledger: Ledger, params: dict[str, Any], first: bool) -> int:
    """Check the staged chunk in SQL, reject what fails, move the rest; rows written."""
    if first:  # later chunks plan on these statistics and their own size (read at planning)
        conn.execute(text("ANALYZE stage"))
    if ledger.checks:
        conn.execute(text(row_checks_sql(ledger.checks)), params)
    if ledger.located or ledger.by_building:
        _locate(conn, ledger)
    _reject_taken_keys(conn, ledger)
    for step in ledger.resolve:
        if isinstance(step, str):
            conn.execute(text(step), params)
        else:
            step(conn)
    conn.execute(
        text("UPDATE stage SET rejected = true WHERE row_no IN (SELECT row_no FROM stage_rejects)")
    )
    written = conn.execute(text(ledger.move), params).rowcount
    for statement in ledger.after_move:
        conn.execute(text(statement), params)
    return written


def run_ledger(
    conn: Connection,
    ledger: Ledger,
    path: Path,
    settings: Any,
    crs: str | None = None,
    on_progress: Progress | None = None,
    generated: bool = False,
) -> ImportReport:
    """Import a ledger file into ``ledger.layer`` in the caller's transaction (see module doc).

    The caller's jurisdiction applies (row-level security): rows outside it are rejected.
    ``generated`` flags the rows as generated data (the demo and benchmark city).
    """
    path = Path(path)
    # a ledger is bulk work bounded by its file, not an interactive query: no statement timeout
    conn.execute(text("SET LOCAL statement_timeout = 0"))
    batch_rows = settings.people.import_batch_rows
    header, batches = read_batches(path, crs, batch_rows)
    positions = column_positions(ledger.columns, header, path)
    lonlat = (column_index(header, LON_ALIASES), column_index(header, LAT_ALIASES))
    # each ledger stages its own columns: an earlier import in this transaction left others
    conn.execute(text("DROP TABLE IF EXISTS pg_temp.stage, pg_temp.stage_rejects"))
    staging_table(conn, "stage", staging_columns(ledger))
    staging_table(conn, "stage_rejects", "row_no integer, field text, value text, reason text")
    prepare = ledger.prepare(settings) if ledger.prepare else None
    names = ["row_no", *ledger.names, *(e.split()[0] for e in ledger.prepared)]
    if ledger.located or ledger.by_building:
        names += ["lon", "lat", "footprint"]
        conn.execute(text("CREATE INDEX stage_pt_idx ON stage USING gist (pt)"))
    params = {
        **ledger.params(settings),
        "generated": generated,
        "file": path.name,
        "crs": crs or "EPSG:4326",
    }
    batches_ahead = read_ahead(
        prepared_batches(ledger, batches, positions, lonlat, crs, prepare),
        depth=max(1, 2 * settings.people.import_chunk_rows // batch_rows),  # two chunks ahead
    )
    written = 0
    chunk_rows = settings.people.import_chunk_rows if ledger.chunked else None
    chunks = Chunks(batches_ahead, chunk_rows, on_progress)
    while not chunks.exhausted:
        conn.execute(text("TRUNCATE stage"))
        # blocks go to COPY as the reading thread makes them, so reading overlaps the COPY too
        first = chunks.rows == 0
        copy_blocks(conn, "stage", names, chunks.next_chunk())
        written += _check_and_move(conn, ledger, params, first)
    read = chunks.rows
    # fresh statistics: the first queries after a big load must not plan on an empty table
    conn.execute(text(f"ANALYZE {ledger.layer}"))
    rejects_files, reasons = _write_rejects(conn, path)
    rejected = conn.execute(text("SELECT count(DISTINCT row_no) FROM stage_rejects")).scalar_one()
    report = ImportReport(ledger.layer, path.name, read, written, rejected, reasons, rejects_files)
    audit.record(
        conn,
        f"{ledger.layer}_import",
        object_type=ledger.layer,
        detail={k: v for k, v in report.as_dict().items() if k != "rejects_files"},
    )
    return report
