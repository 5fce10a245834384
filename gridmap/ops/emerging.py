"""Emerging hot spots (新兴热点): how each unit's hot or cold clustering changes over time.

The input is a space-time cube: a count per unit (grid …) per period (week, month …), given
as a long table (unit, period, count) or as an array units × periods. For every period, Gi*
is computed on that period's counts with the same weights (binary, queen contiguity by
default, see `gridmap.ops.hotspots`), giving a z-score and a Gi_Bin per unit and period; a
Mann-Kendall test on each unit's series of z-scores says whether the intensity of its
clustering rises or falls; the two together put each unit in one pattern.

This follows ArcGIS Pro's Emerging Hot Spot Analysis ("How Emerging Hot Spot Analysis works",
https://pro.arcgis.com/en/pro-app/latest/tool-reference/space-time-pattern-mining/learnmoreemerging.htm;
the definitions below were checked against its localised editions, e.g.
https://doc.arcgis.com/ja/allsource/latest/analysis/geoprocessing-tools/space-time-pattern-mining/learnmoreemerging.htm),
with two differences: the neighbourhood is spatial only (ArcGIS can add earlier periods to
it, "neighborhood time step"), and the FDR correction is applied within each period.

When a period counts as hot or cold
-----------------------------------
A unit is *hot* in a period when its Gi_Bin is at least ``min_bin`` (1: 90 % confidence, the
lowest level ArcGIS's bins call significant; with the FDR correction by default) and *cold*
when it is at most -``min_bin``. The trend is significant when the Mann-Kendall p-value is
below ``trend_alpha`` (0.05); its sign is the sign of S. A period in which all units have the
same count (say, no events anywhere) has no statistic: z = 0, not significant.

The patterns (ArcGIS's definitions; hot spots, cold spots mirror them)
----------------------------------------------------------------------
* new: hot in the final period and never hot before.
* consecutive: a single uninterrupted run of at least two hot periods at the end, never hot
  before the run, and fewer than 90 % of the periods hot.
* intensifying: hot in at least 90 % of the periods, including the final one, and the
  intensity of clustering increases significantly (Mann-Kendall upward trend of z; for a
  cold spot, downward: colder).
* persistent: hot in at least 90 % of the periods, with no significant trend.
* diminishing: hot in at least 90 % of the periods, including the final one, and the
  intensity decreases significantly (downward trend of z; for a cold spot, upward).
* sporadic: hot in the final period, on and off before, fewer than 90 % of the periods hot,
  and never cold.
* oscillating: hot in the final period, cold in some earlier period, fewer than 90 % hot.
* historical: not hot in the final period, but hot in at least 90 % of the periods.
* no pattern: none of these.

The definitions overlap; they are tested in this order and the first that holds wins:
(1) the "at least 90 %" patterns, hot then cold: historical if the final period is not hot
(not cold), else intensifying, diminishing or persistent by the trend (so persistent also
has its final period hot); (2) by the final period, hot (or cold): new, consecutive,
oscillating, sporadic. A unit hot only in the final period after cold periods is therefore
new, not oscillating, and "90 %" means at least 0.9 × the number of periods (9 of 10, all 5
of 5). ArcGIS needs at least 10 periods for a cube; fewer are accepted here (at least 3), but
the trend test has little power on short series.

Mann-Kendall
------------
`mann_kendall` is written here, vectorised over units (a loop over the T - 1 lags, none over
units; pymannkendall is not installed): S = Σ_{i<j} sign(x_j - x_i),
Var(S) = [T(T-1)(2T+5) - Σ_g t_g(t_g-1)(2t_g+5)] / 18 over groups of tied values,
Z = (S - sign(S)) / √Var(S) with the usual continuity correction (``continuity=False``: S /
√Var(S), scipy's ``kendalltau(range(T), x, method="asymptotic")``), p two-sided normal,
tau = S / (T(T-1)/2).

Speed: with the normal p-values (the default, as ArcGIS) Gi* is computed for all periods at
once from the sparse weights (the same z as esda's `G_Local`, tested), so 10,000 units × 24
periods take well under a second; with ``significance="permutation"`` esda runs once per
period (about a second per period for 10,000 units and 999 permutations).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import pandas as pd
from libpysal.weights import W
from numpy.typing import ArrayLike
from scipy import sparse, stats

from gridmap.core.errors import InvalidInput
from gridmap.ops.hotspots import LEVELS, _bins, _check_binary, _levels, _plain, gi_star

__all__ = [
    "PATTERNS",
    "EmergingResult",
    "emerging_hot_spots",
    "mann_kendall",
    "space_time_cube",
]

PATTERNS: Final[tuple[str, ...]] = (
    *(
        f"{kind} {side} spot"
        for side in ("hot", "cold")
        for kind in (
            "new",
            "consecutive",
            "intensifying",
            "persistent",
            "diminishing",
            "sporadic",
            "oscillating",
            "historical",
        )
    ),
    "no pattern",
    "no neighbours",
)
"""Every pattern `emerging_hot_spots` gives ("no neighbours": a unit alone in the weights)."""

_MIN_PERIODS: Final = 3
_PERSISTENT_SHARE: Final = (9, 10)  # "90 % of the periods", as a ratio of integers


@dataclass(frozen=True)
class EmergingResult:
    """What `emerging_hot_spots` found.

    Attributes
    ----------
    units : pandas.DataFrame
        One row per unit (in the weights' order): ``pattern`` (one of `PATTERNS`),
        ``hot_periods``, ``cold_periods``, ``final_bin``, ``trend_s``, ``trend_z``,
        ``trend_p``, ``trend_tau`` (Mann-Kendall on the unit's z-scores).
    z : pandas.DataFrame
        Gi* z-score per unit (rows) and period (columns); 0 in periods without variation,
        NaN for units without neighbours.
    bins : pandas.DataFrame
        Gi_Bin per unit and period, -3 … 3.
    """

    units: pd.DataFrame
    z: pd.DataFrame
    bins: pd.DataFrame


def space_time_cube(
    table: pd.DataFrame,
    unit: str = "unit",
    period: str = "period",
    value: str = "count",
    units: Sequence | None = None,
    periods: Sequence[int] | None = None,
) -> pd.DataFrame:
    """A long table (unit, period, count) as a cube: units × periods, absent cells 0.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per unit and period (several rows for the same cell are added up).
    unit, period, value : str
        Its columns: unit id, period index (whole numbers), count (non-negative).
    units : sequence, optional
        The rows of the cube, in order (e.g. ``w.id_order``); a unit of ``table`` not in it is
        an error. By default the units of ``table``, sorted.
    periods : sequence of int, optional
        The columns, in order; by default every whole number from the first period of
        ``table`` to its last (a period without any row is all zeros).

    Returns
    -------
    pandas.DataFrame
        Counts as floats, index ``units``, columns ``periods``.
    """
    if not isinstance(table, pd.DataFrame):
        raise InvalidInput(f"table must be a DataFrame, got {type(table).__name__}", field="table")
    for name, column in (("unit", unit), ("period", period), ("value", value)):
        if column not in table.columns:
            raise InvalidInput(
                f"table has no {name} column {column!r}; it has {list(table.columns)}",
                field=name,
            )
    if table.empty and (units is None or periods is None):
        raise InvalidInput("table is empty: give units and periods", field="table")
    counts = pd.to_numeric(table[value], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(counts) | (counts < 0)
    if bad.any():
        at = int(np.flatnonzero(bad)[0])
        raise InvalidInput(
            f"{value} must be non-negative numbers; row {_plain(table.index[at])!r} has "
            f"{_plain(table[value].iloc[at])!r}",
            field="value",
        )
    steps = pd.to_numeric(table[period], errors="coerce").to_numpy(dtype=float)
    if not np.all(np.isfinite(steps) & (steps == np.round(steps))):
        at = int(np.flatnonzero(~(np.isfinite(steps) & (steps == np.round(steps))))[0])
        raise InvalidInput(
            f"{period} must be whole numbers (period indexes); row {_plain(table.index[at])!r} has "
            f"{_plain(table[period].iloc[at])!r}",
            field="period",
        )
    cube = (
        pd.DataFrame({"u": table[unit].to_numpy(), "t": steps.astype(np.int64), "v": counts})
        .groupby(["u", "t"])["v"]
        .sum()
        .unstack("t", fill_value=0.0)
    )
    if periods is None:
        periods = range(int(steps.min()), int(steps.max()) + 1)
    periods = list(periods)
    outside = cube.columns.difference(periods)
    if len(outside):
        raise InvalidInput(
            f"table has period {_plain(outside[0])!r}, which is not among the periods given",
            field="periods",
        )
    if units is None:
        units = sorted(cube.index)
    units = pd.Index(units)
    stray = cube.index.difference(units)
    if len(stray):
        raise InvalidInput(
            f"table has unit {_plain(stray[0])!r}, which is not among the units "
            f"({len(stray)} such)",
            field="units",
        )
    out = cube.reindex(index=units, columns=periods, fill_value=0.0).astype(float)
    out.index.name, out.columns.name = unit, period
    return out


def mann_kendall(series: ArrayLike | pd.DataFrame, continuity: bool = True) -> pd.DataFrame:
    """Mann-Kendall trend test on each row of ``series`` (units × periods), vectorised.

    Parameters
    ----------
    series : array_like or pandas.DataFrame
        One series per row, periods in order along the columns (a 1-D array is one series);
        finite values, at least 3 periods.
    continuity : bool
        Subtract sign(S) from S before standardising (the usual correction).

    Returns
    -------
    pandas.DataFrame
        ``s``, ``var_s``, ``z``, ``p`` (two-sided), ``tau`` per row (the DataFrame's index).
    """
    index = series.index if isinstance(series, pd.DataFrame) else None
    x = np.asarray(series, dtype=float)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2:
        raise InvalidInput(f"series must be 1-D or 2-D, got {x.ndim}-D", field="series")
    if not np.all(np.isfinite(x)):
        row, col = np.argwhere(~np.isfinite(x))[0]
        raise InvalidInput(
            f"series must be finite; row {row} has {x[row, col]} in period {col}",
            field="series",
        )
    n_periods = x.shape[1]
    if n_periods < _MIN_PERIODS:
        raise InvalidInput(
            f"series must have at least {_MIN_PERIODS} periods, got {n_periods}", field="series"
        )
    s = np.zeros(len(x))
    tied = np.ones(x.shape)  # size of the group of equal values each value belongs to
    for lag in range(1, n_periods):
        diff = x[:, lag:] - x[:, :-lag]
        s += np.sign(diff).sum(axis=1)
        equal = diff == 0
        tied[:, lag:] += equal
        tied[:, :-lag] += equal
    ties = ((tied - 1) * (2 * tied + 5)).sum(axis=1)  # Σ over groups of t(t-1)(2t+5)
    var_s = (n_periods * (n_periods - 1) * (2 * n_periods + 5) - ties) / 18.0
    numerator = s - np.sign(s) if continuity else s
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(var_s > 0, numerator / np.sqrt(var_s), 0.0)
    return pd.DataFrame(
        {
            "s": s,
            "var_s": var_s,
            "z": z,
            "p": 2.0 * stats.norm.sf(np.abs(z)),
            "tau": s / (n_periods * (n_periods - 1) / 2.0),
        },
        index=index,
    )


def emerging_hot_spots(
    cube: pd.DataFrame | ArrayLike,
    w: W,
    *,
    unit: str = "unit",
    period: str = "period",
    value: str = "count",
    periods: Sequence[int] | None = None,
    significance: Literal["normal", "permutation"] = "normal",
    permutations: int = 0,
    seed: int | None = 12345,
    levels: Sequence[float] = LEVELS,
    fdr: bool = True,
    min_bin: int = 1,
    trend_alpha: float = 0.05,
) -> EmergingResult:
    """Classify each unit as a new, consecutive, … hot or cold spot (module docstring).

    Parameters
    ----------
    cube : pandas.DataFrame or array_like
        Either a long table with columns ``unit``, ``period``, ``value`` (see
        `space_time_cube`; units of the weights without rows count 0), or a units × periods
        DataFrame indexed by unit id (aligned on ``w.id_order``), or an array in
        ``w.id_order`` × periods. Counts, non-negative.
    w : libpysal.weights.W
        Binary weights without self-weights (`gridmap.ops.hotspots.spatial_weights`).
    unit, period, value : str
        The columns of a long table.
    periods : sequence of int, optional
        The periods of a long table (see `space_time_cube`).
    significance : {"normal", "permutation"}
        Which p-value decides each period's bins (as in `gi_star`); "permutation" needs
        ``permutations`` > 0 and runs esda once per period.
    permutations, seed : int
        esda's conditional permutations, with ``significance="permutation"``.
    levels, fdr
        As in `gi_star`: the bins' levels and the per-period FDR correction.
    min_bin : int
        1, 2 or 3: the Gi_Bin from which a period counts as hot (-``min_bin`` cold).
    trend_alpha : float
        Significance level of the Mann-Kendall trend.

    Returns
    -------
    EmergingResult
    """
    _check_binary(w)
    levels_ = _levels(levels)
    if min_bin not in (1, 2, 3):
        raise InvalidInput(f"min_bin must be 1, 2 or 3, got {min_bin!r}", field="min_bin")
    if not 0 < trend_alpha < 1:
        raise InvalidInput(
            f"trend_alpha must be between 0 and 1, got {trend_alpha!r}", field="trend_alpha"
        )
    if significance not in ("normal", "permutation"):
        raise InvalidInput(
            f"significance must be 'normal' or 'permutation', got {significance!r}",
            field="significance",
        )
    counts = _cube(cube, w, unit, period, value, periods)
    y = counts.to_numpy()
    if significance == "normal":
        z, p = _gi_star_normal(w, y)
        bins = np.column_stack(
            [_bins(z[:, t], p[:, t], levels_, fdr)[0] for t in range(y.shape[1])]
        )
    else:
        if permutations <= 0:
            raise InvalidInput(
                "significance='permutation' needs permutations > 0", field="permutations"
            )
        z, bins = _gi_star_permuted(w, y, permutations, seed, levels_, fdr)
    hot = bins >= min_bin
    cold = bins <= -min_bin
    alone = np.diff(w.sparse.indptr) == 0
    trend = mann_kendall(np.where(alone[:, None], 0.0, z))
    pattern = _patterns(hot, cold, trend["s"].to_numpy(), trend["p"].to_numpy(), trend_alpha)
    pattern[alone] = "no neighbours"
    units = pd.DataFrame(
        {
            "pattern": pattern,
            "hot_periods": hot.sum(axis=1),
            "cold_periods": cold.sum(axis=1),
            "final_bin": bins[:, -1],
            "trend_s": trend["s"].to_numpy(),
            "trend_z": trend["z"].to_numpy(),
            "trend_p": trend["p"].to_numpy(),
            "trend_tau": trend["tau"].to_numpy(),
        },
        index=counts.index,
    )
    units.loc[alone, ["trend_s", "trend_z", "trend_p", "trend_tau"]] = np.nan
    return EmergingResult(
        units=units,
        z=pd.DataFrame(z, index=counts.index, columns=counts.columns),
        bins=pd.DataFrame(bins.astype(np.int8), index=counts.index, columns=counts.columns),
    )


def _cube(
    cube: pd.DataFrame | ArrayLike,
    w: W,
    unit: str,
    period: str,
    value: str,
    periods: Sequence[int] | None,
) -> pd.DataFrame:
    """The counts as units (in ``w.id_order``) × periods, validated."""
    order = pd.Index(w.id_order)
    if isinstance(cube, pd.DataFrame) and {unit, period, value} <= set(cube.columns):
        counts = space_time_cube(cube, unit, period, value, units=order, periods=periods)
    elif isinstance(cube, pd.DataFrame):
        missing = order.difference(cube.index)
        if len(missing):
            raise InvalidInput(
                f"cube has no row for unit {_plain(missing[0])!r} of the weights ({len(missing)} "
                f"missing); a long table needs columns {unit!r}, {period!r}, {value!r}",
                field="cube",
            )
        counts = cube.reindex(order.rename(cube.index.name))
        counts = counts.apply(pd.to_numeric, errors="coerce").astype(float)
    else:
        array = np.asarray(cube, dtype=float)
        if array.ndim != 2 or array.shape[0] != w.n:
            raise InvalidInput(
                f"cube must be units × periods with {w.n} rows (the weights' units), got "
                f"shape {array.shape}",
                field="cube",
            )
        counts = pd.DataFrame(array, index=order.rename(unit))
        counts.columns.name = period
    y = counts.to_numpy()
    if not np.all(np.isfinite(y) & (y >= 0)):
        row, col = np.argwhere(~(np.isfinite(y) & (y >= 0)))[0]
        raise InvalidInput(
            f"cube must hold non-negative counts; unit {_plain(counts.index[row])!r} has "
            f"{y[row, col]:g} in period {_plain(counts.columns[col])!r}",
            field="cube",
        )
    if y.shape[1] < _MIN_PERIODS:
        raise InvalidInput(
            f"cube must have at least {_MIN_PERIODS} periods, got {y.shape[1]}", field="cube"
        )
    if len(y) < 3:
        raise InvalidInput(f"cube must have at least 3 units, got {len(y)}", field="cube")
    return counts


def _gi_star_normal(w: W, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gi* z (esda's formula, binary weights plus self) and two-sided p for every column.

    z_i = (Σ_j w*_ij y_j - ȳ c_i) / (S √((n c_i - c_i²) / (n - 1))), c_i = Σ_j w*_ij (the
    unit and its neighbours), S the population standard deviation of the column. A column
    without variation gives z = 0; a unit without neighbours (or neighbour to all) NaN.
    """
    n = y.shape[0]
    star = (w.sparse + sparse.identity(n, format="csr")).tocsr()
    card = np.asarray(star.sum(axis=1)).ravel()
    mean = y.mean(axis=0)
    sd = np.sqrt(np.maximum((y**2).mean(axis=0) - mean**2, 0.0))
    spread = np.sqrt(card * (n - card) / (n - 1.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (star @ y - np.outer(card, mean)) / np.outer(spread, sd)
    z[:, sd == 0] = 0.0
    z[(card <= 1) | (card >= n), :] = np.nan
    return z, 2.0 * stats.norm.sf(np.abs(z))


def _gi_star_permuted(
    w: W,
    y: np.ndarray,
    permutations: int,
    seed: int | None,
    levels: tuple[float, float, float],
    fdr: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """z and bins per period from `gi_star` with permutation p-values (one esda run each)."""
    z = np.zeros(y.shape)
    bins = np.zeros(y.shape, dtype=np.int8)
    for t in range(y.shape[1]):
        if np.ptp(y[:, t]) == 0:
            continue
        result = gi_star(
            y[:, t],
            w,
            permutations=permutations,
            seed=seed,
            levels=levels,
            fdr=fdr,
            significance="permutation",
        )
        z[:, t] = result["z"].to_numpy()
        bins[:, t] = result["gi_bin"].to_numpy()
    return z, bins


def _patterns(
    hot: np.ndarray, cold: np.ndarray, s: np.ndarray, p: np.ndarray, alpha: float
) -> np.ndarray:
    """The pattern of each row of the hot / cold period flags (rules in the module docstring)."""
    n_periods = hot.shape[1]
    up = (p < alpha) & (s > 0)
    down = (p < alpha) & (s < 0)
    share, whole = _PERSISTENT_SHARE
    conditions: list[np.ndarray] = []
    choices: list[str] = []
    for side, this, rising, falling in (("hot", hot, up, down), ("cold", cold, down, up)):
        mostly = this.sum(axis=1) * whole >= share * n_periods
        final = this[:, -1]
        conditions += [
            mostly & ~final,
            mostly & final & rising,
            mostly & final & falling,
            mostly & final,
        ]
        choices += [f"{k} {side} spot" for k in ("historical", "intensifying", "diminishing")]
        choices += [f"persistent {side} spot"]
    for side, this, other in (("hot", hot, cold), ("cold", cold, hot)):
        count = this.sum(axis=1)
        final = this[:, -1]
        run = np.cumprod(this[:, ::-1], axis=1).sum(axis=1)  # final uninterrupted run
        ever_other = other.any(axis=1)
        conditions += [
            final & (count == 1),
            final & (run >= 2) & (run == count),
            final & ever_other,
            final,
        ]
        choices += [f"{k} {side} spot" for k in ("new", "consecutive", "oscillating", "sporadic")]
    return np.select(conditions, choices, default="no pattern").astype(object)
