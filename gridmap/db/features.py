"""Feature tables (要素表): what an OGC API – Features collection serves, declared once.

A ``FeatureTable`` names a table, the key that is each feature's id, its geometry columns and
its properties (name, JSON type, description, SQL). Everything a collection answers is
generated from that one declaration:

- a page of GeoJSON Features assembled in one statement (``json_build_object``,
  ``ST_AsGeoJSON``), in the requested CRS and its axis order, with only the requested
  properties, sorted by declared properties (``page``, ``one``);
- the conditions: a bounding box built in the column's SRID so the GiST index serves
  (``bbox_condition``), and a CQL2 filter over the declared properties (``gridmap.db.cql2``);
- the number matched, counted up to a cap (``matched``);
- the queryables, a JSON Schema of the declared properties (``queryables``).

Personal data never appears: a collection serves only the properties its table declares.
Geometry is stored in EPSG:4326 (longitude, latitude); output and boxes may be in any CRS of
``CRSES``, with coordinates in that CRS's axis order (OGC API – Features Part 2): latitude first
for the EPSG URIs of geographic CRSs (EPSG:4326, EPSG:4490 CGCS2000), longitude first only for
OGC's CRS84.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, text

from gridmap.core.errors import InvalidInput
from gridmap.db import sql

STORAGE_SRID = 4326


# -- coordinate reference systems ------------------------------------------------------------


@dataclass(frozen=True)
class Crs:
    """A CRS features can be asked in: its URI, PostGIS SRID, axis order and GeoJSON decimals
    (7 for degrees, about 1 cm; 2 for metres)."""

    uri: str
    srid: int
    lat_lon: bool  # coordinates in (latitude, longitude) order: EPSG's axis order
    digits: int
    geographic: bool = True

    @property
    def header(self) -> str:
        """The ``Content-Crs`` header's value."""
        return f"<{self.uri}>"


CRS84 = Crs("http://www.opengis.net/def/crs/OGC/1.3/CRS84", 4326, lat_lon=False, digits=7)
WGS84 = Crs("http://www.opengis.net/def/crs/EPSG/0/4326", 4326, lat_lon=True, digits=7)
CGCS2000 = Crs("http://www.opengis.net/def/crs/EPSG/0/4490", 4490, lat_lon=True, digits=7)
WEB_MERCATOR = Crs(
    "http://www.opengis.net/def/crs/EPSG/0/3857", 3857, lat_lon=False, digits=2, geographic=False
)
CRSES = {crs.uri: crs for crs in (CRS84, WGS84, CGCS2000, WEB_MERCATOR)}
# Web Mercator's square world, metres
_MERCATOR_MAX = 20_037_508.342_789_244


_CRS_NAME = re.compile(
    r"^(?:https?://www\.opengis\.net/def/crs/(?P<a1>\w+)/[^/]*/(?P<c1>\w+)"
    r"|urn:ogc:def:crs:(?P<a2>\w+):[^:]*:(?P<c2>\w+)"
    r"|(?P<a3>\w+):(?P<c3>\w+)"
    r"|(?P<c4>CRS84))$",
    re.IGNORECASE,
)


def parse_crs(value: str | None, field: str) -> Crs:
    """A CRS named by its URI (``http://www.opengis.net/def/crs/EPSG/0/4490``), a safe CURIE
    (``[EPSG:4490]``), ``EPSG:4490``, ``urn:ogc:def:crs:EPSG::4490`` or ``CRS84``; CRS84 when
    None. InvalidInput naming the value and the CRSs served otherwise."""
    if value is None:
        return CRS84
    match = _CRS_NAME.match(value.strip().removeprefix("[").removesuffix("]"))
    if match:
        parts = match.groupdict()
        authority = (parts["a1"] or parts["a2"] or parts["a3"] or "OGC").upper()
        code = (parts["c1"] or parts["c2"] or parts["c3"] or parts["c4"]).upper()
        if authority == "OGC" and code == "CRS84":
            return CRS84
        found = CRSES.get(f"http://www.opengis.net/def/crs/EPSG/0/{code}")
        if authority == "EPSG" and found is not None:
            return found
    raise InvalidInput(
        f"{field} {value!r} is not a CRS this API serves (CRSs: {', '.join(CRSES)})",
        field=field,
    )


