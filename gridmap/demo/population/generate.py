"""The generation itself: the plan, then every file's rows chunk by chunk of grids (网格),
written as they come.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from gridmap.core.settings import get_settings
from gridmap.demo.population.buildings import _buildings, _household_sizes, _households
from gridmap.demo.population.places import _organisations, _places, _things
from gridmap.demo.population.plan import _chunks, _plan, _Run, _run, _Vocab
from gridmap.demo.population.residents import _residents, _workers
from gridmap.demo.population.settlements import _settle
from gridmap.demo.population.writer import _readme, _Sink


def _chunk(plan: pd.DataFrame, run: _Run, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """Every file's rows for one chunk of grids."""
    grids = _settle(plan, rng)
    household_grid, sizes = _household_sizes(grids.col("residents"), rng)
    households = np.bincount(household_grid, minlength=len(grids))
    buildings = _buildings(grids, households, run, rng)
    hh = _households(buildings, grids, households, rng)
    return {
        "grid_workers": _workers(grids, run, rng),
        "buildings": buildings,
        "households": hh,
        "residents": _residents(hh, sizes, grids, run, rng),
        "places": _places(grids, run, rng),
        "things": _things(grids, run, rng),
        "organisations": _organisations(grids, buildings, run, rng),
    }


def generate_population(
    grids: gpd.GeoDataFrame,
    residents: int,
    out_dir: Path,
    seed: int = 0,
    county_codes: Sequence[str] = (),
    today: dt.date | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Write a generated population (合成人口) for ``grids`` as CSV ledgers into ``out_dir``.

    Parameters
    ----------
    grids : GeoDataFrame
        EPSG:4326 grids with ``code`` (15 digits), ``name``, ``region_code``,
        ``region_name`` (the township) and Polygon/MultiPolygon geometry.
    residents : int
        Residents wanted in all; grids get lognormal shares that add up to it exactly.
    out_dir : Path
        Created if missing; the files of `COLUMNS` and a README.md are (over)written.
    seed : int
        A non-negative seed: the same inputs and seed give the same files.
    county_codes : sequence of str
        6-digit county codes floating residents are registered in; empty: the grids' counties.
    today : date, optional
        The date ages are reckoned at; default today.
    on_progress : callable, optional
        Called after each chunk with the residents it wrote.

    Returns
    -------
    dict
        Rows written per file stem.
    """
    if residents < 0 or seed < 0:
        raise ValueError("residents and seed must not be negative")
    if not len(grids):
        raise ValueError("no grids to populate")
    today = today or dt.date.today()
    vocab = _Vocab.of(get_settings().people)
    rng = np.random.default_rng(seed)
    plan = _plan(grids, residents, rng)
    run = _run(plan, county_codes, vocab, today, rng)
    sink = _Sink(Path(out_dir))
    for number, rows in enumerate(_chunks(plan.residents.to_numpy())):
        # a generator per chunk: its rows do not depend on how far the others drew
        frames = _chunk(
            plan.iloc[rows].reset_index(drop=True), run, np.random.default_rng([seed, number])
        )
        sink.write(frames)
        if on_progress is not None:
            on_progress(len(frames["residents"]))
    _readme(Path(out_dir), seed, today, sink.counts, len(plan))
    return dict(sink.counts)
