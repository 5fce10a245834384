"""What a Sharp Eyes camera (雪亮工程) really sees: its view sector, minus what buildings hide.

A camera sees a sector from where it stands, centred on its direction (degrees clockwise from
north) and as wide as its horizontal field of view (HFOV), out to the range at which it still
gives the pixel density a task needs (IEC 62676-4 DORI, `DORI`). Building footprints in the way
cast shadows (a 2-D visibility polygon, computed here by shadow casting), and a tilted fixed
camera does not see the ground right under it (`ground_limits`).

Everything is vectorised over cameras: sectors are built as one coordinate array, the buildings
near every sector found with one `shapely.STRtree` query, the shadows of all (camera, building
edge) pairs built at once with numpy, then unioned and subtracted per camera by shapely's array
functions. `sectors` and `occluded` work in any metric CRS (metres); `camera_views` takes and
returns EPSG:4326 and works in a `LocalFrame` around the cameras.

The visibility polygons are shadow casting written here: the libraries that compute 2-D
visibility polygons (CGAL's Visibility_2, e.g. through pyvispoly; VisiLibity1's bindings,
unmaintained since 2018) answer one viewpoint at a time in an environment of disjoint holes,
need a C++ build, and would mean a Python loop over the cameras.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import CRS
from shapely import Polygon

from gridmap.core.errors import InvalidInput
from gridmap.ops.frame import LocalFrame

__all__ = [
    "DORI",
    "CameraDefaults",
    "camera_views",
    "dori_range",
    "ground_limits",
    "occluded",
    "sectors",
    "vertical_fov",
]

DORI: Final[Mapping[str, float]] = MappingProxyType(
    {"detect": 25.0, "observe": 62.5, "recognise": 125.0, "identify": 250.0}
)
"""IEC 62676-4 pixel densities (px/m at the target) by task."""

_POLYGON: Final = 3
_TURNING: Final = (1, 2)  # GB/T 28181 PTZType: 1 dome (球机), 2 half-dome (半球)
_PTZ_TYPES: Final = (1, 2, 3, 4)
_MAX_THREADS: Final = 8  # overlays run in parallel threads, at most this many


# --- checking arguments -------------------------------------------------------------------


def _floats(name: str, value: npt.ArrayLike) -> np.ndarray:
    """``value`` as a float array; refuses what is not a number, NaN and infinities."""
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} must be numbers, got {value!r}", field=name) from None
    _require(name, array, np.isfinite(array), "a finite number")
    return array


def _require(name: str, values: np.ndarray, ok: np.ndarray, rule: str) -> None:
    """Refuse ``values`` where ``ok`` is false, naming the first bad value and its position."""
    if np.all(ok):
        return
    bad = np.flatnonzero(~np.broadcast_to(ok, values.shape).ravel())[0]
    where = f" at position {bad}" if values.ndim else ""
    raise InvalidInput(
        f"{name} must be {rule}, got {values.ravel()[bad].item()!r}{where}", field=name
    )


def _hfov(name: str, value: npt.ArrayLike, upper: float, closed: bool) -> np.ndarray:
    hfov = _floats(name, value)
    inside = hfov <= upper if closed else hfov < upper
    _require(
        name,
        hfov,
        (hfov > 0) & inside,
        f"above 0° and {'at most' if closed else 'below'} {upper:g}°",
    )
    return hfov


# --- ranges -------------------------------------------------------------------------------


def dori_range(
    hfov_deg: npt.ArrayLike, pixels: npt.ArrayLike, density_px_m: npt.ArrayLike
) -> np.ndarray:
    """The distance out to which a camera gives ``density_px_m``: D = N / (2 · P · tan(HFOV/2)).

    Parameters
    ----------
    hfov_deg : array_like
        Horizontal field of view in degrees, above 0 and below 180 (the image width at
        distance D is 2 · D · tan(HFOV/2)).
    pixels : array_like
        Horizontal resolution N in pixels, positive.
    density_px_m : array_like
        Pixel density P needed at the target in px/m, positive; see `DORI`.

    Returns
    -------
    numpy.ndarray
        Range D in metres, broadcast over the arguments. 1920 px at 90° gives 38.4 m for
        detect, 15.4 m for observe, 7.7 m for recognise, 3.8 m for identify.
    """
    hfov = _hfov("hfov_deg", hfov_deg, 180.0, closed=False)
    pixels_ = _floats("pixels", pixels)
    density = _floats("density_px_m", density_px_m)
    _require("pixels", pixels_, pixels_ > 0, "positive")
    _require("density_px_m", density, density > 0, "positive")
    return pixels_ / (2.0 * density * np.tan(np.radians(hfov) / 2.0))


def vertical_fov(hfov_deg: npt.ArrayLike, aspect: float = 16 / 9) -> np.ndarray:
    """Vertical field of view in degrees of a rectilinear lens with the image's ``aspect``.

    VFOV = 2 · atan(tan(HFOV/2) / aspect); 85° at 16:9 gives 54.5°. ``hfov_deg`` must be
    above 0 and below 180 degrees, ``aspect`` (width / height) positive.
    """
    hfov = _hfov("hfov_deg", hfov_deg, 180.0, closed=False)
    if not np.isfinite(aspect) or aspect <= 0:
        raise InvalidInput(f"aspect must be a positive number, got {aspect!r}", field="aspect")
    return np.degrees(2.0 * np.arctan(np.tan(np.radians(hfov) / 2.0) / aspect))


def ground_limits(
    height_m: npt.ArrayLike, tilt_deg: npt.ArrayLike, vfov_deg: npt.ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest and farthest ground a tilted camera's image shows, in metres from its foot.

    The image's lower edge looks down at tilt + VFOV/2 and meets flat ground at
    height / tan(tilt + VFOV/2) (0 when that is 90° or more: the camera sees straight down);
    its upper edge looks down at tilt − VFOV/2 and meets the ground at height / tan(tilt −
    VFOV/2) (infinite when that is 0° or less: the horizon is in the image). Targets stand
    above the ground, so this is on the safe side: a person's face is seen a little nearer.

    Parameters
    ----------
    height_m : array_like
        Mounting height above the ground in metres, ≥ 0.
    tilt_deg : array_like
        Tilt of the optical axis below the horizontal in degrees, −90 to 90 (negative: up).
    vfov_deg : array_like
        Vertical field of view in degrees, above 0 and below 180; see `vertical_fov`.

    Returns
    -------
    (near, far) : tuple of numpy.ndarray
        Metres, broadcast over the arguments; ``far`` may be ``inf``.
    """
    height = _floats("height_m", height_m)
    tilt = _floats("tilt_deg", tilt_deg)
    vfov = _hfov("vfov_deg", vfov_deg, 180.0, closed=False)
    _require("height_m", height, height >= 0, "at least 0 m")
    _require("tilt_deg", tilt, np.abs(tilt) <= 90, "between -90° and 90°")
    lower = np.radians(tilt + vfov / 2.0)
    upper = np.radians(tilt - vfov / 2.0)
    with np.errstate(divide="ignore"):
        near = np.where(lower < np.pi / 2, height / np.tan(np.minimum(lower, np.pi / 2)), 0.0)
        far = np.where(upper > 0, height / np.tan(np.maximum(upper, 1e-300)), np.inf)
    return near, far


