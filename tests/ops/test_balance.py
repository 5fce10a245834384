import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely import affinity
from shapely.geometry import MultiPolygon, Polygon, box

from gridmap.ops.balance import (
    DivideOptions,
    DivideResult,
    block_loads,
    divide_region,
    square_blocks,
)

# A 4 km × 3 km township in metres (EPSG:4548-like coordinates) with a notch cut from the north.
X0, Y0 = 500_000.0, 3_400_000.0
TOWNSHIP = Polygon(
    [
        (X0, Y0),
        (X0 + 4_000, Y0),
        (X0 + 4_000, Y0 + 3_000),
        (X0 + 2_400, Y0 + 3_000),
        (X0 + 2_400, Y0 + 1_800),
        (X0 + 1_600, Y0 + 1_800),
        (X0 + 1_600, Y0 + 3_000),
        (X0, Y0 + 3_000),
    ]
)
N = 8


def households(area: Polygon | MultiPolygon, seed: int = 7) -> gpd.GeoDataFrame:
    """3,000 buildings: two dense villages and a sparse background, 1-6 households each."""
    rng = np.random.default_rng(seed)
    villages = np.array([[X0 + 900, Y0 + 800], [X0 + 3_200, Y0 + 2_200]])
    dense = villages[rng.integers(0, 2, 2_000)] + rng.normal(0, 180, (2_000, 2))
    sparse = rng.uniform(area.bounds[:2], area.bounds[2:], (3_000, 2))
    xy = np.vstack([dense, sparse])
    xy = xy[shapely.contains_xy(area, xy[:, 0], xy[:, 1])][:3_000]
    return gpd.GeoDataFrame(
        {"households": rng.integers(1, 7, len(xy))},
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
        crs="EPSG:4548",
    )


POINTS = households(TOWNSHIP)


@pytest.fixture(scope="module", params=["azp", "skater"])
def divided(request: pytest.FixtureRequest) -> DivideResult:
    return divide_region(TOWNSHIP, POINTS, N, "households", DivideOptions(method=request.param))


def strip_loads(area: Polygon, points: gpd.GeoDataFrame, n: int, weight: str) -> np.ndarray:
    """Loads of ``n`` vertical strips of equal area: the naive division."""
    minx, miny, maxx, maxy = area.bounds
    xs = np.linspace(minx, maxx, 4_001)
    left = shapely.area(shapely.intersection(area, shapely.box(minx, miny, xs, maxy)))
    cuts = np.interp(area.area * np.arange(1, n) / n, left, xs)
    strip = np.searchsorted(cuts, points.geometry.x.to_numpy())
    return np.bincount(strip, weights=points[weight].to_numpy(float), minlength=n)


def cv(loads: np.ndarray) -> float:
    return float(np.std(loads) / np.mean(loads))


def test_exactly_n_single_polygon_grids(divided: DivideResult) -> None:
    assert len(divided.grids) == N
    assert set(divided.grids.geom_type) == {"Polygon"}
    assert divided.grids.crs == POINTS.crs
    assert (divided.grids["blocks"] >= 1).all()


def test_grids_are_a_gap_free_coverage_of_the_region(divided: DivideResult) -> None:
    cells = divided.grids.geometry.to_numpy()
    assert shapely.coverage_is_valid(cells)
    union = shapely.coverage_union_all(cells)
    assert shapely.symmetric_difference(union, TOWNSHIP).area < 1e-6 * TOWNSHIP.area


def test_loads_add_up_to_the_total_weight(divided: DivideResult) -> None:
    total = POINTS["households"].sum()
    assert divided.grids["load"].sum() == pytest.approx(total)
    report = divided.report
    assert report["n"] == N
    assert sum(report["loads"]) == pytest.approx(total)
    assert report["min"] == min(report["loads"])
    assert report["max"] == max(report["loads"])
    assert report["mean"] == pytest.approx(total / N)
    assert report["cv"] == pytest.approx(cv(np.array(report["loads"])))
    assert report["blocks"] == divided.grids["blocks"].sum()


