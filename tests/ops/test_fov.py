import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
import shapely.affinity
from shapely.geometry import MultiPolygon, Point, Polygon, box

from gridmap.core.errors import InvalidInput
from gridmap.ops.fov import (
    DORI,
    CameraDefaults,
    camera_views,
    dori_range,
    ground_limits,
    occluded,
    sectors,
    vertical_fov,
)


def _polygon_share(hfov: float, segments: int = 32) -> float:
    """The share of a true sector that its polygon with ``segments`` chords covers."""
    a = math.radians(hfov) / segments
    return math.sin(a) / a


def _visible(view: shapely.Geometry, x: float, y: float) -> bool:
    return bool(shapely.intersects_xy(view, x, y))


# --- ranges -------------------------------------------------------------------------------


def test_dori_ranges_follow_the_formula() -> None:
    # D = N / (2 · P · tan(HFOV/2)): 1920 px at 90° (tan 45° = 1) gives 1920 / (2 · P)
    ranges = dori_range(90, 1920, [DORI[k] for k in ("detect", "observe", "recognise", "identify")])
    assert ranges == pytest.approx([38.4, 15.36, 7.68, 3.84])
    assert dori_range(85, 1920, DORI["observe"]) == pytest.approx(
        1920 / (2 * 62.5 * math.tan(math.radians(42.5)))
    )


def test_dori_range_broadcasts_and_shrinks_with_width() -> None:
    ranges = dori_range(np.array([30.0, 60.0, 120.0]), np.array([[1920], [3840]]), 62.5)
    assert ranges.shape == (2, 3)
    assert np.all(np.diff(ranges, axis=1) < 0)
    assert ranges[1] == pytest.approx(2 * ranges[0])


def test_vertical_fov_and_ground_limits() -> None:
    assert vertical_fov(90, aspect=1.0) == pytest.approx(90)
    assert vertical_fov(85) == pytest.approx(54.5, abs=0.05)
    near, far = ground_limits(5, 15, 50)  # lower edge 40° down, upper edge above the horizon
    assert near == pytest.approx(5 / math.tan(math.radians(40)))
    assert far == math.inf
    near, far = ground_limits(5, 45, 30)  # 30° to 60° down
    assert near == pytest.approx(5 / math.tan(math.radians(60)))
    assert far == pytest.approx(5 / math.tan(math.radians(30)))
    near, _ = ground_limits(5, 80, 30)  # sees straight down
    assert near == 0


# --- sectors ------------------------------------------------------------------------------


@pytest.mark.parametrize("hfov", [10.0, 85.0, 180.0, 270.0, 360.0])
def test_sector_area_is_its_share_of_the_disc(hfov: float) -> None:
    (sector,) = sectors(100.0, 200.0, 30.0, hfov, 20.0)
    exact = hfov / 360 * math.pi * 20.0**2
    assert sector.is_valid
    assert sector.area == pytest.approx(exact * _polygon_share(hfov), rel=1e-9)
    assert sector.area == pytest.approx(exact, rel=0.007)


@pytest.mark.parametrize(
    ("direction", "dx", "dy"),
    [(0, 0, 1), (90, 1, 0), (180, 0, -1), (270, -1, 0), (-90, -1, 0), (450, 1, 0)],
)
def test_direction_is_clockwise_from_north(direction: float, dx: int, dy: int) -> None:
    (sector,) = sectors(10.0, 20.0, direction, 60.0, 30.0)
    centroid = shapely.get_coordinates(sector.centroid)[0] - [10.0, 20.0]
    assert centroid / np.hypot(*centroid) == pytest.approx([dx, dy], abs=1e-9)


def test_a_360_degree_dome_is_a_disc() -> None:
    (disc,) = sectors(5.0, -3.0, 123.0, 360.0, 12.0)
    ring = shapely.get_coordinates(disc.exterior)
    assert disc.is_valid and not disc.interiors
    assert np.hypot(ring[:, 0] - 5.0, ring[:, 1] + 3.0) == pytest.approx(12.0)
    assert disc.centroid.distance(Point(5.0, -3.0)) < 1e-9
    assert disc.area == pytest.approx(math.pi * 144 * _polygon_share(360), rel=1e-9)


