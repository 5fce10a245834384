"""The people of one chunk of grids: the members of each household (居民) with their kinds,
ID numbers, phones and key-group tags, and the grid staff (网格员).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gridmap.demo.population.codes import id_numbers
from gridmap.demo.population.people import (
    _ADULT,
    _KINDS,
    _ages,
    _names,
    _phones,
    _surnames,
    _tags,
)
from gridmap.demo.population.plan import _Run
from gridmap.demo.population.settlements import _Grids
from gridmap.demo.population.vectors import _STR, _ranks

_MALE_SHARE = 105 / 205
_IN_REGISTERED = np.array([0.90, 0.06, 0.04, 0.0])  # members of a 户籍 household
_IN_OTHER = np.array([0.0, 0.46, 0.515, 0.025])  # a whole non-户籍 household
_PHONE_AGE, _PHONE_SHARE = 12, 0.85
_SHARED_SURNAME = 0.75  # members other than the head who carry the household's surname

# key groups with a flat rate: code -> (share, lowest age)
_TAG_RATES: dict[str, tuple[float, int]] = {
    "disabled": (0.025, 0),
    "mental_illness": (0.004, 15),
    "community_correction": (0.0005, _ADULT),
    "released_prisoner": (0.001, _ADULT),
    "drug_rehab": (0.0002, _ADULT),
    "petition_prone": (0.0003, _ADULT),
}
_ELDERLY_AGE, _ELDERLY_ALONE = 65, 0.15  # share of elderly in one-person households tagged
_CHILD_AGE, _LEFT_BEHIND = 16, (0.015, 0.05)  # of children in town, in the country
_LOW_INCOME = (0.02, 0.045)  # of households in town, in the country

_HEAD_SHARE = 0.5  # grids with a 网格长 besides the full-time worker


def _kinds(registered: np.ndarray, member_of: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Index into `_KINDS`: members of a 户籍 household are mostly registered; the members of
    any other household share one kind (常住, 流动 or 境外)."""
    own = rng.choice(len(_KINDS), len(member_of), p=_IN_REGISTERED)
    shared = rng.choice(len(_KINDS), len(registered), p=_IN_OTHER)
    return np.where(registered[member_of], own, shared[member_of])


def _resident_ids(
    kind: np.ndarray,
    ages: np.ndarray,
    male: np.ndarray,
    home: np.ndarray,
    run: _Run,
    rng: np.random.Generator,
) -> np.ndarray:
    """ID numbers: the grid's county (``home``, indices into the run's counties) for registered
    and resident people, a random one of the run's for floating people, none for foreigners."""
    away = run.floating[rng.integers(0, len(run.floating), len(kind))]
    county = np.where(kind == _KINDS.index("floating"), away, home)
    has = kind != _KINDS.index("foreign")
    birth, seq = run.ids.take(county[has], ages[has], male[has], run.today, rng)
    ids = np.full(len(kind), "", dtype=_STR)
    ids[has] = id_numbers(run.counties[county[has]], birth, seq)
    return ids


def _tag_rules(
    ages: np.ndarray,
    alone: np.ndarray,
    urban: np.ndarray,
    member_of: np.ndarray,
    run: _Run,
    rng: np.random.Generator,
) -> list[tuple[str, np.ndarray]]:
    """Key-group masks (重点人群) with their age rules, for the groups the settings know.

    ``alone``: per person, whether the household has one member; ``urban``: per household.
    """
    n = len(ages)
    poor = rng.random(len(urban)) < np.where(urban, *_LOW_INCOME)  # 低保 goes by household
    left_behind = rng.random(n) < np.where(urban[member_of], *_LEFT_BEHIND)
    rules = {
        "elderly_alone": (ages >= _ELDERLY_AGE) & alone & (rng.random(n) < _ELDERLY_ALONE),
        "left_behind_child": (ages < _CHILD_AGE) & left_behind,
        "low_income": poor[member_of],
    }
    for code, (share, lowest) in _TAG_RATES.items():
        rules[code] = (ages >= lowest) & (rng.random(n) < share)
    return [(code, rules[code]) for code in run.vocab.tags if code in rules]


def _residents(
    hh: pd.DataFrame, sizes: np.ndarray, grids: _Grids, run: _Run, rng: np.random.Generator
) -> pd.DataFrame:
    """The members of each household: census ages with an adult head, names sharing the
    household's surname mostly, ID numbers, phones, kinds and key-group tags."""
    member_of = np.repeat(np.arange(len(hh)), sizes)
    n = len(member_of)
    head = _ranks(sizes) == 0
    ages = _ages(head, rng)
    male = rng.random(n) < _MALE_SHARE
    grid = hh.grid.to_numpy()
    kind = _kinds(hh.registered.to_numpy(), member_of, rng)
    home = np.searchsorted(run.counties, grids.col("county"))[grid[member_of]]
    ids = _resident_ids(kind, ages, male, home, run, rng)
    phone = np.where((ages >= _PHONE_AGE) & (rng.random(n) < _PHONE_SHARE), _phones(rng, n), "")
    family = _surnames(rng, len(hh))[member_of]
    surname = np.where(head | (rng.random(n) < _SHARED_SURNAME), family, _surnames(rng, n))
    urban = grids.col("urban")[grid]
    rules = _tag_rules(ages, sizes[member_of] == 1, urban, member_of, run, rng)
    return pd.DataFrame(
        {
            "name": _names(surname, rng),
            "id_number": ids,
            "phone": phone,
            "household_no": hh.household_no.to_numpy()[member_of],
            "kind": np.asarray(_KINDS, dtype=object)[kind],
            "tags": _tags(rules, n),
        }
    )


def _workers(grids: _Grids, run: _Run, rng: np.random.Generator) -> pd.DataFrame:
    """A full-time grid worker (专职网格员) per grid and a grid head (网格长) for about half."""
    heads = (rng.random(len(grids)) < _HEAD_SHARE) & ("head" in run.vocab.people.duties)
    grid = np.repeat(np.arange(len(grids)), 1 + heads)
    n = len(grid)
    return pd.DataFrame(
        {
            "grid_code": grids.col("code")[grid],
            "name": _names(_surnames(rng, n), rng),
            "duty": np.where(_ranks(1 + heads) == 0, "worker", "head"),
            "service_phone": _phones(rng, n),
        }
    )
