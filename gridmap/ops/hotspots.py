"""Hot spots (热点) on areal units: Getis-Ord Gi* and local Moran on grids, ZCTAs, villages.

The statistics are esda's (`esda.G_Local` with ``star=True``, `esda.Moran_Local`), the
weights libpysal's; this module chooses the defaults the centre uses, refuses what would make
the numbers meaningless, and turns the results into the classes a map shows.

Weights
-------
`spatial_weights` builds a libpysal ``W`` whose ids are the units' index labels, in the units'
order: queen contiguity by default (units sharing a vertex are neighbours; rook needs a shared
edge), or a distance band between centroids in metres (a projected CRS in metres is required).
Binary weights are the Getis-Ord / ArcGIS definition of Gi*; ``binary=False`` gives inverse
distance weights (1/d, d in metres) for local Moran only. A unit with no neighbour (an island,
or a unit farther than the band from every other) is joined by default to the unit with the
nearest centroid, both ways (``islands="nearest"``, as libpysal's ``attach_islands`` does);
with ``islands="keep"`` it stays alone and gets no statistic: its z, p and p_sim are NaN, its
Gi_Bin 0 and its local Moran label ``"no neighbours"``. The weights never hold a self-weight:
Gi* adds the unit itself (weight 1) inside esda.

Gi* and its bins
----------------
`gi_star` reports, per unit, esda's z-score (the randomisation-null z, identical to ArcGIS's
GiZScore for binary weights), ``p``, the two-sided normal p-value of that z (ArcGIS's
GiPValue), and ``p_sim``, esda's conditional-permutation pseudo p-value ((k + 1) / (P + 1),
k the permutations at least as extreme on the observed side, "directed" in esda's words).

``gi_bin`` is ArcGIS's Gi_Bin: +3 / +2 / +1 a hot spot at 99 / 95 / 90 % confidence (z > 0),
-3 / -2 / -1 a cold spot, 0 not significant. It is decided on ``p`` by default
(``significance="normal"``), as ArcGIS does; ``significance="permutation"`` decides on the
two-sided pseudo p-value min(1, 2 · p_sim) instead (robust to skewed counts, but see the floor
below). With ``fdr=True`` (ArcGIS's "Apply False Discovery Rate (FDR) Correction") the critical
p-value of each level (0.10, 0.05, 0.01) is lowered by the Benjamini-Hochberg step-up rule
(esda's `fdr`) over all units that have neighbours: the ``k`` smallest p-values are significant
at level α where ``k`` is the largest rank with p₍ₖ₎ < k · α / n. The levels stay nested (a
unit at 99 % is also significant at 95 %). The cut-offs used are in ``result.attrs["cutoffs"]``.
Permutation p-values cannot go below 2 / (P + 1) two-sided (0.002 with 999 permutations), so
with FDR over n units a level α flags nothing unless at least 2n / ((P + 1) α) units sit at that
floor (2,000 of 10,000 units at 99 %): use the normal p with FDR on many units, or many more
permutations.

Values are counts or rates (non-negative, finite). Rates per km² or per 1,000 residents are
computed by the caller or by `rates`; rates of units with few residents are noisy, and a
sparsely populated unit can look hot on a handful of events.

Speed: esda's permutations run in numba when numba is installed; here they run in esda's
pure-Python fallback (numba is not installed), for which one process is the fastest on two
cores (``n_jobs=1``: joblib's process pool costs more than it gains). Simulated statistics are
not kept (``keep_simulations=False``). 10,000 lattice units with 999 permutations: 0.6-1.7 s
on a busy two-core machine, all but about 15 ms of it inside esda (building the queen weights
of 10,000 polygons takes another second: build them once per grid system).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from esda import fdr as _esda_fdr
from esda.getisord import G_Local
from esda.moran import Moran_Local
from libpysal.weights import DistanceBand, Queen, Rook, W
from numpy.typing import ArrayLike
from scipy import stats

from gridmap.core.errors import InvalidInput

__all__ = [
    "LEVELS",
    "QUADRANTS",
    "gi_star",
    "local_moran",
    "rates",
    "spatial_weights",
]

LEVELS: Final[tuple[float, float, float]] = (0.10, 0.05, 0.01)
"""Significance levels of Gi_Bin ±1, ±2, ±3 (90, 95, 99 % confidence)."""

QUADRANTS: Final[dict[int, str]] = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
"""esda's quadrant numbers (``Moran_Local.q``) and their labels: high-high and low-low
clusters, low-high and high-low outliers (the unit first, its neighbours' average second)."""

_POLYGONAL: Final = ("Polygon", "MultiPolygon")
_METRE_UNITS: Final = ("metre", "meter", "m")
_DEFAULT_SEED: Final = 12345
_ALTERNATIVE_WARNING: Final = "The alternative hypothesis for conditional randomization"
_DISCONNECTED_WARNING: Final = "The weights matrix is not fully connected"


# --- weights --------------------------------------------------------------------------------


def spatial_weights(
    units: gpd.GeoDataFrame | gpd.GeoSeries,
    kind: Literal["queen", "rook", "distance"] = "queen",
    threshold_m: float | None = None,
    binary: bool = True,
    islands: Literal["nearest", "keep"] = "nearest",
) -> W:
    """Spatial weights between ``units``: who is whose neighbour.

    Parameters
    ----------
    units : geopandas.GeoDataFrame or GeoSeries
        The areal units (grids, ZCTAs …), one row each, with a unique index: the index labels
        become the ids of the weights, in this order. Contiguity needs (Multi)Polygons; a
        distance band works on any geometry, through its centroid.
    kind : {"queen", "rook", "distance"}
        Queen contiguity (a shared vertex makes neighbours; the default), rook contiguity (a
        shared edge), or a distance band between centroids.
    threshold_m : float, optional
        The band for ``kind="distance"``, in metres: units whose centroids are at most this far
        apart are neighbours. ``units`` must then be in a projected CRS in metres.
    binary : bool
        Weights of 1 (the default, and what `gi_star` needs). ``False`` gives inverse distance
        weights 1/d (d in metres) and is only for ``kind="distance"``.
    islands : {"nearest", "keep"}
        What happens to a unit with no neighbour: joined to the unit with the nearest centroid,
        both ways (the default), or kept alone, in which case the statistics leave it out.

    Returns
    -------
    libpysal.weights.W
        Without self-weights; ``w.id_order`` is ``list(units.index)``.
    """
    frame = _units(units)
    if kind not in ("queen", "rook", "distance"):
        raise InvalidInput(
            f"kind must be 'queen', 'rook' or 'distance', got {kind!r}", field="kind"
        )
    if islands not in ("nearest", "keep"):
        raise InvalidInput(f"islands must be 'nearest' or 'keep', got {islands!r}", field="islands")
    ids = list(frame.index)
    if kind == "distance":
        if threshold_m is None or not np.isfinite(threshold_m) or threshold_m <= 0:
            raise InvalidInput(
                f"threshold_m must be a positive distance in metres for kind='distance', "
                f"got {threshold_m!r}",
                field="threshold_m",
            )
        _require_metres(frame)
        centroids = shapely.get_coordinates(shapely.centroid(frame.geometry.values))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # libpysal warns about islands: handled below
            w = DistanceBand(
                centroids,
                threshold=float(threshold_m),
                binary=binary,
                alpha=-1.0,
                ids=ids,
                silence_warnings=True,
            )
    else:
        if threshold_m is not None:
            raise InvalidInput(
                f"threshold_m applies to kind='distance' only, got {threshold_m!r} with "
                f"kind={kind!r}",
                field="threshold_m",
            )
        if not binary:
            raise InvalidInput(
                f"binary=False (inverse distance) applies to kind='distance' only, not "
                f"kind={kind!r}",
                field="binary",
            )
        kinds = frame.geometry.geom_type
        if not kinds.isin(_POLYGONAL).all():
            bad = frame.index[~kinds.isin(_POLYGONAL)][0]
            raise InvalidInput(
                f"units must be polygons for {kind} contiguity; unit {bad!r} is {kinds.loc[bad]}",
                field="units",
            )
        builder = Queen if kind == "queen" else Rook
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            w = builder.from_dataframe(frame, use_index=True, silence_warnings=True)
    if islands == "nearest" and w.islands and w.n > 1:
        w = _attach_islands(w, frame, binary)
    return w


def _units(units: gpd.GeoDataFrame | gpd.GeoSeries) -> gpd.GeoDataFrame:
    if isinstance(units, gpd.GeoSeries):
        units = units.to_frame("geometry")
    if not isinstance(units, gpd.GeoDataFrame):
        raise InvalidInput(
            f"units must be a GeoDataFrame or GeoSeries, got {type(units).__name__}",
            field="units",
        )
    if len(units) == 0:
        raise InvalidInput("units is empty", field="units")
    if not units.index.is_unique:
        dup = units.index[units.index.duplicated()][0]
        raise InvalidInput(
            f"units must have a unique index; {_plain(dup)!r} repeats", field="units"
        )
    empty = units.geometry.isna() | units.geometry.is_empty
    if empty.any():
        raise InvalidInput(
            f"unit {_plain(units.index[empty.to_numpy()][0])!r} has no geometry", field="units"
        )
    return units


def _require_metres(frame: gpd.GeoDataFrame) -> None:
    crs = frame.crs
    if crs is None or not crs.is_projected:
        raise InvalidInput(
            f"units must be in a projected CRS in metres for a distance band, got "
            f"{crs.to_string() if crs is not None else 'no CRS'}",
            field="units",
        )
    unit = crs.axis_info[0].unit_name if crs.axis_info else ""
    if unit not in _METRE_UNITS:
        raise InvalidInput(
            f"units must be in a CRS in metres for a distance band; {crs.to_string()} is in "
            f"{unit or 'unknown units'}",
            field="units",
        )


def _attach_islands(w: W, frame: gpd.GeoDataFrame, binary: bool) -> W:
    """``w`` with each island linked to the unit with the nearest centroid, both ways."""
    position = {uid: i for i, uid in enumerate(w.id_order)}
    centroids = shapely.centroid(frame.geometry.values)
    tree = shapely.STRtree(centroids)
    lonely = np.array([position[i] for i in w.islands])
    (source, target), distance = tree.query_nearest(
        centroids[lonely], exclusive=True, return_distance=True, all_matches=False
    )
    neighbours = {k: list(v) for k, v in w.neighbors.items()}
    weights = {k: list(v) for k, v in w.weights.items()}
    for s, t, d in zip(source, target, distance, strict=True):
        a, b = w.id_order[lonely[s]], w.id_order[t]
        value = 1.0 if binary else 1.0 / max(float(d), 1e-9)
        for one, other in ((a, b), (b, a)):
            if other not in neighbours[one]:
                neighbours[one].append(other)
                weights[one].append(value)
    return W(neighbours, weights, id_order=list(w.id_order), silence_warnings=True)


# --- rates ----------------------------------------------------------------------------------


def rates(
    counts: ArrayLike | pd.Series,
    area_km2: ArrayLike | pd.Series | None = None,
    population: ArrayLike | pd.Series | None = None,
) -> pd.DataFrame:
    """Counts as rates: per km² of area and/or per 1,000 residents.

    Parameters
    ----------
    counts : array_like or pandas.Series
        Events (or anything counted) per unit, non-negative.
    area_km2 : array_like, optional
        Each unit's area in km², positive (in a metric CRS: ``geometry.area / 1e6``).
    population : array_like, optional
        Each unit's residents, non-negative. A unit with no residents has no rate per 1,000
        (NaN): leave it out of the analysis or use the rate per km².

    Returns
    -------
    pandas.DataFrame
        ``count``, and ``per_km2`` and/or ``per_1000`` for what was given; the index of
        ``counts`` when it is a Series.
    """
    if area_km2 is None and population is None:
        raise InvalidInput("give area_km2, population or both", field="area_km2")
    index = counts.index if isinstance(counts, pd.Series) else None
    count = _finite("counts", counts)
    _refuse_where("counts", count, count < 0, "non-negative")
    out = pd.DataFrame({"count": count}, index=index)
    if area_km2 is not None:
        area = _finite("area_km2", area_km2, len(count))
        _refuse_where("area_km2", area, area <= 0, "positive")
        out["per_km2"] = count / area
    if population is not None:
        people = _finite("population", population, len(count))
        _refuse_where("population", people, people < 0, "non-negative")
        with np.errstate(divide="ignore", invalid="ignore"):
            out["per_1000"] = np.where(people > 0, 1000.0 * count / people, np.nan)
    return out


# --- Gi* ------------------------------------------------------------------------------------


def gi_star(
    values: ArrayLike | pd.Series,
    w: W,
    permutations: int = 999,
    seed: int | None = _DEFAULT_SEED,
    levels: Sequence[float] = LEVELS,
    fdr: bool = True,
    significance: Literal["normal", "permutation"] = "normal",
    n_jobs: int = 1,
) -> pd.DataFrame:
    """Getis-Ord Gi* per unit, with ArcGIS's Gi_Bin classes (module docstring).

    Parameters
    ----------
    values : array_like or pandas.Series
        Counts or rates per unit, finite and non-negative, not all equal. A Series is aligned
        on ``w.id_order`` by its index; an array must already be in that order.
    w : libpysal.weights.W
        Binary weights without self-weights, from `spatial_weights`.
    permutations : int
        Conditional permutations for ``p_sim`` (0 for none: ``p_sim`` is then NaN).
    seed : int, optional
        Seed of esda's permutations (esda ignores numpy's global seed).
    levels : sequence of three floats
        Significance levels of bins ±1, ±2, ±3, decreasing (0.10, 0.05, 0.01).
    fdr : bool
        Lower each level's critical p-value by the Benjamini-Hochberg rule.
    significance : {"normal", "permutation"}
        Which p-value decides the bins: ``p`` (as ArcGIS) or min(1, 2 · ``p_sim``).
    n_jobs : int
        esda's processes for the permutations; 1 is fastest without numba.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``w.id_order``: ``value``, ``neighbours`` (not counting the unit itself),
        ``z``, ``p`` (two-sided normal), ``p_sim`` (esda's pseudo p-value), ``gi_bin`` (-3 … 3).
        ``attrs`` holds ``cutoffs`` ({level: critical p-value used}), ``significance``,
        ``fdr`` and ``permutations``.
    """
    y, index = _aligned(values, w)
    _refuse_where("values", y, y < 0, "non-negative (counts or rates)", index)
    _check_constant(y)
    _check_binary(w)
    levels_ = _levels(levels)
    permutations = _permutations(permutations)
    if significance not in ("normal", "permutation"):
        raise InvalidInput(
            f"significance must be 'normal' or 'permutation', got {significance!r}",
            field="significance",
        )
    if significance == "permutation" and permutations == 0:
        raise InvalidInput(
            "significance='permutation' needs permutations > 0", field="significance"
        )
    with _esda_quiet():
        g = G_Local(
            y,
            w,
            transform="B",
            permutations=permutations,
            star=True,
            keep_simulations=False,
            n_jobs=n_jobs,
            seed=seed,
        )
    neighbours = np.diff(w.sparse.indptr)
    alone = neighbours == 0
    z = np.where(alone, np.nan, g.Zs)
    p = 2.0 * stats.norm.sf(np.abs(z))
    if permutations:
        # esda keeps p_sim as float32: restore the exact (k + 1) / (P + 1)
        p_sim = np.round(np.asarray(g.p_sim, dtype=float) * (permutations + 1))
        p_sim = np.where(alone, np.nan, p_sim / (permutations + 1))
    else:
        p_sim = np.full(len(y), np.nan)
    decisive = p if significance == "normal" else np.minimum(1.0, 2.0 * p_sim)
    bins, cutoffs = _bins(z, decisive, levels_, fdr)
    out = pd.DataFrame(
        {"value": y, "neighbours": neighbours, "z": z, "p": p, "p_sim": p_sim, "gi_bin": bins},
        index=index,
    )
    out.attrs.update(cutoffs=cutoffs, significance=significance, fdr=fdr, permutations=permutations)
    return out


def _bins(
    z: np.ndarray, p: np.ndarray, levels: tuple[float, float, float], fdr: bool
) -> tuple[np.ndarray, dict[float, float]]:
    """Gi_Bin from z and p: the highest level whose (FDR-lowered) cut-off p is within."""
    tested = np.isfinite(p) & np.isfinite(z)
    cutoffs = {}
    for alpha in levels:
        if fdr:
            cutoffs[alpha] = float(_esda_fdr(p[tested], alpha)) if tested.any() else alpha
        else:
            cutoffs[alpha] = alpha
    level = np.zeros(len(p), dtype=np.int8)
    for rank, alpha in enumerate(levels, start=1):
        level[tested & (p <= cutoffs[alpha])] = rank
    return (np.sign(np.nan_to_num(z)) * level).astype(np.int8), cutoffs


# --- local Moran ----------------------------------------------------------------------------


def local_moran(
    values: ArrayLike | pd.Series,
    w: W,
    permutations: int = 999,
    seed: int | None = _DEFAULT_SEED,
    alpha: float = 0.05,
    fdr: bool = False,
    transform: Literal["r", "b"] = "r",
    n_jobs: int = 1,
) -> pd.DataFrame:
    """Local Moran's I (Anselin's LISA) per unit: clusters HH / LL and outliers HL / LH.

    A unit's label is its quadrant (its own value above or below the mean, then its
    neighbours' average) when its two-sided pseudo p-value min(1, 2 · ``p_sim``) is at most
    ``alpha`` (at most the Benjamini-Hochberg cut-off with ``fdr=True``), else
    ``"not significant"``; units without neighbours are ``"no neighbours"``. (esda and GeoDa
    compare ``p_sim`` itself with ``alpha``, a one-sided test in the observed direction; the
    doubled value is the two-sided test, as esda recommends.)

    Parameters
    ----------
    values : array_like or pandas.Series
        Finite values per unit, not all equal; a Series is aligned on ``w.id_order``.
    w : libpysal.weights.W
        Weights from `spatial_weights`; row-standardised for the statistic (``transform``)
        and given back with the transform it came with.
    permutations : int
        Conditional permutations, at least 1.
    seed : int, optional
        Seed of esda's permutations.
    alpha : float
        Significance level, in (0, 1).
    fdr : bool
        Lower ``alpha`` by the Benjamini-Hochberg rule over the units with neighbours.
    transform : {"r", "b"}
        Row-standardised (the default) or binary weights for the statistic.
    n_jobs : int
        esda's processes for the permutations.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``w.id_order``: ``value``, ``neighbours``, ``Ii`` (local Moran), ``z``
        (standardised by the permutations' mean and standard deviation, esda's ``z_sim``),
        ``p_sim`` (esda's pseudo p-value), ``quadrant`` (HH/LH/LL/HL whatever the
        significance) and ``label``. ``attrs["cutoff"]`` is the p-value cut-off used.
    """
    y, index = _aligned(values, w)
    _check_constant(y)
    permutations = _permutations(permutations)
    if permutations == 0:
        raise InvalidInput("local_moran needs permutations > 0", field="permutations")
    if not 0 < alpha < 1:
        raise InvalidInput(f"alpha must be between 0 and 1, got {alpha!r}", field="alpha")
    if transform not in ("r", "b"):
        raise InvalidInput(f"transform must be 'r' or 'b', got {transform!r}", field="transform")
    before = w.transform
    try:
        with _esda_quiet():
            m = Moran_Local(
                y,
                w,
                transformation=transform,
                permutations=permutations,
                n_jobs=n_jobs,
                keep_simulations=True,
                seed=seed,
            )
        neighbours = np.diff(w.sparse.indptr)
    finally:
        w.transform = before  # esda changes the caller's weights in place
    alone = neighbours == 0
    p_sim = np.where(alone, np.nan, np.asarray(m.p_sim, dtype=float))
    decisive = np.minimum(1.0, 2.0 * p_sim)
    tested = np.isfinite(decisive)
    cutoff = float(_esda_fdr(decisive[tested], alpha)) if fdr and tested.any() else alpha
    quadrant = pd.Series(m.q).map(QUADRANTS).to_numpy()
    label = np.where(tested & (decisive <= cutoff), quadrant, "not significant")
    label = np.where(alone, "no neighbours", label)
    out = pd.DataFrame(
        {
            "value": y,
            "neighbours": neighbours,
            "Ii": np.where(alone, np.nan, m.Is),
            "z": np.where(alone, np.nan, m.z_sim),
            "p_sim": p_sim,
            "quadrant": quadrant,
            "label": label,
        },
        index=index,
    )
    out.attrs.update(cutoff=cutoff, alpha=alpha, fdr=fdr, permutations=permutations)
    return out


@contextmanager
def _esda_quiet() -> Iterator[None]:
    """Silence what esda says about choices made here: its "directed" pseudo p-values (used
    as documented), disconnected weights (fine for local statistics) and the division by
    zero of units without neighbours (their results are replaced by NaN)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_ALTERNATIVE_WARNING, category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=_DISCONNECTED_WARNING, category=UserWarning)
        warnings.filterwarnings("ignore", category=RuntimeWarning, module="esda")
        yield


# --- checking arguments ---------------------------------------------------------------------


def _finite(
    name: str,
    values: ArrayLike | pd.Series,
    length: int | None = None,
    index: Sequence | None = None,
) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} must be numbers, got {values!r}", field=name) from None
    if array.ndim != 1:
        raise InvalidInput(f"{name} must be one value per unit (1-D)", field=name)
    if length is not None and len(array) != length:
        raise InvalidInput(
            f"{name} must have one value per unit{' of the weights' if index is not None else ''}"
            f" ({length}), got {len(array)}",
            field=name,
        )
    _refuse_where(name, array, ~np.isfinite(array), "finite numbers", index)
    return array


def _refuse_where(
    name: str, values: np.ndarray, bad: np.ndarray, rule: str, index: Sequence | None = None
) -> None:
    if not np.any(bad):
        return
    at = int(np.flatnonzero(bad)[0])
    where = f"unit {_plain(index[at])!r}" if index is not None else f"position {at}"
    raise InvalidInput(f"{name} must be {rule}; {where} has {values[at]:g}", field=name)


def _aligned(values: ArrayLike | pd.Series, w: W) -> tuple[np.ndarray, pd.Index]:
    """``values`` in ``w.id_order``, as floats, and the index to report them with."""
    if not isinstance(w, W):
        raise InvalidInput(
            f"w must be libpysal weights (spatial_weights), got {type(w).__name__}", field="w"
        )
    order = pd.Index(w.id_order)
    if isinstance(values, pd.Series):
        missing = order.difference(values.index)
        if len(missing):
            raise InvalidInput(
                f"values has no value for unit {_plain(missing[0])!r} of the weights "
                f"({len(missing)} missing)",
                field="values",
            )
        if not values.index.is_unique:
            dup = values.index[values.index.duplicated()][0]
            raise InvalidInput(f"values has unit {_plain(dup)!r} twice", field="values")
        order = order.rename(values.index.name)
        values = values.reindex(order)
    y = _finite("values", values, w.n, order)
    return y, order


def _check_constant(y: np.ndarray) -> None:
    if len(y) < 3:
        raise InvalidInput(f"values must cover at least 3 units, got {len(y)}", field="values")
    if np.ptp(y) == 0:
        raise InvalidInput(
            f"values are all equal ({y[0]:g} in all {len(y)} units): no unit can stand out",
            field="values",
        )


def _check_binary(w: W) -> None:
    matrix = w.sparse
    if matrix.diagonal().any():
        raise InvalidInput("w must not hold self-weights: Gi* adds each unit itself", field="w")
    if not np.all(matrix.data == 1):
        raise InvalidInput(
            f"w must hold binary weights (all 1) for Gi*; its transform is {w.transform!r} "
            f"and its weights range {matrix.data.min():g} … {matrix.data.max():g}",
            field="w",
        )


def _levels(levels: Sequence[float]) -> tuple[float, float, float]:
    try:
        values = tuple(float(v) for v in levels)
    except (TypeError, ValueError):
        raise InvalidInput(
            f"levels must be three numbers, got {levels!r}", field="levels"
        ) from None
    if (
        len(values) != 3
        or not all(0 < v < 1 for v in values)
        or not (values[0] > values[1] > values[2])
    ):
        raise InvalidInput(
            f"levels must be three significance levels in (0, 1), decreasing "
            f"(e.g. 0.10, 0.05, 0.01), got {levels!r}",
            field="levels",
        )
    return values  # type: ignore[return-value]


def _permutations(permutations: int) -> int:
    if isinstance(permutations, bool) or not isinstance(permutations, int | np.integer):
        raise InvalidInput(
            f"permutations must be a whole number, got {permutations!r}", field="permutations"
        )
    if permutations < 0:
        raise InvalidInput(
            f"permutations must be 0 or more, got {permutations}", field="permutations"
        )
    return int(permutations)


def _plain(value: object) -> object:
    """A numpy scalar as the Python value it holds (for messages: 3, not np.int64(3))."""
    return value.item() if isinstance(value, np.generic) else value