def test_sectors_for_many_cameras_at_once() -> None:
    views = sectors(np.arange(4.0), 0.0, [0, 90, 180, 270], [90, 90, 360, 45], [5, 10, 0, 2])
    assert views.shape == (4,)
    assert views[2].is_empty  # a range of 0 sees nothing
    assert list(shapely.is_valid(views)) == [True] * 4


def test_near_range_cuts_the_blind_zone() -> None:
    band, ring, gone = sectors(0.0, 0.0, 0.0, [90.0, 360.0, 90.0], [10.0, 10.0, 4.0], near_m=4)
    share = (10**2 - 4**2) / 10**2
    assert band.is_valid and ring.is_valid
    assert band.area == pytest.approx(math.pi * 100 / 4 * share * _polygon_share(90), rel=1e-9)
    assert ring.area == pytest.approx(math.pi * 100 * share * _polygon_share(360), rel=1e-9)
    assert len(ring.interiors) == 1
    assert not _visible(band, 0, 3) and _visible(band, 0, 5)
    assert gone.is_empty


def test_no_cameras_no_sectors() -> None:
    assert sectors([], [], [], [], []).shape == (0,)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"hfov_deg": 0}, r"hfov_deg must be above 0° and at most 360°, got 0\.0"),
        ({"hfov_deg": [90, 361]}, r"hfov_deg must be .*, got 361\.0 at position 1"),
        ({"hfov_deg": -10}, "hfov_deg must be above 0°"),
        ({"hfov_deg": np.nan}, "hfov_deg must be a finite number, got nan"),
        ({"range_m": -1}, r"range_m must be at least 0 m, got -1\.0"),
        ({"range_m": [5, np.inf]}, "range_m must be a finite number, got inf at position 1"),
        ({"x": np.nan}, "x must be a finite number, got nan"),
        ({"direction_deg": "north"}, "direction_deg must be numbers, got 'north'"),
        ({"near_m": -2}, "near_m must be at least 0 m"),
        ({"segments": 2}, "segments must be an integer of at least 3, got 2"),
    ],
)
def test_bad_sector_values_are_refused(kwargs: dict, message: str) -> None:
    args = {"x": 0, "y": 0, "direction_deg": 0, "hfov_deg": 90, "range_m": 10, **kwargs}
    segments = args.pop("segments", 32)
    with pytest.raises(InvalidInput, match=message) as refused:
        sectors(**args, segments=segments)
    assert refused.value.field == next(iter(kwargs))


@pytest.mark.parametrize(
    ("args", "message", "field"),
    [
        ((180, 1920, 62.5), r"hfov_deg must be above 0° and below 180°, got 180\.0", "hfov_deg"),
        ((0, 1920, 62.5), "hfov_deg must be above 0°", "hfov_deg"),
        ((90, 0, 62.5), r"pixels must be positive, got 0\.0", "pixels"),
        ((90, 1920, -25), r"density_px_m must be positive, got -25\.0", "density_px_m"),
        ((np.nan, 1920, 25), "hfov_deg must be a finite number, got nan", "hfov_deg"),
    ],
)
def test_bad_range_values_are_refused(args: tuple, message: str, field: str) -> None:
    with pytest.raises(ValueError, match=message) as refused:
        dori_range(*args)
    assert refused.value.field == field  # type: ignore[attr-defined]


# --- occlusion ----------------------------------------------------------------------------

WALL = box(-2, 5, 2, 6)  # 4 m wide, 5 m straight ahead of a camera at the origin looking north


def test_a_wall_ahead_casts_the_shadow_worked_out_by_hand() -> None:
    view = sectors(0.0, 0.0, 0.0, 90.0, 10.0)
    (seen,) = occluded(view, [[0.0, 0.0]], [WALL])
    # the shadow is the wedge of half-angle atan(2/5) out to 10 m, less the triangle in front
    # of the wall (base 4 m at 5 m): ½·10²·2·atan(0.4) − ½·4·5
    shadow = 100 * math.atan(0.4) * _polygon_share(90) - 10
    assert seen.is_valid
    assert seen.area == pytest.approx(view[0].area - shadow, abs=0.01)
    assert not _visible(seen, 0, 8)  # right behind the wall
    assert not _visible(seen, 3.5, 9.2)  # behind it near the range's edge (3.5 < 0.4 · 9.2)
    assert not _visible(seen, 0, 5.5)  # the wall itself
    assert _visible(seen, 0, 3)  # in front of it
    assert _visible(seen, 4, 7)  # beside it
    assert _visible(seen, 3.9, 9.0)  # just outside the shadow (3.9 > 0.4 · 9)


