"""A year of generated events for a generated population: ``events.csv`` beside its buildings
and places, in the events ledger's columns (lifecycle columns included), for the ordinary
import path.

Where: grids get a share by how much is in them (buildings, places) times a hot-spot factor
(lognormal: a few grids many times the rest), and within a grid events gather at its homes and
places, a few of which are hot (the same market's rubbish, the same crossing's lights) — a
point a few metres from the building or place, its address. What: the channel by the kind of
area (grid workers most, residents' apps more in town), the day by season, growth and working
days (grid workers and petitions rarely report on days off), the hour by the channel's day,
the category by area (town: rubbish, parking, property; country: land, floods, geological
hazards), month and channel (110: public order and fraud; petitions: disputes and land).
Then each event's life (``lifecycle``). Chunks of ``CHUNK`` events, each with its own
generator: memory does not grow with the count, and the same inputs give the same file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gridmap.core.codes import parse_region_code
from gridmap.core.event_settings import EventSettings
from gridmap.core.settings import get_settings
from gridmap.demo.events.clock import WorkClock
from gridmap.demo.events.lifecycle import DEPARTMENT_SPREAD, Events, Loop, Rules, live
from gridmap.demo.events.mix import CALLED_BACK, GROWTH, NOT_CALLED_BACK, OVERALL, Mix
from gridmap.demo.population.codes import _zfill
from gridmap.demo.population.people import _names, _phones, _surnames
from gridmap.demo.population.vectors import _join
from gridmap.ingest.ledgers.events import work_calendar

COLUMNS = [
    "source_ref",
    "channel",
    "category",
    "urgency",
    "title",
    "description",
    "address",
    "lon",
    "lat",
    "reported_at",
    "reporter_name",
    "reporter_phone",
    "state",
    "level",
    "department",
    "registered_at",
    "dispatched_at",
    "accepted_at",
    "handled_at",
    "closed_at",
    "evaluated_at",
    "satisfaction",
    "reworks",
    "returns",
    "escalations",
]
"""The columns of ``events.csv``, in order."""

CHUNK = 50_000
PER_RESIDENT = 100_000 / 5_000_000  # events a year: 100,000 for a city of five million
HOT_GRIDS = 0.8  # lognormal sigma of the grids' hot-spot factor
HOT_ANCHORS = 0.02  # share of homes and places that are hot spots
HOT_WEIGHT = (10.0, 60.0)  # how much more often a hot spot comes up (uniform between)
JITTER_M = 12.0  # an event lies this far (normal sigma, metres) from its home or place
ANONYMOUS = 0.05  # reporters who give no name
_HOUSING = ("residential", "rural_house", "mixed")
_LEAD = {
    "grid_worker": "网格员巡查发现：",
    "hotline_12345": "市民来电反映：",
    "resident": "群众通过小程序反映：",
    "police_110": "110转警：",
    "petition": "来信反映：",
    "walk_in": "群众来访反映：",
    "open311": "群众反映：",
}


def default_count(residents: int) -> int:
    """Events a year for a population of ``residents`` (100,000 for five million)."""
    return round(residents * PER_RESIDENT)


@dataclass(frozen=True)
class Anchors:
    """Where events happen: homes and places (shops, markets, workshops), by grid, each with
    its point, address and weight (hot spots weigh more), sorted by pool then grid."""

    grid: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    address: np.ndarray
    cumulative: np.ndarray  # cumulative weight in this order
    first: np.ndarray  # (2, grids): cumulative weight before a pool's grid, and its weight
    total: np.ndarray

    def pick(self, pool: np.ndarray, grid: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """An anchor of each (pool, grid), by weight; a grid without the pool uses the other."""
        empty = self.total[pool, grid] <= 0
        pool = np.where(empty, 1 - pool, pool)
        target = self.first[pool, grid] + rng.random(len(grid)) * self.total[pool, grid]
        index = np.searchsorted(self.cumulative, target, side="right")
        return np.clip(index, 0, len(self.cumulative) - 1)


def _anchors(folder: Path, codes: pd.Index, rng: np.random.Generator) -> tuple[Anchors, np.ndarray]:
    """The homes and places of a generated population (its ``buildings.csv`` and
    ``places.csv``), and each grid's share of town (non-rural) housing."""
    buildings = pd.read_csv(
        folder / "buildings.csv", usecols=["code", "address", "name", "use", "lon", "lat"]
    )
    places = pd.read_csv(folder / "places.csv", usecols=["code", "address", "name", "lon", "lat"])
    housing = buildings.use.isin(_HOUSING).to_numpy()
    frame = pd.DataFrame(
        {
            "grid": codes.get_indexer(
                pd.concat([buildings.code, places.code]).str.slice(1, 16).to_numpy()
            ),
            "pool": np.r_[np.where(housing, 0, 1), np.ones(len(places), dtype=np.int64)],
            "lon": np.r_[buildings.lon.to_numpy(), places.lon.to_numpy()],
            "lat": np.r_[buildings.lat.to_numpy(), places.lat.to_numpy()],
            "address": np.r_[
                buildings.address.astype(str).to_numpy(dtype=object),
                _join(places.address.fillna("").astype(str), places.name.astype(str)).astype(
                    object
                ),
            ],
        }
    )
    frame = frame[frame.grid >= 0].sort_values(["pool", "grid"], kind="stable")
    if frame.empty:
        raise ValueError(f"{folder} has no buildings or places in the grids to place events at")
    hot = rng.random(len(frame)) < HOT_ANCHORS
    weight = np.where(hot, rng.uniform(*HOT_WEIGHT, len(frame)), 1.0)
    cumulative = np.cumsum(weight)
    pool, grid = frame.pool.to_numpy(), frame.grid.to_numpy()
    total = np.zeros((2, len(codes)))
    np.add.at(total, (pool, grid), weight)
    before = np.cumsum(total.ravel()) - total.ravel()
    town = buildings.use.isin(_HOUSING[::2]).to_numpy()  # flats, not village houses
    homes = np.bincount(grid[pool == 0], minlength=len(codes))
    flats = np.bincount(
        codes.get_indexer(buildings.code[town].str.slice(1, 16).to_numpy()).clip(0),
        minlength=len(codes),
    )
    urban = np.where(homes > 0, np.minimum(flats / np.maximum(homes, 1), 1.0), 0.5)
    anchors = Anchors(
        grid=grid,
        lon=frame.lon.to_numpy(),
        lat=frame.lat.to_numpy(),
        address=frame.address.to_numpy(),
        cumulative=cumulative,
        first=before.reshape(2, len(codes)),
        total=total,
    )
    return anchors, urban