def parse_bbox(value: str, crs: Crs, field: str = "bbox") -> tuple[float, float, float, float]:
    """A ``bbox`` in ``crs`` and its axis order (4 numbers, or 6 with heights, ignored) as
    (min x, min y, max x, max y) with x the longitude or easting. InvalidInput naming it when it
    is not numbers, outside the CRS's range or min > max."""
    try:
        numbers = [float(part) for part in value.split(",")]
    except ValueError:
        raise InvalidInput(
            f"{field} {value!r} is not comma-separated numbers", field=field
        ) from None
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise InvalidInput(f"{field} {value!r} must be four finite numbers", field=field)
    a1, b1, a2, b2 = numbers
    x1, y1, x2, y2 = (b1, a1, b2, a2) if crs.lat_lon else (a1, b1, a2, b2)
    order = "minLat,minLon,maxLat,maxLon" if crs.lat_lon else "minLon,minLat,maxLon,maxLat"
    if not crs.geographic:
        order = "minX,minY,maxX,maxY (metres)"
    limit_x, limit_y = (180, 90) if crs.geographic else (_MERCATOR_MAX, _MERCATOR_MAX * 1.01)
    if not (-limit_x <= x1 <= x2 <= limit_x and -limit_y <= y1 <= y2 <= limit_y):
        raise InvalidInput(
            f"{field} {value!r} is not {order} in {crs.uri} (within its range, min ≤ max)",
            field=field,
        )
    return x1, y1, x2, y2


def in_storage(expression: str, crs: Crs) -> str:
    """SQL of a geometry in ``crs`` (x = longitude or easting) moved to the storage CRS."""
    if crs.srid == STORAGE_SRID:
        return expression
    return f"ST_Transform({expression}, {STORAGE_SRID})"


def geojson(expression: str, crs: Crs) -> str:
    """SQL of a stored geometry as GeoJSON in ``crs``: transformed in PostGIS, coordinates
    flipped to (latitude, longitude) where the CRS's axis order says so, no ``crs`` member."""
    moved = expression if crs.srid == STORAGE_SRID else f"ST_Transform({expression}, {crs.srid})"
    if crs.lat_lon:
        moved = f"ST_FlipCoordinates({moved})"
    return f"ST_AsGeoJSON({moved}, {crs.digits}, 0)::json"


# -- declarations ---------------------------------------------------------------------------

# JSON Schema of each property type (queryables); "date-time" and "date" are strings
_SCHEMA: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date-time": {"type": "string", "format": "date-time"},
    "date": {"type": "string", "format": "date"},
    "array": {"type": "array", "items": {"type": "string"}},
}


@dataclass(frozen=True)
class Property:
    """A property of a feature: its name, type (a key of ``_SCHEMA``), description, the SQL
    that filters and sorts by it (default: the column of its name) and the SQL that outputs it
    (default: the same)."""

    name: str
    type: str
    description: str
    sql: str = ""
    output: str = ""

    def __post_init__(self) -> None:
        if self.type not in _SCHEMA:
            raise ValueError(f"property {self.name}: type {self.type!r} is not one of {_SCHEMA}")


@dataclass(frozen=True)
class FeatureTable:
    """The one declaration of an OGC collection's features (see the module's docstring).

    ``geometry`` lists geometry columns (EPSG:4326): a feature's geometry is the first that is
    not null (a building's footprint, else its point). ``where`` keeps the rows that are
    features; ``order`` is the default order (the key is always added, so pages are stable).
    """

    table: str
    alias: str
    key: str
    key_type: str  # "string" or "integer"
    geometry: tuple[str, ...]
    geometry_type: str  # the queryables' geometry format: point, multipolygon, geometry, …
    properties: tuple[Property, ...]
    order: str
    where: str = "TRUE"
    temporal: str = ""  # the date-time property ``datetime=`` filters on (none: refused)
    by_name: dict[str, Property] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {p.name: p for p in self.properties})

    def column(self, prop: Property) -> str:
        return prop.sql or f"{self.alias}.{prop.name}"

    @property
    def source(self) -> str:
        return f"{self.table} {self.alias}"

    @property
    def geometry_sql(self) -> str:
        columns = [f"{self.alias}.{c}" for c in self.geometry]
        return columns[0] if len(columns) == 1 else f"coalesce({', '.join(columns)})"

    def on_geometry(self, predicate: str) -> str:
        """``predicate`` (``{}`` for the geometry) on the feature's geometry, written per column
        so each column's GiST index can serve (a BitmapOr when there are several)."""
        columns = [f"{self.alias}.{c}" for c in self.geometry]
        if len(columns) == 1:
            return predicate.format(columns[0])
        branches = []
        for i, column in enumerate(columns):
            nulls = "".join(f"{before} IS NULL AND " for before in columns[:i])
            branches.append(f"({nulls}{column} IS NOT NULL AND {predicate.format(column)})")
        return "(" + " OR ".join(branches) + ")"

    def names(self) -> list[str]:
        return list(self.by_name)

    def pick(self, names: list[str] | None, field: str) -> tuple[Property, ...]:
        """The properties named (all when None); InvalidInput naming an unknown one."""
        if names is None:
            return self.properties
        unknown = [n for n in names if n not in self.by_name]
        if unknown:
            raise InvalidInput(
                f"{field}: {', '.join(map(repr, unknown))} is not a property of {self.table}"
                f" (properties: {', '.join(self.by_name)})",
                field=field,
            )
        return tuple(self.by_name[n] for n in names)

    def feature_sql(self, crs: Crs, properties: tuple[Property, ...]) -> str:
        """A row as a GeoJSON Feature (json), in ``crs``, with ``properties`` only."""
        members = ", ".join(f"'{p.name}', {p.output or self.column(p)}" for p in properties)
        return (
            f"json_build_object('type', 'Feature', 'id', {self.alias}.{self.key},"
            f" 'geometry', {geojson(self.geometry_sql, crs)},"
            f" 'properties', json_build_object({members}))"
        )

    def key_value(self, key: str) -> str | int | None:
        """A feature id from a path as the key's type; None when it cannot name a feature."""
        if self.key_type == "integer":
            return int(key) if key.isdigit() and len(key) <= 18 else None
        return key