def test_a_dome_loses_the_same_shadow() -> None:
    view = sectors(0.0, 0.0, 0.0, 360.0, 10.0)
    (seen,) = occluded(view, np.zeros((1, 2)), [WALL])
    # its arc is cut in pieces of 360° / 32, so the wedge behind the wall is a little smaller
    shadow = 100 * math.atan(0.4) * _polygon_share(360) - 10
    assert seen.area == pytest.approx(view[0].area - shadow, abs=0.05)
    assert _visible(seen, 0, -8) and not _visible(seen, 0, 8)


def test_visibility_matches_sight_lines_among_random_buildings() -> None:
    rng = np.random.default_rng(7)
    corner = rng.uniform(0, 90, (60, 2))
    size = rng.uniform(2, 9, (60, 2))
    buildings = shapely.box(*corner.T, *(corner + size).T)
    turned = [shapely.affinity.rotate(b, 30) for b in buildings[::7]]
    buildings[::7] = turned  # not all square to the axes
    cameras = rng.uniform(20, 80, (25, 2))
    views = sectors(*cameras.T, rng.uniform(0, 360, 25), rng.choice([60.0, 360.0], 25), 25.0)
    seen = occluded(views, cameras, buildings)
    tree = shapely.STRtree(buildings)
    checked, hidden = 0, 0
    for camera, view, visible in zip(cameras, views, seen, strict=True):
        points = rng.uniform(camera - 25, camera + 25, (300, 2))
        points = points[shapely.contains_xy(view, *points.T)]
        near_edge = shapely.dwithin(visible.boundary, shapely.points(points), 1e-6)
        points = points[~near_edge]
        sight = shapely.linestrings(np.stack([np.broadcast_to(camera, points.shape), points], 1))
        own = buildings[shapely.intersects_xy(buildings, *camera)]
        blocked = np.zeros(len(points), dtype=bool)
        line, hit = tree.query(sight, predicate="intersects")
        line = line[~np.isin(buildings[hit], own)]
        blocked[line] = True
        assert list(shapely.contains_xy(visible, *points.T)) == list(~blocked)
        checked, hidden = checked + len(points), hidden + int(blocked.sum())
    assert checked > 2000 and 0.1 < hidden / checked < 0.9


def test_a_camera_on_its_own_wall_still_sees_out() -> None:
    view = sectors([0.0, 0.0], [0.0, 0.3], 0.0, 90.0, 10.0)
    home = box(-10, -10, 10, 0.3)  # the first camera 0.3 m inside, the second on the edge
    seen = occluded(view, [[0.0, 0.0], [0.0, 0.3]], [home, WALL])
    for sector, visible in zip(view, seen, strict=True):
        assert _visible(visible, 4, 7)
        assert not _visible(visible, 0, 8)  # the other building still hides what is behind it
        assert visible.area > 0.5 * sector.area
    blind = occluded(view, [[0.0, 0.0], [0.0, 0.3]], [home], ignore_containing=False)
    assert all(shapely.is_empty(blind))


@pytest.mark.parametrize("gap", [1e-3, 1e-7, 1e-12])
def test_a_camera_right_at_a_wall_sees_along_it(gap: float) -> None:
    wall = box(-20, 0, 20, 1)
    views = sectors(0.0, -gap, [0.0, 90.0, 0.0], [90.0, 90.0, 360.0], 10.0)
    facing, along, dome = occluded(views, np.tile([0.0, -gap], (3, 1)), [wall])
    assert facing.area < 1e-3
    assert along.area == pytest.approx(views[1].area / 2, abs=0.02)
    assert dome.area == pytest.approx(views[2].area / 2, abs=0.02)
    assert _visible(dome, 0, -5) and not _visible(dome, 0, 5)


def test_a_camera_inside_a_footprint_is_blind_when_asked() -> None:
    band = sectors(0.0, 0.0, 0.0, 90.0, 10.0, near_m=3.0)  # the footprint ends in the blind zone
    (seen,) = occluded(band, [[0.0, 0.0]], [box(-1, -1, 1, 1)], ignore_containing=False)
    assert seen.is_empty
    (seen,) = occluded(band, [[0.0, 0.0]], [box(-1, -1, 1, 1)])
    assert seen.equals(band[0])


