"""CQL2 filters (OGC API – Features Part 3, OGC 21-065) as SQL over a collection's properties.

pygeofilter parses both encodings, cql2-text and cql2-json, into one AST; ``compile_filter``
walks that AST with the collection's ``FeatureTable`` as the whitelist and writes SQL in which
every literal is a bound parameter and every identifier comes from the declaration, never from
the request. What it translates:

- ``AND``, ``OR``, ``NOT``; comparisons (``= <> < <= > >=``) of a property with a literal or
  another property of the same type; ``LIKE`` (``%``, ``_``, ``\\`` escapes, as CQL2 and
  PostgreSQL read them), ``IN``, ``BETWEEN``, ``IS NULL``; ``CASEI`` (``lower``);
- spatial predicates ``S_INTERSECTS``, ``S_DISJOINT``, ``S_CONTAINS``, ``S_WITHIN``,
  ``S_TOUCHES``, ``S_CROSSES``, ``S_OVERLAPS``, ``S_EQUALS`` on the property ``geometry``
  with a WKT or GeoJSON geometry (or a cql2-json ``bbox``) given in ``filter-crs`` and its axis
  order; the literal goes to EPSG:4326 in PostGIS, so the column's GiST index serves;
- on date-time properties: comparisons with ``TIMESTAMP``/``DATE`` literals, and
  ``T_BEFORE``, ``T_AFTER``, ``T_EQUALS``, ``T_DURING``, ``T_INTERSECTS`` with an instant or an
  interval, written as CQL2 writes them (``T_INTERSECTS(reported_at, INTERVAL('2025-01-01',
  '..'))``: the text grammar is pygeofilter's with that form and open ends added); a date is
  its whole day; pygeofilter reads ``t_intersects`` as ``t_overlaps``, and for the instants
  gridmap stores both mean "within the interval".

Anything else (an unknown property, a type mismatch, arithmetic, arrays, other functions) is
refused with InvalidInput naming the reason and, where it can be found, the position in the
filter (``extra["position"]``, a 0-based character offset).

pygeofilter's SQLAlchemy backend was not used: it builds expressions over mapped columns with a
field mapping, while a collection here is a SQL declaration (computed properties, a geometry
that is a footprint or else a point, written per column so each index serves); it reads a
literal's SRID but not ``filter-crs`` or EPSG's latitude-first axis order, checks no types (so
``floors = 'x'`` would reach PostgreSQL and fail there), and its errors carry no position.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import shapely
import shapely.geometry
from lark import Lark, v_args
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)
from pygeofilter import ast, values
from pygeofilter.cql2 import TEMPORAL_PREDICATES_MAP
from pygeofilter.parsers.cql2_json import parse as parse_json
from pygeofilter.parsers.cql2_text import parser as cql2_text

from gridmap.core.errors import InvalidInput
from gridmap.db import sql
from gridmap.db.features import Crs, FeatureTable, Property, in_storage, parse_crs

LANGUAGES = ("cql2-text", "cql2-json")
MAX_LENGTH = 20_000  # characters of a filter (a URL carries less anyway)

_COMPARISONS = {
    ast.ComparisonOp.EQ: "=",
    ast.ComparisonOp.NE: "<>",
    ast.ComparisonOp.LT: "<",
    ast.ComparisonOp.LE: "<=",
    ast.ComparisonOp.GT: ">",
    ast.ComparisonOp.GE: ">=",
}
_SPATIAL = {
    ast.SpatialComparisonOp.INTERSECTS: "ST_Intersects",
    ast.SpatialComparisonOp.CONTAINS: "ST_Contains",
    ast.SpatialComparisonOp.WITHIN: "ST_Within",
    ast.SpatialComparisonOp.TOUCHES: "ST_Touches",
    ast.SpatialComparisonOp.CROSSES: "ST_Crosses",
    ast.SpatialComparisonOp.OVERLAPS: "ST_Overlaps",
    ast.SpatialComparisonOp.EQUALS: "ST_Equals",
}
# a property's JSON type → the kind of value it compares with
_KINDS = {
    "string": "string",
    "integer": "number",
    "number": "number",
    "boolean": "boolean",
    "date-time": "instant",
    "date": "instant",
    "array": "array",
}
GEOMETRY = "geometry"  # the geometry's name in filters (and queryables)


class FilterError(InvalidInput):
    """A filter that cannot be read or translated; ``extra`` carries its position."""

    def __init__(self, message: str, position: int | None = None, field: str = "filter") -> None:
        where = f" at position {position}" if position is not None else ""
        super().__init__(f"{field}{where}: {message}", field=field)
        self.extra = {"position": position}


class _Refused(Exception):
    """Raised while translating; ``needle`` is what to look for in the filter's text."""

    def __init__(self, message: str, needle: str | None = None) -> None:
        super().__init__(message)
        self.needle = needle


