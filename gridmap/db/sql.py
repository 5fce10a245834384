"""SQL helpers shared by the layers: the idioms every query repeats, each built once here.

- conditions: a code range (a region's or grid's code prefix), a bounding box, and ``Where``
  that composes them with bound values (identifiers come from gridmap's code, values are always
  bound);
- lists: ``matched`` counts what a filter matches, ``page`` orders and limits;
- bulk work: COPY into staging tables (rows, or text blocks made in another thread);
- tiles: one Mapbox vector tile in one statement, the envelope in the table's SRID.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from sqlalchemy import Connection, text

Progress = Callable[[int], None]
BBox = tuple[float, float, float, float]

COPY_CHUNK = 5_000


# -- conditions -----------------------------------------------------------------------------


def code_range(column: str, prefix: str = ":prefix") -> str:
    """``column`` starts with the code prefix ``prefix`` (SQL: a bound parameter by default, or
    another column), written as a range.

    Plain comparisons are leakproof, so under row-level security the planner can still use the
    column's index (``LIKE 'prefix%'`` would force a scan); ``':'`` sorts right after ``'9'``.
    """
    return f"{column} >= {prefix} AND {column} < {prefix} || ':'"


def bbox_overlaps(column: str) -> str:
    """``column`` (EPSG:4326) overlaps the box bound as ``:minx … :maxy``.

    The box is built in the column's SRID, never the column transformed to the box's, so the
    GiST index serves.
    """
    return f"{column} && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326)"


def bbox_params(bbox: BBox) -> dict[str, float]:
    return dict(zip(("minx", "miny", "maxx", "maxy"), bbox, strict=True))


@dataclass
class Where:
    """A WHERE clause built from conditions and their bound values; unset filters add nothing.

    >>> Where().code_range("g.code", "3611").sql
    "g.code >= :prefix AND g.code < :prefix || ':'"
    """

    clauses: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def add(self, clause: str, **params: Any) -> Where:
        self.clauses.append(clause)
        self.params.update(params)
        return self

    def equals(self, column: str, value: Any, param: str | None = None) -> Where:
        """``column = value`` when ``value`` is not None."""
        if value is None:
            return self
        name = param or column.rsplit(".", 1)[-1]
        return self.add(f"{column} = :{name}", **{name: value})

    def code_range(self, column: str, prefix: str | None, param: str = "prefix") -> Where:
        """``column`` under a code prefix (see ``code_range``) when ``prefix`` is set."""
        if not prefix:
            return self
        return self.add(code_range(column, f":{param}"), **{param: prefix})

    def bbox(self, column: str, box: BBox | None) -> Where:
        """``column`` overlaps ``box`` (EPSG:4326) when it is set."""
        if box is None:
            return self
        return self.add(bbox_overlaps(column), **bbox_params(box))

    @property
    def sql(self) -> str:
        return " AND ".join(self.clauses) or "TRUE"


# -- lists ----------------------------------------------------------------------------------


def page(order: str) -> str:
    """ORDER BY, then the page bound as ``:limit`` and ``:offset``."""
    return f"ORDER BY {order} LIMIT :limit OFFSET :offset"


@overload
def matched(conn: Connection, source: str, where: Where) -> int: ...
@overload
def matched(conn: Connection, source: str, where: Where, cap: int) -> int | None: ...
def matched(conn: Connection, source: str, where: Where, cap: int | None = None) -> int | None:
    """How many rows of ``source`` (a table with its alias) a filter matches: the one place
    lists count, so that how they count can change in one place.

    With ``cap``, counting stops after ``cap`` rows and more than ``cap`` gives None (a count
    that would read a million rows is not worth a page)."""
    if cap is None:
        return conn.execute(
            text(f"SELECT count(*) FROM {source} WHERE {where.sql}"), where.params
        ).scalar_one()
    found = conn.execute(
        text(f"SELECT count(*) FROM (SELECT 1 FROM {source} WHERE {where.sql} LIMIT :cap) t"),
        {**where.params, "cap": cap + 1},
    ).scalar_one()
    return None if found > cap else found


def last_page_total(returned: int, limit: int, offset: int) -> int | None:
    """How many rows a list matches when its page tells without counting: a page shorter
    than its limit is the last (unless past the end); None when only a count can tell."""
    if returned < limit and (returned > 0 or offset == 0):
        return offset + returned
    return None


def planned_with_values(conn: Connection) -> None:
    """Plan the transaction's statements for the values they are given, never once for any.

    psycopg prepares a statement run five times on a connection, and PostgreSQL may then keep
    one plan for every value. A list filtered by a region's code range, planned blind, takes
    the range for a few rows: a city-wide queue then walked a million events by grid (p95
    257 ms → 74 ms). Planning each time costs a query with row-level security ~0.5 ms, so
    only the lists whose plan turns on their values ask for it."""
    conn.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def rows(conn: Connection, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The rows of a query as dicts."""
    return [dict(row) for row in conn.execute(text(sql), params or {}).mappings()]


