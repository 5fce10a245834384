"""Kernel density (核密度) of events on a raster, for heat-map tiles and forecasts.

Everything is in one metric CRS chosen by the caller, in true metres (a CGCS2000 Gauss-Krüger
zone, UTM …), never Web Mercator, whose "metres" are stretched by 1/cos(latitude): at 30° N
its areas are 1.33 × too large and a density 25 % too low.

The raster
----------
`kde_grid` covers ``bounds`` = (xmin, ymin, xmax, ymax) with square cells of ``cell_m``
metres, ``ceil((xmax - xmin) / cell_m)`` columns and ``ceil((ymax - ymin) / cell_m)`` rows,
so it may reach up to one cell beyond xmax and ymax (`grid_bounds` gives the exact extent).
Row 0 is the northern edge, column 0 the western edge (the order of an image): cell (r, c)
has its centre at (xmin + (c + ½) · cell_m, ymax' - (r + ½) · cell_m), ymax' the grid's top.

The unit is events per km²: each event spreads one unit of mass (or its weight) over the
kernel, so the sum of density × cell area (cell_m² / 10⁶ km²) equals the number of events,
except for the mass of events near the edge that falls outside the raster. Events within a
bandwidth outside ``bounds`` still count on the cells they reach.

How it is computed
------------------
The events are binned to the cell they fall in (their position is taken as the cell's
centre, an error of at most cell_m / √2: keep ``cell_m`` at a fifth of the bandwidth or less),
and the counts are convolved with the kernel sampled at the cells' centres (FFT convolution,
`scipy.signal.fftconvolve`: no loop over the events). The sampled kernel is scaled to sum to
exactly 1, so no mass is lost to the sampling. Kernels, with d the distance and h
``bandwidth_m``:

* ``"quartic"`` (the default; Silverman's biweight, as ArcGIS's Kernel Density):
  3 / (π h²) · (1 - d²/h²)² for d < h;
* ``"epanechnikov"``: 2 / (π h²) · (1 - d²/h²) for d < h;
* ``"gaussian"``: h is the standard deviation, truncated at 3 h.

For one event of weight 1 and the quartic kernel, the density at the event is 3 / (π h²)
events/m², i.e. 3.82 events/km² for h = 500 m.

Rendering
---------
`density_breaks` chooses class bounds in events/km² and `density_png` paints a density array
as an RGBA PNG with a colour ramp (ColorBrewer YlOrRd by default), cells below the first
bound transparent, and describes the classes for the legend. Tiles of the same map must share
one set of bounds, computed once over the whole area, or their colours will not match across
tile edges.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import shapely
from numpy.typing import ArrayLike
from PIL import Image
from scipy.signal import fftconvolve

from gridmap.core.errors import InvalidInput

__all__ = [
    "YLORRD",
    "DensityImage",
    "bandwidth_for_zoom",
    "cell_index",
    "density_breaks",
    "density_png",
    "grid_bounds",
    "grid_mask",
    "grid_shape",
    "kde_grid",
    "tile_resolution_m",
]

YLORRD: Final[tuple[str, ...]] = (
    "#ffffcc",
    "#ffeda0",
    "#fed976",
    "#feb24c",
    "#fd8d3c",
    "#fc4e2a",
    "#e31a1c",
    "#bd0026",
    "#800026",
)
"""ColorBrewer's 9-class YlOrRd, light to dark: the default ramp."""

KERNELS: Final = ("quartic", "epanechnikov", "gaussian")
_MAX_CELLS: Final = 25_000_000  # 5,000 × 5,000 cells: 200 MB of float64
_GAUSSIAN_CUT: Final = 3.0  # standard deviations
_EARTH_RADIUS_M: Final = 6_378_137.0  # WGS 84 / Web Mercator sphere
_M2_PER_KM2: Final = 1e6


# --- the raster -----------------------------------------------------------------------------