# -- parsing --------------------------------------------------------------------------------

# pygeofilter 0.4's cql2-text grammar, with what CQL2 (OGC 21-065) writes and it does not read:
# temporal predicates as functions, ``T_DURING(reported_at, INTERVAL('2025-01-01', '..'))``
# (it reads only the infix ``reported_at T_DURING …``), and interval ends that are dates, open
# (``'..'``) or empty; the rest, and the AST it builds, are pygeofilter's
_TEXT_GRAMMAR = (
    Path(cql2_text.__file__).with_name("grammar.lark").read_text(encoding="utf-8")
    + r"""
%extend temporal_predicate: _binary_temporal_predicate_func "(" expression "," expression ")" \
    -> temporal_function
%override interval: "INTERVAL"i "(" interval_end "," interval_end ")"
interval_end: "'" DATETIME "'" | "'" DATE "'" | "'" OPEN_END "'" | EMPTY_END
OPEN_END: ".."
EMPTY_END: "''"
"""
)


@v_args(meta=False, inline=True)
class _TextTransformer(cql2_text.CQLTransformer):
    """pygeofilter's transformer, and the rules ``_TEXT_GRAMMAR`` adds."""

    def wkt__geometry_with_srid(self, srid: int, geometry: dict[str, Any]) -> dict[str, Any]:
        # pygeofilter's prints to standard output
        return {**geometry, "crs": {"type": "name", "properties": {"name": f"EPSG:{srid}"}}}

    def wkt__multipoint_2(self, *coordinates: Any) -> dict[str, Any]:
        # pygeofilter's prints to standard output
        return {"type": "MultiPoint", "coordinates": coordinates}

    def temporal_function(self, op: str, lhs: Any, rhs: Any) -> ast.TemporalPredicate:
        return TEMPORAL_PREDICATES_MAP[op.lower()](lhs, rhs)

    def interval_end(self, value: Any) -> Any:
        return None if value in ("..", "''") else value

    def interval(self, start: Any, end: Any) -> values.Interval:
        return values.Interval(start, end)


_TEXT_PARSER = Lark(
    _TEXT_GRAMMAR,
    parser="lalr",
    maybe_placeholders=False,
    transformer=_TextTransformer(),
    import_paths=[str(Path(cql2_text.__file__).parents[1])],
)


def _terminal(name: str) -> str | None:
    """A parser terminal as a person reads it (None: one of many geometry keywords)."""
    readable = {
        "SINGLE_QUOTED": "'text'",
        "DOUBLE_QUOTED": '"property"',
        "INT": "a number",
        "FLOAT": "a number",
        "BOOLEAN": "TRUE/FALSE",
    }
    if name in readable:
        return readable[name]
    pattern = _TEXT_PARSER.get_terminal(name).pattern
    if pattern.type == "re":
        return "a property" if pattern.value.startswith("[a-zA-Z]") else None
    if pattern.value in ("POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING"):
        return "a WKT geometry"
    if pattern.value in ("MULTIPOLYGON", "GEOMETRYCOLLECTION", "SRID", "ENVELOPE"):
        return "a WKT geometry"
    return pattern.value


def _text_error(raw: str, error: UnexpectedInput) -> FilterError:
    expected: set[str] = set()
    if isinstance(error, UnexpectedToken):
        token = error.token
        position = len(raw) if token.type == "$END" else token.start_pos
        found = "the end of the filter" if token.type == "$END" else repr(str(token))
        expected = set(error.expected)
    elif isinstance(error, UnexpectedCharacters):
        position = error.pos_in_stream
        found = repr(raw[position : position + 12])
        expected = set(error.allowed or ())
    else:  # UnexpectedEOF
        position = len(raw)
        found = "the end of the filter"
        expected = set(getattr(error, "expected", ()) or ())
    shown = sorted({t for t in map(_terminal, expected) if t})
    hint = f" (expected one of: {', '.join(shown)})" if shown else ""
    return FilterError(f"cql2-text cannot be read at {found}{hint}", position)