def driver_row(conn: Connection, sql: str, params: dict[str, Any]) -> dict[str, Any] | None:
    """The first row of a statement (as a dict; None when there is none), run on the driver's
    cursor in ``conn``'s transaction. For the few statements every request runs (the caller's
    check, a kept tile's version): SQLAlchemy's compile and result layers cost a statement
    ~150 µs of CPU, more than its round trip (measured). ``sql`` takes psycopg's
    ``%(name)s`` parameters."""
    with conn.connection.dbapi_connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip((column.name for column in cursor.description), row, strict=True))


def serial_plans(conn: Connection) -> None:
    """No parallel workers for the rest of this transaction: on small queries under
    concurrency (a tile, a page) they cost more than they give (measured 4.7× throughput)."""
    conn.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))


def transaction_time(conn: Connection) -> Any:
    """The transaction's ``now()``: the moment every statement of it sees."""
    return conn.execute(text("SELECT now()")).scalar_one()


# -- bulk work ------------------------------------------------------------------------------


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


# -- tiles ----------------------------------------------------------------------------------

# Web-Mercator tile width at zoom 0, metres (2·π·6378137).
WORLD_WIDTH_M = 40_075_016.685_578_5
TILE_EXTENT = 4096


# the tile's envelope (EPSG:3857) and the same box in the tables' SRID (EPSG:4326), each computed
# once per tile: a condition on ``ST_Transform(b.env, 4326)`` is evaluated again for every row
# once ``b`` is materialised (a cluster tile reads ``b`` twice: measured z10 354 → 120 ms)
_ENVELOPES = """b AS (SELECT ST_TileEnvelope(:z, :x, :y) AS env,
                  ST_Transform(ST_TileEnvelope(:z, :x, :y), 4326) AS box)"""


def tile_tolerance(z: int) -> float:
    """Simplification tolerance in EPSG:3857 metres: one unit of a 4096-extent tile."""
    return WORLD_WIDTH_M / (2**z) / TILE_EXTENT


def mvt_clusters(
    conn: Connection,
    layer: str,
    source: str,
    counts: dict[str, str],
    tile: tuple[int, int, int],
    *,
    where: str = "TRUE",
    geometry: str = "g.pt",
    cells: int = 64,
    params: dict[str, Any] | None = None,
) -> bytes:
    """One vector tile of points aggregated on a ``cells`` × ``cells`` lattice of the tile
    (zoomed out, a feature a point would be thousands): one feature per occupied cell with its
    ``count`` and the ``counts`` aggregates (name → SQL over ``g``), in one statement."""
    z, x, y = tile
    aggregates = "".join(f", {expression} AS {name}" for name, expression in counts.items())
    names = "".join(f", c.{name}" for name in counts)
    query = f"""
        WITH {_ENVELOPES},
        c AS (
          SELECT ST_SnapToGrid(ST_Transform({geometry}, 3857), :cell) AS spot,
                 count(*) AS count{aggregates}
            FROM {source}, b
           WHERE {geometry} && b.box AND ({where})
           GROUP BY 1)
        SELECT ST_AsMVT(t.*, '{layer}', {TILE_EXTENT}, 'geom') FROM (
          SELECT ST_AsMVTGeom(c.spot, b.env, {TILE_EXTENT}, 64, true) AS geom, c.count{names}
            FROM c, b) t
         WHERE t.geom IS NOT NULL
    """
    cell = WORLD_WIDTH_M / (2**z) / cells
    values = {"z": z, "x": x, "y": y, "cell": cell, **(params or {})}
    return conn.execute(text(query), values).scalar_one()


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
    geometry: str = "g.boundary",
) -> bytes:
    """One Mapbox vector tile of ``source`` (aliased ``g``, geometry ``geometry``, EPSG:4326),
    in one statement: the tile envelope goes to the table's SRID so the GiST index serves, and
    geometry is simplified to one unit of the 4096 extent before it is clipped."""
    z, x, y = tile
    ctes = f", {with_}" if with_ else ""
    order_by = f"ORDER BY {order}" if order else ""
    sql = f"""
        WITH {_ENVELOPES}{ctes}
        SELECT ST_AsMVT(t.*, '{layer}', {TILE_EXTENT}, 'geom') FROM (
          SELECT ST_AsMVTGeom(ST_Simplify(ST_Transform({geometry}, 3857), :tol, true),
                              b.env, {TILE_EXTENT}, 64, true) AS geom,
                 {properties}
            FROM {source}, b
           WHERE {geometry} && b.box AND ({where})
           {order_by}
           LIMIT :limit
        ) t WHERE t.geom IS NOT NULL
    """
    values = {"z": z, "x": x, "y": y, "tol": tile_tolerance(z), "limit": limit, **(params or {})}
    return conn.execute(text(sql), values).scalar_one()


def bulk_work(conn: Connection) -> None:
    """Lift the statement timeout for the rest of the transaction: bulk work (an import, a job,
    a city-wide re-tie) is bounded by its input, not an interactive query."""
    conn.execute(text("SET LOCAL statement_timeout = 0"))