def bbox_condition(
    table: FeatureTable, box: tuple[float, float, float, float], crs: Crs
) -> tuple[str, dict[str, float]]:
    """The feature's geometry overlaps a box given in ``crs`` (x = longitude or easting): the
    box goes to the storage CRS, never the column to the box's, so the GiST index serves."""
    envelope = in_storage(f"ST_MakeEnvelope(:bx1, :by1, :bx2, :by2, {crs.srid})", crs)
    params = dict(zip(("bx1", "by1", "bx2", "by2"), box, strict=True))
    return table.on_geometry(f"{{}} && {envelope}"), params


def _instant(value: str, field: str) -> datetime | None:
    if value in ("", ".."):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"{field} {value!r} is not an RFC 3339 date-time (2024-05-01T08:00:00Z) or '..'",
            field=field,
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def datetime_condition(table: FeatureTable, value: str) -> tuple[str, dict[str, datetime]]:
    """``datetime=`` (OGC API – Features Part 1): an instant, or an interval ``start/end``
    with ``..`` (or nothing) for an open end, on the collection's temporal property; naive
    times are UTC. InvalidInput when the collection has none or the value is not a time."""
    prop = table.by_name.get(table.temporal)
    if prop is None:
        raise InvalidInput(
            f"datetime: {table.table} has no time to filter by (filter its date-time"
            " properties with a CQL2 filter)",
            field="datetime",
        )
    column = table.column(prop)
    start, slash, end = value.partition("/")
    low, high = _instant(start.strip(), "datetime"), _instant(end.strip(), "datetime")
    if not slash:
        if low is None:
            raise InvalidInput("datetime '..' names no time", field="datetime")
        return f"{column} = :dt_low", {"dt_low": low}
    if low and high and low > high:
        raise InvalidInput(f"datetime {value!r} ends before it starts", field="datetime")
    clauses = [f"{column} >= :dt_low"] if low else []
    clauses += [f"{column} <= :dt_high"] if high else []
    params = {k: v for k, v in (("dt_low", low), ("dt_high", high)) if v is not None}
    return " AND ".join(clauses) or f"{column} IS NOT NULL", params


def sort_order(table: FeatureTable, sortby: str | None) -> str:
    """ORDER BY of ``sortby`` (``+name,-area_km2``: declared properties, ``-`` descending;
    a ``+`` decoded from a URL as a space is ascending too), then the default order and the
    key; InvalidInput naming an unknown property."""
    terms = []
    for part in (sortby or "").split(","):
        name = part.strip()
        if not name:
            continue
        descending = name.startswith("-")
        name = name.lstrip("+-").strip()
        prop = table.by_name.get(name)
        if prop is None:
            raise InvalidInput(
                f"sortby: {name!r} is not a property of {table.table}"
                f" (properties: {', '.join(table.by_name)})",
                field="sortby",
            )
        if prop.type == "array":
            raise InvalidInput(
                f"sortby: {name!r} is a list and cannot be sorted by", field="sortby"
            )
        terms.append(
            f"{table.column(prop)} {'DESC NULLS LAST' if descending else 'ASC NULLS FIRST'}"
        )
    return ", ".join([*terms, table.order, f"{table.alias}.{table.key}"])


# -- reads ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeatureQuery:
    """What a page asks for: conditions, CRS, properties, order and the page."""

    where: sql.Where
    crs: Crs = CRS84
    properties: tuple[Property, ...] | None = None
    order: str = ""
    limit: int = 100
    offset: int = 0


def _conditions(table: FeatureTable, where: sql.Where) -> sql.Where:
    return sql.Where([table.where, *where.clauses], dict(where.params))