def test_a_camera_in_a_courtyard_sees_only_the_courtyard() -> None:
    courtyard = box(-4, -4, 4, 4)
    block = Polygon(box(-20, -20, 20, 20).exterior, [courtyard.exterior])
    view = sectors(0.0, 0.0, 0.0, 360.0, 15.0)
    (seen,) = occluded(view, [[0.0, 0.0]], [block])
    assert seen.area == pytest.approx(courtyard.area)
    assert shapely.covers(courtyard.buffer(1e-9), seen)


def test_a_building_hidden_behind_another_changes_nothing() -> None:
    view = sectors(0.0, 0.0, 0.0, 90.0, 10.0)
    (alone,) = occluded(view, [[0.0, 0.0]], [WALL])
    (both,) = occluded(view, [[0.0, 0.0]], [WALL, box(-0.5, 7, 0.5, 8)])
    assert alone.symmetric_difference(both).area < 1e-9


def test_multipolygon_buildings_and_gaps_between_them() -> None:
    view = sectors(0.0, 0.0, 0.0, 90.0, 10.0)
    pair = MultiPolygon([box(-3, 5, -0.5, 6), box(0.5, 5, 3, 6)])
    (seen,) = occluded(view, [[0.0, 0.0]], [pair, None, Polygon()])
    assert _visible(seen, 0, 9)  # through the gap
    assert not _visible(seen, -1.5, 8) and not _visible(seen, 1.5, 8)


def test_missing_and_empty_inputs() -> None:
    view = sectors([0.0, 5.0], 0.0, 0.0, 90.0, 10.0)
    assert len(occluded(np.empty(0, dtype=object), np.empty((0, 2)), [WALL])) == 0
    assert len(occluded([], [], None)) == 0
    for buildings in (None, [], np.empty(0, dtype=object), gpd.GeoSeries([])):
        assert shapely.equals(occluded(view, [[0, 0], [5, 0]], buildings), view).all()
    nothing, seen = occluded([None, view[0]], [[0, 0], [0, 0]], [WALL])
    assert nothing.is_empty and seen.area < view[0].area


def test_bad_occlusion_inputs_are_refused() -> None:
    view = sectors(0.0, 0.0, 0.0, 90.0, 10.0)
    with pytest.raises(InvalidInput, match=r"one \(x, y\) row per sector \(1\), got shape"):
        occluded(view, [[0, 0], [1, 1]], [WALL])
    with pytest.raises(InvalidInput, match="cameras_xy must be a finite number, got nan"):
        occluded(view, [[np.nan, 0]], [WALL])
    with pytest.raises(InvalidInput, match="sectors must be shapely geometries or None"):
        occluded(["a sector"], [[0, 0]], [WALL])


# --- cameras from records -----------------------------------------------------------------

LON, LAT = 120.15, 30.27  # Hangzhou
M_LON = 111_320.0 * math.cos(math.radians(LAT))  # metres per degree, as the LocalFrame has it
M_LAT = 110_574.0


def _lonlat(dx: float, dy: float) -> tuple[float, float]:
    return LON + dx / M_LON, LAT + dy / M_LAT


def _cameras() -> gpd.GeoDataFrame:
    rows = {
        "full": (0, 0, 3, 0.0, 90.0, 1920, 6.0, 10.0),
        "bare": (100, 0, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan),
        "aimed": (200, 0, 4, 90.0, np.nan, np.nan, np.nan, np.nan),
        "dome": (300, 0, 1, np.nan, 60.0, 3840, np.nan, np.nan),
    }
    columns = ["ptz_type", "direction", "hfov", "resolution_px", "height", "tilt"]
    return gpd.GeoDataFrame(
        [dict(zip(columns, row[2:], strict=True)) for row in rows.values()],
        geometry=[Point(_lonlat(dx, dy)) for dx, dy, *_ in rows.values()],
        index=list(rows),
        crs="EPSG:4326",
    )


