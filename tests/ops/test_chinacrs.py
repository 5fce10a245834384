"""Tests for gridmap.ops.chinacrs: WGS84 <-> GCJ-02 <-> BD-09 conversions."""

from __future__ import annotations

from collections.abc import Callable

import coordTransform
import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from numpy.typing import NDArray

from gridmap.ops import chinacrs
from gridmap.ops.chinacrs import (
    BD09,
    GCJ02,
    bd09_to_gcj02,
    bd09_to_wgs84,
    from_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    parse_china_crs,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from tests.conftest import shared_data

Pair = tuple[NDArray[np.float64], NDArray[np.float64]]
Convert = Callable[[object, object], Pair]

GEOD = pyproj.Geod(ellps="WGS84")

# (forward, inverse) pairs; ids name the system reached from WGS84 (or GCJ-02).
ROUND_TRIPS = [
    pytest.param(wgs84_to_gcj02, gcj02_to_wgs84, id="wgs84-gcj02"),
    pytest.param(wgs84_to_bd09, bd09_to_wgs84, id="wgs84-bd09"),
    pytest.param(gcj02_to_bd09, bd09_to_gcj02, id="gcj02-bd09"),
]
ALL_CONVERSIONS = [
    wgs84_to_gcj02,
    gcj02_to_wgs84,
    gcj02_to_bd09,
    bd09_to_gcj02,
    wgs84_to_bd09,
    bd09_to_wgs84,
]

# Yiyang county (弋阳县), Shangrao, Jiangxi.
YIYANG = (117.4, 28.4)

# Unlicensed third-party data (see SOURCE.md there): read in place, never copied here.
YIYANG_DATA = "cn_yiyang_county_townships"


def _china_grid() -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """A lon/lat grid (WGS84 degrees) over the whole "in China" rectangle of the transform."""
    lon, lat = np.meshgrid(np.linspace(73.8, 134.9, 245), np.linspace(4.0, 53.4, 199))
    return lon, lat


def _metres(lon1: NDArray, lat1: NDArray, lon2: NDArray, lat2: NDArray) -> NDArray[np.float64]:
    """Geodesic distance on the WGS84 ellipsoid, in metres."""
    _, _, dist = GEOD.inv(np.ravel(lon1), np.ravel(lat1), np.ravel(lon2), np.ravel(lat2))
    return np.asarray(dist)


# ---------------------------------------------------------------- point conversions


@pytest.mark.parametrize(("forward", "inverse"), ROUND_TRIPS)
def test_round_trip_over_china_is_exact(forward: Convert, inverse: Convert) -> None:
    lon, lat = _china_grid()
    fwd_lon, fwd_lat = forward(lon, lat)
    back_lon, back_lat = inverse(fwd_lon, fwd_lat)

    shift = _metres(lon, lat, fwd_lon, fwd_lat)
    assert np.median(shift) > 100.0, "the forward transform should move points inside China"

    error_m = _metres(lon, lat, back_lon, back_lat)
    max_error_m = float(error_m.max())
    print(f"{forward.__name__} -> {inverse.__name__}: max round-trip error {max_error_m:.3e} m")
    assert max_error_m < 0.01, f"max round-trip error {max_error_m} m"
    assert np.abs(back_lon - lon).max() < 1e-7
    assert np.abs(back_lat - lat).max() < 1e-7


def test_library_inverse_is_only_approximate() -> None:
    """Why we iterate: coordTransform's own gcj02_to_wgs84 is metres off."""
    lon, lat = _china_grid()
    gcj_lon, gcj_lat = wgs84_to_gcj02(lon, lat)
    lib_lon, lib_lat = coordTransform.gcj02_to_wgs84(gcj_lon.ravel(), gcj_lat.ravel())
    assert _metres(lon, lat, np.asarray(lib_lon), np.asarray(lib_lat)).max() > 0.5


def test_forward_matches_library_scalar_formula() -> None:
    lon = np.array([116.404, 121.4737, 87.6168, 117.4])
    lat = np.array([39.915, 31.2304, 43.8256, 28.4])
    gcj_lon, gcj_lat = wgs84_to_gcj02(lon, lat)
    bd_lon, bd_lat = wgs84_to_bd09(lon, lat)
    for i in range(lon.size):
        exp_gcj = coordTransform.wgs84_to_gcj02(float(lon[i]), float(lat[i]))
        exp_bd = coordTransform.wgs84_to_bd09(float(lon[i]), float(lat[i]))
        assert (gcj_lon[i], gcj_lat[i]) == pytest.approx(tuple(exp_gcj), abs=1e-12)
        assert (bd_lon[i], bd_lat[i]) == pytest.approx(tuple(exp_bd), abs=1e-12)


def test_known_offset_near_yiyang() -> None:
    gcj_lon, gcj_lat = wgs84_to_gcj02(*YIYANG)
    assert float(gcj_lon) - YIYANG[0] == pytest.approx(0.0054, abs=0.0008)
    assert float(gcj_lat) - YIYANG[1] == pytest.approx(-0.0031, abs=0.0008)
    # and the inverse undoes it
    back_lon, back_lat = gcj02_to_wgs84(gcj_lon, gcj_lat)
    assert (float(back_lon), float(back_lat)) == pytest.approx(YIYANG, abs=1e-9)


OUTSIDE_CHINA = np.array(
    [
        (2.3522, 48.8566),  # Paris
        (-74.006, 40.7128),  # New York
        (151.2093, -33.8688),  # Sydney
        (139.6917, 35.6895),  # Tokyo (east of the rectangle)
        (103.8198, 1.3521),  # Singapore (south of it)
        (37.6173, 55.7558),  # Moscow
        (100.0, 53.6),  # just north of the rectangle
        (0.0, 0.0),
    ]
)


@pytest.mark.parametrize("convert", ALL_CONVERSIONS, ids=lambda f: f.__name__)
def test_points_outside_china_unchanged(convert: Convert) -> None:
    lon, lat = OUTSIDE_CHINA[:, 0], OUTSIDE_CHINA[:, 1]
    out_lon, out_lat = convert(lon, lat)
    np.testing.assert_array_equal(out_lon, lon)
    np.testing.assert_array_equal(out_lat, lat)


@pytest.mark.parametrize("convert", ALL_CONVERSIONS, ids=lambda f: f.__name__)
def test_nan_stays_nan_and_leaves_other_points_alone(convert: Convert) -> None:
    lon = np.array([117.4, np.nan, 117.4, np.nan, 116.404])
    lat = np.array([28.4, 28.4, np.nan, np.nan, 39.915])
    out_lon, out_lat = convert(lon, lat)
    assert np.isnan(out_lon[[1, 3]]).all()
    assert np.isnan(out_lat[[2, 3]]).all()
    ref_lon, ref_lat = convert(lon[[0, 4]], lat[[0, 4]])
    np.testing.assert_array_equal(out_lon[[0, 4]], ref_lon)
    np.testing.assert_array_equal(out_lat[[0, 4]], ref_lat)


@pytest.mark.parametrize("convert", ALL_CONVERSIONS, ids=lambda f: f.__name__)
def test_shapes_and_dtypes(convert: Convert) -> None:
    lon, lat = _china_grid()
    out_lon, out_lat = convert(lon, lat)  # 2-D: the library's batch call only takes 1-D
    assert out_lon.shape == out_lat.shape == lon.shape
    assert out_lon.dtype == out_lat.dtype == np.float64
    flat_lon, flat_lat = convert(lon.ravel(), lat.ravel())
    np.testing.assert_array_equal(out_lon.ravel(), flat_lon)
    np.testing.assert_array_equal(out_lat.ravel(), flat_lat)

    scalar_lon, scalar_lat = convert(*YIYANG)
    assert scalar_lon.shape == scalar_lat.shape == ()

    list_lon, _ = convert([117.4, 116.404], 28.4)  # lists, broadcasting
    assert list_lon.shape == (2,)

    empty_lon, empty_lat = convert(np.array([]), np.array([]))
    assert empty_lon.shape == empty_lat.shape == (0,)

    f32_lon, f32_lat = convert(lon.astype(np.float32), lat.astype(np.float32))
    assert f32_lon.dtype == f32_lat.dtype == np.float64


def test_conversions_do_not_modify_their_input() -> None:
    lon, lat = _china_grid()
    lon_copy, lat_copy = lon.copy(), lat.copy()
    for convert in ALL_CONVERSIONS:
        convert(lon, lat)
    np.testing.assert_array_equal(lon, lon_copy)
    np.testing.assert_array_equal(lat, lat_copy)


# ------------------------------------------------------------------------ geometries


def _polygon_near_yiyang() -> shapely.Polygon:
    shell = [(117.30, 28.30), (117.50, 28.31), (117.52, 28.50), (117.41, 28.56), (117.29, 28.47)]
    hole = [(117.38, 28.40), (117.42, 28.40), (117.42, 28.44), (117.38, 28.44)]
    return shapely.Polygon(shell, [hole])


@pytest.mark.parametrize("source", [GCJ02, BD09])
def test_polygon_to_wgs84_keeps_vertices_and_validity(source: str) -> None:
    polygon = _polygon_near_yiyang()
    assert polygon.is_valid

    converted = to_wgs84(polygon, source)

    assert isinstance(converted, shapely.Polygon)
    assert shapely.get_num_coordinates(converted) == shapely.get_num_coordinates(polygon)
    assert len(converted.interiors) == 1
    assert converted.is_valid
    # every vertex moved by the inverse offset of that system
    expected = {GCJ02: gcj02_to_wgs84, BD09: bd09_to_wgs84}[source](
        *shapely.get_coordinates(polygon).T
    )
    np.testing.assert_allclose(shapely.get_coordinates(converted).T, expected, rtol=0, atol=1e-12)
    shift = _metres(*shapely.get_coordinates(polygon).T, *shapely.get_coordinates(converted).T)
    assert shift.min() > 100.0
    # and from_wgs84 undoes it
    assert shapely.equals_exact(from_wgs84(converted, source), polygon, tolerance=1e-9)


def test_geometry_arrays_none_and_z() -> None:
    geoms = np.array(
        [
            _polygon_near_yiyang(),
            None,
            shapely.Point(117.4, 28.4, 12.5),
            shapely.LineString([(2.35, 48.85), (2.36, 48.86)]),  # Paris: unchanged
            shapely.Polygon(),
        ],
        dtype=object,
    )
    out = to_wgs84(geoms, "gcj02")
    assert isinstance(out, np.ndarray)
    assert out.shape == geoms.shape
    assert out[1] is None
    assert out[2].has_z and out[2].z == 12.5
    assert out[2].x == pytest.approx(float(gcj02_to_wgs84(117.4, 28.4)[0]), abs=1e-12)
    assert shapely.equals_exact(out[3], geoms[3], tolerance=0)
    assert out[4].is_empty
    back = from_wgs84(out, "GCJ-02")
    assert shapely.equals_exact(back[0], geoms[0], tolerance=1e-9)
    assert shapely.equals_exact(back[2], geoms[2], tolerance=1e-9)


@pytest.mark.parametrize("bad", ["EPSG:4326", "WGS84", "bd09mc", ""])
def test_geometry_conversion_rejects_other_crs(bad: str) -> None:
    point = shapely.Point(*YIYANG)
    with pytest.raises(ValueError, match="neither GCJ-02 nor BD-09"):
        to_wgs84(point, bad)
    with pytest.raises(ValueError, match="neither GCJ-02 nor BD-09"):
        from_wgs84(point, bad)


# ------------------------------------------------------------------------ CRS names


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("GCJ-02", GCJ02),
        ("gcj02", GCJ02),
        ("gcj-02", GCJ02),
        ("GCJ_02", GCJ02),
        (" Gcj02 ", GCJ02),
        ("mars", GCJ02),
        ("MARS", GCJ02),
        ("火星坐标", GCJ02),
        ("BD-09", BD09),
        ("bd09", BD09),
        ("bd-09", BD09),
        ("BD09LL", BD09),
        ("baidu", BD09),
        ("Baidu", BD09),
        ("百度", BD09),
        ("EPSG:4326", None),
        ("WGS84", None),
        ("CGCS2000", None),
        ("bd09mc", None),  # Baidu Mercator is in metres, not BD-09 lon/lat
        ("", None),
        (None, None),
        (pyproj.CRS.from_epsg(4326), None),
    ],
)
def test_parse_china_crs(name: object, expected: str | None) -> None:
    assert parse_china_crs(name) == expected


