import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import Polygon, box
from sqlalchemy import Connection, text

from gridmap.core.errors import ImportRejected, InvalidInput
from gridmap.ingest.regions import import_region_boundaries, load_regions
from gridmap.layers import regions
from gridmap.ops.chinacrs import from_wgs84


def test_code_lists_cover_the_country(conn: Connection) -> None:
    counts = dict(conn.execute(text("SELECT level, count(*) FROM regions GROUP BY level")).all())
    assert counts["province"] == 31
    assert counts["township"] > 40_000
    assert 2_800 < counts["county"] < 3_000
    orphans = conn.execute(
        text(
            "SELECT count(*) FROM regions c LEFT JOIN regions p ON p.code = c.parent_code"
            " WHERE c.parent_code IS NOT NULL AND p.code IS NULL"
        )
    ).scalar_one()
    assert orphans == 0


def test_reloading_code_lists_changes_nothing(conn: Connection) -> None:
    report = load_regions(conn)
    assert report.read > 44_000
    assert report.details["inserted"] == 0 and report.details["updated"] == 0


def test_reloading_restores_a_renamed_region(conn: Connection) -> None:
    conn.execute(text("UPDATE regions SET name = 'x' WHERE code = '361126109000'"))
    report = load_regions(conn)
    assert report.details["updated"] == 1
    assert regions.get_region(conn, "361126109000")["properties"]["name"] == "弋江镇"


def _write(frame: gpd.GeoDataFrame, path: Path, driver: str = "GeoJSON") -> Path:
    frame.to_file(path, driver=driver, engine="pyogrio")
    return path


def _boundary(conn: Connection, code: str):
    wkb = conn.execute(
        text("SELECT ST_AsBinary(boundary) FROM regions WHERE code = :c"), {"c": code}
    ).scalar_one()
    return None if wkb is None else shapely.from_wkb(bytes(wkb))


def test_import_boundaries_with_rejects_report(conn: Connection, tmp_path: Path) -> None:
    good = box(116.0, 28.0, 116.2, 28.2)
    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    frame = gpd.GeoDataFrame(
        {
            "adcode": [
                "361127000000",
                "361128000000",
                "36112",
                "361199999000",
                "361127000000",
                "361129000000",
            ]
        },
        geometry=[good, bowtie, good, good, good, shapely.Point(116, 28)],
        crs="EPSG:4326",
    )
    report = import_region_boundaries(conn, _write(frame, tmp_path / "b.geojson"), "adcode")
    assert (report.read, report.written, report.rejected) == (6, 1, 5)
    assert _boundary(conn, "361127000000").equals(shapely.multipolygons([good]))
    assert _boundary(conn, "361128000000") is None
    rejects = pd.read_csv(tmp_path / "b.geojson.rejects.csv", dtype=str).set_index("feature")
    assert "invalid polygon: Self-intersection" in rejects.loc["1", "reason"]
    assert "'36112' is invalid" in rejects.loc["2", "reason"]
    assert "unknown region code 361199999000" in rejects.loc["3", "reason"]
    assert "duplicate code" in rejects.loc["4", "reason"]
    assert "not a polygon (Point)" in rejects.loc["5", "reason"]
    geojson = json.loads((tmp_path / "b.geojson.rejects.geojson").read_text())
    assert len(geojson["features"]) == 5


def test_import_from_zipped_shapefile_in_gcj02(conn: Connection, tmp_path: Path) -> None:
    wgs = box(117.0, 28.0, 117.1, 28.1)
    gcj = from_wgs84(wgs, "GCJ-02")
    shp = tmp_path / "shp"
    shp.mkdir()
    frame = gpd.GeoDataFrame({"code": ["361127000000"]}, geometry=[gcj], crs="EPSG:4326")
    _write(frame, shp / "county.shp", driver="ESRI Shapefile")
    archive = tmp_path / "county.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in shp.iterdir():
            zf.write(part, part.name)
    report = import_region_boundaries(conn, archive, "code", crs="GCJ-02")
    assert report.written == 1
    stored = _boundary(conn, "361127000000")
    assert shapely.hausdorff_distance(stored, wgs) < 1e-7


def test_projected_file_is_converted(conn: Connection, tmp_path: Path) -> None:
    wgs = box(117.0, 28.0, 117.1, 28.1)
    frame = gpd.GeoDataFrame({"code": ["361127000000"]}, geometry=[wgs], crs="EPSG:4326")
    path = _write(frame.to_crs("EPSG:4548"), tmp_path / "c.gpkg", driver="GPKG")
    import_region_boundaries(conn, path, "code")
    assert shapely.hausdorff_distance(_boundary(conn, "361127000000"), wgs) < 1e-6


def test_missing_field_or_crs_changes_nothing(conn: Connection, tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"code": ["361127000000"]}, geometry=[box(0, 0, 1, 1)])
    path = _write(frame.set_crs("EPSG:4326"), tmp_path / "d.geojson")
    with pytest.raises(ImportRejected, match="has no field 'adcode'"):
        import_region_boundaries(conn, path, "adcode")
    with pytest.raises(InvalidInput, match="CRS 'EPSG:999999' is not known"):
        import_region_boundaries(conn, path, "code", crs="EPSG:999999")
    with pytest.raises(InvalidInput, match="does not exist"):
        import_region_boundaries(conn, tmp_path / "none.geojson", "code")
    assert _boundary(conn, "361127000000") is None


def test_datav_outline_with_a_six_digit_numeric_adcode(conn: Connection) -> None:
    """The DataV county outline names its county by the GB/T 2260 code 361126, as a number."""
    from tests.conftest import shared_data

    path = shared_data("cn_yiyang_county_townships", "yiyang_county_datav_gcj02.geojson")
    report = import_region_boundaries(conn, path, "adcode", crs="GCJ-02")
    assert (report.read, report.written, report.rejected) == (1, 1, 0)
    outline = _boundary(conn, "361126000000")
    assert outline.area > 0.1  # the county, about 0.15 square degrees


def test_short_codes_are_expanded() -> None:
    from gridmap.core.codes import expand_region_code

    assert expand_region_code(361126) == "361126000000"
    assert expand_region_code("361126109") == "361126109000"
    assert expand_region_code(36.0) == "360000000000"
    assert expand_region_code("36112610900") == "36112610900"  # left for the validator