def test_balanced_grids_spread_far_less_than_equal_area_strips(divided: DivideResult) -> None:
    naive = cv(strip_loads(TOWNSHIP, POINTS, N, "households"))
    assert divided.report["cv"] < 0.5 * naive


def test_azp_balances_within_a_few_percent() -> None:
    result = divide_region(TOWNSHIP, POINTS, N, "households")
    assert result.report["method"] == "azp"
    assert result.report["cv"] < 0.06
    assert result.report["max"] < 1.15 * result.report["mean"]


def test_without_weight_each_point_counts_one() -> None:
    result = divide_region(TOWNSHIP, POINTS, 3, options=DivideOptions(method="bisect"))
    assert result.grids["load"].sum() == len(POINTS)
    assert len(result.grids) == 3


def test_same_seed_same_grids() -> None:
    first = divide_region(TOWNSHIP, POINTS, 4, "households", DivideOptions(seed=3))
    second = divide_region(TOWNSHIP, POINTS, 4, "households", DivideOptions(seed=3))
    assert first.report["loads"] == second.report["loads"]
    assert all(shapely.equals(first.grids.geometry.values, second.grids.geometry.values))


def test_one_grid_is_the_whole_region() -> None:
    result = divide_region(TOWNSHIP, POINTS, 1, "households")
    assert len(result.grids) == 1
    assert shapely.symmetric_difference(result.grids.geometry.iloc[0], TOWNSHIP).area < 1e-6
    assert result.report["cv"] == 0.0


def test_an_island_joins_a_grid_and_the_coverage_stays_whole() -> None:
    island = box(X0 + 4_300, Y0 + 500, X0 + 4_900, Y0 + 1_100)
    region = MultiPolygon([TOWNSHIP, island])
    points = households(region)
    result = divide_region(region, points, 5, "households")
    cells = result.grids.geometry.to_numpy()
    assert len(cells) == 5
    assert shapely.coverage_is_valid(cells)
    assert shapely.symmetric_difference(shapely.coverage_union_all(cells), region).area < 1e-3
    assert (shapely.get_num_geometries(cells) <= 2).all()
    assert result.grids["load"].sum() == pytest.approx(points["households"].sum())


def test_blocks_cover_a_slanted_region_exactly() -> None:
    region = affinity.rotate(TOWNSHIP, 17, origin="centroid")
    blocks = square_blocks(region, 150.0)
    assert set(shapely.get_type_id(blocks)) == {shapely.GeometryType.POLYGON}
    assert shapely.coverage_is_valid(blocks)
    union = shapely.coverage_union_all(blocks)
    assert shapely.symmetric_difference(union, region).area < 1e-6 * region.area


def test_a_point_on_a_shared_edge_counts_once() -> None:
    blocks = np.array([box(0, 0, 1, 1), box(1, 0, 2, 1)])
    points = gpd.GeoDataFrame(
        {"w": [2.0, 5.0]}, geometry=gpd.points_from_xy([1.0, 1.5], [0.5, 0.5])
    )
    assert block_loads(blocks, points, "w").sum() == 7.0


@pytest.mark.parametrize(
    ("n", "message"),
    [
        (0, "n must be at least 1 grid, got 0"),
        (-3, "n must be at least 1 grid, got -3"),
        (10_000, r"n=10000 grids need at least 10000 blocks, but the region has \d+ blocks"),
    ],
)
def test_bad_n_raises(n: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        divide_region(TOWNSHIP, POINTS, n, "households")


def test_empty_region_raises() -> None:
    with pytest.raises(ValueError, match="cannot divide an empty region"):
        divide_region(Polygon(), POINTS, 3)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weight": "people"}, "weight column 'people' is not in points"),
        ({"options": DivideOptions(method="kmeans")}, "unknown method 'kmeans'"),
        ({"options": DivideOptions(block_size_m=0)}, "block_size_m must be positive, got 0"),
    ],
)
def test_bad_arguments_raise(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        divide_region(TOWNSHIP, POINTS, 3, **kwargs)


def test_geographic_points_raise() -> None:
    with pytest.raises(ValueError, match="geographic CRS EPSG:4326"):
        divide_region(TOWNSHIP, POINTS.set_crs(4326, allow_override=True), 3)
