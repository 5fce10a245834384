"""Hot spots of areal units end to end (热点分析): points counted into polygons, counts as rates,
weights, then Gi* or local Moran. The service (grids and events in PostGIS) and the command line
(an analyst's own files, any CRS) run the same steps."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from libpysal.weights import W

from gridmap.core.errors import InvalidInput
from gridmap.ops import density, forecast
from gridmap.ops.hotspots import gi_star, local_moran, rates, spatial_weights

Method = Literal["gi_star", "local_moran"]
Rate = Literal["count", "per_km2", "per_1000"]


@dataclass(frozen=True)
class HotSpotOptions:
    """How to analyse: the statistic, what is compared (counts or rates), the weights and
    the permutations (DESIGN's defaults: Gi*, queen contiguity, 999, FDR)."""

    method: Method = "gi_star"
    rate: Rate = "count"
    weights: Literal["queen", "rook", "distance"] = "queen"
    distance_m: float | None = None
    permutations: int = 999
    seed: int = 12345
    levels: tuple[float, float, float] = (0.10, 0.05, 0.01)
    fdr: bool = True


def metric(frame: gpd.GeoDataFrame | gpd.GeoSeries):
    """The frame in a metric CRS (its own if projected, else its UTM zone)."""
    if frame.crs is None:
        raise InvalidInput("the units have no CRS: give one (e.g. EPSG:4326)", field="units")
    return frame if frame.crs.is_projected else frame.to_crs(frame.estimate_utm_crs())


def areas_km2(units: gpd.GeoDataFrame) -> np.ndarray:
    """Each unit's area in km², measured in a metric CRS."""
    return metric(units).geometry.area.to_numpy() / 1e6


def count_points(units: gpd.GeoDataFrame, points: gpd.GeoSeries) -> np.ndarray:
    """How many of ``points`` fall in each unit (a point on a shared edge counts once, in the
    first unit); in the units' CRS."""
    points = points.to_crs(units.crs) if points.crs != units.crs else points
    hit_point, hit_unit = shapely.STRtree(units.geometry.to_numpy()).query(
        points.to_numpy(), "intersects"
    )
    first = pd.Series(hit_unit).groupby(hit_point).min().to_numpy()
    return np.bincount(first, minlength=len(units)).astype(float)


def weights_of(units: gpd.GeoDataFrame, options: HotSpotOptions) -> W:
    """The spatial weights the options ask for (distance bands in metres)."""
    frame = metric(units) if options.weights == "distance" else units
    return spatial_weights(frame, options.weights, threshold_m=options.distance_m)


def analyze_units(
    units: gpd.GeoDataFrame,
    counts: np.ndarray,
    options: HotSpotOptions,
    population: np.ndarray | None = None,
    w: W | None = None,
) -> pd.DataFrame:
    """Hot spots of ``units`` (indexed by their id) from per-unit ``counts``: ``count``,
    ``value`` (the count or rate analysed) and the statistic's columns (Gi*: ``z``, ``p``,
    ``p_sim``, ``gi_bin``; local Moran: ``Ii``, ``z``, ``p_sim``, ``quadrant``, ``label``)."""
    if len(units) < 3:
        raise InvalidInput(f"{len(units)} units are too few for hot spots (3 or more)")
    counts = np.asarray(counts, dtype=float)
    if options.rate == "count":
        value = counts
    elif options.rate == "per_km2":
        value = rates(counts, area_km2=areas_km2(units))["per_km2"].to_numpy()
    else:
        if population is None:
            raise InvalidInput("a rate per 1,000 residents needs the residents", field="rate")
        # a unit without residents has no rate: 0 keeps it in the weights (said in the docs)
        value = np.nan_to_num(rates(counts, population=population)["per_1000"].to_numpy())
    w = w if w is not None else weights_of(units, options)
    series = pd.Series(value, index=units.index)
    if options.method == "gi_star":
        stats = gi_star(series, w, options.permutations, options.seed, options.levels, options.fdr)
    else:
        stats = local_moran(series, w, options.permutations, options.seed, options.levels[1])
    stats = stats.drop(columns=["value"], errors="ignore")
    return pd.concat(
        [pd.DataFrame({"count": counts, "value": value}, index=units.index), stats], axis=1
    )


def judge_maps(
    units: gpd.GeoDataFrame,
    train: gpd.GeoSeries,
    test: gpd.GeoSeries,
    options: HotSpotOptions,
    bandwidth_m: float,
    shares: tuple[float, ...] = (0.05, 0.10),
    w: W | None = None,
) -> list[dict]:
    """Does it predict: a Gi* map (events per km² of ``train``) and a kernel density of
    ``train``, judged on ``test`` at the same shares of the area (hit rate, PAI, PEI); and
    the Gi* hot spots (bins ≥ 2) against the density's top cells over their own share."""
    local = metric(units)
    train_m, test_m = train.to_crs(local.crs), test.to_crs(local.crs)
    trained = count_points(units, train)
    tested = count_points(units, test)
    gi = analyze_units(units, trained, replace(options, rate="per_km2", method="gi_star"), w=w)
    outline = local.geometry.union_all()
    x0, y0, x1, y1 = outline.bounds
    cell = max(25.0, (x1 - x0) / 400, (y1 - y0) / 400)
    bounds = (x0, y0, x1, y1)
    kde = density.kde_grid(
        train_m.x.to_numpy(), train_m.y.to_numpy(), None, bounds, cell, bandwidth_m
    )
    bins = gi["gi_bin"].to_numpy()
    table = forecast.compare_at_shares(
        gi["z"].to_numpy(),
        local.geometry.area.to_numpy() / 1e6,
        tested,
        kde,
        test_m.x.to_numpy(),
        test_m.y.to_numpy(),
        bounds,
        cell,
        shares,
        density.grid_mask(outline, bounds, cell),
        gi_bin=bins if (bins >= 2).any() else None,
    )
    return table.to_dict(orient="records")