def _bboxes_to_polygons(node: Any) -> Any:
    """cql2-json ``{"bbox": [minx, miny, maxx, maxy]}`` as a GeoJSON Polygon (pygeofilter
    0.4 reads the four numbers in another order)."""
    if isinstance(node, list):
        return [_bboxes_to_polygons(n) for n in node]
    if not isinstance(node, dict):
        return node
    box = node.get("bbox")
    if set(node) == {"bbox"} and isinstance(box, list) and len(box) in (4, 6):
        x1, y1, x2, y2 = (box[0], box[1], box[3], box[4]) if len(box) == 6 else box
        ring = [[x1, y1], [x2, y1], [x2, y2], [x1, y2], [x1, y1]]
        return {"type": "Polygon", "coordinates": [ring]}
    return {key: _bboxes_to_polygons(value) for key, value in node.items()}


def parse(raw: str, language: str | None) -> ast.Node:
    """A filter's AST; FilterError naming the position and the reason when it cannot be
    read, or InvalidInput when the language is not one served."""
    language = language or "cql2-text"
    if language not in LANGUAGES:
        raise InvalidInput(
            f"filter-lang {language!r} is not served (languages: {', '.join(LANGUAGES)})",
            field="filter-lang",
        )
    if len(raw) > MAX_LENGTH:
        raise FilterError(f"longer than {MAX_LENGTH} characters", MAX_LENGTH)
    try:
        if language == "cql2-json":
            return parse_json(_bboxes_to_polygons(json.loads(raw)))
        return _TEXT_PARSER.parse(raw)
    except json.JSONDecodeError as error:
        raise FilterError(f"cql2-json is not JSON: {error.msg}", error.pos) from None
    except UnexpectedInput as error:
        raise _text_error(raw, error) from None
    except VisitError as error:
        token = getattr(error, "obj", None)
        position = getattr(token, "start_pos", None)
        raise FilterError(f"{language}: {error.orig_exc}", position) from None
    except RecursionError:
        raise FilterError("nested too deeply") from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as error:
        # a literal that is no date, or (cql2-json) an operator or node pygeofilter does not know
        raise FilterError(_unreadable(language, error)) from None


def _unreadable(language: str, error: Exception) -> str:
    message = str(error)
    if language != "cql2-json":
        return f"not {language}: {message}"
    if isinstance(error, KeyError):
        return f"not cql2-json: an expression lacks {message}"
    if isinstance(error, IndexError | TypeError):
        return f"not cql2-json: an operator has the wrong arguments ({message})"
    return "not cql2-json: " + message.replace(
        "Unable to parse expression node", "unknown expression"
    )


# -- translation ----------------------------------------------------------------------------


def _kind_of(value: Any) -> str | None:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, datetime | date):
        return "instant"
    return None


