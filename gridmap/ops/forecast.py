"""Does a hot-spot map predict (预测检验)? Hit rate and PAI on held-out events.

A map made from the events of a training period flags part of the area; the events of a later
period (held out, never used to make the map) show whether the flagged area is where they
happen. The literature on crime hot spots judges maps this way (Chainey, Tompson & Uhlig
2008; Hunt 2016):

* hit rate = the share of the test events that fall in the flagged area;
* PAI, the predictive accuracy index = hit rate ÷ the share of the area flagged. A map that
  flags 5 % of the area and catches 25 % of the later events has a PAI of 5; flagging at
  random gives 1.
* PEI, the prediction efficiency index (Hunt 2016) = hits ÷ the most hits any area of the same
  size could have caught, in [0, 1]. For raster cells (all the same size) the best area is the
  cells with the most test events, and PEI is exact. For units of different sizes the best
  area is a knapsack problem; here it is bounded from above by filling the same area with the
  units of highest test-event density, the last one in part, so the PEI reported for units is
  a lower bound of the true one. On cells much smaller than the spacing of the test events
  (100 m cells, a few thousand events over a city) the best area holds nearly every event and
  PEI is close to the hit rate: judge fine rasters by PAI.

PAI depends on the share of the area flagged, so two maps are compared at the same share:
`compare_at_shares` flags, for each target share, the units with the highest Gi* z-score
until the share is reached (whole units), then the raster cells of highest density covering
the same share, and reports both.

Areas and counts are plain numbers: unit areas in any one unit (km² or m²), test events
counted per unit by the caller (a point-in-polygon join), or given as coordinates in the
raster's metric CRS for the cell-based evaluations.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from gridmap.core.errors import InvalidInput
from gridmap.ops.density import cell_index, grid_shape

__all__ = [
    "compare_at_shares",
    "evaluate_cells",
    "evaluate_hotspots",
    "evaluate_kde",
    "evaluate_units",
    "flag_top_cells",
    "flag_top_units",
    "hit_rate_and_pai",
]


def hit_rate_and_pai(area_share: float, hits: float, total: float) -> dict[str, float]:
    """Hit rate and PAI of a map that flags ``area_share`` of the area and catches ``hits``.

    Parameters
    ----------
    area_share : float
        Flagged area ÷ study area, in (0, 1].
    hits : float
        Test events inside the flagged area.
    total : float
        All test events, positive.

    Returns
    -------
    dict
        ``area_share``, ``hits``, ``total``, ``hit_rate`` (hits / total) and ``pai``
        (hit_rate / area_share).
    """
    share, hits_, total_ = float(area_share), float(hits), float(total)
    if not 0 < share <= 1:
        raise InvalidInput(f"area_share must be in (0, 1], got {area_share!r}", field="area_share")
    if not total_ > 0:
        raise InvalidInput(f"total must be positive, got {total!r}", field="total")
    if not 0 <= hits_ <= total_:
        raise InvalidInput(
            f"hits must be between 0 and total ({total_:g}), got {hits!r}", field="hits"
        )
    hit_rate = hits_ / total_
    return {
        "area_share": share,
        "hits": hits_,
        "total": total_,
        "hit_rate": hit_rate,
        "pai": hit_rate / share,
    }


# --- units (grids, ZCTAs …) -----------------------------------------------------------------


def evaluate_units(flagged: ArrayLike, area: ArrayLike, test_counts: ArrayLike) -> dict[str, float]:
    """Hit rate, PAI and PEI (a lower bound: module docstring) of flagged areal units.

    Parameters
    ----------
    flagged : array_like of bool
        The units the map flags.
    area : array_like
        Each unit's area (positive, any one unit of area).
    test_counts : array_like
        Test events in each unit (non-negative). Their sum is the total.

    Returns
    -------
    dict
        As `hit_rate_and_pai`, plus ``pei`` and ``flagged`` (the number of units flagged).
    """
    flag = _bools("flagged", flagged)
    size = _numbers("area", area, len(flag))
    counts = _numbers("test_counts", test_counts, len(flag))
    _refuse("area", size, size <= 0, "positive")
    _refuse("test_counts", counts, counts < 0, "non-negative")
    if not flag.any():
        raise InvalidInput("flagged selects no unit: there is no flagged area", field="flagged")
    share = size[flag].sum() / size.sum()
    result = hit_rate_and_pai(share, counts[flag].sum(), _total(counts.sum()))
    result["pei"] = result["hits"] / _best_fill(counts, size, size[flag].sum())
    result["flagged"] = int(flag.sum())
    return result


def evaluate_hotspots(
    gi: pd.DataFrame,
    area: ArrayLike | pd.Series,
    test_counts: ArrayLike | pd.Series,
    min_bin: int = 2,
) -> dict[str, float]:
    """`evaluate_units` for a Gi* map: units with ``gi_bin`` ≥ ``min_bin`` are flagged.

    ``gi`` is `gridmap.ops.hotspots.gi_star`'s result; ``area`` and ``test_counts`` Series are
    aligned on its index (arrays must be in its order).
    """
    if not isinstance(gi, pd.DataFrame) or "gi_bin" not in gi.columns:
        raise InvalidInput("gi must be gi_star's result, with a gi_bin column", field="gi")
    if min_bin not in (1, 2, 3):
        raise InvalidInput(f"min_bin must be 1, 2 or 3, got {min_bin!r}", field="min_bin")
    area_ = _aligned("area", area, gi.index)
    counts = _aligned("test_counts", test_counts, gi.index)
    return evaluate_units(gi["gi_bin"].to_numpy() >= min_bin, area_, counts)


def flag_top_units(score: ArrayLike, area: ArrayLike, share: float) -> np.ndarray:
    """Flag units by decreasing ``score`` until their area reaches ``share`` of the total.

    Whole units are flagged: the last one may take the flagged area past ``share``. NaN
    scores come last. Ties keep the units' order.
    """
    values = np.asarray(score, dtype=float).ravel()
    size = _numbers("area", area, len(values))
    _refuse("area", size, size <= 0, "positive")
    target = _share(share)
    order = np.argsort(np.where(np.isnan(values), np.inf, -values), kind="stable")
    reached = np.cumsum(size[order]) / size.sum()
    count = int(np.searchsorted(reached, target - 1e-12)) + 1
    flagged = np.zeros(len(values), dtype=bool)
    flagged[order[: min(count, len(values))]] = True
    return flagged


# --- raster cells (kernel density) ----------------------------------------------------------


def flag_top_cells(density: ArrayLike, share: float, mask: ArrayLike | None = None) -> np.ndarray:
    """Flag the ``share`` of the (masked) cells with the highest density.

    ``round(share × cells)`` cells (at least one) are flagged, cells of equal density in
    raster order; ``mask`` (cells of the study area, see `gridmap.ops.density.grid_mask`)
    limits both the candidates and the count of cells.
    """
    values = np.asarray(density, dtype=float)
    inside = _mask(mask, values.shape)
    target = _share(share)
    candidates = np.flatnonzero(inside.ravel())
    count = max(1, round(target * len(candidates)))
    ranked = candidates[
        np.argsort(-np.nan_to_num(values.ravel()[candidates], nan=-np.inf), kind="stable")
    ]
    flagged = np.zeros(values.size, dtype=bool)
    flagged[ranked[:count]] = True
    return flagged.reshape(values.shape)


def evaluate_cells(
    flagged: ArrayLike,
    test_x: ArrayLike,
    test_y: ArrayLike,
    bounds: Sequence[float],
    cell_m: float,
    mask: ArrayLike | None = None,
) -> dict[str, float]:
    """Hit rate, PAI and PEI of flagged raster cells against test events' coordinates.

    The area share is flagged cells ÷ cells of the study area (``mask``, all cells by
    default). The total is every test event given, also those off the raster or outside the
    mask (they are misses): give the test events of the study area.
    """
    flag = np.asarray(flagged, dtype=bool)
    if flag.shape != grid_shape(bounds, cell_m):
        raise InvalidInput(
            f"flagged must have the raster's shape {grid_shape(bounds, cell_m)}, got {flag.shape}",
            field="flagged",
        )
    inside = _mask(mask, flag.shape)
    if not (flag & inside).any():
        raise InvalidInput("flagged selects no cell of the study area", field="flagged")
    row, col = cell_index(test_x, test_y, bounds, cell_m)
    total = _total(len(row))
    on = row >= 0
    per_cell = (
        np.bincount(row[on] * flag.shape[1] + col[on], minlength=flag.size).reshape(flag.shape)
        * inside
    )
    chosen = flag & inside
    result = hit_rate_and_pai(chosen.sum() / inside.sum(), per_cell[chosen].sum(), total)
    best = np.sort(per_cell[inside])[::-1][: chosen.sum()].sum()
    result["pei"] = result["hits"] / best if best > 0 else float("nan")
    result["flagged"] = int(chosen.sum())
    return result


def evaluate_kde(
    density: ArrayLike,
    test_x: ArrayLike,
    test_y: ArrayLike,
    bounds: Sequence[float],
    cell_m: float,
    share: float,
    mask: ArrayLike | None = None,
) -> dict[str, float]:
    """`evaluate_cells` for a kernel density forecast: the top ``share`` of cells flagged."""
    return evaluate_cells(
        flag_top_cells(density, share, mask), test_x, test_y, bounds, cell_m, mask
    )


# --- both at the same share -----------------------------------------------------------------


def compare_at_shares(
    z: ArrayLike | pd.Series,
    area: ArrayLike | pd.Series,
    test_counts: ArrayLike | pd.Series,
    density: ArrayLike,
    test_x: ArrayLike,
    test_y: ArrayLike,
    bounds: Sequence[float],
    cell_m: float,
    shares: Sequence[float] = (0.05, 0.10),
    mask: ArrayLike | None = None,
    gi_bin: ArrayLike | pd.Series | None = None,
    min_bin: int = 2,
) -> pd.DataFrame:
    """A Gi* map and a kernel density forecast, evaluated on the same test events and areas.

    For each target share, units are flagged by decreasing Gi* ``z`` (`flag_top_units`) and
    the kernel density's top cells are flagged over the area share the units reached, so the
    two rows of a share compare equal areas (to a cell). With ``gi_bin``, the Gi* hot spots
    (bins ≥ ``min_bin``) are also compared with the density's top cells over their share.

    Parameters
    ----------
    z, area, test_counts : array_like
        Per unit, in one order: Gi* z-score (training period), area, test events.
    density : array_like
        Kernel density of the training events (`gridmap.ops.density.kde_grid`).
    test_x, test_y : array_like
        The test events' coordinates, in the raster's CRS.
    bounds, cell_m
        The raster's bounds and cell size.
    shares : sequence of float
        Target area shares.
    mask : array_like of bool, optional
        The raster's cells in the study area (the units' union).
    gi_bin : array_like, optional
        Gi_Bin per unit, to add the rows of the hot spots.
    min_bin : int
        The hot spots' lowest bin.

    Returns
    -------
    pandas.DataFrame
        One row per (comparison, method): ``target``, ``method`` ("gi_star" or "kde"),
        ``area_share``, ``hits``, ``total``, ``hit_rate``, ``pai``, ``pei``, ``flagged``
        (units or cells).
    """
    scores = np.asarray(z, dtype=float).ravel()
    size = _numbers("area", area, len(scores))
    counts = _numbers("test_counts", test_counts, len(scores))
    targets: list[tuple[str, np.ndarray]] = [
        (f"{float(s):.0%} of the area", flag_top_units(scores, size, s)) for s in shares
    ]
    if gi_bin is not None:
        bins = np.asarray(gi_bin, dtype=float).ravel()
        if len(bins) != len(scores):
            raise InvalidInput(
                f"gi_bin must have one value per unit ({len(scores)}), got {len(bins)}",
                field="gi_bin",
            )
        targets.append((f"Gi* bins ≥ {min_bin}", bins >= min_bin))
    rows = []
    for target, flagged in targets:
        units = evaluate_units(flagged, size, counts)
        cells = evaluate_kde(density, test_x, test_y, bounds, cell_m, units["area_share"], mask)
        rows.append({"target": target, "method": "gi_star", **units})
        rows.append({"target": target, "method": "kde", **cells})
    return pd.DataFrame(rows)


# --- helpers --------------------------------------------------------------------------------


def _best_fill(counts: np.ndarray, size: np.ndarray, budget: float) -> float:
    """Most test events an area of ``budget`` can catch, units taken by density, last in part."""
    order = np.argsort(-(counts / size), kind="stable")
    filled = np.cumsum(size[order])
    whole = int(np.searchsorted(filled, budget, side="right"))
    best = counts[order[:whole]].sum()
    if whole < len(order):
        left = budget - (filled[whole - 1] if whole else 0.0)
        best += counts[order[whole]] * left / size[order[whole]]
    return float(best) if best > 0 else float("nan")


def _total(total: float) -> float:
    if total <= 0:
        raise InvalidInput("there are no test events to evaluate against", field="test_counts")
    return float(total)


def _share(share: float) -> float:
    value = float(share)
    if not 0 < value <= 1:
        raise InvalidInput(f"share must be in (0, 1], got {share!r}", field="share")
    return value


def _mask(mask: ArrayLike | None, shape: tuple[int, ...]) -> np.ndarray:
    if mask is None:
        return np.ones(shape, dtype=bool)
    inside = np.asarray(mask, dtype=bool)
    if inside.shape != shape:
        raise InvalidInput(
            f"mask must have the raster's shape {shape}, got {inside.shape}", field="mask"
        )
    if not inside.any():
        raise InvalidInput("mask selects no cell", field="mask")
    return inside


def _bools(name: str, values: ArrayLike) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise InvalidInput(f"{name} must be one flag per unit (1-D)", field=name)
    if array.dtype != bool:
        raise InvalidInput(f"{name} must be booleans, got {array.dtype}", field=name)
    return array


def _numbers(name: str, values: ArrayLike, length: int) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} must be numbers, got {values!r}", field=name) from None
    if len(array) != length:
        raise InvalidInput(
            f"{name} must have one value per unit ({length}), got {len(array)}", field=name
        )
    _refuse(name, array, ~np.isfinite(array), "finite")
    return array


def _refuse(name: str, values: np.ndarray, bad: np.ndarray, rule: str) -> None:
    if np.any(bad):
        at = int(np.flatnonzero(bad)[0])
        raise InvalidInput(f"{name} must be {rule}; position {at} has {values[at]:g}", field=name)


def _aligned(name: str, values: ArrayLike | pd.Series, index: pd.Index) -> np.ndarray:
    if isinstance(values, pd.Series):
        missing = index.difference(values.index)
        if len(missing):
            raise InvalidInput(f"{name} has no value for unit {_plain(missing[0])!r}", field=name)
        values = values.reindex(index)
    return _numbers(name, values, len(index))


def _plain(value: object) -> object:
    """A numpy scalar as the Python value it holds (for messages: 3, not np.int64(3))."""
    return value.item() if isinstance(value, np.generic) else value
