"""The plan of the generation: the settings' vocabularies with their weights, what each grid
(网格) gets (residents, urban or not), the chunks of grids, and what the chunks share.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

import geopandas as gpd
import numpy as np
import pandas as pd

from gridmap.core.settings import PeopleSettings
from gridmap.demo.population.people import _KINDS, _IdSequences

_CHUNK_RESIDENTS = 100_000
_CHUNK_GRIDS = 400

_URBAN_SHARE = 0.6  # of residents

# relative frequency; kinds a city adds to its settings get _OTHER_WEIGHT
_PLACE_WEIGHTS = {
    "school": 1.5,
    "kindergarten": 2.5,
    "hospital": 0.6,
    "market": 1.2,
    "mall": 0.8,
    "industrial_park": 0.4,
    "hazardous_chemicals": 0.5,
    "transport_hub": 0.5,
    "small_shop": 28.0,
    "small_restaurant": 20.0,
    "small_hotel": 5.0,
    "small_clinic": 4.0,
    "small_school": 4.0,
    "small_entertainment": 2.0,
    "small_internet_cafe": 2.0,
    "small_beauty_bath": 6.0,
    "small_workshop": 8.0,
    "park": 2.0,
    "religious": 1.0,
}
_THING_WEIGHTS = {
    "0101": 15.0,
    "0102": 15.0,
    "0103": 12.0,
    "0104": 8.0,
    "0110": 6.0,
    "0120": 14.0,
    "0130": 5.0,
    "0201": 2.0,
    "0202": 2.0,
    "0301": 12.0,
    "0302": 1.5,
    "0401": 2.0,
    "0501": 3.0,
    "0502": 1.5,
    "0503": 1.0,
}
_ORG_WEIGHTS = {
    "enterprise": 45.0,
    "self_employed": 40.0,
    "social_org": 4.0,
    "public_institution": 6.0,
    "party_branch": 5.0,
}
_OTHER_WEIGHT = 1.0

_NONRESIDENTIAL = {"commercial": 4.0, "public": 2.0, "industrial": 2.0}
_HOUSING = ("residential", "rural_house", "mixed")  # uses of buildings with flats

_SUFFIX = re.compile(r"(街道办事处|街道|镇|乡|办事处)$")
_REQUIRED = {
    "kinds": _KINDS,
    "building_uses": _HOUSING[:2],
    "duties": ("worker",),
}
_NOT_EMPTY = ("place_kinds", "thing_categories", "organisation_kinds")
_PER_REGION = ("village_committee", "party_branch")


def _weighted(
    vocab: Sequence[str] | Mapping[str, object], weights: Mapping[str, float]
) -> tuple[np.ndarray, np.ndarray]:
    """The vocabulary's codes and the probability of each (unknown codes: a small weight)."""
    codes = np.array(list(vocab), dtype=object)
    share = np.array([weights.get(code, _OTHER_WEIGHT) for code in codes])
    return codes, share / share.sum()


@dataclass(frozen=True)
class _Vocab:
    """The settings' vocabularies, with generation weights."""

    people: PeopleSettings
    tags: tuple[str, ...]
    places: tuple[np.ndarray, np.ndarray]
    things: tuple[np.ndarray, np.ndarray]
    organisations: tuple[np.ndarray, np.ndarray]
    nonresidential: tuple[np.ndarray, np.ndarray]

    @classmethod
    def of(cls, people: PeopleSettings) -> _Vocab:
        for field, codes in _REQUIRED.items():
            missing = [code for code in codes if code not in getattr(people, field)]
            if missing:
                raise ValueError(f"settings people.{field} lacks {missing}, which generation needs")
        for field in _NOT_EMPTY:
            if not getattr(people, field):
                raise ValueError(f"settings people.{field} is empty")
        kinds = people.organisation_kinds
        # committees come one per region; other kinds by weight (all kinds if none is other)
        orgs = [k for k in kinds if k not in _PER_REGION] or list(kinds)
        uses = [k for k in people.building_uses if k not in _HOUSING] or ["residential"]
        return cls(
            people=people,
            tags=tuple(people.key_groups),
            places=_weighted(people.place_kinds, _PLACE_WEIGHTS),
            things=_weighted(people.thing_categories, _THING_WEIGHTS),
            organisations=_weighted(orgs, _ORG_WEIGHTS),
            nonresidential=_weighted(uses, _NONRESIDENTIAL),
        )


