"""Helpers shared by the layers: bulk COPY into staging tables, GeoJSON assembly, tile bounds."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, text

Progress = Callable[[int], None]

COPY_CHUNK = 5_000


def staging_table(conn: Connection, name: str, columns: str) -> None:
    """An empty temporary table for this transaction (reused if already made in it)."""
    conn.execute(text(f"CREATE TEMP TABLE IF NOT EXISTS {name} ({columns}) ON COMMIT DROP"))
    conn.execute(text(f"TRUNCATE {name}"))


def copy_rows(
    conn: Connection,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    on_progress: Progress | None = None,
) -> int:
    """Stream rows into ``table`` with PostgreSQL ``COPY`` (psycopg 3); returns the row count.

    ``table`` and ``columns`` are identifiers chosen by gridmap's code, never by a caller.
    """
    raw = conn.connection.driver_connection
    count = 0
    column_list = ", ".join(columns)
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
            if on_progress and count % COPY_CHUNK == 0:
                on_progress(COPY_CHUNK)
    if on_progress and count % COPY_CHUNK:
        on_progress(count % COPY_CHUNK)
    return count


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def _copy_field(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, bytes):
        return "\\\\x" + value.hex()  # bytea's hex form, its backslash escaped for COPY
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def copy_block(rows: Iterable[Sequence[Any]]) -> bytes:
    """Rows in COPY's text format, one block: made where it is cheap (a reading thread) so
    the connection's thread only writes bytes."""
    lines = ["\t".join([_copy_field(v) for v in row]) for row in rows]
    return ("\n".join(lines) + "\n").encode() if lines else b""


def copy_blocks(
    conn: Connection, table: str, columns: Sequence[str], blocks: Iterable[bytes]
) -> None:
    """Stream blocks made by ``copy_block`` into ``table`` with one ``COPY``."""
    raw = conn.connection.driver_connection
    column_list = ", ".join(columns)
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
        for block in blocks:
            copy.write(block)


def feature_collection(features: list[dict[str, Any]], **members: Any) -> dict[str, Any]:
    """A GeoJSON FeatureCollection with extra foreign members (links, counts)."""
    return {"type": "FeatureCollection", "features": features, **members}


# Web-Mercator tile width at zoom 0, metres (2·π·6378137).
WORLD_WIDTH_M = 40_075_016.685_578_5
TILE_EXTENT = 4096


def tile_tolerance(z: int) -> float:
    """Simplification tolerance in EPSG:3857 metres: one unit of a 4096-extent tile."""
    return WORLD_WIDTH_M / (2**z) / TILE_EXTENT


def extent(conn: Connection, table: str, column: str = "boundary") -> list[float] | None:
    """[minx, miny, maxx, maxy] of a geometry column (EPSG:4326), or None when it is empty."""
    row = conn.execute(
        text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)"
            f" FROM (SELECT ST_Extent({column}) AS e FROM {table}) t WHERE e IS NOT NULL"
        )
    ).first()
    return None if row is None else [float(v) for v in row]


def mvt(
    conn: Connection,
    layer: str,
    source: str,
    properties: str,
    tile: tuple[int, int, int],
    limit: int,
    *,
    where: str = "TRUE",
    order: str = "",
    with_: str = "",
    params: dict[str, Any] | None = None,
) -> bytes:
    """One Mapbox vector tile of ``source`` (aliased ``g``, geometry ``g.boundary``, EPSG:4326),
    in one statement: the tile envelope goes to the table's SRID so the GiST index serves, and
    geometry is simplified to one unit of the 4096 extent before it is clipped."""
    z, x, y = tile
    ctes = f", {with_}" if with_ else ""
    order_by = f"ORDER BY {order}" if order else ""
    sql = f"""
        WITH b AS (SELECT ST_TileEnvelope(:z, :x, :y) AS env){ctes}
        SELECT ST_AsMVT(t.*, '{layer}', {TILE_EXTENT}, 'geom') FROM (
          SELECT ST_AsMVTGeom(ST_Simplify(ST_Transform(g.boundary, 3857), :tol, true),
                              b.env, {TILE_EXTENT}, 64, true) AS geom,
                 {properties}
            FROM {source}, b
           WHERE g.boundary && ST_Transform(b.env, 4326) AND ({where})
           {order_by}
           LIMIT :limit
        ) t WHERE t.geom IS NOT NULL
    """
    values = {"z": z, "x": x, "y": y, "tol": tile_tolerance(z), "limit": limit, **(params or {})}
    return conn.execute(text(sql), values).scalar_one()
