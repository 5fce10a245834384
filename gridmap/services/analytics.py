"""The centre's analytics (研判分析) over the caller's grids and events: hot spots, emerging hot
spots, whether a hot-spot map predicts, five-colour risk with its reasons, and heatmap tiles.

Grids are the areal units; events are counted per grid in PostGIS (row-level security scoping
both), then the statistics run on arrays (``gridmap.ops``). Spatial weights are kept per grid
system version (building them for 10,000 grids takes about a second).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from libpysal.weights import W
from sqlalchemy import Connection

from gridmap.core.access import Principal
from gridmap.core.errors import NotFound
from gridmap.core.plain import plain
from gridmap.core.settings import Settings
from gridmap.layers import analytics as rows
from gridmap.layers import changes
from gridmap.layers.events import EventFilter
from gridmap.ops import emerging, risk
from gridmap.ops.areal import HotSpotOptions, analyze_units, judge_maps, weights_of
from gridmap.services.tiles import Tile, audience, cached


class _Kept:
    """A few values kept by key (least recently used out), safe across request threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = make()
        with self._lock:
            self._values[key] = value
            while len(self._values) > self.size:
                self._values.popitem(last=False)
        return value


# the grids' outlines and weights, kept while the grid system does not change
_UNITS = _Kept(8)
_WEIGHTS = _Kept(8)
# hot-spot tables, kept while neither grids nor events change: a map's tiles share one
_HOTSPOTS = _Kept(16)


def options_from(settings: Settings, **given: Any) -> HotSpotOptions:
    """The configured hot-spot options, with what the request gives instead."""
    config = settings.analytics
    options = HotSpotOptions(
        weights=config.weights,
        distance_m=config.distance_m,
        permutations=config.permutations,
        seed=config.seed,
        levels=config.levels,
        fdr=config.fdr,
    )
    return replace(options, **{k: v for k, v in given.items() if v is not None})


def units_of(conn: Connection, prefix: str | None) -> gpd.GeoDataFrame:
    """The caller's grids under ``prefix`` with their outlines (and those as GeoJSON)."""
    codes = tuple(rows.unit_codes(conn, prefix))
    if not codes:
        raise NotFound("no grids to analyse in this region (or in your jurisdiction)")

    def read() -> gpd.GeoDataFrame:
        frame = pd.DataFrame(rows.units(conn, prefix))
        outlines = shapely.from_wkb(frame["wkb"].map(bytes).to_numpy())
        return gpd.GeoDataFrame(
            frame.drop(columns="wkb").assign(geojson=shapely.to_geojson(outlines)),
            geometry=outlines,
            crs="EPSG:4326",
        ).set_index("code", drop=False)

    return _UNITS.get((codes, changes.version(conn, ["grids"])), read)


def weights_for(conn: Connection, units: gpd.GeoDataFrame, options: HotSpotOptions) -> W:
    """The units' weights, kept while the grid system does not change."""
    key = (
        tuple(units.index),
        options.weights,
        options.distance_m,
        changes.version(conn, ["grids"]),
    )
    return _WEIGHTS.get(key, lambda: weights_of(units, options))


def _features(units: gpd.GeoDataFrame, table: pd.DataFrame, columns: list[str]) -> list[dict]:
    """Units as GeoJSON features with their name and ``columns`` of ``table``."""
    geometry = units["geojson"].to_numpy()
    values = table[columns].astype(object).where(table[columns].notna(), None)
    records = values.to_dict(orient="records")
    return [
        {
            "type": "Feature",
            "id": code,
            "geometry": json.loads(shape),
            "properties": {"code": code, "name": name, **record},
        }
        for code, name, shape, record in zip(
            units["code"], units["name"], geometry, records, strict=True
        )
    ]


def hotspot_table(
    conn: Connection,
    prefix: str | None,
    events: EventFilter,
    options: HotSpotOptions,
    units: gpd.GeoDataFrame,
) -> pd.DataFrame:
    """Each grid's count, value and statistic: the counting in PostGIS, the statistic on the
    kept weights."""
    counts = rows.counts_per_grid(conn, replace(events, prefix=prefix))
    count = units.index.map(lambda code: counts.get(code, 0)).to_numpy(dtype=float)
    population = None
    if options.rate == "per_1000":
        people = rows.residents_per_grid(conn, prefix)
        population = units.index.map(lambda code: people.get(code, 0)).to_numpy(dtype=float)
    return analyze_units(units, count, options, population, weights_for(conn, units, options))