def _plan(grids: gpd.GeoDataFrame, residents: int, rng: np.random.Generator) -> pd.DataFrame:
    """Grids in code order with their residents (lognormal, adding up exactly), urban flag
    (weighted draw until ~60 % of residents are urban) and first-in-region flag."""
    needed = {"code", "name", "region_code", "region_name", "geometry"}
    if missing := needed - set(grids.columns):
        raise ValueError(f"grids lack columns {sorted(missing)}")
    if grids.crs is not None and grids.crs.to_epsg() != 4326:
        grids = grids.to_crs(4326)
    plan = pd.DataFrame(
        {
            "code": grids["code"].astype(str).to_numpy(),
            "name": grids["name"].astype(str).to_numpy(),
            "region_code": grids["region_code"].astype(str).to_numpy(),
            "region_name": grids["region_name"].astype(str).to_numpy(),
            "geometry": np.asarray(grids.geometry.values, dtype=object),
        }
    )
    plan = plan.sort_values("code", kind="stable").reset_index(drop=True)
    if plan.code.duplicated().any() or not plan.code.str.fullmatch(r"\d{15}").all():
        raise ValueError("grid codes must be distinct 15-digit codes")
    weight = rng.lognormal(0.0, 0.6, len(plan))
    plan["residents"] = rng.multinomial(residents, weight / weight.sum())
    plan["urban"] = _urban(plan.residents.to_numpy(), weight, rng)
    plan["county"] = plan.code.str[:6]
    plan["first_in_region"] = ~plan.region_code.duplicated()
    plan["stem"] = plan.region_name.str.replace(_SUFFIX, "", regex=True)
    return plan


def _urban(residents: np.ndarray, weight: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Urban grids: a shuffle weighted to the bigger grids, taken until ~60 % of residents."""
    order = np.argsort(-(rng.random(len(weight)) ** (1.0 / weight)))
    before = np.cumsum(residents[order]) - residents[order]
    urban = np.zeros(len(weight), dtype=bool)
    urban[order] = before < _URBAN_SHARE * max(int(residents.sum()), 1)
    return urban


def _chunks(residents: np.ndarray) -> list[slice]:
    """Consecutive grid ranges of about `_CHUNK_RESIDENTS` people and at most `_CHUNK_GRIDS`."""
    before = np.cumsum(residents) - residents
    key = np.column_stack([before // _CHUNK_RESIDENTS, np.arange(len(residents)) // _CHUNK_GRIDS])
    breaks = np.flatnonzero((np.diff(key, axis=0) != 0).any(axis=1)) + 1
    edges = [0, *breaks.tolist(), len(residents)]
    return [slice(a, b) for a, b in pairwise(edges) if b > a]


@dataclass
class _Run:
    """What the chunks share: vocabularies, the date, ID sequences and the next org serial."""

    vocab: _Vocab
    today: dt.date
    counties: np.ndarray  # every county an ID number may name, sorted
    floating: np.ndarray  # indices into ``counties`` that floating people come from
    ids: _IdSequences
    serial: int = 0


def _run(
    plan: pd.DataFrame,
    county_codes: Sequence[str],
    vocab: _Vocab,
    today: dt.date,
    rng: np.random.Generator,
) -> _Run:
    home = plan.county.unique()
    floating = np.asarray([str(c) for c in county_codes] if len(county_codes) else home)
    if not pd.Series(floating, dtype=str).str.fullmatch(r"\d{6}").all():
        raise ValueError("county codes must be 6-digit GB/T 2260 codes")
    counties = np.unique(np.concatenate([home, floating]).astype("U6"))
    ids = _IdSequences(today, rng)
    first_serial = int(rng.integers(0, 10**6))  # so serials (and codes) differ by seed
    floating_index = np.searchsorted(counties, floating)
    return _Run(vocab, today, counties, floating_index, ids, first_serial)