class _Translator:
    """One filter's translation: SQL text and its bound values."""

    def __init__(self, table: FeatureTable, crs: Crs) -> None:
        self.table = table
        self.crs = crs
        self.params: dict[str, Any] = {}

    def bind(self, value: Any) -> str:
        name = f"cql{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    # conditions

    def condition(self, node: Any) -> str:
        if isinstance(node, ast.And | ast.Or):
            return f"({self.condition(node.lhs)} {node.op.value} {self.condition(node.rhs)})"
        if isinstance(node, ast.Not):
            return f"NOT ({self.condition(node.sub_node)})"
        if isinstance(node, ast.Include):
            return "FALSE" if node.not_ else "TRUE"
        if isinstance(node, ast.Comparison):
            return self.comparison(node)
        if isinstance(node, ast.Like):
            return self.like(node)
        if isinstance(node, ast.In):
            return self.in_(node)
        if isinstance(node, ast.Between):
            return self.between(node)
        if isinstance(node, ast.IsNull):
            return self.is_null(node)
        if isinstance(node, ast.SpatialComparisonPredicate):
            return self.spatial(node)
        if isinstance(node, ast.BBox):
            return self.bbox(node)
        if isinstance(node, ast.TemporalPredicate):
            return self.temporal(node)
        if isinstance(node, bool):
            return "TRUE" if node else "FALSE"
        raise _Refused(f"{_name_of(node)} is not a condition this API evaluates", _needle(node))

    def comparison(self, node: ast.Comparison) -> str:
        left, kind = self.scalar(node.lhs)
        right, other = self.scalar(node.rhs, expect=kind)
        _same_kind(node, kind, other)
        return f"{left} {_COMPARISONS[node.op]} {right}"

    def like(self, node: ast.Like) -> str:
        left, kind = self.scalar(node.lhs)
        if kind != "string":
            raise _Refused(f"LIKE needs a text property, not {_shown(node.lhs)}", _needle(node.lhs))
        pattern, other = self.scalar(node.pattern, expect="string")
        _same_kind(node, kind, other)
        negation = "NOT " if node.not_ else ""
        return f"{left} {negation}{'ILIKE' if node.nocase else 'LIKE'} {pattern}"

    def in_(self, node: ast.In) -> str:
        left, kind = self.scalar(node.lhs)
        options = []
        for option in node.sub_nodes:
            sql_text, other = self.scalar(option, expect=kind)
            _same_kind(node, kind, other)
            options.append(sql_text)
        return f"{left} {'NOT ' if node.not_ else ''}IN ({', '.join(options)})"

    def between(self, node: ast.Between) -> str:
        left, kind = self.scalar(node.lhs)
        if kind not in ("number", "instant"):
            raise _Refused(
                f"BETWEEN needs a number or date-time property, not {_shown(node.lhs)}",
                _needle(node.lhs),
            )
        low, low_kind = self.scalar(node.low, expect=kind)
        high, high_kind = self.scalar(node.high, expect=kind)
        _same_kind(node, kind, low_kind)
        _same_kind(node, kind, high_kind)
        return f"{left} {'NOT ' if node.not_ else ''}BETWEEN {low} AND {high}"

    def is_null(self, node: ast.IsNull) -> str:
        if isinstance(node.lhs, ast.Attribute) and node.lhs.name == GEOMETRY:
            column = self.table.geometry_sql
        else:
            column, _ = self.scalar(node.lhs)
        return f"{column} IS {'NOT ' if node.not_ else ''}NULL"

    def spatial(self, node: ast.SpatialComparisonPredicate) -> str:
        left, right = node.lhs, node.rhs
        ours = [isinstance(side, ast.Attribute) and side.name == GEOMETRY for side in (left, right)]
        for side in (left, right):
            if isinstance(side, ast.Attribute) and side.name != GEOMETRY:
                self.property(side)  # unknown: named as such
                raise _Refused(
                    f"{side.name!r} is not a geometry (the geometry is {GEOMETRY!r})", side.name
                )
        if ours.count(True) != 1:
            raise _Refused(
                f"S_{node.op.value} compares the property {GEOMETRY!r} with a geometry",
                f"S_{node.op.value}",
            )
        literal = self.geometry(right if ours[0] else left)
        if node.op == ast.SpatialComparisonOp.DISJOINT:
            return f"NOT {self.table.on_geometry(f'ST_Intersects({{}}, {literal})')}"
        function = _SPATIAL[node.op]
        arguments = f"{{}}, {literal}" if ours[0] else f"{literal}, {{}}"
        return self.table.on_geometry(f"{function}({arguments})")

    def bbox(self, node: ast.BBox) -> str:
        if not (isinstance(node.lhs, ast.Attribute) and node.lhs.name == GEOMETRY):
            raise _Refused(f"BBOX applies to the property {GEOMETRY!r}", "BBOX")
        crs = self.crs if node.crs is None else parse_crs(node.crs, "filter")
        a1, b1, a2, b2 = node.minx, node.miny, node.maxx, node.maxy
        x1, y1, x2, y2 = (b1, a1, b2, a2) if crs.lat_lon else (a1, b1, a2, b2)
        box = shapely.box(x1, y1, x2, y2)
        literal = self.geometry_sql(box, crs)
        return self.table.on_geometry(f"ST_Intersects({{}}, {literal})")

    def temporal(self, node: ast.TemporalPredicate) -> str:
        column, kind = self.scalar(node.lhs)
        if kind != "instant":
            raise _Refused(
                f"{_temporal_name(node)} needs a date-time property, not {_shown(node.lhs)}",
                _needle(node.lhs),
            )
        span = self.span(node)
        within = [
            *([f"{column} >= {span.low}"] if span.low else []),
            *([f"{column} {'<' if span.day else '<='} {span.high}"] if span.high else []),
        ]
        op = ast.TemporalComparisonOp
        if (node.op == op.TEQUALS and not span.interval) or node.op == op.TOVERLAPS:
            clauses = within
        elif node.op == op.DURING:
            clauses = [f"{column} > {span.low}"] if span.low else []
            clauses += [f"{column} < {span.high}"] if span.high else []
        elif node.op in _TEMPORAL_ONE_SIDED:
            clauses = _TEMPORAL_ONE_SIDED[node.op](column, span)
        else:
            name = _temporal_name(node)
            raise _Refused(
                f"{name} is not supported on date-time properties (supported: T_AFTER,"
                " T_BEFORE, T_DURING, T_EQUALS with an instant, T_INTERSECTS)",
                name,
            )
        return "(" + (" AND ".join(clauses) or f"{column} IS NOT NULL") + ")"

    def span(self, node: ast.TemporalPredicate) -> _Span:
        """The instant or interval a temporal predicate compares with, its ends bound; a date
        is its whole day (its end: the next midnight, exclusive)."""
        value = node.rhs
        if isinstance(value, list) and len(value) == 2:  # cql2-text's period
            value = values.Interval(*value)
        if isinstance(value, datetime | date):
            start, end, interval = value, value, False
        elif isinstance(value, values.Interval):
            start, end, interval = value.start, value.end, True
        else:
            raise _Refused(f"{_temporal_name(node)} compares with a date, timestamp or interval")
        for bound in (start, end):
            if bound is not None and not isinstance(bound, datetime | date):
                raise _Refused("intervals with durations are not supported", "INTERVAL")
        day = isinstance(end, date) and not isinstance(end, datetime)
        low = None if start is None else self.bind(start)
        if end is None:
            high = None
        elif day:
            high = self.bind(end + timedelta(days=1))
        else:
            high = low if end is start else self.bind(end)
        return _Span(low, high, day, interval)

    # operands

    def property(self, node: ast.Attribute) -> Property:
        found = self.table.by_name.get(node.name)
        if found is None:
            raise _Refused(
                f"unknown property {node.name!r} (queryables: "
                f"{', '.join([GEOMETRY, *self.table.by_name])})",
                node.name,
            )
        return found

    def scalar(self, node: Any, expect: str | None = None) -> tuple[str, str]:
        """SQL of a property, ``lower(…)`` or literal, and the kind of value it is."""
        if isinstance(node, ast.Attribute):
            if node.name == GEOMETRY:
                raise _Refused(
                    f"{GEOMETRY!r} is compared with spatial predicates (S_INTERSECTS, …)",
                    GEOMETRY,
                )
            prop = self.property(node)
            kind = _KINDS[prop.type]
            if kind == "array":
                raise _Refused(
                    f"property {prop.name!r} is a list: it cannot be compared", prop.name
                )
            return self.table.column(prop), kind
        if isinstance(node, ast.Function):
            if node.name.lower() == "lower" and len(node.arguments) == 1:
                inner, kind = self.scalar(node.arguments[0], expect="string")
                if kind != "string":
                    raise _Refused("CASEI takes text", "CASEI")
                return f"lower({inner})", "string"
            raise _Refused(f"function {node.name!r} is not supported (functions: CASEI)", node.name)
        kind = _kind_of(node)
        if kind is None:
            raise _Refused(f"{_name_of(node)} is not supported here", _needle(node))
        return self.bind(node), kind

    def geometry(self, node: Any) -> str:
        if not isinstance(node, values.Geometry | values.Envelope):
            raise _Refused(f"{_shown(node)} is not a geometry", _needle(node))
        shape = dict(node.__geo_interface__)
        crs = self.crs
        named = shape.pop("crs", None)  # EWKT's SRID=…; (x = longitude, as PostGIS reads it)
        try:
            geometry = shapely.geometry.shape(shape)
        except (ValueError, TypeError, KeyError, AttributeError, shapely.errors.GEOSException) as e:
            raise _Refused(f"the geometry is not valid GeoJSON or WKT ({e})", "(") from None
        if named is not None:
            crs = parse_crs(str(named.get("properties", {}).get("name")), "filter")
            crs = Crs(
                crs.uri, crs.srid, lat_lon=False, digits=crs.digits, geographic=crs.geographic
            )
        elif crs.lat_lon:
            geometry = shapely.transform(geometry, lambda xy: xy[:, ::-1])
        return self.geometry_sql(geometry, crs)

    def geometry_sql(self, geometry: shapely.Geometry, crs: Crs) -> str:
        if geometry.is_empty or not geometry.is_valid:
            reason = shapely.is_valid_reason(geometry)
            raise _Refused(f"the geometry {geometry.wkt[:60]} is not valid ({reason})", "(")
        if crs.geographic:
            minx, miny, maxx, maxy = geometry.bounds
            if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
                order = "latitude, longitude" if crs.lat_lon else "longitude, latitude"
                raise _Refused(
                    f"the geometry's coordinates are outside {crs.uri} (read as {order})", "("
                )
        return in_storage(f"ST_GeomFromWKB({self.bind(shapely.to_wkb(geometry))}, {crs.srid})", crs)