def test_camera_views_fill_defaults_and_say_which() -> None:
    views = camera_views(_cameras(), None, "observe", blind_zone=False)
    assert views.crs.to_epsg() == 4326
    assert list(views.index) == ["full", "bare", "aimed", "dome"]
    assert views.loc["full", "defaults"] == []
    assert views.loc["bare", "defaults"] == ["ptz_type", "direction", "hfov", "resolution_px"]
    assert views.loc["aimed", "defaults"] == ["hfov", "resolution_px"]
    assert views.loc["dome", "defaults"] == []
    assert views.loc["full", "range_m"] == pytest.approx(15.36)
    assert views.loc["aimed", "range_m"] == pytest.approx(dori_range(85, 1920, 62.5))
    assert views.loc["dome", "range_m"] == pytest.approx(dori_range(60, 3840, 62.5))
    # a fixed camera without a direction cannot be placed: nothing is claimed for it
    assert views.loc["bare", "geometry"].is_empty and views.loc["bare", "area_m2"] == 0
    dome = views.loc["dome"]
    assert dome.area_m2 == pytest.approx(math.pi * dome.range_m**2, rel=0.007)
    # the aimed camera looks east: its view lies east of it, in lon/lat
    aimed = views.loc["aimed", "geometry"]
    assert aimed.centroid.x > _lonlat(200, 0)[0]
    assert aimed.centroid.y == pytest.approx(LAT, abs=1e-7)


def test_camera_views_take_the_blind_zone_and_buildings_off() -> None:
    cameras = _cameras().loc[["full", "aimed"]]
    open_ground = camera_views(cameras, None)
    near = ground_limits(6, 10, vertical_fov(90))[0]
    assert open_ground.loc["full", "near_m"] == pytest.approx(near)
    assert open_ground.loc["full", "defaults"] == []
    assert open_ground.loc["aimed", "defaults"] == ["hfov", "resolution_px", "height", "tilt"]
    assert not open_ground.loc["full", "geometry"].contains(Point(_lonlat(0, near / 2)))
    wall = shapely.box(*_lonlat(-2, 10), *_lonlat(2, 11))
    home = shapely.box(*_lonlat(195, -5), *_lonlat(200.2, 5))  # "aimed" hangs on its east wall
    blocked = camera_views(cameras, gpd.GeoSeries([wall, home], crs="EPSG:4326"))
    assert not blocked.loc["full", "geometry"].contains(Point(_lonlat(0, 13)))
    assert blocked.loc["full", "geometry"].contains(Point(_lonlat(4, 13)))
    assert blocked.loc["full", "area_m2"] < open_ground.loc["full", "area_m2"]
    assert blocked.loc["aimed", "area_m2"] == pytest.approx(open_ground.loc["aimed", "area_m2"])


def test_camera_views_of_no_cameras() -> None:
    empty = _cameras().iloc[:0]
    views = camera_views(empty, gpd.GeoSeries([WALL], crs="EPSG:4326"))
    assert len(views) == 0 and views.crs.to_epsg() == 4326
    assert {"range_m", "near_m", "area_m2", "defaults"} <= set(views.columns)


def test_camera_views_refuse_bad_records() -> None:
    cameras = _cameras()
    with pytest.raises(InvalidInput, match="level 'glance' is not a DORI level"):
        camera_views(cameras, None, "glance")
    with pytest.raises(InvalidInput, match="level must be a positive px/m"):
        camera_views(cameras, None, -5.0)
    wide = cameras.assign(hfov=[90.0, 200.0, np.nan, 60.0])
    with pytest.raises(InvalidInput, match=r"hfov must be above 0° and below 180°, got 200\.0"):
        camera_views(wide, None)
    with pytest.raises(InvalidInput, match="for camera 'bare'") as refused:
        camera_views(wide, None)
    assert refused.value.field == "hfov"
    with pytest.raises(InvalidInput, match=r"ptz_type must be 1, 2, 3 or 4 .*, got 7\.0"):
        camera_views(cameras.assign(ptz_type=[3, 7, 4, 1]), None)
    with pytest.raises(InvalidInput, match="direction must be a number, got 'east'"):
        camera_views(cameras.assign(direction=["east", None, 90.0, None]), None)
    with pytest.raises(InvalidInput, match=r"frame is in EPSG:3857: give it in EPSG:4326"):
        camera_views(cameras.to_crs(3857), None)
    with pytest.raises(InvalidInput, match="camera 'dome' has no point position"):
        camera_views(cameras.set_geometry([*cameras.geometry[:3], None], crs=4326), None)


def test_custom_defaults() -> None:
    cameras = _cameras().loc[["bare"]].assign(direction=0.0)
    views = camera_views(cameras, None, "detect", defaults=CameraDefaults(hfov=60, pixels=2560))
    assert views.loc["bare", "range_m"] == pytest.approx(dori_range(60, 2560, 25))