def hotspots(
    conn: Connection,
    settings: Settings,
    prefix: str | None,
    events: EventFilter,
    options: HotSpotOptions,
) -> dict[str, Any]:
    """Hot spots of the grids under ``prefix`` for the events matching ``events``: GeoJSON
    with each grid's count, the value analysed and the statistic (Gi*: z, p, p_sim, gi_bin
    −3…3; local Moran: Ii, z, p_sim, quadrant label)."""
    units = units_of(conn, prefix)
    table = hotspot_table(conn, prefix, events, options, units)
    columns = [c for c in table.columns if c not in ("neighbours",)]
    return {
        "type": "FeatureCollection",
        "method": options.method,
        "rate": options.rate,
        "weights": options.weights,
        "permutations": options.permutations,
        "seed": options.seed,
        "fdr": options.fdr,
        "critical_p": plain(table.attrs.get("critical_p")),
        "events": int(table["count"].sum()),
        "features": _features(units, table, columns),
    }


def hotspot_tile(
    conn: Connection,
    settings: Settings,
    principal: Principal,
    prefix: str | None,
    events: EventFilter,
    options: HotSpotOptions,
    address: tuple[int, int, int],
) -> Tile:
    """Hot spots as a vector tile (layer ``hotspots``): the grids in the tile with their
    count, value and statistic. The statistic is computed once for the whole area and kept
    for the map's other tiles until a grid or an event changes."""
    units = units_of(conn, prefix)
    key = (
        tuple(units.index),
        repr(events),
        options,
        audience(principal),
        changes.version(conn, ["grids", "events"]),
    )
    table = _HOTSPOTS.get(key, lambda: hotspot_table(conn, prefix, events, options, units))
    figures = {
        name: (_sql_type(table[name]), plain(table[name].tolist()))
        for name in table.columns
        if name != "neighbours"
    }
    limit = settings.map.tile_feature_limit

    def draw() -> bytes:
        return rows.figures_tile(conn, "hotspots", address, list(units.index), figures, limit)

    return cached(conn, None, ("hotspots", *address), [], address, draw)


