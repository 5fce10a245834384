"""Reading vector files into WGS84, and writing them: exports and rejects reports.

Any format GDAL reads through pyogrio (GeoJSON, GeoPackage, zipped Shapefile …), in any CRS
pyproj knows, plus the Chinese map-app systems GCJ-02 and BD-09.
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from gridmap.core.errors import InvalidInput
from gridmap.ops.chinacrs import parse_china_crs, to_wgs84

log = logging.getLogger("gridmap.ingest")

WGS84 = "EPSG:4326"


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
        log.warning("%s cannot be read as a vector layer: %s", path, exc)
        raise InvalidInput(
            f"file {path.name!r} cannot be read as a vector layer (GeoJSON, GeoPackage, or a"
            " Shapefile zipped with its .dbf, .shx and .prj)",
            field="file",
        ) from None
    china = parse_china_crs(crs) if crs else None
    frame.attrs["source_crs"] = china or crs or (frame.crs.to_string() if frame.crs else None)
    if china:
        frame = frame.set_crs(WGS84, allow_override=True)
        frame["geometry"] = to_wgs84(frame.geometry.values, china)
        return frame
    if crs:
        frame = frame.set_crs(parse_crs(crs), allow_override=True)
    elif frame.crs is None:
        raise InvalidInput(
            f"file {str(path)!r} declares no CRS: say which it is (e.g. --crs EPSG:4326, "
            "--crs GCJ-02)",
            field="crs",
        )
    return frame.to_crs(WGS84)


def parse_crs(value: str) -> CRS:
    """A CRS as pyproj reads it (EPSG code, WKT, PROJ), or 400 naming the value."""
    try:
        return CRS.from_user_input(value)
    except CRSError as exc:
        raise InvalidInput(
            f"CRS {value!r} is not known: give an EPSG code, a WKT/PROJ string, GCJ-02 or BD-09",
            field="crs",
        ) from exc


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


_X_NAMES = ("lon", "lng", "longitude", "x", "经度")
_Y_NAMES = ("lat", "latitude", "y", "纬度")


def read_points(path: str | Path, crs: str | None = None) -> gpd.GeoDataFrame:
    """Points from a vector file, or a CSV with longitude/latitude columns (lon/lat, x/y,
    经度/纬度; ``crs`` when not WGS84), in EPSG:4326 with every other column kept."""
    path = Path(path)
    if not path.name.lower().endswith((".csv", ".csv.gz")):
        return read_vector(path, crs)
    if not path.exists():
        raise InvalidInput(f"file {str(path)!r} does not exist", field="file")
    table = pd.read_csv(path, encoding="utf-8-sig", low_memory=False)
    lower = {c.lower(): c for c in table.columns}
    x = next((lower[n] for n in _X_NAMES if n in lower), None)
    y = next((lower[n] for n in _Y_NAMES if n in lower), None)
    if x is None or y is None:
        raise InvalidInput(
            f"{path.name}: no coordinate columns (lon/lat, x/y or 经度/纬度) among"
            f" {', '.join(map(str, table.columns))}",
            field="file",
        )
    xs = pd.to_numeric(table[x], errors="coerce").to_numpy()
    ys = pd.to_numeric(table[y], errors="coerce").to_numpy()
    china = parse_china_crs(crs) if crs else None
    frame = gpd.GeoDataFrame(
        table.drop(columns=[x, y]),
        geometry=gpd.points_from_xy(xs, ys),
        crs=WGS84 if china or not crs else parse_crs(crs),
    )
    if china:
        frame["geometry"] = to_wgs84(frame.geometry.values, china)
    return frame.to_crs(WGS84)
