"""Incident heatmaps (事件热力图) as map tiles: kernel density of the caller's events, drawn per
tile on the server and kept until an event near the tile changes.

Each tile takes the events within a bandwidth of it (the bandwidth set for the zoom, in true
metres), estimates their density in events per km² on cells of a few pixels, and paints it with
class breaks shared by every tile of the map at that zoom (else each tile would paint its own
scale): the breaks come from the density of all the caller's matching events at that zoom,
kept per filter and version of the events.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import replace
from typing import Any

import numpy as np
from sqlalchemy import Connection

from gridmap.core.access import Principal
from gridmap.core.settings import Settings
from gridmap.layers import analytics as rows
from gridmap.layers import changes
from gridmap.layers.events import EventFilter
from gridmap.ops import density
from gridmap.services.tiles import Tile, TileCache, audience, cached

HALF_WORLD = 20037508.342789244  # Web Mercator, metres
TILE_PX = 256
# points read for one tile at most (beyond, a tile is saturated anyway)
_TILE_POINTS = 500_000
_BREAKS: OrderedDict[tuple, list[float]] = OrderedDict()
_BREAKS_LOCK = threading.Lock()


def _tile_box(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """The tile's bounds in Web Mercator metres."""
    size = 2 * HALF_WORLD / 2**z
    return (
        -HALF_WORLD + x * size,
        HALF_WORLD - (y + 1) * size,
        -HALF_WORLD + (x + 1) * size,
        HALF_WORLD - y * size,
    )


def _lonlat(mx: float, my: float) -> tuple[float, float]:
    lon = mx / HALF_WORLD * 180
    lat = math.degrees(2 * math.atan(math.exp(my / 6378137.0)) - math.pi / 2)
    return lon, lat


def _colours(settings: Settings, classes: int) -> list[str]:
    """The configured colours for ``classes`` classes: bounds that round alike merge, so a
    sparse map (a rare category, a short period, no event at all) has fewer classes than
    configured; they take colours spread over the configured ramp, the darkest kept."""
    ramp = list(settings.analytics.heatmap_colours)
    if classes == len(ramp):
        return ramp
    if classes == 1:
        return ramp[-1:]
    return [ramp[i] for i in np.linspace(0, len(ramp) - 1, classes).round().astype(int)]


def _bandwidth(settings: Settings, z: int) -> float:
    return density.bandwidth_for_zoom(z, base_m=settings.analytics.heatmap_bandwidth_m)


def _density(
    conn: Connection,
    events: EventFilter,
    box: tuple[float, float, float, float],
    lat: float,
    cell_m: float,
    bandwidth_m: float,
    limit: int,
) -> np.ndarray:
    """Events per km² on cells over ``box`` (Web Mercator), from the events within a bandwidth
    of it; true metres near ``lat``."""
    scale = math.cos(math.radians(lat))
    reach = bandwidth_m / scale
    west, south = _lonlat(box[0] - reach, box[1] - reach)
    east, north = _lonlat(box[2] + reach, box[3] + reach)
    found = rows.points(conn, replace(events, bbox=(west, south, east, north)), limit)
    xy = np.array(found, dtype=float).reshape(-1, 2) * scale
    bounds = tuple(v * scale for v in box)
    return density.kde_grid(xy[:, 0], xy[:, 1], None, bounds, cell_m, bandwidth_m)


def breaks(
    conn: Connection, settings: Settings, principal: Principal, events: EventFilter, z: int
) -> list[float]:
    """The classes' lower bounds (events/km²) of the map at zoom ``z``: from the density of
    all the caller's matching events at that zoom's bandwidth, kept per events version."""
    key = (audience(principal), repr(events), z, changes.version(conn, ["events"]))
    with _BREAKS_LOCK:
        if key in _BREAKS:
            return _BREAKS[key]
    bandwidth = _bandwidth(settings, z)
    every = np.array(rows.points(conn, events, 2_000_000), dtype=float).reshape(-1, 2)
    if len(every) == 0:
        found = [1.0]
    else:
        lat = _lonlat(0, float(np.median(every[:, 1])))[1]
        margin = 2 * bandwidth / math.cos(math.radians(lat))
        box = (
            every[:, 0].min() - margin,
            every[:, 1].min() - margin,
            every[:, 0].max() + margin,
            every[:, 1].max() + margin,
        )
        cell = max(bandwidth / 3, (box[2] - box[0]) * math.cos(math.radians(lat)) / 600)
        # zoomed in on a wide area a cell is wider than the kernel: each event fills its cell
        bandwidth = max(bandwidth, cell)
        grid = _density(conn, events, box, lat, cell, bandwidth, 2_000_000)
        config = settings.analytics
        found = [float(b) for b in density.density_breaks(grid, config.heatmap_classes)]
    with _BREAKS_LOCK:
        _BREAKS[key] = found
        while len(_BREAKS) > 64:
            _BREAKS.popitem(last=False)
    return found


def legend(
    conn: Connection, settings: Settings, principal: Principal, events: EventFilter, z: int
) -> dict[str, Any]:
    """The heatmap's legend at zoom ``z``: classes with their events/km² and colours."""
    lower = breaks(conn, settings, principal, events, z)
    painted = density.density_png(np.array([[0.0]]), lower, _colours(settings, len(lower)))
    return {
        "unit": "events/km²",
        "zoom": z,
        "bandwidth_m": _bandwidth(settings, z),
        "classes": painted.legend,
    }


def tile(
    conn: Connection,
    settings: Settings,
    cache: TileCache | None,
    principal: Principal,
    events: EventFilter,
    address: tuple[int, int, int],
) -> Tile:
    """A heatmap tile (PNG, one pixel a cell, stretched to 256 px by the map)."""
    config = settings.analytics
    z, x, y = address
    key = ("heatmap", *address, audience(principal), repr(events))

    def draw() -> bytes:
        box = _tile_box(z, x, y)
        lat = _lonlat(0, (box[1] + box[3]) / 2)[1]
        cell = density.tile_resolution_m(z, lat, TILE_PX) * config.heatmap_cell_px
        # far out a cell is wider than the widest kernel: each event then fills its cell
        bandwidth = max(_bandwidth(settings, z), cell)
        grid = _density(conn, events, box, lat, cell, bandwidth, _TILE_POINTS)
        lower = breaks(conn, settings, principal, events, z)
        colours = _colours(settings, len(lower))
        painted = density.density_png(grid, lower, colours, config.heatmap_opacity)
        return painted.png

    return cached(conn, cache, key, ["events"], address, draw)