# --- sectors ------------------------------------------------------------------------------


def sectors(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    direction_deg: npt.ArrayLike,
    hfov_deg: npt.ArrayLike,
    range_m: npt.ArrayLike,
    *,
    near_m: npt.ArrayLike = 0.0,
    segments: int = 32,
) -> np.ndarray:
    """View sectors of cameras as polygons, all built at once.

    Parameters
    ----------
    x, y : array_like
        Camera positions in a metric CRS (metres; the sectors are in the same CRS).
    direction_deg : array_like
        Direction of the view's centre in degrees clockwise from north (0 north, 90 east);
        any finite value, taken modulo 360.
    hfov_deg : array_like
        Horizontal field of view in degrees, above 0 and at most 360; 360 gives a disc.
    range_m : array_like
        Outer radius in metres, ≥ 0; a range of 0 gives an empty polygon.
    near_m : array_like, default 0
        Inner radius in metres (the ground blind zone, see `ground_limits`), ≥ 0; the sector
        then becomes an annular sector (a disc with a hole for 360°), and is empty when
        ``near_m`` reaches ``range_m``.
    segments : int, default 32
        Straight pieces along each arc, whatever the angle (a 360° disc too). The polygon
        falls short of the true sector's area by the factor sin(a) / a, with a the angle of
        one piece in radians: 0.64 % for a disc, under 0.1 % for a 90° sector at 32.

    Returns
    -------
    numpy.ndarray
        One Polygon per camera (the arguments broadcast together, as a 1-D array).
    """
    if isinstance(segments, bool) or not isinstance(segments, int | np.integer) or segments < 3:
        raise InvalidInput(
            f"segments must be an integer of at least 3, got {segments!r}", field="segments"
        )
    args = np.broadcast_arrays(
        _floats("x", x),
        _floats("y", y),
        _floats("direction_deg", direction_deg),
        _hfov("hfov_deg", hfov_deg, 360.0, closed=True),
        _floats("range_m", range_m),
        _floats("near_m", near_m),
    )
    x_, y_, direction, hfov, outer, inner = (np.atleast_1d(a).ravel() for a in args)
    _require("range_m", outer, outer >= 0, "at least 0 m")
    _require("near_m", inner, inner >= 0, "at least 0 m")
    out = np.full(len(x_), Polygon(), dtype=object)
    # the arc runs from the left edge of the view to its right: counter-clockwise on the map
    steps = np.linspace(0.5, -0.5, segments + 1)
    azimuth = np.radians(direction[:, None] + hfov[:, None] * steps)
    unit = np.stack([np.sin(azimuth), np.cos(azimuth)], axis=-1)
    centre = np.stack([x_, y_], axis=-1)[:, None, :]
    disc = hfov >= 360.0
    unit[disc, -1] = unit[disc, 0]  # close a full circle exactly
    far = centre + outer[:, None, None] * unit
    near = centre + inner[:, None, None] * unit
    drawn = outer > inner
    pie = drawn & ~disc & (inner == 0)
    band = drawn & ~disc & (inner > 0)
    ring = drawn & disc & (inner > 0)
    full = drawn & disc & (inner == 0)
    if pie.any():
        tip = centre[pie]
        out[pie] = shapely.polygons(np.concatenate([tip, far[pie], tip], axis=1))
    if band.any():
        shell = np.concatenate([far[band], near[band][:, ::-1], far[band][:, :1]], axis=1)
        out[band] = shapely.polygons(shell)
    if full.any():
        out[full] = shapely.polygons(far[full])
    if ring.any():
        holes = shapely.linearrings(near[ring][:, ::-1])[:, None]
        out[ring] = shapely.polygons(shapely.linearrings(far[ring]), holes=holes)
    return out