def page(conn: Connection, table: FeatureTable, query: FeatureQuery) -> list[str]:
    """A page of features as GeoJSON texts (assembled in PostgreSQL, never parsed here).

    The rows are paged in a subquery and only the page's rows become GeoJSON: a projection
    above ``OFFSET`` would be computed for every row skipped too (offset 5,000 of 10,000
    grids: 59 ms that way, ~10 ms this way)."""
    where = _conditions(table, query.where)
    chosen = table.properties if query.properties is None else query.properties
    feature = table.feature_sql(query.crs, chosen)
    order = query.order or sort_order(table, None)
    rows = f"SELECT {table.alias}.* FROM {table.source} WHERE {where.sql} {sql.page(order)}"
    return list(
        conn.execute(
            text(f"SELECT ({feature})::text FROM ({rows}) {table.alias} ORDER BY {order}"),
            {**where.params, "limit": query.limit, "offset": query.offset},
        ).scalars()
    )


def matched(conn: Connection, table: FeatureTable, where: sql.Where, cap: int) -> int | None:
    """How many features a query matches, or None when more than ``cap`` do (counting stops
    there: a count of a million rows under row-level security costs more than the page)."""
    return sql.matched(conn, table.source, _conditions(table, where), cap=cap)


def one(
    conn: Connection, table: FeatureTable, key: str, crs: Crs, properties: tuple[Property, ...]
) -> str | None:
    """One feature by its id as GeoJSON text (None when the caller sees no such feature)."""
    value = table.key_value(key)
    if value is None:
        return None
    feature = table.feature_sql(crs, properties)
    return conn.execute(
        text(
            f"SELECT ({feature})::text FROM {table.source}"
            f" WHERE {table.where} AND {table.alias}.{table.key} = :key"
        ),
        {"key": value},
    ).scalar()


Box = list[float]  # [min lon, min lat, max lon, max lat], CRS84
ESTIMATE_ABOVE = 200_000  # rows (the planner's count) from which an extent is estimated


def extent(
    conn: Connection, table: FeatureTable, within: Callable[[], Box | None] | None = None
) -> Box | None:
    """The box of the features the caller sees (CRS84).

    Scanned exactly, unless ``within`` is given and the table holds ``ESTIMATE_ABOVE`` rows or
    more: then PostGIS's estimate from the table's statistics (``ST_EstimatedExtent``: no scan,
    but blind to row-level security), cut to ``within()``, a box known to hold every feature
    the caller sees, so it tells nothing beyond it (1M events under row-level security: ~400
    ms scanned, ~1 ms estimated)."""
    if within is not None and _row_estimate(conn, table) >= ESTIMATE_ABOVE:
        estimate = _estimated_extent(conn, table)
        bound = within()
        if estimate is None or bound is None:
            return bound
        return _intersection(estimate, bound) or bound
    row = conn.execute(
        text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM"
            f" (SELECT ST_Extent({table.geometry_sql}) AS e FROM {table.source}"
            f" WHERE {table.where}) t WHERE e IS NOT NULL"
        )
    ).first()
    return None if row is None else [float(v) for v in row]


def _row_estimate(conn: Connection, table: FeatureTable) -> float:
    return conn.execute(
        text("SELECT reltuples FROM pg_class WHERE oid = CAST(:table AS regclass)"),
        {"table": table.table},
    ).scalar_one()


def _estimated_extent(conn: Connection, table: FeatureTable) -> Box | None:
    """The union of the geometry columns' estimated extents (None without statistics)."""
    boxes = [
        conn.execute(
            text(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)"
                " FROM (SELECT ST_EstimatedExtent(:table, :column) AS e) t WHERE e IS NOT NULL"
            ),
            {"table": table.table, "column": column},
        ).first()
        for column in table.geometry
    ]
    found = [[float(v) for v in box] for box in boxes if box is not None]
    if not found:
        return None
    return [
        min(b[0] for b in found),
        min(b[1] for b in found),
        max(b[2] for b in found),
        max(b[3] for b in found),
    ]


def _intersection(a: Box, b: Box) -> Box | None:
    box = [max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])]
    return box if box[0] <= box[2] and box[1] <= box[3] else None


def queryables(table: FeatureTable, title: str, url: str) -> dict[str, Any]:
    """The queryables of a collection (OGC API – Features Part 3): a JSON Schema of its
    geometry and declared properties."""
    properties: dict[str, Any] = {
        "geometry": {
            "title": "geometry",
            "description": "the feature's geometry (EPSG:4326 stored; see crs, filter-crs)",
            "format": f"geometry-{table.geometry_type}",
            "x-ogc-role": "primary-geometry",
        }
    }
    for prop in table.properties:
        schema = {"title": prop.name, "description": prop.description, **_SCHEMA[prop.type]}
        if prop.name == table.key:
            schema["x-ogc-role"] = "id"
        properties[prop.name] = schema
    return {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": url,
        "type": "object",
        "title": title,
        "properties": properties,
        "additionalProperties": False,
    }