def grid_shape(bounds: Sequence[float], cell_m: float) -> tuple[int, int]:
    """(rows, columns) of the raster over ``bounds`` with cells of ``cell_m`` metres."""
    xmin, ymin, xmax, ymax = _bounds(bounds)
    cell = _positive("cell_m", cell_m)
    rows = max(1, math.ceil((ymax - ymin) / cell - 1e-9))
    cols = max(1, math.ceil((xmax - xmin) / cell - 1e-9))
    if rows * cols > _MAX_CELLS:
        raise InvalidInput(
            f"cell_m={cell:g} gives {rows} × {cols} cells over these bounds, more than "
            f"{_MAX_CELLS:,}: use larger cells or smaller bounds",
            field="cell_m",
        )
    return rows, cols


def grid_bounds(bounds: Sequence[float], cell_m: float) -> tuple[float, float, float, float]:
    """The raster's exact extent: (xmin, ymin, xmin + cols · cell_m, ymin + rows · cell_m)."""
    xmin, ymin, _, _ = _bounds(bounds)
    rows, cols = grid_shape(bounds, cell_m)
    return xmin, ymin, xmin + cols * cell_m, ymin + rows * cell_m


def cell_index(
    x: ArrayLike, y: ArrayLike, bounds: Sequence[float], cell_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """The (row, column) of the cell each point falls in, -1 for points off the raster.

    Cells are half-open: a point on a cell's western or southern edge belongs to it.
    """
    xs = _coordinates("x", x)
    ys = _coordinates("y", y, len(xs))
    xmin, ymin, _, _ = _bounds(bounds)
    rows, cols = grid_shape(bounds, cell_m)
    col = np.floor((xs - xmin) / cell_m).astype(np.int64)
    row_up = np.floor((ys - ymin) / cell_m).astype(np.int64)  # counted from the south
    inside = (col >= 0) & (col < cols) & (row_up >= 0) & (row_up < rows)
    row = np.where(inside, rows - 1 - row_up, -1)
    return row, np.where(inside, col, -1)


def grid_mask(geometry: shapely.Geometry, bounds: Sequence[float], cell_m: float) -> np.ndarray:
    """Cells whose centre lies in ``geometry`` (the study area), as a (rows, cols) bool array."""
    if not isinstance(geometry, shapely.Geometry) or geometry.is_empty:
        raise InvalidInput("geometry must be a non-empty shapely geometry", field="geometry")
    xmin, _, _, ymax = grid_bounds(bounds, cell_m)
    rows, cols = grid_shape(bounds, cell_m)
    cx = xmin + (np.arange(cols) + 0.5) * cell_m
    cy = ymax - (np.arange(rows) + 0.5) * cell_m
    shapely.prepare(geometry)
    return shapely.contains_xy(geometry, cx[None, :], cy[:, None])


# --- kernel density -------------------------------------------------------------------------


def kde_grid(
    x: ArrayLike,
    y: ArrayLike,
    weights: ArrayLike | None,
    bounds: Sequence[float],
    cell_m: float,
    bandwidth_m: float,
    kernel: Literal["quartic", "epanechnikov", "gaussian"] = "quartic",
) -> np.ndarray:
    """Kernel density of points in events per km² on a raster (module docstring).

    Parameters
    ----------
    x, y : array_like
        Event coordinates in metres, in a metric CRS.
    weights : array_like, optional
        A non-negative weight per event (None: 1 each); the density is then weight per km².
    bounds : (xmin, ymin, xmax, ymax)
        The area to cover, in the same CRS.
    cell_m : float
        Cell size in metres.
    bandwidth_m : float
        Kernel bandwidth in metres (the quartic kernel's radius; the Gaussian's standard
        deviation), at least ``cell_m``.
    kernel : {"quartic", "epanechnikov", "gaussian"}
        The kernel's shape.

    Returns
    -------
    numpy.ndarray
        (rows, cols) float64 array of events per km², row 0 at the north.
    """
    xs = _coordinates("x", x)
    ys = _coordinates("y", y, len(xs))
    if weights is None:
        mass = np.ones(len(xs))
    else:
        mass = _coordinates("weights", weights, len(xs))
        if np.any(mass < 0):
            at = int(np.flatnonzero(mass < 0)[0])
            raise InvalidInput(
                f"weights must be non-negative; event {at} has {mass[at]:g}", field="weights"
            )
    cell = _positive("cell_m", cell_m)
    bandwidth = _positive("bandwidth_m", bandwidth_m)
    if bandwidth < cell:
        raise InvalidInput(
            f"bandwidth_m must be at least cell_m ({cell:g} m), got {bandwidth:g}",
            field="bandwidth_m",
        )
    stencil = _stencil(kernel, bandwidth, cell)
    rows, cols = grid_shape(bounds, cell)
    xmin, ymin, _, _ = _bounds(bounds)
    pad = stencil.shape[0] // 2
    # bin into the raster plus a margin of the kernel's radius, so events just outside count
    col = np.floor((xs - xmin) / cell).astype(np.int64) + pad
    row_up = np.floor((ys - ymin) / cell).astype(np.int64) + pad
    height, width = rows + 2 * pad, cols + 2 * pad
    inside = (col >= 0) & (col < width) & (row_up >= 0) & (row_up < height)
    flat = (height - 1 - row_up[inside]) * width + col[inside]
    counts = np.bincount(flat, weights=mass[inside], minlength=height * width)
    if not counts.any():
        return np.zeros((rows, cols))
    density = fftconvolve(counts.reshape(height, width), stencil, mode="valid")
    density *= _M2_PER_KM2 / (cell * cell)
    density[density < density.max() * 1e-12] = 0.0  # FFT round-off where nothing reaches
    return density


def _stencil(kernel: str, bandwidth: float, cell: float) -> np.ndarray:
    """The kernel sampled at cell-centre offsets, scaled to sum to 1 (odd square array)."""
    if kernel not in KERNELS:
        raise InvalidInput(
            f"kernel must be one of {', '.join(KERNELS)}, got {kernel!r}", field="kernel"
        )
    reach = bandwidth * (_GAUSSIAN_CUT if kernel == "gaussian" else 1.0)
    radius = math.ceil(reach / cell)
    offsets = np.arange(-radius, radius + 1) * cell
    d2 = offsets[None, :] ** 2 + offsets[:, None] ** 2
    u2 = d2 / bandwidth**2
    if kernel == "quartic":
        values = np.where(u2 < 1, (1 - u2) ** 2, 0.0)
    elif kernel == "epanechnikov":
        values = np.where(u2 < 1, 1 - u2, 0.0)
    else:
        values = np.where(d2 <= reach**2, np.exp(-u2 / 2), 0.0)
    return values / values.sum()


def bandwidth_for_zoom(
    zoom: float,
    base_m: float = 400.0,
    base_zoom: float = 14.0,
    min_m: float = 50.0,
    max_m: float = 5_000.0,
) -> float:
    """A kernel bandwidth in metres for a web-map zoom level.

    The bandwidth doubles with each zoom level out from ``base_zoom`` (where it is
    ``base_m``), so the heat spots keep about the same size on screen, and is kept between
    ``min_m`` (below it the map shows the scatter of geocoding, not a density) and ``max_m``
    (beyond it one blob covers a district). Defaults: 400 m at zoom 14 (a neighbourhood;
    about 40 screen pixels at 30° N), 50 m from zoom 17, 5 km at zoom 10 and out. A cell
    of a fifth of the bandwidth or less keeps the binning error small.
    """
    if not np.isfinite(zoom) or not 0 <= zoom <= 30:
        raise InvalidInput(f"zoom must be between 0 and 30, got {zoom!r}", field="zoom")
    base = _positive("base_m", base_m)
    low = _positive("min_m", min_m)
    high = _positive("max_m", max_m)
    if low > high:
        raise InvalidInput(f"min_m ({low:g}) must not exceed max_m ({high:g})", field="min_m")
    return float(min(high, max(low, base * 2.0 ** (base_zoom - zoom))))


def tile_resolution_m(zoom: float, latitude_deg: float, tile_px: int = 256) -> float:
    """Ground metres per pixel of a Web Mercator tile at ``zoom`` and ``latitude_deg``."""
    if not np.isfinite(latitude_deg) or not -85.06 <= latitude_deg <= 85.06:
        raise InvalidInput(
            f"latitude_deg must be within ±85.06°, got {latitude_deg!r}", field="latitude_deg"
        )
    circumference = 2 * math.pi * _EARTH_RADIUS_M * math.cos(math.radians(latitude_deg))
    return circumference / (tile_px * 2.0**zoom)


# --- rendering ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DensityImage:
    """A painted density raster.

    Attributes
    ----------
    png : bytes
        RGBA PNG, one pixel per cell, row 0 at the top (north).
    legend : list of dict
        One entry per class, lightest first: ``class`` (1 …), ``min`` and ``max`` (events/km²;
        ``max`` None for the top class), ``colour`` ("#rrggbb") and ``label``
        (e.g. "1.2–3.5 events/km²"). Cells below the first ``min`` are transparent.
    breaks : numpy.ndarray
        The classes' lower bounds in events/km².
    """

    png: bytes
    legend: list[dict]
    breaks: np.ndarray


def density_breaks(
    density: ArrayLike,
    classes: int = 5,
    method: Literal["quantile", "equal"] = "quantile",
    floor_share: float = 0.05,
) -> np.ndarray:
    """Lower bounds of ``classes`` density classes, in events/km², rounded to 2 digits.

    The first bound is ``floor_share`` of the maximum density: the faint rim of the kernels
    below it stays transparent. The others split the cells at or above it into classes of
    equal numbers of cells (``"quantile"``) or equal density ranges (``"equal"``). Bounds that
    round to the same value merge, so fewer classes can come back. NaN cells are ignored.
    """
    values = np.asarray(density, dtype=float)
    if isinstance(classes, bool) or not isinstance(classes, int) or not 1 <= classes <= 9:
        raise InvalidInput(f"classes must be 1 … 9, got {classes!r}", field="classes")
    if method not in ("quantile", "equal"):
        raise InvalidInput(f"method must be 'quantile' or 'equal', got {method!r}", field="method")
    if not 0 < floor_share < 1:
        raise InvalidInput(
            f"floor_share must be between 0 and 1, got {floor_share!r}", field="floor_share"
        )
    finite = values[np.isfinite(values)]
    top = float(finite.max()) if finite.size else 0.0
    if top <= 0:
        raise InvalidInput("density has no positive cell: nothing to classify", field="density")
    floor = floor_share * top
    if method == "quantile":
        above = finite[finite >= floor]
        inner = np.quantile(above, np.arange(1, classes) / classes)
    else:
        inner = floor + (top - floor) * np.arange(1, classes) / classes
    bounds = np.array([_round2(v) for v in (floor, *inner)])
    return np.unique(bounds[bounds > 0])


def density_png(
    density: ArrayLike,
    breaks: ArrayLike | None = None,
    colours: Sequence[str] | None = None,
    opacity: float = 0.8,
    classes: int = 5,
    method: Literal["quantile", "equal"] = "quantile",
) -> DensityImage:
    """Paint a density raster (events/km², row 0 north) as an RGBA PNG with its legend.

    Parameters
    ----------
    density : array_like
        2-D densities; NaN cells (outside the study area) are transparent.
    breaks : array_like, optional
        Increasing lower bounds of the classes in events/km² (share them between tiles); by
        default `density_breaks` of this array with ``classes`` and ``method``.
    colours : sequence of str, optional
        "#rrggbb" per class, lightest first; by default sampled from `YLORRD`.
    opacity : float
        Alpha of the painted cells, 0 … 1.

    Returns
    -------
    DensityImage
    """
    values = np.asarray(density, dtype=float)
    if values.ndim != 2 or values.size == 0:
        raise InvalidInput(
            f"density must be a 2-D array, got shape {values.shape}", field="density"
        )
    if not 0 <= opacity <= 1:
        raise InvalidInput(f"opacity must be between 0 and 1, got {opacity!r}", field="opacity")
    if breaks is None:
        bounds = density_breaks(values, classes, method)
    else:
        bounds = np.asarray(breaks, dtype=float).ravel()
        if bounds.size == 0 or not np.all(np.isfinite(bounds)) or np.any(np.diff(bounds) <= 0):
            raise InvalidInput(
                f"breaks must be finite and strictly increasing, got {bounds.tolist()}",
                field="breaks",
            )
    ramp = _ramp(len(bounds)) if colours is None else list(colours)
    if len(ramp) != len(bounds):
        raise InvalidInput(
            f"colours must give one colour per class ({len(bounds)}), got {len(ramp)}",
            field="colours",
        )
    rgb = np.array([_rgb(c) for c in ramp], dtype=np.uint8)
    filled = np.where(np.isfinite(values), values, -np.inf)
    level = np.searchsorted(bounds, filled, side="right") - 1  # -1: below the first bound
    image = np.zeros((*values.shape, 4), dtype=np.uint8)
    painted = level >= 0
    image[painted, :3] = rgb[level[painted]]
    image[painted, 3] = round(255 * opacity)
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG", compress_level=6)
    legend = [
        {
            "class": i + 1,
            "min": float(lo),
            "max": float(bounds[i + 1]) if i + 1 < len(bounds) else None,
            "colour": ramp[i],
            "label": (
                f"{lo:g}–{bounds[i + 1]:g} events/km²"
                if i + 1 < len(bounds)
                else f"≥ {lo:g} events/km²"
            ),
        }
        for i, lo in enumerate(bounds)
    ]
    return DensityImage(png=buffer.getvalue(), legend=legend, breaks=bounds)


def _ramp(count: int) -> list[str]:
    """``count`` colours spread over YlOrRd from its third colour to its last."""
    if count == 1:
        return [YLORRD[-2]]
    anchors = np.array([_rgb(c) for c in YLORRD], dtype=float)
    positions = np.linspace(2, len(YLORRD) - 1, count)
    below = np.floor(positions).astype(int)
    above = np.minimum(below + 1, len(YLORRD) - 1)
    share = (positions - below)[:, None]
    mixed = np.rint(anchors[below] * (1 - share) + anchors[above] * share).astype(int)
    return ["#{:02x}{:02x}{:02x}".format(*c) for c in mixed]


def _rgb(colour: str) -> tuple[int, int, int]:
    text = str(colour)
    if len(text) != 7 or text[0] != "#":
        raise InvalidInput(f"colours must be '#rrggbb', got {colour!r}", field="colours")
    try:
        return int(text[1:3], 16), int(text[3:5], 16), int(text[5:7], 16)
    except ValueError:
        raise InvalidInput(f"colours must be '#rrggbb', got {colour!r}", field="colours") from None


def _round2(value: float) -> float:
    """``value`` rounded to two significant digits."""
    if value <= 0:
        return 0.0
    digits = 1 - math.floor(math.log10(value))
    return round(value, digits)


# --- checking arguments ---------------------------------------------------------------------


def _bounds(bounds: Sequence[float]) -> tuple[float, float, float, float]:
    try:
        xmin, ymin, xmax, ymax = (float(v) for v in bounds)
    except (TypeError, ValueError):
        raise InvalidInput(
            f"bounds must be (xmin, ymin, xmax, ymax), got {bounds!r}", field="bounds"
        ) from None
    if not all(map(np.isfinite, (xmin, ymin, xmax, ymax))) or xmin >= xmax or ymin >= ymax:
        raise InvalidInput(
            f"bounds must be finite with xmin < xmax and ymin < ymax, got {bounds!r}",
            field="bounds",
        )
    return xmin, ymin, xmax, ymax


def _positive(name: str, value: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} must be a number, got {value!r}", field=name) from None
    if not np.isfinite(number) or number <= 0:
        raise InvalidInput(f"{name} must be a positive number of metres, got {value!r}", field=name)
    return number


def _coordinates(name: str, values: ArrayLike, length: int | None = None) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} must be numbers, got {values!r}", field=name) from None
    if length is not None and len(array) != length:
        raise InvalidInput(
            f"{name} must have one value per event ({length}), got {len(array)}", field=name
        )
    if not np.all(np.isfinite(array)):
        at = int(np.flatnonzero(~np.isfinite(array))[0])
        raise InvalidInput(f"{name} must be finite; event {at} has {array[at]:g}", field=name)
    return array