def test_public_names() -> None:
    assert GCJ02 == "GCJ-02"
    assert BD09 == "BD-09"
    for name in chinacrs.__all__:
        assert hasattr(chinacrs, name)


# ------------------------------------------------------------------------ real data


def _median_nearest_vertex_m(outline: NDArray[np.object_], townships: gpd.GeoSeries) -> float:
    """Median distance (m, EPSG:4548) from outline vertices to the nearest township vertex."""
    outline_xy = shapely.get_coordinates(gpd.GeoSeries(outline, crs=4326).to_crs(4548).values)
    township_xy = shapely.get_coordinates(townships.to_crs(4548).values)
    tree = shapely.STRtree(shapely.points(township_xy))
    _, dist = tree.query_nearest(
        shapely.points(outline_xy), return_distance=True, all_matches=False
    )
    assert dist.size == outline_xy.shape[0]
    return float(np.median(dist))


def test_gcj02_county_outline_lands_on_wgs84_townships() -> None:
    """A real GCJ-02 outline (DataV) against a WGS84 township layer of the same county."""
    data_dir = shared_data(YIYANG_DATA)
    outline = gpd.read_file(data_dir / "yiyang_county_datav_gcj02.geojson")
    townships = gpd.read_file(data_dir / "yiyang_townships.geojson")
    assert outline.crs is not None and outline.crs.to_epsg() == 4326
    assert townships.crs is not None and townships.crs.to_epsg() == 4326

    outline_geoms = np.asarray(outline.geometry.values, dtype=object)
    before = _median_nearest_vertex_m(outline_geoms, townships.geometry)
    converted = to_wgs84(outline_geoms, "GCJ-02")
    after = _median_nearest_vertex_m(converted, townships.geometry)
    print(f"Yiyang outline -> township vertices, median: {before:.1f} m as stored, {after:.1f} m")

    assert shapely.get_num_coordinates(converted).tolist() == (
        shapely.get_num_coordinates(outline_geoms).tolist()
    )
    assert shapely.is_valid(converted).all()
    assert before > 200.0, "the stored GCJ-02 outline should sit visibly off the WGS84 layer"
    assert after < 150.0
    assert after < 0.6 * before
