"""Reading vector files into WGS84 and sorting their features into accepted and rejected.

Any format GDAL reads through pyogrio (GeoJSON, GeoPackage, zipped Shapefile …), in any CRS
pyproj knows, plus the Chinese map-app systems GCJ-02 and BD-09.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from gridmap.errors import InvalidInput
from gridmap.ops.chinacrs import parse_china_crs, to_wgs84

WGS84 = "EPSG:4326"
_POLYGONAL = np.array(["Polygon", "MultiPolygon"])


def read_vector(path: str | Path, crs: str | None = None) -> gpd.GeoDataFrame:
    """Read a vector file and return it in EPSG:4326.

    The CRS the data came in is kept in ``frame.attrs["source_crs"]``.

    Parameters
    ----------
    path
        GeoJSON, GeoPackage, Shapefile or a ``.zip`` holding one.
    crs
        The file's CRS when it declares none or declares it wrongly: anything pyproj accepts
        (``EPSG:4547``, a WKT) or ``GCJ-02`` / ``BD-09``. Overrides the file's own.
    """
    path = Path(path)
    if not path.exists():
        raise InvalidInput(f"file {str(path)!r} does not exist", field="file")
    try:
        frame = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # pyogrio raises several types; all mean "cannot read"
        raise InvalidInput(f"file {str(path)!r} cannot be read as a vector layer: {exc}") from exc
    china = parse_china_crs(crs) if crs else None
    frame.attrs["source_crs"] = china or crs or (frame.crs.to_string() if frame.crs else None)
    if china:
        frame = frame.set_crs(WGS84, allow_override=True)
        frame["geometry"] = to_wgs84(frame.geometry.values, china)
        return frame
    if crs:
        frame = frame.set_crs(_parse_crs(crs), allow_override=True)
    elif frame.crs is None:
        raise InvalidInput(
            f"file {str(path)!r} declares no CRS: say which it is (e.g. --crs EPSG:4326, "
            "--crs GCJ-02)",
            field="crs",
        )
    return frame.to_crs(WGS84)


def _parse_crs(value: str) -> CRS:
    try:
        return CRS.from_user_input(value)
    except CRSError as exc:
        raise InvalidInput(
            f"CRS {value!r} is not known: give an EPSG code, a WKT/PROJ string, GCJ-02 or BD-09",
            field="crs",
        ) from exc


def polygon_problems(geometries: np.ndarray) -> np.ndarray:
    """Why each geometry is not a valid (multi)polygon, or None where it is one (vectorised)."""
    geometries = np.asarray(geometries, dtype=object)
    reasons = np.full(len(geometries), None, dtype=object)
    missing = shapely.is_missing(geometries)
    reasons[missing] = "no geometry"
    present = ~missing
    empty = present & shapely.is_empty(geometries)
    reasons[empty] = "empty geometry"
    kinds = shapely.get_type_id(geometries)
    names = np.array(
        [
            "Point",
            "LineString",
            "LinearRing",
            "Polygon",
            "MultiPoint",
            "MultiLineString",
            "MultiPolygon",
            "GeometryCollection",
        ],
        dtype=object,
    )
    type_names = np.where(kinds >= 0, names[np.clip(kinds, 0, 7)], None)
    wrong = present & ~empty & ~np.isin(type_names, _POLYGONAL)
    reasons[wrong] = [f"not a polygon ({name})" for name in type_names[wrong]]
    check = present & ~empty & ~wrong
    invalid = check.copy()
    invalid[check] = ~shapely.is_valid(geometries[check])
    if invalid.any():
        reasons[invalid] = [
            f"invalid polygon: {why}" for why in shapely.is_valid_reason(geometries[invalid])
        ]
    return reasons


def write_rejects(rejects: gpd.GeoDataFrame, base: Path) -> list[Path]:
    """Write a rejects report as ``<base>.rejects.csv`` and ``<base>.rejects.geojson``.

    ``rejects`` has a ``feature`` (index in the file), an identifying ``code`` and ``reason``.
    """
    csv_path = base.with_name(base.name + ".rejects.csv")
    geojson_path = base.with_name(base.name + ".rejects.geojson")
    columns = ["feature", "code", "reason"]
    pd.DataFrame(rejects[columns]).to_csv(csv_path, index=False)
    report = gpd.GeoDataFrame(rejects[columns], geometry=rejects.geometry.values, crs=WGS84)
    # geometries that are not even readable as such are written as null
    report.to_file(geojson_path, driver="GeoJSON", engine="pyogrio")
    return [csv_path, geojson_path]


def repair_polygons(
    geometries: np.ndarray, area_tolerance: float = 0.01
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Repair invalid polygons when the repair keeps their area (vectorised).

    Parameters
    ----------
    geometries
        Polygons/MultiPolygons, any CRS (areas are compared as ratios, so units do not matter).
    area_tolerance
        Largest relative change of area a repair may make (0.01 = 1 %).

    Returns
    -------
    repaired, was_repaired, reasons
        The geometries with valid MultiPolygons where repaired; a mask of those repaired; and,
        per geometry, why it cannot be used (None when it can): empty, not a polygon, or
        invalid and unrepairable (with GEOS's reason and the change of area).
    """
    geometries = np.asarray(geometries, dtype=object)
    reasons = polygon_problems(geometries)
    invalid = np.array([bool(r) and r.startswith("invalid polygon") for r in reasons])
    repaired = geometries.copy()
    was_repaired = np.zeros(len(geometries), dtype=bool)
    if invalid.any():
        fixed = shapely.make_valid(geometries[invalid], method="structure", keep_collapsed=False)
        # keep only the polygonal parts of what make_valid returns (it may add lines)
        fixed = _polygonal_part(fixed)
        before = shapely.area(geometries[invalid])  # the shoelace area, also of bad rings
        after = shapely.area(fixed)
        change = np.abs(after - before) / np.where(before > 0, before, np.nan)
        kept = np.isfinite(change) & (change <= area_tolerance) & ~shapely.is_empty(fixed)
        index = np.flatnonzero(invalid)
        repaired[index[kept]] = fixed[kept]
        was_repaired[index[kept]] = True
        reasons[index[kept]] = None
        for i, pct in zip(index[~kept], change[~kept], strict=True):
            area_note = "area lost" if not np.isfinite(pct) else f"area changes by {pct:.1%}"
            reasons[i] = f"{reasons[i]}; unrepairable ({area_note})"
    return repaired, was_repaired, reasons