def _department_tables(
    departments: Sequence[Mapping[str, Any]],
    config: EventSettings,
    categories: list[str],
    townships: pd.Index,
    counties: pd.Index,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Department codes, and the department of each (township, category) and (county,
    category): a township's office taking it; a county's bureau taking it by name, else its
    catch-all (a department that takes everything). -1: none."""
    town = np.full((len(townships), len(categories)), -1)
    county = np.full((len(counties), len(categories)), -1)
    catch_all = np.full(len(counties), -1)
    groups = [config.categories[c].group for c in categories]
    for index, record in enumerate(departments):
        prefix = parse_region_code(str(record["region_code"])).prefix
        if len(prefix) not in (6, 9):  # a city's own bureaus: not drawn here
            continue
        takes = set(record.get("categories") or [])
        table, row = (town, townships) if len(prefix) == 9 else (county, counties)
        at = row.get_indexer([prefix])[0]
        if at < 0:
            continue
        if not takes:
            if table is county and catch_all[at] < 0:
                catch_all[at] = index
            continue
        for c, (category, group) in enumerate(zip(categories, groups, strict=True)):
            if (category in takes or group in takes) and table[at, c] < 0:
                table[at, c] = index
    county = np.where(county < 0, catch_all[:, None], county)
    codes = np.array([str(d["code"]) for d in departments], dtype=object)
    return codes, town, county


class _World:
    """What every chunk shares: the mixes, rules, clock, anchors, grids and departments."""

    def __init__(
        self,
        grids: gpd.GeoDataFrame,
        folder: Path,
        departments: Sequence[Mapping[str, Any]],
        config: EventSettings,
        until: datetime,
        days: int,
        seed: int,
    ) -> None:
        rng = np.random.default_rng([seed, 1 << 20])
        self.config = config
        self.mix = Mix.of(config)
        self.rules = Rules.of(config, list(self.mix.categories), self.mix.urgencies)
        zone = ZoneInfo(config.time_zone)
        self.until = until.astimezone(zone)
        first = (self.until - timedelta(days=days)).date()
        last = self.until.date()
        self.clock = WorkClock(work_calendar(config), first, last + timedelta(days=3 * 366))
        self.days = (last - first).days + 1
        self.seed = seed
        grids = grids.to_crs(4326) if grids.crs is not None else grids
        codes = pd.Index(grids["code"].astype(str).to_numpy())
        self.codes = codes.to_numpy(dtype=object)
        self.geometry = np.asarray(grids.geometry.values, dtype=object)
        shapely.prepare(self.geometry)
        self.anchors, self.urban = _anchors(folder, codes, rng)
        activity = self.anchors.total.sum(axis=0)
        weight = activity**0.85 * np.exp(rng.normal(0, HOT_GRIDS, len(codes)))
        self.grid_cumulative = np.cumsum(weight)
        township_of = pd.Index([c[:9] for c in self.codes])
        county_of = pd.Index([c[:6] for c in self.codes])
        townships, counties = pd.Index(township_of.unique()), pd.Index(county_of.unique())
        self.township = townships.get_indexer(township_of)
        self.county = counties.get_indexer(county_of)
        self.departments, self.town_table, self.county_table = _department_tables(
            departments, config, list(self.mix.categories), townships, counties
        )
        self.slowness = np.exp(rng.normal(0, DEPARTMENT_SPREAD, max(len(self.departments), 1)))
        self.day_weights = self._day_weights(first)
        self.auto = np.isin(self.mix.channels, config.auto_register_channels)
        self.public = np.isin(self.mix.channels, config.public_channels)
        # residents are called back (回访); a grid worker's own reports less often evaluated
        self.called_back = np.where(self.auto, NOT_CALLED_BACK, CALLED_BACK)

    def _day_weights(self, first: date) -> np.ndarray:
        """(channels, days) probabilities: season, growth, and the channel's days off."""
        months = np.array([(first + timedelta(days=d)).month - 1 for d in range(self.days)])
        self.months = months
        workday = self.clock.workday[: self.days]
        base = np.asarray(OVERALL)[months] * (1 + GROWTH * np.arange(self.days) / self.days)
        weights = base[None, :] * np.where(workday[None, :], 1.0, self.mix.off_days[:, None])
        return weights / weights.sum(axis=1, keepdims=True)

    def chunk(self, start: int, n: int, rng: np.random.Generator) -> pd.DataFrame:
        """``n`` events numbered from ``start``."""
        mix = self.mix
        grid = np.searchsorted(
            self.grid_cumulative, rng.random(n) * self.grid_cumulative[-1], side="right"
        ).clip(0, len(self.codes) - 1)
        urban = self.urban[grid][:, None]
        channel = _draw(urban * mix.town_channels + (1 - urban) * mix.country_channels, rng)
        reported, day = self._moments(channel, rng)
        kinds = urban * mix.town_kinds + (1 - urban) * mix.country_kinds
        category = _draw(kinds * mix.seasons[self.months[day]] * mix.brings[channel], rng)
        urgency = _draw(mix.urgency[category], rng)
        pool = (rng.random(n) < mix.at_place[category]).astype(np.int64)
        anchor = self.anchors.pick(pool, grid, rng)
        lon, lat = self._near(anchor, rng)
        loop = live(
            Events(
                reported=reported,
                category=category,
                urgency=urgency,
                auto=self.auto[channel],
                public=self.public[channel],
                called_back=self.called_back[channel],
                town_department=self.town_table[self.township[grid], category],
                county_department=self.county_table[self.county[grid], category],
            ),
            self.rules,
            self.clock,
            self.slowness,
            len(self.config.levels),
            self.until.timestamp(),
            rng,
        )
        frame = {
            "channel": mix.channels[channel],
            "category": category,
            "urgency": np.array(mix.urgencies, dtype=object)[urgency],
            "address": self.anchors.address[anchor],
            "lon": lon,
            "lat": lat,
            "reported": reported,
        }
        _copy_originals(frame, loop, rng)
        return self._frame(start, frame, loop, rng)

    def _moments(self, channel: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
        """When each event is reported: a day by the channel's days, an hour by its hours."""
        n = len(channel)
        day = np.empty(n, dtype=np.int64)
        hour = np.empty(n, dtype=np.int64)
        for c in np.unique(channel):
            mask = channel == c
            day[mask] = rng.choice(self.days, mask.sum(), p=self.day_weights[c])
            hour[mask] = rng.choice(24, mask.sum(), p=self.mix.hours[c])
        seconds = hour * 3600 + rng.integers(0, 3600, n)
        moment = self.clock.midnights[day] + seconds
        late = moment >= self.until.timestamp()  # today, after now: yesterday at that time
        return np.where(late, moment - 86_400, moment), np.where(late, day - 1, day).clip(0)

    def _near(self, anchor: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
        """A point a few metres from each anchor, inside its grid (else the anchor itself)."""
        lon0, lat0 = self.anchors.lon[anchor], self.anchors.lat[anchor]
        metres = rng.normal(0, JITTER_M, (len(anchor), 2))
        lat = lat0 + metres[:, 1] / 111_320
        lon = lon0 + metres[:, 0] / (111_320 * np.cos(np.radians(lat0)))
        inside = shapely.contains_xy(self.geometry[self.anchors.grid[anchor]], lon, lat)
        return np.where(inside, lon, lon0).round(7), np.where(inside, lat, lat0).round(7)

    def _frame(
        self, start: int, events: dict[str, np.ndarray], loop: Loop, rng: np.random.Generator
    ) -> pd.DataFrame:
        mix = self.mix
        n = len(loop.state)
        category = events["category"]
        channel = events["channel"]
        title_at = mix.title_start[category] + (rng.random(n) * mix.title_count[category]).astype(
            np.int64
        )
        title = mix.titles[title_at]
        lead = pd.Series(channel).map(_LEAD).fillna("").to_numpy()
        citizen = channel != "grid_worker"
        named = citizen & (rng.random(n) >= ANONYMOUS)
        local = self.clock.local(events["reported"])
        refs = _join(
            pd.Series(channel).map(dict(zip(mix.channels, mix.prefixes, strict=True))).to_numpy(),
            _yyyymmdd(local),
            _zfill(np.full(n, self.seed % 1000), 3),
            _zfill(np.arange(start, start + n), 8),
        )
        level_codes = np.array(list(self.config.levels), dtype=object)
        department = (
            np.where(loop.department >= 0, self.departments[loop.department.clip(0)], None)
            if len(self.departments)
            else np.full(n, None, dtype=object)
        )
        return pd.DataFrame(
            {
                "source_ref": refs.astype(object),
                "channel": channel,
                "category": mix.categories[category],
                "urgency": events["urgency"],
                "title": title,
                "description": _join(
                    lead, events["address"], title, "，", mix.tails[category]
                ).astype(object),
                "address": events["address"],
                "lon": events["lon"],
                "lat": events["lat"],
                "reported_at": _text(local),
                "reporter_name": np.where(named, _names(_surnames(rng, n), rng), None),
                "reporter_phone": np.where(citizen, _phones(rng, n), None),
                "state": loop.state,
                "level": level_codes[loop.level],
                "department": department,
                **{
                    f"{name}_at": _text(self.clock.local(moment))
                    for name, moment in loop.times.items()
                },
                "satisfaction": np.where(loop.satisfaction > 0, loop.satisfaction, None),
                "reworks": loop.reworks,
                "returns": loop.returns,
                "escalations": loop.escalations,
            }
        )[COLUMNS]


def _draw(weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One index per row of ``weights`` (rows: unnormalised probabilities)."""
    cumulative = np.cumsum(weights, axis=1)
    target = rng.random(len(weights))[:, None] * cumulative[:, -1:]
    return (cumulative <= target).sum(axis=1).clip(0, weights.shape[1] - 1)


def _copy_originals(events: dict[str, np.ndarray], loop: Loop, rng: np.random.Generator) -> None:
    """A duplicate (重复件) is about what another event reported a little earlier: its
    category, place and address (a few metres off)."""
    duplicate = np.flatnonzero(loop.state == "duplicate")
    if not len(duplicate):
        return
    order = np.argsort(events["reported"], kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    original = order[np.clip(rank[duplicate] - rng.integers(1, 40, len(duplicate)), 0, None)]
    for key in ("category", "urgency", "address"):
        events[key][duplicate] = events[key][original]
    for key in ("lon", "lat"):
        events[key][duplicate] = events[key][original]


def _yyyymmdd(local: np.ndarray) -> np.ndarray:
    text = np.datetime_as_string(local.astype("datetime64[D]"))
    return np.strings.replace(text.astype(str), "-", "")


def _text(local: np.ndarray) -> np.ndarray:
    """Local moments as ``YYYY-MM-DD HH:MM:SS``, empty for none."""
    text = np.strings.replace(np.datetime_as_string(local).astype(str), "T", " ")
    return np.where(np.isnat(local), None, text.astype(object))


def generate_events(
    grids: gpd.GeoDataFrame,
    folder: Path,
    departments: Sequence[Mapping[str, Any]],
    count: int,
    seed: int = 0,
    until: datetime | None = None,
    days: int = 365,
    config: EventSettings | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Write ``count`` generated events of the ``days`` before ``until`` into
    ``folder/events.csv``, placed at the homes and places of the population in ``folder``.

    Parameters
    ----------
    grids : GeoDataFrame
        The grids (``code``, geometry) the population was generated for.
    folder : Path
        Holds ``buildings.csv`` and ``places.csv`` (``gridmap.demo.population``).
    departments : sequence of mappings
        ``code``, ``region_code`` (a county's or township's) and ``categories`` (codes or
        groups; empty: everything), as ``demo.departments.departments_for`` makes them.
    count : int
        Events to write.
    seed : int
        The same inputs and seed give the same file.
    until : datetime, optional
        When the history ends (default: now): later milestones have not happened yet.
    config : EventSettings, optional
        Vocabularies, deadlines and calendar (default: the settings').

    Returns
    -------
    int
        Events written.
    """
    if count < 0 or seed < 0:
        raise ValueError("count and seed must not be negative")
    config = config or get_settings().events
    zone = ZoneInfo(config.time_zone)
    until = until or datetime.now(zone).replace(second=0, microsecond=0)
    if until.tzinfo is None:
        until = until.replace(tzinfo=zone)
    world = _World(grids, Path(folder), departments, config, until, days, seed)
    path = Path(folder) / "events.csv"
    pd.DataFrame(columns=COLUMNS).to_csv(path, index=False)
    for number, start in enumerate(range(0, count, CHUNK)):
        n = min(CHUNK, count - start)
        frame = world.chunk(start, n, np.random.default_rng([seed, number]))
        frame.to_csv(
            path, mode="a", header=False, index=False, float_format="%.7f", lineterminator="\n"
        )
        if on_progress is not None:
            on_progress(n)
    return count