@dataclass(frozen=True)
class _Span:
    """A temporal literal's ends as bound SQL (None: open); ``day``: ``high`` is the midnight
    after a date, exclusive."""

    low: str | None
    high: str | None
    day: bool
    interval: bool


def _before(column: str, span: _Span) -> list[str]:
    return [f"{column} < {span.low}" if span.low else "FALSE"]  # nothing is before '..'


def _after(column: str, span: _Span) -> list[str]:
    return [f"{column} {'>=' if span.day else '>'} {span.high}" if span.high else "FALSE"]


def _before_or_during(column: str, span: _Span) -> list[str]:
    return [f"{column} {'<' if span.day else '<='} {span.high}"] if span.high else []


def _during_or_after(column: str, span: _Span) -> list[str]:
    return [f"{column} >= {span.low}"] if span.low else []


_TEMPORAL_ONE_SIDED = {
    ast.TemporalComparisonOp.BEFORE: _before,
    ast.TemporalComparisonOp.AFTER: _after,
    ast.TemporalComparisonOp.BEFORE_OR_DURING: _before_or_during,
    ast.TemporalComparisonOp.DURING_OR_AFTER: _during_or_after,
}


def _temporal_name(node: ast.TemporalPredicate) -> str:
    """A temporal predicate's CQL2 name (T_INTERSECTS is read as T_OVERLAPS)."""
    names = [name for name, kind in TEMPORAL_PREDICATES_MAP.items() if kind is type(node)]
    return names[0].upper() if names else type(node).__name__


