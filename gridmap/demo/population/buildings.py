"""Buildings (建筑物) and households (户) of one chunk of grids: apartment blocks in town,
rural houses outside, shops and workshops, and the households in their flats.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from gridmap.demo.population.codes import _zfill
from gridmap.demo.population.plan import _Run
from gridmap.demo.population.settlements import _BRANDS, _codes, _Grids
from gridmap.demo.population.vectors import _choice, _fill, _join, _rank_by, _ranks

_HOUSEHOLD_SIZES = np.arange(1, 9)
_HOUSEHOLD_SHARES = np.array([0.25, 0.30, 0.20, 0.13, 0.07, 0.03, 0.015, 0.005])
_OCCUPANCY = 0.9  # flats with a household; the rest stand empty
_REGISTERED_HOUSEHOLDS = 0.8

_BUILDING_NAMES = {
    "commercial": "商业楼",
    "mixed": "商住楼",
    "public": "综合楼",
    "industrial": "厂房",
}


def _pick(
    rng: np.random.Generator, table: tuple[tuple[int, ...], tuple[float, ...]], n: int
) -> np.ndarray:
    values, weights = np.asarray(table[0]), np.asarray(table[1], dtype=float)
    return values[rng.choice(len(values), n, p=weights / weights.sum())]


_URBAN_FLOORS = (
    (6, 7, 9, 11, 12, 15, 18, 24, 26, 28, 30, 32, 33),
    (5, 4, 2, 4, 2, 2, 3, 2, 2) + (1,) * 4,
)
_RURAL_FLOORS = ((1, 2, 3), (3, 5, 2))
_UNITS = ((2, 3, 4, 5, 6), (3, 3, 2, 1, 1))
_PER_FLOOR = ((2, 3, 4), (2, 1, 1))


def _household_sizes(residents: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Grid and size of each household (grid order); sizes add up to the residents exactly."""
    sizes = rng.choice(_HOUSEHOLD_SIZES, int(residents.sum()), p=_HOUSEHOLD_SHARES)
    keep, kept = _fill(sizes, residents, residents)  # never more households than people
    return np.repeat(np.arange(len(residents)), residents)[keep], kept


def _residential(
    grids: _Grids, flats: np.ndarray, run: _Run, rng: np.random.Generator
) -> pd.DataFrame:
    """Apartment buildings in town (6-33 floors, 2-6 units, 2-4 flats a floor), one-flat rural
    houses outside, until each grid has ``flats`` flats; every building has a flat, so
    ``flats`` draws per grid always suffice."""
    grid = np.repeat(np.arange(len(grids)), flats)
    urban = grids.col("urban")[grid]
    n = len(grid)
    floors = np.where(urban, _pick(rng, _URBAN_FLOORS, n), _pick(rng, _RURAL_FLOORS, n))
    units = np.where(urban, _pick(rng, _UNITS, n), 1)
    per_floor = np.where(urban, _pick(rng, _PER_FLOOR, n), 1)
    capacity = units * np.where(urban, floors, 1) * per_floor
    keep, _ = _fill(capacity, flats, flats)
    mixed = urban & (rng.random(n) < 0.15) & ("mixed" in run.vocab.people.building_uses)
    use = np.where(urban, np.where(mixed, "mixed", "residential"), "rural_house")
    frame = {"grid": grid, "use": use, "floors": floors, "units": units, "per_floor": per_floor}
    return pd.DataFrame({**frame, "capacity": capacity})[keep]


def _nonresidential(
    grids: _Grids, households: np.ndarray, run: _Run, rng: np.random.Generator
) -> pd.DataFrame:
    """Shops, offices, public buildings, workshops: about one per 40 households."""
    grid = np.repeat(np.arange(len(grids)), rng.poisson(1 + households / 40))
    urban = grids.col("urban")[grid]
    codes, shares = run.vocab.nonresidential
    floors = np.where(urban, rng.integers(1, 13, len(grid)), rng.integers(1, 4, len(grid)))
    use = codes[rng.choice(len(codes), len(grid), p=shares)]
    frame = {"grid": grid, "use": use, "floors": floors, "units": 0, "per_floor": 0}
    return pd.DataFrame({**frame, "capacity": 0})


