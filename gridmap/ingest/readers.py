"""Reading ledger files (台账) in batches: CSV (UTF-8 or GB18030), Excel (.xlsx, streamed) and
vector layers (GeoJSON, GeoPackage, zipped Shapefile), with coordinates made WGS84.

Memory does not grow with the file: CSV and Excel are streamed row by row, and every reader
yields ``Batch``es of a fixed size. Headers are matched to a ledger's columns by name or alias
(Chinese headers such as 姓名, 身份证号 are aliases).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import shapely

from gridmap.core.errors import InvalidInput
from gridmap.ingest.vector import parse_crs, read_vector
from gridmap.ops.chinacrs import bd09_to_wgs84, gcj02_to_wgs84, parse_china_crs

Row = list[str | None]

TABULAR = (".csv", ".txt", ".xlsx")
VECTOR = (".geojson", ".json", ".gpkg", ".zip", ".shp")
LON_ALIASES = ("lon", "lng", "x", "longitude", "经度")
LAT_ALIASES = ("lat", "y", "latitude", "纬度")


@dataclass(frozen=True)
class Column:
    """A column a ledger file may carry: its name, other headers that mean it, whether it must
    be present."""

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = False


@dataclass
class Batch:
    """Up to ``size`` rows of a file: values by column, and coordinates when the file is a
    vector layer (already in WGS84)."""

    rows: list[Row]
    lon: np.ndarray | None = None
    lat: np.ndarray | None = None
    footprints: list[bytes | None] | None = None


def _cell(value: object) -> str | None:
    """A spreadsheet cell as text: integral numbers without '.0' (IDs typed as numbers)."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):  # a date cell, or a date and time (an event's 受理时间)
        return value.isoformat(sep=" ") if value.time() != time() else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    value = str(value).strip()
    return value or None


def _text_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) or, as Chinese spreadsheet exports often are, GB18030."""
    head = path.read_bytes()[: 1 << 16]
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # not just a character cut at the sample's end
            return "gb18030"
    return "utf-8-sig"


def _csv_stream(path: Path) -> Iterator[Row]:
    """The header, then each row of a CSV file (values stripped, empty as None)."""
    with path.open(encoding=_text_encoding(path), newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if not header:
            raise InvalidInput(f"{path.name}: the file is empty (no header row)", field="file")
        yield [h.strip() for h in header]
        for number, values in enumerate(reader, start=2):
            if len(values) > len(header) and any(v.strip() for v in values[len(header) :]):
                raise InvalidInput(
                    f"{path.name} row {number}: {len(values)} values for {len(header)}"
                    " columns (a broken line): nothing was imported"
                )
            yield [v.strip() or None for v in values]


def _xlsx_stream(path: Path) -> Iterator[Row]:
    """The header, then each row of an Excel workbook's first sheet (read-only, streamed)."""
    from openpyxl import load_workbook  # imported here: only Excel ledgers need it

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        values = book.worksheets[0].iter_rows(values_only=True)
        header = next(values, None)
        if not header:
            raise InvalidInput(f"{path.name}: the first sheet is empty (no header row)")
        yield [str(h).strip() if h is not None else "" for h in header]
        for row in values:
            yield [_cell(v) for v in row]
    finally:
        book.close()


def _batches(rows: Iterator[Row], size: int) -> Iterator[Batch]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield Batch(batch)
            batch = []
    if batch:
        yield Batch(batch)


def _vector_batches(path: Path, crs: str | None, size: int) -> tuple[list[str], Iterator[Batch]]:
    frame = read_vector(path, crs)
    header = [c for c in frame.columns if c != frame.geometry.name]
    geometry = frame.geometry.values
    points = shapely.point_on_surface(geometry)
    polygonal = np.isin(shapely.get_type_id(geometry), [3, 6])
    # polygons keep their footprint (made MultiPolygon in SQL); all are tied by a point on them
    footprints = np.where(polygonal, shapely.to_wkb(geometry), None)
    values = frame[header].astype(object).where(frame[header].notna(), None).to_numpy()

    def batches() -> Iterator[Batch]:
        for start in range(0, len(frame), size):
            stop = start + size
            yield Batch(
                [[_cell(v) for v in row] for row in values[start:stop]],
                shapely.get_x(points[start:stop]),
                shapely.get_y(points[start:stop]),
                list(footprints[start:stop]),
            )

    return header, batches()


def read_batches(path: Path, crs: str | None, size: int) -> tuple[list[str], Iterator[Batch]]:
    """The header and batches of rows of a ledger file (CSV, .xlsx or a vector layer)."""
    path = Path(path)
    if not path.exists():
        raise InvalidInput(f"file {str(path)!r} does not exist", field="file")
    suffix = path.suffix.lower()
    if suffix in VECTOR:
        return _vector_batches(path, crs, size)
    if suffix not in TABULAR:
        raise InvalidInput(
            f"{path.name}: not a ledger file (CSV, .xlsx, GeoJSON, GeoPackage or zipped SHP)",
            field="file",
        )
    stream = _xlsx_stream(path) if suffix == ".xlsx" else _csv_stream(path)
    header = [h or "" for h in next(stream)]
    return header, _batches(stream, size)


# -- mapping columns and coordinates --------------------------------------------------------


def column_index(header: list[str], names: Sequence[str]) -> int | None:
    wanted = {n.lower() for n in names}
    for index, name in enumerate(header):
        if name.lower() in wanted:
            return index
    return None


def column_positions(columns: Sequence[Column], header: list[str], path: Path) -> list[int | None]:
    """Where each ledger column sits in the file; a missing required column is an error."""
    positions = [column_index(header, (c.name, *c.aliases)) for c in columns]
    missing = [c.name for c, p in zip(columns, positions, strict=True) if c.required and p is None]
    if missing:
        raise InvalidInput(
            f"{path.name}: required column(s) {', '.join(missing)} missing (found: "
            f"{', '.join(header)}); nothing was imported",
            field="file",
        )
    return positions


def to_float(value: str | None) -> float:
    try:
        return float(value) if value is not None else math.nan
    except ValueError:
        return math.nan


def to_wgs84_arrays(
    lon: np.ndarray, lat: np.ndarray, crs: str | None
) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates given in ``crs`` (EPSG:…, GCJ-02, BD-09; None: WGS84) as WGS84 lon/lat."""
    china = parse_china_crs(crs) if crs else None
    if china == "GCJ-02":
        return gcj02_to_wgs84(lon, lat)
    if china == "BD-09":
        return bd09_to_wgs84(lon, lat)
    if crs and crs.upper() not in ("EPSG:4326", "WGS84", "CGCS2000", "EPSG:4490"):
        from pyproj import Transformer

        transformer = Transformer.from_crs(parse_crs(crs), "EPSG:4326", always_xy=True)
        return transformer.transform(lon, lat)
    return lon, lat
