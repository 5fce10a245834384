import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from esda.getisord import G_Local
from libpysal.weights import W
from scipy import stats

from gridmap.core.errors import InvalidInput
from gridmap.ops.emerging import (
    PATTERNS,
    _gi_star_normal,
    _patterns,
    emerging_hot_spots,
    mann_kendall,
    space_time_cube,
)
from gridmap.ops.hotspots import gi_star, spatial_weights

N = 15  # a 15 × 15 lattice of grids
CENTRE = 7 * N + 7  # the grid whose story each cube tells
PERIODS = 10


@pytest.fixture(scope="module")
def w() -> W:
    xs, ys = np.meshgrid(np.arange(N) * 100.0, np.arange(N) * 100.0)
    x, y = xs.ravel() + 500_000, ys.ravel() + 3_000_000
    units = gpd.GeoDataFrame(
        geometry=shapely.box(x, y, x + 100, y + 100),
        index=[f"G{i:03d}" for i in range(N * N)],
        crs="EPSG:4548",
    )
    return spatial_weights(units)


def cube(story: str, strengths: list[float] | None = None) -> np.ndarray:
    """Counts units × periods: a background of about 10 a period everywhere, and the 3 × 3
    block around the centre grid high ("H", 10 + strength) or low ("C", 10 - strength) in the
    periods the story says, at the background level ("."). The background varies (fixed
    noise) outside the block, so the centre's z grows with its block's strength."""
    rng = np.random.default_rng(0)
    background = rng.normal(10, 2, (N, N)).clip(0)
    background[6:9, 6:9] = 10.0
    strengths = strengths or [12.0] * PERIODS
    counts = np.empty((N * N, PERIODS))
    for t, state in enumerate(story.replace(" ", "")):
        grid = background.copy()
        if state == "H":
            grid[6:9, 6:9] = 10 + strengths[t]
        elif state == "C":
            grid[6:9, 6:9] = max(0.0, 10 - strengths[t] / 2)
        counts[:, t] = grid.ravel()
    return counts