def _polygonal_part(geometries: np.ndarray) -> np.ndarray:
    """The polygons of each geometry as one MultiPolygon (empty where it has none)."""
    parts, owner = shapely.get_parts(geometries, return_index=True)
    polygonal = shapely.get_type_id(parts) == 3
    merged = np.empty(len(geometries), dtype=object)
    shapely.multipolygons(parts[polygonal], indices=owner[polygonal], out=merged)
    merged[shapely.is_missing(merged)] = shapely.MultiPolygon()
    return merged


EXPORT_FORMATS = {
    ".gpkg": "GPKG",
    ".geojson": "GeoJSON",
    ".shp.zip": "ESRI Shapefile",
    ".csv": "CSV",
}


def export_format(path: Path) -> str:
    """The export format a file name asks for, by its suffix."""
    name = path.name.lower()
    for suffix, driver in EXPORT_FORMATS.items():
        if name.endswith(suffix):
            return driver
    raise InvalidInput(
        f"cannot tell the format of {path.name!r}: end it with one of {', '.join(EXPORT_FORMATS)}",
        field="output",
    )


SHAPEFILE_NAMES = {"region_code": "region", "parent_grid_code": "parent"}


def _short_names(columns) -> dict[str, str]:
    """Field names a Shapefile keeps (10 characters), unique, the known ones readable."""
    names: dict[str, str] = {}
    for column in columns:
        if column == "geometry" or len(column) <= 10:
            continue
        short = SHAPEFILE_NAMES.get(column, column[:10])
        while short in names.values() or short in columns:
            short = short[:8] + f"{len(names):02d}"
        names[column] = short
    return names


def write_vector(frame: gpd.GeoDataFrame, path: Path, encoding: str = "UTF-8") -> Path:
    """Write a layer as GeoPackage, GeoJSON, zipped Shapefile (with a .cpg naming its encoding,
    so Chinese names survive; ``encoding`` UTF-8 or GBK) or CSV (geometry as WKT), by suffix."""
    import tempfile
    import zipfile

    driver = export_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if driver == "CSV":
        table = pd.DataFrame(frame.drop(columns="geometry"))
        table["wkt"] = shapely.to_wkt(frame.geometry.values, rounding_precision=7)
        table.to_csv(path, index=False, encoding="utf-8-sig")  # the BOM lets Excel read Chinese
        return path
    if driver != "ESRI Shapefile":
        frame.to_file(path, driver=driver, engine="pyogrio")
        return path
    stem = path.name[: -len(".shp.zip")]
    frame = frame.rename(columns=_short_names(frame.columns))  # dBase allows 10 characters
    with tempfile.TemporaryDirectory() as folder:
        shp = Path(folder) / f"{stem}.shp"
        frame.to_file(shp, driver=driver, engine="pyogrio", encoding=encoding)
        (Path(folder) / f"{stem}.cpg").write_text(encoding)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for part in sorted(Path(folder).iterdir()):
                archive.write(part, part.name)
    return path
