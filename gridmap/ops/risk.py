"""Five-colour risk (五色管控): an explicit, configurable score per grid, shown with its reasons.

The sources name the colours (red, orange, yellow, blue, green: 红橙黄蓝绿) and the elements
(people, events, places, things, organisations) but no rule, so the rule is configuration:
a table of factor values per grid (recent events weighted by age, overdue events, key
residents by attention level, must-visit places, hazards, camera blind spots …) and, per
factor, a `Factor`:

* points = weight × the factor's value after its normalisation:
  ``"none"`` (the value itself: 5 overdue events × 6 = 30 points), ``"per_1000"`` (per 1,000
  residents of the grid; a grid without residents scores 0 on it), ``"per_km2"`` (per km² of
  the grid) or ``"percentile"`` (the share of the other grids with a smaller value, 0 … 1, so
  the weight is what the worst grid gets; a grid with value 0 gets 0);
* ``cap``: at most this many points from the factor (for negative weights, at most this many
  taken off);
* ``min_colour``: a grid with a value of at least ``min_colour_at`` gets at least this colour,
  whatever its score (an unresolved major hazard makes a grid orange or red on its own).

The score is the sum of the points. The colour is the first of ``thresholds`` (colour →
minimum score, most severe first; default red ≥ 60, orange ≥ 40, yellow ≥ 20, blue ≥ 5)
whose minimum the score reaches, else ``default_colour`` (green), raised to the most severe
``min_colour`` that applies. Every contribution is kept, so a page can say "red because: 5
overdue events (+30), 12 key residents at attention level high (+24) …".

Everything is computed on whole columns (numpy / pandas); only the reason texts are
formatted row by row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from itertools import pairwise
from typing import Final, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from gridmap.core.errors import InvalidInput

__all__ = [
    "DEFAULT_THRESHOLDS",
    "Factor",
    "RiskResult",
    "recency_weights",
    "risk_scores",
]

DEFAULT_THRESHOLDS: Final[Mapping[str, float]] = {
    "red": 60.0,
    "orange": 40.0,
    "yellow": 20.0,
    "blue": 5.0,
}
"""Colour → minimum score, most severe first; below the last: the default colour (green)."""

NORMALISATIONS: Final = ("none", "per_1000", "per_km2", "percentile")


@dataclass(frozen=True)
class Factor:
    """One factor of the risk score, read from the column of the grid table it is keyed by.

    Attributes
    ----------
    weight : float
        Points per unit of the normalised value (negative: a factor that lowers the risk).
    label : str
        What the value counts, for the reasons: "overdue events" gives "5 overdue events".
    normalise : {"none", "per_1000", "per_km2", "percentile"}
        See the module docstring.
    cap : float, optional
        At most this many points (in absolute value) from this factor; positive.
    min_colour : str, optional
        A colour of the thresholds (or the default colour) the grid gets at least when its
        value is ``min_colour_at`` or more.
    min_colour_at : float
        The raw value from which ``min_colour`` applies (1: any).
    """

    weight: float
    label: str
    normalise: Literal["none", "per_1000", "per_km2", "percentile"] = "none"
    cap: float | None = None
    min_colour: str | None = None
    min_colour_at: float = 1.0


@dataclass(frozen=True)
class RiskResult:
    """What `risk_scores` found.

    Attributes
    ----------
    grids : pandas.DataFrame
        Indexed like the input table: ``score``, ``colour``, ``score_colour`` (the colour of
        the score alone, before ``min_colour``), ``reasons`` (list of dicts, the factors that
        gave points or set a minimum colour, largest points first: ``factor``, ``label``,
        ``value``, ``normalised``, ``weight``, ``points``, ``capped``, ``min_colour``,
        ``text``) and ``summary`` ("red because: 5 overdue events (+30), …").
    contributions : pandas.DataFrame
        Every grid × factor, long: ``grid``, ``factor``, ``label``, ``value``,
        ``normalised``, ``weight``, ``points``, ``capped``, ``min_colour`` (the colour set,
        or None), ``text``; sorted by grid (input order), then points, largest first.
    """

    grids: pd.DataFrame
    contributions: pd.DataFrame


def recency_weights(age_days: ArrayLike, half_life_days: float = 30.0) -> np.ndarray:
    """Weights that halve every ``half_life_days``: 1 for an event today, 0.5 one half-life ago.

    Sum them per grid for a "recent events" factor: ``0.5 ** (age_days / half_life_days)``.
    Ages must be finite and non-negative (days, fractions allowed).
    """
    ages = np.asarray(age_days, dtype=float)
    if not np.all(np.isfinite(ages)) or np.any(ages < 0):
        bad = np.flatnonzero(~(np.isfinite(ages.ravel()) & (ages.ravel() >= 0)))[0]
        raise InvalidInput(
            f"age_days must be finite and non-negative; position {bad} has {ages.ravel()[bad]:g}",
            field="age_days",
        )
    if not np.isfinite(half_life_days) or half_life_days <= 0:
        raise InvalidInput(
            f"half_life_days must be positive, got {half_life_days!r}", field="half_life_days"
        )
    return 0.5 ** (ages / half_life_days)


def risk_scores(
    table: pd.DataFrame,
    factors: Mapping[str, Factor | Mapping],
    thresholds: Mapping[str, float] = DEFAULT_THRESHOLDS,
    default_colour: str = "green",
    population: str = "population",
    area_km2: str = "area_km2",
) -> RiskResult:
    """Score and colour each grid of ``table`` (module docstring).

    Parameters
    ----------
    table : pandas.DataFrame
        One row per grid, indexed by grid id (unique), with a column per factor (finite,
        non-negative values: fill missing counts with 0), plus ``population`` and/or
        ``area_km2`` when a factor is normalised by them.
    factors : mapping
        Column → `Factor` (or a dict of its fields, as read from settings).
    thresholds : mapping
        Colour → minimum score, most severe first, minimums strictly decreasing.
    default_colour : str
        The colour below the last threshold.
    population, area_km2 : str
        The columns of residents and of area in km².

    Returns
    -------
    RiskResult
    """
    grid_ids = _grid_ids(table)
    specs = _factors(factors)
    order = _colours(thresholds, default_colour)
    names = list(specs)
    for name, spec in specs.items():
        if spec.min_colour is not None and spec.min_colour not in order:
            raise InvalidInput(
                f"factor {name!r}: min_colour must be one of {', '.join(order)}, got "
                f"{spec.min_colour!r}",
                field="factors",
            )
    values = _matrix(table, names)
    normalised = np.column_stack(
        [
            _normalise(values[:, k], specs[name], table, population, area_km2)
            for k, name in enumerate(names)
        ]
    )
    weight = np.array([specs[n].weight for n in names])
    cap = np.array([np.inf if specs[n].cap is None else specs[n].cap for n in names])
    raw_points = normalised * weight
    points = np.clip(raw_points, -cap, cap)
    capped = np.abs(raw_points) > cap
    score = points.sum(axis=1)

    minimums = np.array(list(thresholds.values()), dtype=float)
    level = np.searchsorted(-minimums, -score, side="left")  # into order; len(minimums): default
    score_level = level.copy()
    floor_level = np.full(values.shape, len(order), dtype=int)  # no floor
    for k, name in enumerate(names):
        spec = specs[name]
        if spec.min_colour is not None:
            floor_level[values[:, k] >= spec.min_colour_at, k] = order.index(spec.min_colour)
    level = np.minimum(level, floor_level.min(axis=1))

    contributions = _contributions(
        grid_ids, names, specs, values, normalised, points, capped, floor_level, order
    )
    reasons, summary = _reasons(contributions, grid_ids, [order[i] for i in level])
    contributions = contributions.drop(columns="_row")
    grids = pd.DataFrame(
        {
            "score": score,
            "colour": [order[i] for i in level],
            "score_colour": [order[i] for i in score_level],
            "reasons": reasons,
            "summary": summary,
        },
        index=table.index,
    )
    return RiskResult(grids=grids, contributions=contributions)


# --- computing ------------------------------------------------------------------------------


def _normalise(
    value: np.ndarray, spec: Factor, table: pd.DataFrame, population: str, area_km2: str
) -> np.ndarray:
    if spec.normalise == "none":
        return value
    if spec.normalise == "percentile":
        if len(value) == 1:
            return np.zeros(1)
        below = pd.Series(value).rank(method="min").to_numpy() - 1  # grids with a smaller value
        return np.where(value > 0, below / (len(value) - 1), 0.0)
    column = population if spec.normalise == "per_1000" else area_km2
    if column not in table.columns:
        raise InvalidInput(
            f"normalise={spec.normalise!r} needs a {column!r} column in table", field=column
        )
    base = _column(table, column)
    if spec.normalise == "per_1000":
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(base > 0, 1000.0 * value / base, 0.0)
    if np.any(base <= 0):
        at = int(np.flatnonzero(base <= 0)[0])
        raise InvalidInput(
            f"{column} must be positive for per_km2; grid {_plain(table.index[at])!r} has "
            f"{base[at]:g}",
            field=column,
        )
    return value / base


def _contributions(
    grid_ids: pd.Index,
    names: list[str],
    specs: Mapping[str, Factor],
    values: np.ndarray,
    normalised: np.ndarray,
    points: np.ndarray,
    capped: np.ndarray,
    floor_level: np.ndarray,
    order: list[str],
) -> pd.DataFrame:
    n_grids, n_factors = values.shape
    floors = np.array([*order, None], dtype=object)[floor_level]
    long = pd.DataFrame(
        {
            "grid": np.repeat(grid_ids.to_numpy(), n_factors),
            "factor": np.tile(names, n_grids),
            "label": np.tile([specs[n].label for n in names], n_grids),
            "normalise": np.tile([specs[n].normalise for n in names], n_grids),
            "value": values.ravel(),
            "normalised": normalised.ravel(),
            "weight": np.tile([float(specs[n].weight) for n in names], n_grids),
            "points": points.ravel(),
            "capped": capped.ravel(),
            "min_colour": pd.Series(floors.ravel(), dtype=object),
            "_row": np.repeat(np.arange(n_grids), n_factors),
        }
    )
    columns = ("value", "label", "normalise", "normalised", "points", "capped", "min_colour")
    long["text"] = [_text(*row) for row in zip(*(long[c].tolist() for c in columns), strict=True)]
    long["_size"] = -long["points"].abs()
    long = long.sort_values(["_row", "_size"], kind="stable").drop(columns=["_size", "normalise"])
    return long.reset_index(drop=True)


def _text(
    value: float, label: str, how: str, norm: float, points: float, capped: bool, floor: object
) -> str:
    text = f"{_number(value)} {label}"
    if how == "per_1000":
        text += f", {_number(norm)} per 1,000 residents"
    elif how == "per_km2":
        text += f", {_number(norm)} per km²"
    elif how == "percentile":
        text += f", above {norm:.0%} of grids"
    notes = []
    if points != 0:
        notes.append(f"{'+' if points > 0 else '−'}{_number(abs(points))}")
    if capped:
        notes.append("capped")
    if isinstance(floor, str):
        notes.append(f"at least {floor}")
    return f"{text} ({', '.join(notes)})" if notes else text


def _number(value: float) -> str:
    rounded = round(float(value), 1)
    return f"{rounded:,.0f}" if rounded == int(rounded) else f"{rounded:,.1f}"


def _reasons(
    contributions: pd.DataFrame, grid_ids: pd.Index, colours: list[str]
) -> tuple[list[list[dict]], list[str]]:
    telling = contributions[(contributions["points"] != 0) | contributions["min_colour"].notna()]
    columns = [
        "factor",
        "label",
        "value",
        "normalised",
        "weight",
        "points",
        "capped",
        "min_colour",
        "text",
    ]
    records = [
        dict(zip(columns, row, strict=True))
        for row in zip(*(telling[c].tolist() for c in columns), strict=True)
    ]
    rows = telling["_row"].to_numpy()
    starts = np.searchsorted(rows, np.arange(len(grid_ids)), side="left")
    ends = np.searchsorted(rows, np.arange(len(grid_ids)), side="right")
    reasons = [records[a:b] for a, b in zip(starts, ends, strict=True)]
    summary = [
        f"{colour} because: {', '.join(r['text'] for r in these)}"
        if these
        else f"{colour}: no risk factor"
        for colour, these in zip(colours, reasons, strict=True)
    ]
    return reasons, summary


# --- checking arguments ---------------------------------------------------------------------


def _grid_ids(table: pd.DataFrame) -> pd.Index:
    if not isinstance(table, pd.DataFrame):
        raise InvalidInput(f"table must be a DataFrame, got {type(table).__name__}", field="table")
    if table.empty:
        raise InvalidInput("table has no grid", field="table")
    if not table.index.is_unique:
        dup = table.index[table.index.duplicated()][0]
        raise InvalidInput(
            f"table must have one row per grid; {_plain(dup)!r} repeats", field="table"
        )
    return table.index


def _factors(factors: Mapping[str, Factor | Mapping]) -> dict[str, Factor]:
    if not isinstance(factors, Mapping) or not factors:
        raise InvalidInput("factors must map at least one column to a Factor", field="factors")
    known = {f.name for f in fields(Factor)}
    specs: dict[str, Factor] = {}
    for name, spec in factors.items():
        if isinstance(spec, Mapping):
            unknown = set(spec) - known
            if unknown:
                raise InvalidInput(
                    f"factor {name!r} has unknown setting {sorted(unknown)[0]!r}; known: "
                    f"{', '.join(sorted(known))}",
                    field="factors",
                )
            try:
                spec = Factor(**spec)
            except TypeError as error:
                raise InvalidInput(f"factor {name!r}: {error}", field="factors") from None
        if not isinstance(spec, Factor):
            raise InvalidInput(
                f"factor {name!r} must be a Factor or a dict, got {type(spec).__name__}",
                field="factors",
            )
        if not np.isfinite(spec.weight):
            raise InvalidInput(
                f"factor {name!r} needs a finite weight, got {spec.weight!r}", field="factors"
            )
        if spec.normalise not in NORMALISATIONS:
            raise InvalidInput(
                f"factor {name!r}: normalise must be one of {', '.join(NORMALISATIONS)}, got "
                f"{spec.normalise!r}",
                field="factors",
            )
        if spec.cap is not None and not (np.isfinite(spec.cap) and spec.cap > 0):
            raise InvalidInput(
                f"factor {name!r}: cap must be a positive number of points, got {spec.cap!r}",
                field="factors",
            )
        specs[name] = spec
    return specs


def _colours(thresholds: Mapping[str, float], default_colour: str) -> list[str]:
    if not isinstance(thresholds, Mapping) or not thresholds:
        raise InvalidInput("thresholds must map colours to minimum scores", field="thresholds")
    minimums = [float(v) for v in thresholds.values()]
    if not all(np.isfinite(minimums)) or any(a <= b for a, b in pairwise(minimums)):
        raise InvalidInput(
            f"thresholds must be most severe first with strictly decreasing minimums, got "
            f"{dict(thresholds)}",
            field="thresholds",
        )
    order = [*thresholds, default_colour]
    if len(set(order)) != len(order):
        raise InvalidInput(f"colours must be distinct, got {order}", field="thresholds")
    return order


def _matrix(table: pd.DataFrame, names: list[str]) -> np.ndarray:
    missing = [n for n in names if n not in table.columns]
    if missing:
        raise InvalidInput(
            f"table has no column {missing[0]!r} for its factor; it has {list(table.columns)}",
            field="factors",
        )
    return np.column_stack([_column(table, n) for n in names])


def _column(table: pd.DataFrame, name: str) -> np.ndarray:
    values = pd.to_numeric(table[name], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        at = int(np.flatnonzero(bad)[0])
        raise InvalidInput(
            f"{name} must be finite and non-negative (fill missing counts with 0); grid "
            f"{_plain(table.index[at])!r} has {_plain(table[name].iloc[at])!r}",
            field=name,
        )
    return values


def _plain(value: object) -> object:
    """A numpy scalar as the Python value it holds (for messages: 3, not np.int64(3))."""
    return value.item() if isinstance(value, np.generic) else value