def _same_kind(node: Any, kind: str, other: str) -> None:
    if kind != other:
        raise _Refused(
            f"{_shown(node.lhs)} is {_article(kind)} and cannot be compared with {_article(other)}",
            _needle(node.lhs),
        )


def _article(kind: str) -> str:
    return {"instant": "a date-time", "number": "a number", "string": "text"}.get(kind, kind)


def _shown(node: Any) -> str:
    if isinstance(node, ast.Attribute):
        return f"property {node.name!r}"
    return repr(node)


def _needle(node: Any) -> str | None:
    if isinstance(node, ast.Attribute):
        return node.name
    if isinstance(node, ast.Node) and hasattr(node, "op"):
        return str(getattr(node.op, "value", node.op))
    return None


def _name_of(node: Any) -> str:
    if isinstance(node, ast.Arithmetic):
        return f"arithmetic ({node.op.value})"
    if isinstance(node, ast.ArrayPredicate):
        return f"A_{node.op.name} (arrays)"
    if isinstance(node, ast.Node):
        return type(node).__name__
    return f"{type(node).__name__} {node!r}"


def _position(raw: str, needle: str | None) -> int | None:
    """Where ``needle`` (a property or operator) first stands in the filter's text, as a
    word (or a JSON string), or None."""
    if not needle:
        return None
    if needle == "(":
        found = re.search(
            r"(?i)\b(POINT|LINESTRING|POLYGON|MULTI\w+|GEOMETRYCOLLECTION|ENVELOPE|"
            r"SRID|\"coordinates\"|\"bbox\")",
            raw,
        )
        return found.start() if found else None
    pattern = rf"(?<![\w:.]){re.escape(needle)}(?![\w:.])"
    found = re.search(pattern, raw, flags=re.IGNORECASE)
    return found.start() if found else None


def compile_filter(raw: str, language: str | None, table: FeatureTable, crs: Crs) -> sql.Where:
    """A CQL2 filter as a WHERE condition over ``table`` with bound values; literal geometries
    are read in ``crs`` (``filter-crs``). FilterError naming the position and the reason."""
    node = parse(raw, language)
    translator = _Translator(table, crs)
    try:
        condition = translator.condition(node)
    except _Refused as refused:
        raise FilterError(str(refused), _position(raw, refused.needle)) from None
    except RecursionError:
        raise FilterError("nested too deeply") from None
    return sql.Where([condition], translator.params)