def _sql_type(column: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(column):
        return "boolean"
    if pd.api.types.is_integer_dtype(column):
        return "int8"
    return "float8" if pd.api.types.is_numeric_dtype(column) else "text"


def _period_starts(until: datetime, period: str, count: int, zone: str) -> list[datetime]:
    """The starts (local times in ``zone``, naive) of the ``count`` periods (weeks from
    Monday, or months) up to the one holding ``until``."""
    local = pd.Timestamp(until).tz_convert(zone).tz_localize(None)
    if period == "month":
        last = local.to_period("M").to_timestamp()
        return [(last - pd.DateOffset(months=k)).to_pydatetime() for k in range(count)][::-1]
    last = local.to_period("W-SUN").start_time
    return [(last - pd.Timedelta(weeks=k)).to_pydatetime() for k in range(count)][::-1]


def emerging_hotspots(
    conn: Connection,
    settings: Settings,
    prefix: str | None,
    events: EventFilter,
    until: datetime | None = None,
    period: str | None = None,
    periods: int | None = None,
) -> dict[str, Any]:
    """Emerging hot spots: the space-time cube of grids × periods up to ``until``, Gi* per
    period, a Mann-Kendall trend and each grid's pattern (new, consecutive, intensifying …)."""
    config = settings.analytics
    period = period or config.emerging_period
    zone = settings.events.time_zone
    end = until or datetime.now(UTC)
    starts = _period_starts(end, period, periods or config.emerging_periods, zone)
    units = units_of(conn, prefix)
    first = pd.Timestamp(starts[0]).tz_localize(zone).to_pydatetime()
    window = replace(events, prefix=prefix, since=first, until=end)
    table = pd.DataFrame(
        rows.counts_per_period(conn, window, period, zone), columns=["unit", "period", "value"]
    )
    index = {pd.Timestamp(start): k for k, start in enumerate(starts)}
    table["period"] = table["period"].map(lambda p: index.get(pd.Timestamp(p)))
    table = table.dropna(subset=["period"]).astype({"period": int, "value": float})
    options = options_from(settings)
    result = emerging.emerging_hot_spots(
        table,
        weights_for(conn, units, options),
        unit="unit",
        period="period",
        value="value",
        periods=list(range(len(starts))),
        levels=options.levels,
        fdr=options.fdr,
    )
    classes = result.units.reindex(units.index)
    return {
        "type": "FeatureCollection",
        "period": period,
        "periods": [s.isoformat() for s in starts],
        "features": _features(units, classes, list(classes.columns)),
    }


def _points(conn: Connection, events: EventFilter) -> gpd.GeoSeries:
    found = np.array(rows.points(conn, events, 2_000_000, srid=4326), dtype=float).reshape(-1, 2)
    return gpd.GeoSeries(gpd.points_from_xy(found[:, 0], found[:, 1]), crs="EPSG:4326")


def forecast_check(
    conn: Connection,
    settings: Settings,
    prefix: str | None,
    events: EventFilter,
    split: datetime,
    train_days: int = 365,
    test_days: int = 90,
    shares: tuple[float, ...] = (0.05, 0.10),
) -> dict[str, Any]:
    """Does it predict: a Gi* map and a kernel density of the events before ``split`` (over
    ``train_days``), judged on the events of the ``test_days`` after it (hit rate, PAI)."""
    units = units_of(conn, prefix)
    train = replace(events, prefix=prefix, since=split - timedelta(days=train_days), until=split)
    test = replace(events, prefix=prefix, since=split, until=split + timedelta(days=test_days))
    trained, tested = _points(conn, train), _points(conn, test)
    options = options_from(settings)
    bandwidth = settings.analytics.heatmap_bandwidth_m
    found = {
        "split": split.isoformat(),
        "train_events": len(trained),
        "test_events": len(tested),
        "bandwidth_m": bandwidth,
        "comparisons": [],
    }
    if len(trained) == 0:
        # no map can be drawn from nothing: nothing to judge
        return {**found, "note": "no events before split to learn from"}
    table = judge_maps(
        units, trained, tested, options, bandwidth, shares, weights_for(conn, units, options)
    )
    return {**found, "comparisons": plain(table)}


def risk_colours(
    conn: Connection, settings: Settings, prefix: str | None, at: datetime | None = None
) -> dict[str, Any]:
    """Five-colour risk (五色管控) per grid at ``at``: score, colour and the reasons (each
    factor's value, weight and points) and last month's colour; the colours now are kept as
    the month's."""
    config = settings.analytics
    now = at or datetime.now(UTC)
    people = settings.people.key_groups
    factors_in = rows.risk_factors(
        conn,
        prefix,
        now,
        {
            "since": now - timedelta(days=config.risk_window_days),
            "half_life": config.risk_half_life_days,
            "urgency_weights": json.dumps(config.risk_urgency_weights),
            "open_states": settings.events.open_states,
            "attention": [k for k, g in people.items() if g.level == "attention"],
            "care": [k for k, g in people.items() if g.level == "care"],
            "hazard_kinds": config.risk_hazard_place_kinds,
            "working": settings.cameras.working_statuses,
        },
    )
    if not factors_in:
        raise NotFound("no grids in this region (or in your jurisdiction)")
    table = pd.DataFrame(factors_in).set_index("code")
    factors = {name: f.model_dump() for name, f in config.risk_factors.items()}
    scored = risk.risk_scores(
        table.rename(columns={"residents": "population"}),
        factors,
        config.risk_thresholds,
        config.risk_default_colour,
    )
    grids = scored.grids
    counted = grids["colour"].value_counts().to_dict()
    names = [*config.risk_thresholds, config.risk_default_colour]
    local = pd.Timestamp(now).tz_convert(settings.events.time_zone)
    month = local.date().replace(day=1)
    before = rows.risk_before(conn, month, list(grids.index))
    found = [
        {
            "code": code,
            "name": table.at[code, "name"],
            "score": round(float(grids.at[code, "score"]), 2),
            "colour": grids.at[code, "colour"],
            "previous": before.get(code),
            "summary": grids.at[code, "summary"],
            "reasons": plain(grids.at[code, "reasons"]),
        }
        for code in grids.index
    ]
    if at is None:  # the colours now are the month's (kept; the latest of the month wins)
        rows.keep_risk(conn, month, found)
    return {
        "at": now.isoformat(),
        "month": month.isoformat(),
        "thresholds": config.risk_thresholds,
        "colours": {colour: int(counted.get(colour, 0)) for colour in names},
        "changed": sum(1 for g in found if g["previous"] and g["previous"] != g["colour"]),
        "grids": found,
    }


def risk_history(conn: Connection, grid: str) -> list[dict[str, Any]]:
    """A grid's kept colours by month, newest first."""
    return rows.risk_history(conn, grid)