def _building_names(
    b: pd.DataFrame, grids: _Grids, run: _Run, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Names and addresses: ``阳光小区3栋`` on a road in town, ``杨家村12号`` outside, a
    brand + use for the rest; house numbers run along each centre's road or village."""
    grid, centre = b.grid.to_numpy(), b.centre.to_numpy()
    housing = b.capacity.to_numpy() > 0
    urban = grids.col("urban")[grid]
    number = grids.centres.base.to_numpy()[centre] + _rank_by(centre) * np.where(urban, 2, 1)
    address = grids.address(grid, centre, number)
    estate = grids.centres.estate.to_numpy()[centre]
    block = _join(estate, _rank_by(centre * 2 + housing) + 1, "栋")
    house = _join(grids.centres.street.to_numpy()[centre], number, "号")
    labels = {**run.vocab.people.building_uses, **_BUILDING_NAMES}
    other = _join(_choice(rng, _BRANDS, len(b)), b.use.map(labels).to_numpy())
    name = np.where(housing, np.where(urban, block, house), other)
    return name, np.where(housing & urban, _join(address, block), address)


def _years(urban: np.ndarray, today: dt.date, rng: np.random.Generator) -> np.ndarray:
    """Year built: mostly recent, town buildings younger than village houses."""
    age = rng.exponential(np.where(urban, 12.0, 18.0))
    return today.year - 1 - np.minimum(age, 60).astype(np.int64)


def _buildings(
    grids: _Grids, households: np.ndarray, run: _Run, rng: np.random.Generator
) -> pd.DataFrame:
    """Every building of the chunk, in grid order, around the grid's settlement centres."""
    flats = np.ceil(households / _OCCUPANCY).astype(np.int64)
    parts = [_residential(grids, flats, run, rng), _nonresidential(grids, households, run, rng)]
    b = pd.concat(parts, ignore_index=True).sort_values("grid", kind="stable")
    b = b.reset_index(drop=True)
    grid = b.grid.to_numpy()
    b["centre"] = grids.centre_of(grid, rng)
    xy = grids.near(grid, b.centre.to_numpy(), rng)
    b["lon"], b["lat"] = xy[:, 0], xy[:, 1]
    b["name"], b["address"] = _building_names(b, grids, run, rng)
    b["year"] = _years(grids.col("urban")[grid], run.today, rng)
    b["code"] = _codes("B", grids, grid, 4)
    return b


def _households(
    b: pd.DataFrame, grids: _Grids, households: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    """Each grid's households in flats of its residential buildings chosen at random (the rest
    stand empty), numbered in building, unit, floor, room order."""
    capacity = b.capacity.to_numpy()
    building = np.repeat(np.arange(len(b)), capacity)
    flat = _ranks(capacity)
    per_floor = b.per_floor.to_numpy()[building]
    per_unit = (capacity // np.maximum(b.units.to_numpy(), 1))[building]
    grid = b.grid.to_numpy()[building]  # sorted: buildings are in grid order
    order = np.lexsort((rng.random(len(flat)), grid))
    taken = _ranks(np.bincount(grid, minlength=len(grids))) < households[grid]
    chosen = np.sort(order[taken])
    building, flat, per_floor = building[chosen], flat[chosen], per_floor[chosen]
    per_unit, grid = per_unit[chosen], grid[chosen]
    unit = _join(flat // per_unit + 1, "单元")
    floor, room = (flat % per_unit) // per_floor + 1, flat % per_floor + 1
    room_no = _zfill(floor * 100 + room, 4)
    return pd.DataFrame(
        {
            "household_no": _codes("H", grids, grid, 5),
            "building_code": b.code.to_numpy()[building],
            "unit": unit,
            "room": room_no,
            "address": _join(b.address.to_numpy()[building], unit, room_no),
            "registered": rng.random(len(grid)) < _REGISTERED_HOUSEHOLDS,
            "grid": grid,
        }
    )