RISING = [8.0 + 2 * t for t in range(PERIODS)]
FALLING = RISING[::-1]
STEADY = [12.0, 14.0] * (PERIODS // 2)  # up and down, no trend

STORIES = {
    "new hot spot": ("......... H", None),
    "consecutive hot spot": ("....... HHH", None),
    "intensifying hot spot": ("HHHHHHHHHH", RISING),
    "persistent hot spot": ("HHHHHHHHHH", STEADY),
    "diminishing hot spot": ("HHHHHHHHHH", FALLING),
    "sporadic hot spot": (".H..H.... H", None),
    "oscillating hot spot": (".C..H.... H", None),
    "historical hot spot": ("HHHHHHHHH .", STEADY),
    "new cold spot": ("......... C", None),
    "consecutive cold spot": ("....... CCC", None),
    "intensifying cold spot": ("CCCCCCCCCC", RISING),
    "persistent cold spot": ("CCCCCCCCCC", STEADY),
    "diminishing cold spot": ("CCCCCCCCCC", FALLING),
    "sporadic cold spot": (".C..C.... C", None),
    "oscillating cold spot": (".H..C.... C", None),
    "historical cold spot": ("CCCCCCCCC .", STEADY),
    "no pattern": ("..........", None),
}


@pytest.mark.parametrize("pattern", list(STORIES))
def test_each_hand_built_cube_is_classified_as_designed(w: W, pattern: str) -> None:
    story, strengths = STORIES[pattern]
    result = emerging_hot_spots(cube(story, strengths), w)
    centre = result.units.iloc[CENTRE]
    assert centre["pattern"] == pattern, (centre.to_dict(), result.bins.iloc[CENTRE].tolist())
    hot = sum(state == "H" for state in story)
    assert centre["hot_periods"] == hot


def test_every_pattern_has_a_story() -> None:
    assert set(STORIES) | {"no neighbours"} == set(PATTERNS)


def test_the_rules_on_flags_and_their_tie_breaks() -> None:
    def flags(text: str) -> tuple[np.ndarray, np.ndarray]:
        return np.array([[c == "H" for c in text]]), np.array([[c == "C" for c in text]])

    def pattern(text: str, s: float = 0.0, p: float = 1.0) -> str:
        hot, cold = flags(text)
        return _patterns(hot, cold, np.array([s]), np.array([p]), 0.05)[0]

    assert pattern("CC........H") == "new hot spot"  # never hot before: new wins over oscillating
    assert pattern("C.......HHH") == "consecutive hot spot"
    assert pattern("H.......HHH") == "sporadic hot spot"  # hot before the final run
    assert pattern("H......C..H") == "oscillating hot spot"
    assert pattern("HHHHHHHHH.", s=30, p=0.001) == "historical hot spot"  # final period decides
    assert pattern("HHHHHHHHHC") == "historical hot spot"  # 90 % hot before oscillating cold
    assert pattern("HHHHHHHH..") == "no pattern"  # 80 % hot, final not hot
    assert pattern(".HHHHHHHHH", s=20, p=0.01) == "intensifying hot spot"
    assert pattern(".HHHHHHHHH", s=20, p=0.2) == "persistent hot spot"
    assert pattern(".HHHHHHHHH", s=-20, p=0.01) == "diminishing hot spot"
    assert pattern(".CCCCCCCCC", s=-20, p=0.01) == "intensifying cold spot"
    assert pattern(".CCCCCCCCC", s=20, p=0.01) == "diminishing cold spot"
    assert pattern("HHHHH") == "persistent hot spot"  # 90 % of 5 periods is all 5
    assert pattern("HHHH.") == "no pattern"  # 80 % of 5 periods


def test_a_long_table_gives_the_same_result_as_the_array(w: W) -> None:
    counts = cube("....... HHH")
    table = pd.DataFrame(
        [
            {"grid": w.id_order[i], "month": t, "events": counts[i, t]}
            for i in range(counts.shape[0])
            for t in range(PERIODS)
            if counts[i, t] > 0
        ]
    )
    from_table = emerging_hot_spots(table, w, unit="grid", period="month", value="events")
    from_array = emerging_hot_spots(counts, w)
    assert from_table.units["pattern"].tolist() == from_array.units["pattern"].tolist()
    assert list(from_table.bins.columns) == list(range(PERIODS))
    np.testing.assert_allclose(from_table.z.to_numpy(), from_array.z.to_numpy())


def test_space_time_cube_fills_absent_cells_and_adds_repeats() -> None:
    table = pd.DataFrame(
        {"unit": ["A", "A", "B", "A"], "period": [0, 2, 2, 2], "count": [1, 2, 5, 3]}
    )
    out = space_time_cube(table, units=["A", "B", "C"])
    assert out.to_numpy().tolist() == [[1, 0, 5], [0, 0, 5], [0, 0, 0]]
    assert list(out.columns) == [0, 1, 2]
    with pytest.raises(InvalidInput, match="table has unit 'A', which is not among the units"):
        space_time_cube(table, units=["B"])
    with pytest.raises(InvalidInput, match=r"period must be whole numbers .*; row 1 has 0.5"):
        space_time_cube(table.assign(period=[0, 0.5, 1, 1]))
    with pytest.raises(InvalidInput, match="table has no value column 'events'"):
        space_time_cube(table, value="events")


def test_vectorised_gi_star_z_is_esdas_for_every_period(w: W) -> None:
    counts = np.random.default_rng(4).poisson(3, (N * N, 4)).astype(float)
    z, p = _gi_star_normal(w, counts)
    for t in range(4):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = G_Local(counts[:, t], w, transform="B", star=True, permutations=0)
        np.testing.assert_allclose(z[:, t], theirs.Zs, rtol=1e-12, atol=1e-12)
        ours = gi_star(counts[:, t], w, permutations=0)
        np.testing.assert_allclose(p[:, t], ours["p"], rtol=1e-12)


def test_a_period_without_events_is_not_significant(w: W) -> None:
    counts = cube("HHHHHHHHHH", STEADY)
    counts[:, 3] = 0.0
    result = emerging_hot_spots(counts, w)
    assert (result.z[3] == 0).all() and (result.bins[3] == 0).all()
    assert result.units.iloc[CENTRE]["hot_periods"] == 9


def test_permutation_significance_runs_esda_per_period(w: W) -> None:
    counts = cube("....... HHH")
    result = emerging_hot_spots(counts, w, significance="permutation", permutations=99, fdr=False)
    assert result.units.iloc[CENTRE]["pattern"] == "consecutive hot spot"
    # with 99 permutations the smallest two-sided pseudo p is 0.02: the FDR cut-off over
    # 225 units stays below it unless 45 units sit at that floor, so nothing is significant
    floored = emerging_hot_spots(counts, w, significance="permutation", permutations=99)
    assert (floored.bins.to_numpy() == 0).all()
    with pytest.raises(InvalidInput, match="significance='permutation' needs permutations > 0"):
        emerging_hot_spots(counts, w, significance="permutation")


def test_emerging_refuses_bad_cubes(w: W) -> None:
    with pytest.raises(InvalidInput, match=r"cube must be units × periods with 225 rows"):
        emerging_hot_spots(np.ones((10, 5)), w)
    with pytest.raises(InvalidInput, match="cube must have at least 3 periods, got 2"):
        emerging_hot_spots(np.ones((N * N, 2)), w)
    counts = np.ones((N * N, 5))
    counts[4, 2] = -1
    with pytest.raises(InvalidInput, match="unit 'G004' has -1 in period 2"):
        emerging_hot_spots(counts, w)
    with pytest.raises(InvalidInput, match="min_bin must be 1, 2 or 3, got 0"):
        emerging_hot_spots(np.ones((N * N, 5)), w, min_bin=0)


# --- Mann-Kendall ---------------------------------------------------------------------------


def test_mann_kendall_by_hand() -> None:
    # 1, 2, 3, 4, 5: all 10 pairs rise; Var(S) = 5·4·15 / 18
    result = mann_kendall([1, 2, 3, 4, 5]).iloc[0]
    assert result["s"] == 10 and result["tau"] == 1.0
    assert result["var_s"] == pytest.approx(50 / 3)
    assert result["z"] == pytest.approx(9 / np.sqrt(50 / 3))
    assert result["p"] == pytest.approx(2 * stats.norm.sf(9 / np.sqrt(50 / 3)))
    # ties: 1, 1, 2 has one tied pair: S = 2, Var = (3·2·11 - 2·1·9) / 18
    tied = mann_kendall([1, 1, 2]).iloc[0]
    assert tied["s"] == 2 and tied["var_s"] == pytest.approx((66 - 18) / 18)


@pytest.mark.parametrize(
    "series",
    [
        [3.0, 1.0, 4.0, 1.5, 5.0, 9.0, 2.0, 6.0, 5.5, 3.5, 5.8, 9.7],
        [9.0, 8.0, 8.5, 7.0, 6.0, 6.5, 4.0, 3.0, 3.5, 1.0],
        [2.0, 2.0, 3.0, 1.0, 2.0, 3.0, 3.0, 5.0, 2.0, 4.0, 4.0],  # ties
        [1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0],
    ],
)
def test_mann_kendall_agrees_with_scipy_kendalltau(series: list[float]) -> None:
    t = np.arange(len(series))
    ours = mann_kendall(series, continuity=False).iloc[0]
    theirs = stats.kendalltau(t, series, method="asymptotic")
    # tau-b = S / √(n₀ (n₀ - n_ties)) with no ties in time
    n0 = len(series) * (len(series) - 1) / 2
    _, tie_counts = np.unique(series, return_counts=True)
    n_ties = (tie_counts * (tie_counts - 1) / 2).sum()
    assert ours["s"] == pytest.approx(theirs.statistic * np.sqrt(n0 * (n0 - n_ties)))
    assert ours["p"] == pytest.approx(theirs.pvalue, rel=1e-9)


def test_mann_kendall_is_vectorised_over_rows() -> None:
    rows = np.random.default_rng(5).normal(size=(50, 12)).round(1)  # some ties
    together = mann_kendall(pd.DataFrame(rows, index=[f"u{i}" for i in range(50)]))
    assert list(together.index[:2]) == ["u0", "u1"]
    for i in (0, 17, 49):
        alone = mann_kendall(rows[i]).iloc[0]
        np.testing.assert_allclose(together.iloc[i].to_numpy(), alone.to_numpy())
    with pytest.raises(InvalidInput, match="series must have at least 3 periods, got 2"):
        mann_kendall([1.0, 2.0])
