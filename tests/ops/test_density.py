import io

import numpy as np
import pytest
import shapely
from PIL import Image

from gridmap.core.errors import InvalidInput
from gridmap.ops.density import (
    bandwidth_for_zoom,
    cell_index,
    density_breaks,
    density_png,
    grid_bounds,
    grid_mask,
    grid_shape,
    kde_grid,
    tile_resolution_m,
)

# a 10 km × 8 km area in metres (CGCS2000 Gauss-Krüger coordinates)
X0, Y0 = 500_000.0, 3_000_000.0
BOUNDS = (X0, Y0, X0 + 10_000, Y0 + 8_000)


def test_the_integral_is_the_number_of_points_away_from_the_edges() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(X0 + 2_000, X0 + 8_000, 300)
    y = rng.uniform(Y0 + 2_000, Y0 + 6_000, 300)
    for kernel in ("quartic", "epanechnikov", "gaussian"):
        density = kde_grid(x, y, None, BOUNDS, 50, 400, kernel)
        assert density.shape == (160, 200)
        assert (density * 50 * 50 / 1e6).sum() == pytest.approx(300, rel=1e-9)
    weighted = kde_grid(x, y, np.full(300, 2.5), BOUNDS, 50, 400)
    assert (weighted * 0.0025).sum() == pytest.approx(750, rel=1e-9)


def test_mass_near_the_edge_leaves_and_mass_from_outside_comes_in() -> None:
    corner = kde_grid([X0 + 10], [Y0 + 10], None, BOUNDS, 50, 400)
    assert 0.2 < (corner * 0.0025).sum() < 0.35  # about a quarter stays inside
    outside = kde_grid([X0 - 100], [Y0 + 4_000], None, BOUNDS, 50, 400)
    assert 0 < (outside * 0.0025).sum() < 0.5
    assert outside[:, 0].max() > 0 and outside[:, 10:].max() == 0  # reaches 300 m in


def test_one_point_by_hand_in_events_per_km2() -> None:
    # quartic kernel: 3 / (π h²) events/m² at the point; h = 500 m gives 3.82 events/km²
    cell, h = 10.0, 500.0
    x, y = X0 + 5_005.0, Y0 + 4_005.0  # the centre of a cell
    density = kde_grid([x], [y], None, BOUNDS, cell, h)
    row, col = cell_index([x], [y], BOUNDS, cell)
    assert density[row[0], col[0]] == pytest.approx(3 / (np.pi * h**2) * 1e6, rel=1e-3)
    assert density.max() == density[row[0], col[0]]
    # 250 m east, half the bandwidth: (1 - 0.25)² of the peak
    assert density[row[0], col[0] + 25] == pytest.approx(
        density[row[0], col[0]] * 0.75**2, rel=1e-3
    )
    assert density[row[0], col[0] + 50] == 0  # at the bandwidth the quartic reaches 0
    epanechnikov = kde_grid([x], [y], None, BOUNDS, cell, h, kernel="epanechnikov")
    assert epanechnikov.max() == pytest.approx(2 / (np.pi * h**2) * 1e6, rel=1e-3)


def test_the_peak_is_at_the_planted_cluster_and_row_0_is_north() -> None:
    rng = np.random.default_rng(1)
    cx, cy = X0 + 2_500, Y0 + 6_500  # north-west
    x = np.concatenate([rng.normal(cx, 80, 60), rng.uniform(X0, X0 + 10_000, 200)])
    y = np.concatenate([rng.normal(cy, 80, 60), rng.uniform(Y0, Y0 + 8_000, 200)])
    density = kde_grid(x, y, None, BOUNDS, 100, 300)
    row, col = np.unravel_index(np.argmax(density), density.shape)
    assert (row, col) in {(r, c) for r in (13, 14, 15) for c in (24, 25, 26)}
    assert row < density.shape[0] / 2  # north is at the top


def test_cells_points_and_masks_share_one_layout() -> None:
    assert grid_shape(BOUNDS, 300) == (27, 34)  # 8,000 / 300 and 10,000 / 300, rounded up
    assert grid_bounds(BOUNDS, 300) == (X0, Y0, X0 + 10_200, Y0 + 8_100)
    row, col = cell_index(
        [X0, X0 + 299.9, X0 - 1, X0 + 10_199], [Y0 + 8_099, Y0, Y0, Y0], BOUNDS, 300
    )
    assert row.tolist() == [0, 26, -1, 26] and col.tolist() == [0, 0, -1, 33]
    west_half = shapely.box(X0, Y0, X0 + 5_000, Y0 + 8_100)
    mask = grid_mask(west_half, BOUNDS, 300)
    assert mask.shape == (27, 34)
    assert mask[:, :17].all() and not mask[:, 17:].any()  # centres up to 4,950 m east


