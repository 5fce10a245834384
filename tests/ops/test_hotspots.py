import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from esda.getisord import G_Local
from esda.moran import Moran_Local
from libpysal.weights import W

from gridmap.core.errors import InvalidInput
from gridmap.ops.hotspots import gi_star, local_moran, rates, spatial_weights

CRS = "EPSG:4548"  # CGCS2000 / 3-degree Gauss-Krüger CM 117E, metres


def lattice(n: int, size: float = 100.0) -> gpd.GeoDataFrame:
    """An n × n lattice of square grids, row by row from the south-west, ids G0000 …"""
    xs, ys = np.meshgrid(np.arange(n) * size, np.arange(n) * size)
    x, y = xs.ravel() + 500_000, ys.ravel() + 3_000_000
    return gpd.GeoDataFrame(
        geometry=shapely.box(x, y, x + size, y + size),
        index=pd.Index([f"G{i:04d}" for i in range(n * n)], name="grid"),
        crs=CRS,
    )


def esda_quiet(cls, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cls(*args, **kwargs)


@pytest.fixture(scope="module")
def grid20() -> tuple[gpd.GeoDataFrame, W]:
    units = lattice(20)
    return units, spatial_weights(units)


# --- weights --------------------------------------------------------------------------------


def test_queen_rook_and_distance_neighbours_on_a_lattice() -> None:
    units = lattice(5)
    queen, rook = spatial_weights(units), spatial_weights(units, kind="rook")
    centre, corner = "G0012", "G0000"
    assert queen.cardinalities[centre] == 8 and queen.cardinalities[corner] == 3
    assert rook.cardinalities[centre] == 4 and rook.cardinalities[corner] == 2
    assert queen.id_order == list(units.index)
    # centroids 100 m apart along rows and columns, 141 m across the diagonal
    assert spatial_weights(units, "distance", threshold_m=100).cardinalities[centre] == 4
    band = spatial_weights(units, "distance", threshold_m=150)
    assert band.cardinalities[centre] == 8
    assert (band.sparse != queen.sparse).nnz == 0


def test_inverse_distance_weights_are_one_over_metres() -> None:
    units = lattice(3)
    w = spatial_weights(units, "distance", threshold_m=150, binary=False)
    weights = dict(zip(w.neighbors["G0004"], w.weights["G0004"], strict=True))
    assert weights["G0001"] == pytest.approx(1 / 100)
    assert weights["G0000"] == pytest.approx(1 / (100 * np.sqrt(2)))


def test_an_island_joins_its_nearest_unit_or_stays_alone() -> None:
    units = lattice(4)
    far = gpd.GeoDataFrame(
        geometry=[shapely.box(501_000, 3_000_000, 501_100, 3_000_100)],
        index=pd.Index(["ISLAND"], name="grid"),
        crs=CRS,
    )
    units = pd.concat([units, far])
    # the nearest grid to the island is the lattice's east end of the first row, G0003
    joined = spatial_weights(units)
    assert joined.neighbors["ISLAND"] == ["G0003"]
    assert "ISLAND" in joined.neighbors["G0003"]
    assert not joined.islands

    alone = spatial_weights(units, islands="keep")
    assert alone.islands == ["ISLAND"]
    values = np.arange(len(units), dtype=float)
    result = gi_star(values, alone, permutations=19)
    island = result.loc["ISLAND"]
    assert island["neighbours"] == 0 and island["gi_bin"] == 0
    assert np.isnan(island["z"]) and np.isnan(island["p"]) and np.isnan(island["p_sim"])
    assert local_moran(values, alone, permutations=19).loc["ISLAND", "label"] == "no neighbours"


def test_weights_refuse_what_they_cannot_do() -> None:
    units = lattice(3)
    with pytest.raises(InvalidInput, match="threshold_m must be a positive distance in metres"):
        spatial_weights(units, "distance")
    with pytest.raises(InvalidInput, match=r"projected CRS in metres .*EPSG:4326"):
        spatial_weights(units.to_crs(4326), "distance", threshold_m=150)
    with pytest.raises(InvalidInput, match=r"binary=False .* applies to kind='distance' only"):
        spatial_weights(units, binary=False)
    with pytest.raises(InvalidInput, match="kind must be 'queen', 'rook' or 'distance'"):
        spatial_weights(units, kind="bishop")
    points = units.set_geometry(units.centroid)
    with pytest.raises(InvalidInput, match="unit 'G0000' is Point"):
        spatial_weights(points)
    twice = pd.concat([units, units.iloc[:1]])
    with pytest.raises(InvalidInput, match="unique index; 'G0000' repeats"):
        spatial_weights(twice)


# --- Gi* ------------------------------------------------------------------------------------


def test_gi_star_is_esdas_with_the_same_seed(grid20) -> None:
    units, w = grid20
    y = np.random.default_rng(7).poisson(4, len(units)).astype(float)
    ours = gi_star(y, w, permutations=199, seed=42)
    theirs = esda_quiet(G_Local, y, w, transform="B", star=True, permutations=199, seed=42)
    np.testing.assert_array_equal(ours["z"].to_numpy(), theirs.Zs)
    np.testing.assert_allclose(ours["p_sim"].to_numpy(), theirs.p_sim, rtol=1e-6)
    # esda keeps p_sim as float32; ours is exactly (k + 1) / (P + 1)
    k = ours["p_sim"].to_numpy() * 200
    np.testing.assert_allclose(k, np.round(k), rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours["p"].to_numpy(), 2 * theirs.p_norm)
    assert list(ours.index) == list(units.index)


def test_gi_star_z_is_arcgis_formula(grid20) -> None:
    units, w = grid20
    y = np.random.default_rng(8).poisson(4, len(units)).astype(float)
    # ArcGIS: (Σ w_ij x_j - X̄ Σ w_ij) / (S √((n Σ w_ij² - (Σ w_ij)²) / (n - 1))), self included
    n, mean, s = len(y), y.mean(), np.sqrt((y**2).mean() - y.mean() ** 2)
    star = w.sparse.toarray() + np.eye(n)
    sw = star.sum(axis=1)
    expected = (star @ y - mean * sw) / (s * np.sqrt((n * sw - sw**2) / (n - 1)))
    np.testing.assert_allclose(gi_star(y, w, permutations=0)["z"], expected, rtol=1e-12)


def test_planted_hot_and_cold_clusters_are_bins_3_and_minus_3() -> None:
    units = lattice(30)
    w = spatial_weights(units)
    grid = np.random.default_rng(1).poisson(6, (30, 30)).astype(float)
    grid[4:9, 4:9] += 25  # a hot 5 × 5 block
    grid[20:26, 20:26] = 0  # a cold 6 × 6 block (nothing happens there)
    result = gi_star(grid.ravel(), w, permutations=99)
    bins = result["gi_bin"].to_numpy().reshape(30, 30)
    assert (bins[5:8, 5:8] == 3).all()
    assert (bins[21:25, 21:25] == -3).all()
    assert (bins[12:18, 12:18] == 0).all()  # the noise between them is not significant


def test_fdr_flags_fewer_units_on_noise() -> None:
    units = lattice(30)
    w = spatial_weights(units)
    noise = np.random.default_rng(11).poisson(5, len(units)).astype(float)
    plain = gi_star(noise, w, permutations=0, fdr=False)
    corrected = gi_star(noise, w, permutations=0, fdr=True)
    flagged = (plain["gi_bin"] != 0).sum()
    assert flagged > 20  # about 10 % of 900 at 90 % confidence by chance
    assert (corrected["gi_bin"] != 0).sum() < flagged / 5
    assert plain.attrs["cutoffs"] == {0.10: 0.10, 0.05: 0.05, 0.01: 0.01}
    assert all(cut < level / 10 for level, cut in corrected.attrs["cutoffs"].items())
    # without FDR the bins are the p-value's levels, signed by z
    expected = np.sign(plain["z"]) * (
        (plain["p"] <= 0.10).astype(int) + (plain["p"] <= 0.05) + (plain["p"] <= 0.01)
    )
    np.testing.assert_array_equal(plain["gi_bin"], expected)


def test_permutation_bins_use_the_two_sided_pseudo_p(grid20) -> None:
    _, w = grid20
    grid = np.random.default_rng(2).poisson(5, (20, 20)).astype(float)
    grid[3:7, 3:7] += 10
    result = gi_star(grid.ravel(), w, permutations=199, significance="permutation", fdr=False)
    two_sided = np.minimum(1, 2 * result["p_sim"])
    level = (two_sided <= 0.10).astype(int) + (two_sided <= 0.05) + (two_sided <= 0.01)
    np.testing.assert_array_equal(result["gi_bin"], np.sign(result["z"]) * level)
    assert (result["gi_bin"].to_numpy().reshape(20, 20)[4:6, 4:6] > 0).all()
    assert result.attrs["significance"] == "permutation"


def test_a_series_is_aligned_on_the_weights(grid20) -> None:
    units, w = grid20
    y = pd.Series(np.random.default_rng(3).poisson(4, len(units)), index=units.index, dtype=float)
    ordered = gi_star(y, w, permutations=19)
    shuffled = gi_star(y.sample(frac=1, random_state=1), w, permutations=19)
    pd.testing.assert_frame_equal(ordered, shuffled)
    assert ordered.index.name == "grid"
    with pytest.raises(InvalidInput, match="values has no value for unit 'G0000' of the weights"):
        gi_star(y.iloc[1:], w)


def test_gi_star_refuses_bad_values_and_weights(grid20) -> None:
    units, w = grid20
    y = np.ones(len(units))
    y[5] = -1
    with pytest.raises(InvalidInput, match=r"values must be non-negative .*; unit 'G0005' has -1$"):
        gi_star(y, w)
    with pytest.raises(InvalidInput, match=r"values are all equal \(2 in all 400 units\)"):
        gi_star(np.full(len(units), 2.0), w)
    with pytest.raises(InvalidInput, match=r"one value per unit of the weights \(400\), got 3"):
        gi_star([1.0, 2.0, 3.0], w)
    y[5] = np.nan
    with pytest.raises(InvalidInput, match="values must be finite numbers; unit 'G0005' has nan"):
        gi_star(y, w)
    inverse = spatial_weights(units, "distance", threshold_m=150, binary=False)
    with pytest.raises(InvalidInput, match=r"w must hold binary weights \(all 1\) for Gi\*"):
        gi_star(np.arange(len(units), dtype=float), inverse)
    with pytest.raises(InvalidInput, match="significance='permutation' needs permutations > 0"):
        gi_star(np.arange(len(units), dtype=float), w, permutations=0, significance="permutation")
    with pytest.raises(InvalidInput, match="levels must be three significance levels"):
        gi_star(np.arange(len(units), dtype=float), w, levels=(0.01, 0.05, 0.10))


def test_the_callers_weights_are_left_as_they_were(grid20) -> None:
    units, w = grid20
    before = (w.transform, w.sparse.copy())
    y = np.random.default_rng(4).poisson(4, len(units)).astype(float)
    gi_star(y, w, permutations=19)
    local_moran(y, w, permutations=19)
    assert w.transform == before[0]
    assert (w.sparse != before[1]).nnz == 0


# --- local Moran ----------------------------------------------------------------------------


def test_local_moran_finds_the_planted_clusters_and_outliers(grid20) -> None:
    _, w = grid20
    rng = np.random.default_rng(3)
    grid = rng.normal(10, 1, (20, 20))
    grid[2:8, 2:8] = rng.normal(20, 1, (6, 6))  # high block
    grid[12:18, 12:18] = rng.normal(0.5, 0.3, (6, 6))  # low block
    grid[14, 14] = 20  # a high grid inside the low block
    grid[4, 4] = 0  # a low grid inside the high block
    result = local_moran(grid.ravel(), w, permutations=499)
    label = result["label"].to_numpy().reshape(20, 20)
    assert label[4, 4] == "LH" and label[14, 14] == "HL"
    high = label[2:8, 2:8].ravel().tolist()
    low = label[12:18, 12:18].ravel().tolist()
    assert high.count("HH") == 35 and low.count("LL") == 35
    # quadrants are given whatever the significance; labels only when significant
    assert set(result["quadrant"]) <= {"HH", "LH", "LL", "HL"}
    quiet = result["label"] == "not significant"
    assert (np.minimum(1, 2 * result.loc[quiet, "p_sim"]) > 0.05).all()


def test_local_moran_is_esdas_with_the_same_seed(grid20) -> None:
    units, w = grid20
    y = np.random.default_rng(5).normal(size=len(units))
    ours = local_moran(y, w, permutations=99, seed=9)
    theirs = esda_quiet(Moran_Local, y, w, permutations=99, seed=9)
    np.testing.assert_allclose(ours["Ii"], theirs.Is)
    np.testing.assert_allclose(ours["p_sim"], theirs.p_sim)
    np.testing.assert_allclose(ours["z"], theirs.z_sim)


def test_local_moran_refuses_bad_arguments(grid20) -> None:
    units, w = grid20
    y = np.arange(len(units), dtype=float)
    with pytest.raises(InvalidInput, match="local_moran needs permutations > 0"):
        local_moran(y, w, permutations=0)
    with pytest.raises(InvalidInput, match="alpha must be between 0 and 1, got 5"):
        local_moran(y, w, alpha=5)


# --- rates ----------------------------------------------------------------------------------


def test_rates_per_km2_and_per_1000_residents() -> None:
    counts = pd.Series([10, 3, 0], index=["A", "B", "C"])
    out = rates(counts, area_km2=[2.0, 0.5, 1.0], population=[5000, 0, 200])
    assert list(out.index) == ["A", "B", "C"]
    assert out["per_km2"].tolist() == [5.0, 6.0, 0.0]
    assert out.loc["A", "per_1000"] == 2.0 and out.loc["C", "per_1000"] == 0.0
    assert np.isnan(out.loc["B", "per_1000"])  # no residents: no rate
    with pytest.raises(InvalidInput, match=r"area_km2 must be positive; position 1 has 0$"):
        rates(counts, area_km2=[1.0, 0.0, 1.0])
    with pytest.raises(InvalidInput, match="give area_km2, population or both"):
        rates(counts)
