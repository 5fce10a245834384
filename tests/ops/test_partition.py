import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon, box

from gridmap.ops.partition import random_points_in, reading_order, voronoi_partition

L_SHAPE = Polygon(
    [(0, 0), (10_000, 0), (10_000, 3_000), (3_000, 3_000), (3_000, 8_000), (0, 8_000)]
)


@pytest.mark.parametrize("n", [1, 2, 7, 40])
def test_partition_is_a_gap_free_coverage(n: int) -> None:
    cells = voronoi_partition(L_SHAPE, n, np.random.default_rng(n))
    assert len(cells) == n
    assert shapely.coverage_is_valid(cells)
    union = shapely.coverage_union_all(cells)
    assert shapely.symmetric_difference(union, L_SHAPE).area < 1e-6 * L_SHAPE.area


def test_relaxation_evens_out_cell_sizes() -> None:
    rough = voronoi_partition(L_SHAPE, 30, np.random.default_rng(1), relax=0)
    even = voronoi_partition(L_SHAPE, 30, np.random.default_rng(1), relax=4)

    def spread(cells: np.ndarray) -> float:
        areas = shapely.area(cells)
        return float(areas.std() / areas.mean())

    assert spread(even) < spread(rough)


def test_same_seed_same_cells() -> None:
    first = voronoi_partition(L_SHAPE, 12, np.random.default_rng(5))
    second = voronoi_partition(L_SHAPE, 12, np.random.default_rng(5))
    assert all(shapely.equals(first, second))


def test_random_points_fall_inside() -> None:
    points = random_points_in(L_SHAPE, 500, np.random.default_rng(0))
    assert points.shape == (500, 2)
    assert shapely.contains_xy(L_SHAPE, points[:, 0], points[:, 1]).all()


def test_reading_order_is_north_to_south_then_west_to_east() -> None:
    # a 3×3 block of cell centres given in shuffled order
    xs, ys = np.meshgrid([0.0, 1.0, 2.0], [2.0, 1.0, 0.0])
    x, y = xs.ravel(), ys.ravel()
    shuffle = np.random.default_rng(3).permutation(9)
    order = reading_order(x[shuffle], y[shuffle], band=1.0)
    assert list(zip(x[shuffle][order], y[shuffle][order], strict=True)) == list(
        zip(x, y, strict=True)
    )


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 1 cell, got 0"):
        voronoi_partition(box(0, 0, 1, 1), 0, np.random.default_rng())
    with pytest.raises(ValueError, match="band height must be positive, got 0"):
        reading_order(np.zeros(2), np.zeros(2), 0)