def test_kde_refuses_what_it_cannot_do() -> None:
    with pytest.raises(InvalidInput, match=r"bandwidth_m must be at least cell_m \(100 m\)"):
        kde_grid([X0], [Y0], None, BOUNDS, 100, 50)
    with pytest.raises(InvalidInput, match="more than 25,000,000"):
        kde_grid([X0], [Y0], None, BOUNDS, 1, 50)
    with pytest.raises(InvalidInput, match="kernel must be one of quartic, epanechnikov"):
        kde_grid([X0], [Y0], None, BOUNDS, 100, 500, kernel="triangle")
    with pytest.raises(InvalidInput, match=r"y must have one value per event \(2\), got 1"):
        kde_grid([X0, X0], [Y0], None, BOUNDS, 100, 500)
    with pytest.raises(InvalidInput, match=r"weights must be non-negative; event 0 has -1$"):
        kde_grid([X0], [Y0], [-1], BOUNDS, 100, 500)
    with pytest.raises(InvalidInput, match="xmin < xmax and ymin < ymax"):
        kde_grid([X0], [Y0], None, (X0, Y0, X0, Y0 + 1), 100, 500)
    assert not kde_grid([], [], None, BOUNDS, 100, 500).any()


def test_bandwidth_follows_the_zoom_within_its_limits() -> None:
    assert bandwidth_for_zoom(14) == 400
    assert bandwidth_for_zoom(13) == 800 and bandwidth_for_zoom(15) == 200
    assert bandwidth_for_zoom(18) == 50 and bandwidth_for_zoom(8) == 5_000
    assert bandwidth_for_zoom(12, base_m=1_000, base_zoom=12) == 1_000
    with pytest.raises(InvalidInput, match="zoom must be between 0 and 30, got 31"):
        bandwidth_for_zoom(31)
    # Web Mercator: 156,543 m per pixel at zoom 0 on the equator, half that at 60°
    assert tile_resolution_m(0, 0) == pytest.approx(156_543.03, rel=1e-6)
    assert tile_resolution_m(14, 60) == pytest.approx(156_543.03 / 2**14 / 2, rel=1e-6)


# --- rendering ------------------------------------------------------------------------------


def test_density_png_paints_classes_and_describes_them() -> None:
    density = np.array([[0.0, 0.5, 1.5], [2.5, 4.0, np.nan]])
    image = density_png(density, breaks=[1.0, 2.0, 3.0], colours=["#ffeda0", "#feb24c", "#f03b20"])
    pixels = np.asarray(Image.open(io.BytesIO(image.png)))
    assert pixels.shape == (2, 3, 4)
    assert pixels[0, 0, 3] == 0 and pixels[0, 1, 3] == 0 and pixels[1, 2, 3] == 0
    assert pixels[0, 2].tolist() == [0xFF, 0xED, 0xA0, 204]  # 1.5: first class, 80 % opaque
    assert pixels[1, 0, :3].tolist() == [0xFE, 0xB2, 0x4C]
    assert pixels[1, 1, :3].tolist() == [0xF0, 0x3B, 0x20]
    assert image.legend == [
        {"class": 1, "min": 1.0, "max": 2.0, "colour": "#ffeda0", "label": "1–2 events/km²"},
        {"class": 2, "min": 2.0, "max": 3.0, "colour": "#feb24c", "label": "2–3 events/km²"},
        {"class": 3, "min": 3.0, "max": None, "colour": "#f03b20", "label": "≥ 3 events/km²"},
    ]


def test_tiles_sharing_breaks_paint_equal_densities_alike() -> None:
    rng = np.random.default_rng(2)
    x, y = rng.uniform(X0, X0 + 10_000, 400), rng.uniform(Y0, Y0 + 8_000, 400)
    density = kde_grid(x, y, None, BOUNDS, 100, 500)
    breaks = density_breaks(density, classes=5)
    assert len(breaks) == 5 and np.all(np.diff(breaks) > 0)
    assert breaks[0] == pytest.approx(0.05 * density.max(), rel=0.05)
    west = density_png(density[:, :50], breaks)
    east = density_png(density[:, 50:], breaks)
    assert west.legend == east.legend
    a = np.asarray(Image.open(io.BytesIO(west.png)))
    b = np.asarray(Image.open(io.BytesIO(east.png)))
    both = np.concatenate([a, b], axis=1)
    whole = np.asarray(Image.open(io.BytesIO(density_png(density, breaks).png)))
    np.testing.assert_array_equal(both, whole)


def test_density_breaks_by_hand() -> None:
    density = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 10.0])
    assert density_breaks(density, classes=2, method="equal").tolist() == [0.5, 5.2]
    assert density_breaks(density, classes=3, floor_share=0.25).tolist() == [2.5, 3.7, 6.0]
    with pytest.raises(InvalidInput, match="density has no positive cell"):
        density_breaks(np.zeros(4))
    with pytest.raises(InvalidInput, match="breaks must be finite and strictly increasing"):
        density_png(np.ones((2, 2)), breaks=[2.0, 1.0])
    with pytest.raises(InvalidInput, match=r"one colour per class \(2\), got 1"):
        density_png(np.ones((2, 2)), breaks=[0.5, 1.0], colours=["#ffffff"])