# --- occlusion ----------------------------------------------------------------------------


def occluded(
    sectors: npt.ArrayLike,
    cameras_xy: npt.ArrayLike,
    buildings: npt.ArrayLike | None,
    *,
    ignore_containing: bool = True,
) -> np.ndarray:
    """The parts of view sectors that no building hides from their camera.

    Each building edge that faces a camera casts a shadow: the region behind the edge as seen
    from the camera, out past the sector. Every sector loses the union of its camera's
    shadows, which also takes away the footprints themselves (their ground is not seen).

    Parameters
    ----------
    sectors : array_like of shapely.Geometry
        View sectors in a metric CRS (metres), e.g. from `sectors`; None or empty: nothing seen.
    cameras_xy : array_like, shape (n, 2)
        The cameras' positions, in the sectors' CRS and order.
    buildings : array_like of shapely.Geometry or None
        Building footprints (Polygon or MultiPolygon; other geometries, None and empties are
        left out), in the same CRS. Courtyards (holes) are open ground: walls seen from
        inside one cast shadows too.
    ignore_containing : bool, default True
        A camera is often mounted on a wall, so its position falls a little inside its own
        footprint or on its edge: a footprint that contains or touches the camera's position
        is then ignored altogether, neither an obstacle nor taken from the view. With False,
        such a camera sees nothing (its view is empty).

    Returns
    -------
    numpy.ndarray
        The visible part of each sector (Polygon, MultiPolygon or an empty Polygon), same
        order as ``sectors``.

    Notes
    -----
    Shadows are built only for footprints that meet a sector (one `shapely.STRtree` query)
    and only from edges that face the camera and come within the sector's reach; each
    sector then loses the collection of its shadows in one overlay. The overlays, most of
    the time, run in threads (one per CPU, at most 8; shapely releases the GIL).
    """
    views = _sector_array(sectors)
    xy = _floats("cameras_xy", cameras_xy)
    if xy.size == 0:
        xy = xy.reshape(0, 2)
    if xy.ndim != 2 or xy.shape[1] != 2 or len(xy) != len(views):
        raise InvalidInput(
            f"cameras_xy must have one (x, y) row per sector ({len(views)}), got shape {xy.shape}",
            field="cameras_xy",
        )
    footprints = _footprints(buildings)
    if len(views) == 0 or len(footprints) == 0:
        return _polygonal(views)
    tree = shapely.STRtree(footprints)
    blind = np.zeros(len(views), dtype=bool)
    if not ignore_containing:
        blind[tree.query(shapely.points(xy), predicate="intersects")[0]] = True
    camera, building = tree.query(views, predicate="intersects")
    inside = shapely.intersects_xy(footprints[building], xy[camera, 0], xy[camera, 1])
    keep = ~inside & ~blind[camera]
    camera, building = camera[keep], building[keep]
    reach = _reach(views, xy)
    owner, shadows = _shadows(footprints, camera, building, xy, reach)
    out = views.copy()
    out[blind] = Polygon()
    if len(owner):
        ids = np.unique(owner)
        collections = shapely.geometrycollections(shadows, indices=np.searchsorted(ids, owner))
        out[ids] = _difference(views[ids], collections)
    return _polygonal(out)


def _sector_array(sectors: npt.ArrayLike) -> np.ndarray:
    views = np.asarray(sectors, dtype=object)
    if views.ndim == 0:
        views = views[None]
    if views.ndim != 1:
        raise InvalidInput(f"sectors must be a 1-D array, got shape {views.shape}", field="sectors")
    try:
        missing = shapely.is_missing(views)
        shapely.get_type_id(views)
    except TypeError:
        raise InvalidInput("sectors must be shapely geometries or None", field="sectors") from None
    views = views.copy()
    views[missing] = Polygon()
    return views


def _footprints(buildings: npt.ArrayLike | None) -> np.ndarray:
    """The polygons of the footprints, one per part, without missing and empty ones."""
    if buildings is None:
        return np.empty(0, dtype=object)
    geoms = np.asarray(buildings, dtype=object).ravel()
    types = shapely.get_type_id(geoms)
    parts = geoms if np.all(types == _POLYGON) else shapely.get_parts(geoms[types >= 0])
    return parts[(shapely.get_type_id(parts) == _POLYGON) & ~shapely.is_empty(parts)]


def _reach(views: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """How far each sector can reach from its camera: the farthest corner of its bounds."""
    bounds = np.nan_to_num(shapely.bounds(views))
    dx = np.maximum(np.abs(bounds[:, 0] - xy[:, 0]), np.abs(bounds[:, 2] - xy[:, 0]))
    dy = np.maximum(np.abs(bounds[:, 1] - xy[:, 1]), np.abs(bounds[:, 3] - xy[:, 1]))
    return np.hypot(dx, dy)


def _shadows(
    footprints: np.ndarray,
    camera: np.ndarray,
    building: np.ndarray,
    xy: np.ndarray,
    reach: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Shadow polygons of every edge facing its camera, for (camera, building) pairs.

    Returns the camera of each shadow (ascending) and the shadows. Rings are oriented with
    the solid on the left of each edge (shells counter-clockwise, holes clockwise), so an edge
    p → q faces the camera c when c lies strictly on its right: (q − p) × (c − p) < 0.
    """
    used, which = np.unique(building, return_inverse=True)
    p, q, start, count = _edges(shapely.orient_polygons(footprints[used]))
    # every (pair, edge of the pair's building) at once: CSR-style expansion
    per_pair = count[which]
    pair = np.repeat(np.arange(len(camera)), per_pair)
    offset = np.arange(len(pair)) - np.repeat(np.cumsum(per_pair) - per_pair, per_pair)
    edge = start[which][pair] + offset
    cam = camera[pair]
    c = xy[cam]
    a, b = p[edge] - c, q[edge] - c  # the edge's ends seen from the camera
    cross = a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]  # = (q - p) × (c - p)
    keep = (cross < 0) & (_segment_distance(a, b) < reach[cam])
    a, b, cam, c = a[keep], b[keep], cam[keep], c[keep]
    order = np.argsort(cam, kind="stable")
    a, b, cam, c = a[order], b[order], cam[order], c[order]
    return cam, shapely.polygons(_shadow_rings(a, b, c, reach[cam]))


def _edges(polygons: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every ring edge p → q of the polygons, grouped by polygon: p, q, start and count."""
    rings, owner = shapely.get_rings(polygons, return_index=True)
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[:-1] == ring[1:]
    p, q = coords[:-1][same], coords[1:][same]
    count = np.bincount(owner[ring[:-1][same]], minlength=len(polygons))
    start = np.cumsum(count) - count
    return p, q, start, count


def _segment_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance from the origin to the segments a → b (rows of 2-D points)."""
    d = b - a
    length2 = np.einsum("ij,ij->i", d, d)
    t = np.clip(-np.einsum("ij,ij->i", a, d) / np.maximum(length2, 1e-300), 0.0, 1.0)
    return np.hypot(a[:, 0] + t * d[:, 0], a[:, 1] + t * d[:, 1])


def _shadow_rings(a: np.ndarray, b: np.ndarray, c: np.ndarray, reach: np.ndarray) -> np.ndarray:
    """Rings p, q, q', m', p', p of the shadows of edges a → b seen from c (a, b relative to c).

    The edge subtends an angle θ < 180° at the camera. p', m', q' lie on the rays through p,
    the bisector and q, all at F = max(reach, |a|, |b|) / cos(θ/4): each of the two far
    chords spans θ/2, so it stays at least max(reach, |a|, |b|) from the camera, beyond both
    the sector and the edge; the shadow thus covers all of the sector behind the edge and the
    ring never crosses itself.
    """
    ra, rb = np.hypot(a[:, 0], a[:, 1]), np.hypot(b[:, 0], b[:, 1])
    ua, ub = a / ra[:, None], b / rb[:, None]
    theta = np.arctan2(
        np.abs(ua[:, 0] * ub[:, 1] - ua[:, 1] * ub[:, 0]), np.einsum("ij,ij->i", ua, ub)
    )
    far = np.maximum(np.maximum(reach, ra), rb) / np.cos(theta / 4.0) * 1.001
    # the bisector: ua + ub, or (ub − ua) turned 90° left when the edge is wide open (a
    # camera right at a wall), where the sum is too small to point anywhere reliably
    turned = np.column_stack([ua[:, 1] - ub[:, 1], ub[:, 0] - ua[:, 0]])
    mid = np.where((theta > np.pi / 2)[:, None], turned, ua + ub)
    mid /= np.hypot(mid[:, 0], mid[:, 1])[:, None]
    points = np.stack([a, b, ub * far[:, None], mid * far[:, None], ua * far[:, None], a], 1)
    return points + c[:, None, :]


def _difference(views: np.ndarray, shadows: np.ndarray) -> np.ndarray:
    """Each view minus its collection of shadows (GEOS unions a collection's parts first).

    The work is split over threads (shapely releases the GIL), one chunk per CPU up to
    `_MAX_THREADS`. A chunk falls back to snap-rounding on a 1 mm grid should floating-point
    overlay fail on nearly degenerate shadows (a camera almost in line with a wall).
    """
    threads = _threads(len(views))
    chunks = [np.arange(i, len(views), threads) for i in range(threads)]  # domes spread out
    out = np.empty(len(views), dtype=object)
    with ThreadPoolExecutor(len(chunks)) as pool:
        for chunk, result in zip(
            chunks,
            pool.map(lambda i: _chunk_difference(views[i], shadows[i]), chunks),
            strict=True,
        ):
            out[chunk] = result
    return out


def _threads(n: int) -> int:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cpus or 1, _MAX_THREADS, n // 500))


def _chunk_difference(views: np.ndarray, shadows: np.ndarray) -> np.ndarray:
    try:
        return shapely.difference(views, shadows)
    except shapely.errors.GEOSException:
        return shapely.difference(views, shadows, grid_size=1e-3)


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Keep only the polygons of each geometry: Polygon, MultiPolygon or an empty Polygon."""
    parts, index = shapely.get_parts(geoms, return_index=True)
    keep = (shapely.get_type_id(parts) == _POLYGON) & ~shapely.is_empty(parts)
    out = np.full(len(geoms), None, dtype=object)
    shapely.multipolygons(parts[keep], indices=index[keep], out=out)
    out[shapely.is_missing(out)] = Polygon()
    single = shapely.get_num_geometries(out) == 1
    out[single] = shapely.get_geometry(out[single], 0)
    return out


# --- cameras from records -----------------------------------------------------------------


@dataclass(frozen=True)
class CameraDefaults:
    """What a camera record lacks is taken from here (gridmap's camera settings' defaults).

    ``hfov`` in degrees (fixed cameras; a turning camera's range uses it too), ``height`` in
    metres, ``tilt`` in degrees down, ``pixels`` horizontal, ``aspect`` the image's width /
    height (for the vertical field of view), ``turning_ptz_types`` the GB/T 28181 PTZType
    values that see all round (1 dome 球机, 2 half-dome 半球).
    """

    hfov: float = 85.0
    height: float = 5.0
    tilt: float = 15.0
    pixels: int = 1920
    aspect: float = 16 / 9
    turning_ptz_types: tuple[int, ...] = _TURNING


_FIELDS: Final = ("ptz_type", "direction", "hfov", "resolution_px", "height", "tilt")


def camera_views(
    frame: gpd.GeoDataFrame,
    buildings: gpd.GeoSeries | None,
    level: str | float = "observe",
    *,
    defaults: CameraDefaults = CameraDefaults(),
    blind_zone: bool = True,
    ignore_containing: bool = True,
    segments: int = 32,
) -> gpd.GeoDataFrame:
    """What each camera of a frame sees, defaults filled in, buildings taken out.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Cameras as points in EPSG:4326 (a frame without a CRS is taken as EPSG:4326), with
        the archive's columns where known, NaN or absent when not: ``ptz_type`` (GB/T 28181
        PTZType: 1 dome, 2 half-dome, 3 fixed bullet, 4 remote bullet), ``direction``
        (degrees clockwise from north), ``hfov`` (degrees), ``resolution_px`` (horizontal
        pixels), ``height`` (metres) and ``tilt`` (degrees down).
    buildings : geopandas.GeoSeries or None
        Building footprints in EPSG:4326; see `occluded`.
    level : str or float, default "observe"
        A `DORI` task name, or a pixel density in px/m.
    defaults : CameraDefaults
        Values for what a record lacks.
    blind_zone : bool, default True
        Take the ground a fixed camera's image does not show off its view (`ground_limits`
        from height, tilt and a vertical field of view from ``hfov`` and ``defaults.aspect``):
        the ground under it, and beyond the image's upper edge when tilted steeply.
    ignore_containing : bool, default True
        See `occluded`: the footprint a camera stands in (on its wall) does not blind it.
    segments : int, default 32
        See `sectors`.

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed like ``frame``, in EPSG:4326: ``geometry`` what the camera sees (Polygon,
        MultiPolygon or empty), ``range_m`` and ``near_m`` the radii drawn, ``area_m2`` the
        visible area, and ``defaults`` the list of the columns whose default was used.

    Notes
    -----
    A turning camera (dome, half-dome) sees all round (360°, no blind zone: it can look
    straight down) out to the range its widest view gives, i.e. its ``hfov`` at the wide end
    of the zoom (the record's, else the default): the range it covers without zooming in.
    A fixed camera with no ``direction`` cannot be placed: its view is empty and
    ``defaults`` lists ``direction`` (drawing a disc instead would claim coverage it may not
    give). Work happens in a `LocalFrame` around the cameras (an affine approximation of
    metres, good to about 0.5 % over 50 km north–south).
    """
    density = _density(level)
    points = _camera_points(frame)
    out_index = frame.index
    if len(points) == 0:
        return _views_frame([], out_index, *(np.empty(0),) * 3, [])
    local = LocalFrame.around(shapely.multipoints(points))
    x, y = shapely.get_x(points) * local.kx, shapely.get_y(points) * local.ky
    values, missing = _records(frame, defaults)
    turning = np.isin(values["ptz_type"], defaults.turning_ptz_types)
    placed = turning | ~missing["direction"]
    reach = dori_range(values["hfov"], values["resolution_px"], density)
    near = np.zeros(len(points))
    if blind_zone:
        vfov = vertical_fov(values["hfov"], defaults.aspect)
        ground_near, ground_far = ground_limits(values["height"], values["tilt"], vfov)
        near = np.where(turning, 0.0, np.minimum(ground_near, reach))
        reach = np.where(turning, reach, np.minimum(reach, ground_far))
    reach = np.where(placed, reach, 0.0)
    near = np.minimum(near, reach)
    views = sectors(
        x,
        y,
        np.where(turning | ~placed, 0.0, values["direction"]),
        np.where(turning, 360.0, values["hfov"]),
        reach,
        near_m=near,
        segments=segments,
    )
    views = occluded(
        views,
        np.column_stack([x, y]),
        _nearby(buildings, local, views),
        ignore_containing=ignore_containing,
    )
    used = {
        "ptz_type": missing["ptz_type"],
        "direction": missing["direction"] & ~turning,
        "hfov": missing["hfov"],
        "resolution_px": missing["resolution_px"],
        "height": missing["height"] & ~turning & placed & blind_zone,
        "tilt": missing["tilt"] & ~turning & placed & blind_zone,
    }
    names = [[name for name in _FIELDS if used[name][i]] for i in range(len(points))]
    return _views_frame(local.to_lonlat(views), out_index, reach, near, shapely.area(views), names)


def _density(level: str | float) -> float:
    if isinstance(level, str):
        if level not in DORI:
            raise InvalidInput(
                f"level {level!r} is not a DORI level: use one of {', '.join(DORI)} or a pixel"
                " density in px/m",
                field="level",
            )
        return DORI[level]
    density = _floats("level", level)
    _require("level", density, (density.ndim == 0) & (density > 0), "a positive px/m")
    return float(density)


def _camera_points(frame: gpd.GeoDataFrame) -> np.ndarray:
    _require_wgs84("frame", frame.crs)
    points = np.asarray(frame.geometry.array, dtype=object)
    ok = (shapely.get_type_id(points) == 0) & ~shapely.is_empty(points)
    if not ok.all():
        label = frame.index[np.flatnonzero(~ok)[0]]
        raise InvalidInput(f"camera {label!r} has no point position", field="geometry")
    return points


def _require_wgs84(name: str, crs: CRS | None) -> None:
    if crs is not None and crs.to_epsg() != 4326:
        raise InvalidInput(
            f"{name} is in {crs.to_string()}: give it in EPSG:4326 (lon/lat)", field=name
        )


def _records(
    frame: gpd.GeoDataFrame, defaults: CameraDefaults
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The archive's values with the defaults filled in, and where each was missing."""
    fallback = {
        "ptz_type": 3.0,  # unknown: taken as fixed (a fixed bullet)
        "direction": 0.0,
        "hfov": defaults.hfov,
        "resolution_px": float(defaults.pixels),
        "height": defaults.height,
        "tilt": defaults.tilt,
    }
    rules = {
        "ptz_type": (lambda v: np.isin(v, _PTZ_TYPES), "1, 2, 3 or 4 (GB/T 28181 PTZType)"),
        "direction": (np.isfinite, "a finite number of degrees"),
        "hfov": (lambda v: (v > 0) & (v < 180), "above 0° and below 180°"),
        "resolution_px": (lambda v: v > 0, "a positive number of pixels"),
        "height": (lambda v: v >= 0, "at least 0 m"),
        "tilt": (lambda v: np.abs(v) <= 90, "between -90° and 90° (down)"),
    }
    values, missing = {}, {}
    for name in _FIELDS:
        column = _column(frame, name)
        absent = np.isnan(column)
        check, rule = rules[name]
        filled = np.where(absent, fallback[name], column)
        bad = ~absent & ~(np.isfinite(filled) & check(filled))
        if bad.any():
            i = np.flatnonzero(bad)[0]
            raise InvalidInput(
                f"{name} must be {rule}, got {column[i].item()!r} for camera {frame.index[i]!r}",
                field=name,
            )
        values[name] = np.where(absent, fallback[name], column)
        missing[name] = absent
    return values, missing


def _column(frame: gpd.GeoDataFrame, name: str) -> np.ndarray:
    if name not in frame.columns:
        return np.full(len(frame), np.nan)
    column = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    given = frame[name].notna().to_numpy()
    unreadable = given & np.isnan(column)
    if unreadable.any():
        i = np.flatnonzero(unreadable)[0]
        raise InvalidInput(
            f"{name} must be a number, got {frame[name].iloc[i]!r} for camera {frame.index[i]!r}",
            field=name,
        )
    return column


def _nearby(
    buildings: gpd.GeoSeries | None, local: LocalFrame, views: np.ndarray
) -> np.ndarray | None:
    """The footprints that touch a view's bounds, in the local frame (the rest never matter,
    and moving a million footprints costs more than finding the few hundred thousand)."""
    if buildings is None or len(buildings) == 0:
        return None
    _require_wgs84("buildings", getattr(buildings, "crs", None))
    footprints = _footprints(buildings)
    boxes = local.to_lonlat(shapely.envelope(views))
    hit = np.unique(shapely.STRtree(footprints).query(boxes, predicate="intersects")[1])
    return local.to_local(footprints[hit])


def _views_frame(
    views: npt.ArrayLike,
    index: pd.Index,
    reach: np.ndarray,
    near: np.ndarray,
    area: np.ndarray,
    names: list[list[str]],
) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"range_m": reach, "near_m": near, "area_m2": area, "defaults": names},
        geometry=np.asarray(views, dtype=object),
        index=index,
        crs="EPSG:4326",
    )
