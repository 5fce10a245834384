"""Conversions between WGS84, GCJ-02 (火星坐标) and BD-09 (百度坐标).

Why this module exists
----------------------
Coordinates copied out of Chinese map apps are not WGS84. Amap (高德) and Tencent use
GCJ-02, the "Mars" datum of the national survey bureau (国测局); Baidu uses BD-09, a
second offset applied on top of GCJ-02. Both differ from WGS84 by a smooth, non-linear
offset of a few hundred metres inside China, so an outline imported as if it were WGS84
lands visibly beside the grid it should cover. gridmap stores WGS84 (EPSG:4326) only, so
every import in one of these systems must be converted, and converted back exactly.

Neither system is an EPSG CRS and pyproj cannot do them. Both are defined by a fixed,
publicly known formula:

* the forward transforms (WGS84 -> GCJ-02, GCJ-02 <-> BD-09) come from the maintained
  ``coordtransform`` library (import name ``coordTransform``, MIT), whose C extension
  converts whole coordinate arrays in one call;
* the inverse transforms are computed here. The library's ``gcj02_to_wgs84`` is only a
  one-step approximation (errors up to about 5e-5 degrees, i.e. metres) and its
  ``bd09_to_gcj02`` is approximate too (about 2e-6 degrees). We invert the library's
  forward transform by fixed-point iteration, ``x <- x - (f(x) - y)``, over the whole
  array at once until the largest change is below 1e-10 degrees (at most 10 rounds).
  The offset varies slowly, so this converges in two or three rounds to well under a
  millimetre. This iteration is the only hand-written part of the arithmetic.

Behaviour shared by every function here:

* Longitudes and latitudes are decimal degrees, longitude first (x, y).
* Points outside the rectangle the standard transform calls "China"
  (73.66 < lon < 135.05, 3.86 < lat < 53.55, exclusive) pass through unchanged, as the
  standard GCJ-02 transform does. The same holds for BD-09 here, unlike the library's
  ``gcj02_to_bd09``, which offsets every point (Baidu's maps use WGS84 outside China).
* NaN stays NaN and does not disturb the other points.
* Inputs of any shape are accepted (broadcast together); outputs are float64 arrays of
  the broadcast shape.

`parse_china_crs` lets an importer recognise a ``--crs`` value such as ``gcj02`` or
``baidu`` before handing anything else to pyproj; `to_wgs84` and `from_wgs84` apply the
conversions to shapely geometries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, TypeVar, overload

import coordTransform as _ct
import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry.base import BaseGeometry

from gridmap.core.errors import InvalidInput

__all__ = [
    "BD09",
    "GCJ02",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "from_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "parse_china_crs",
    "to_wgs84",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

GCJ02: Final = "GCJ-02"
"""Canonical name of the GCJ-02 (火星坐标, Amap/Tencent) system."""
BD09: Final = "BD-09"
"""Canonical name of the BD-09 (百度坐标, Baidu) geographic system."""

#: Stop the inverse iteration once no coordinate moves by more than this (degrees).
INVERSE_TOLERANCE_DEG: Final = 1e-10
#: Upper bound on inverse iteration rounds.
INVERSE_MAX_ITERATIONS: Final = 10

# The rectangle the standard transform treats as "China" (exclusive bounds), as in
# coordTransform.out_of_china, which only takes scalars.
_CHINA_LON_MIN, _CHINA_LON_MAX = 73.66, 135.05
_CHINA_LAT_MIN, _CHINA_LAT_MAX = 3.86, 53.55

# Aliases after normalisation (lower case, without spaces, "-", "_" and ":").
# "bd09mc" (Baidu Mercator, in metres) is deliberately absent: it is not BD-09 lon/lat.
_ALIASES: Final[dict[str, str]] = {
    **dict.fromkeys(
        ("gcj02", "gcj", "mars", "marscoordinates", "火星", "火星坐标", "火星坐标系", "国测局"),
        GCJ02,
    ),
    **dict.fromkeys(
        ("bd09", "bd09ll", "bd", "baidu", "百度", "百度坐标", "百度坐标系"),
        BD09,
    ),
}

FloatArray = NDArray[np.float64]
_Pair = tuple[FloatArray, FloatArray]
_Transform = Callable[[FloatArray, FloatArray], _Pair]
_G = TypeVar("_G", bound=BaseGeometry)


# --------------------------------------------------------------------------- helpers


def _prepare(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray, tuple[int, ...]]:
    """Broadcast ``lon``/``lat`` to float64 and flatten them to contiguous 1-D arrays."""
    lon_b, lat_b = np.broadcast_arrays(
        np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    )
    shape = lon_b.shape
    return (
        np.ascontiguousarray(lon_b.reshape(-1)),
        np.ascontiguousarray(lat_b.reshape(-1)),
        shape,
    )


def _library_batch(name: str) -> _Transform:
    """Wrap one of coordTransform's batch calls to take and return 1-D float64 arrays.

    The library's batch functions take two 1-D float64 buffers and return a tuple of two
    Python lists (not arrays). They reject multi-dimensional arrays, which is why every
    public function here flattens its input first.
    """
    func = getattr(_ct, name)

    def call(lon: FloatArray, lat: FloatArray) -> _Pair:
        if lon.size == 0:
            return lon.copy(), lat.copy()
        out_lon, out_lat = func(lon, lat)
        return np.asarray(out_lon, dtype=np.float64), np.asarray(out_lat, dtype=np.float64)

    return call


_lib_wgs84_to_gcj02 = _library_batch("wgs84_to_gcj02")
_lib_gcj02_to_bd09 = _library_batch("gcj02_to_bd09")


def _in_china(lon: FloatArray, lat: FloatArray) -> NDArray[np.bool_]:
    """Vectorised negation of ``coordTransform.out_of_china``; False for NaN."""
    return (
        (lon > _CHINA_LON_MIN)
        & (lon < _CHINA_LON_MAX)
        & (lat > _CHINA_LAT_MIN)
        & (lat < _CHINA_LAT_MAX)
    )


def _gcj02_to_bd09_flat(lon: FloatArray, lat: FloatArray) -> _Pair:
    """Library GCJ-02 -> BD-09, but passing points outside China through unchanged."""
    out_lon, out_lat = _lib_gcj02_to_bd09(lon, lat)
    outside = ~_in_china(lon, lat)
    out_lon[outside] = lon[outside]
    out_lat[outside] = lat[outside]
    return out_lon, out_lat


def _wgs84_to_bd09_flat(lon: FloatArray, lat: FloatArray) -> _Pair:
    return _gcj02_to_bd09_flat(*_lib_wgs84_to_gcj02(lon, lat))


def _invert(forward: _Transform, lon: FloatArray, lat: FloatArray) -> _Pair:
    """Solve ``forward(x) = (lon, lat)`` for x by fixed-point iteration on whole arrays.

    Starts at x = (lon, lat); the first round therefore gives the usual one-step
    approximate inverse, and each further round shrinks the error by about three orders
    of magnitude. Stops when the largest change (NaN ignored) is below
    `INVERSE_TOLERANCE_DEG` or after `INVERSE_MAX_ITERATIONS` rounds.
    """
    x, y = lon.copy(), lat.copy()
    for _ in range(INVERSE_MAX_ITERATIONS):
        fx, fy = forward(x, y)
        dx = lon - fx
        dy = lat - fy
        x += dx
        y += dy
        change = np.maximum(np.abs(dx), np.abs(dy))
        if np.max(change, initial=0.0, where=np.isfinite(change)) < INVERSE_TOLERANCE_DEG:
            break
    return x, y


def _public(flat: _Transform) -> Callable[[ArrayLike, ArrayLike], _Pair]:
    """Lift a 1-D transform to broadcast, any-shape inputs."""

    def apply(lon: ArrayLike, lat: ArrayLike) -> _Pair:
        lon_f, lat_f, shape = _prepare(lon, lat)
        out_lon, out_lat = flat(lon_f, lat_f)
        return out_lon.reshape(shape), out_lat.reshape(shape)

    return apply


# ------------------------------------------------------------------ point conversions


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> _Pair:
    """Convert WGS84 (EPSG:4326) longitude/latitude to GCJ-02 (火星坐标).

    Parameters
    ----------
    lon, lat : array_like
        WGS84 longitude and latitude in decimal degrees, any broadcastable shapes.

    Returns
    -------
    lon, lat : ndarray of float64
        GCJ-02 longitude and latitude in decimal degrees, of the broadcast shape.
        Points outside China and NaN are returned unchanged.
    """
    return _public(_lib_wgs84_to_gcj02)(lon, lat)


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> _Pair:
    """Convert GCJ-02 (火星坐标) longitude/latitude to WGS84 (EPSG:4326), exactly.

    Inverts `wgs84_to_gcj02` by fixed-point iteration (see the module docstring), so that
    ``gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))`` returns the input to about 1e-12
    degrees, unlike the library's one-step approximation (metres off).

    Parameters
    ----------
    lon, lat : array_like
        GCJ-02 longitude and latitude in decimal degrees, any broadcastable shapes.

    Returns
    -------
    lon, lat : ndarray of float64
        WGS84 longitude and latitude in decimal degrees, of the broadcast shape.
        Points outside China and NaN are returned unchanged.
    """
    return _public(lambda x, y: _invert(_lib_wgs84_to_gcj02, x, y))(lon, lat)


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> _Pair:
    """Convert GCJ-02 (火星坐标) longitude/latitude to BD-09 (百度坐标).

    Parameters
    ----------
    lon, lat : array_like
        GCJ-02 longitude and latitude in decimal degrees, any broadcastable shapes.

    Returns
    -------
    lon, lat : ndarray of float64
        BD-09 longitude and latitude in decimal degrees, of the broadcast shape.
        Points outside China and NaN are returned unchanged.
    """
    return _public(_gcj02_to_bd09_flat)(lon, lat)


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> _Pair:
    """Convert BD-09 (百度坐标) longitude/latitude to GCJ-02 (火星坐标), exactly.

    Inverts `gcj02_to_bd09` by fixed-point iteration; the library's closed-form inverse
    is off by up to about 2e-6 degrees (0.2 m).

    Parameters
    ----------
    lon, lat : array_like
        BD-09 longitude and latitude in decimal degrees, any broadcastable shapes.

    Returns
    -------
    lon, lat : ndarray of float64
        GCJ-02 longitude and latitude in decimal degrees, of the broadcast shape.
        Points outside China and NaN are returned unchanged.
    """
    return _public(lambda x, y: _invert(_gcj02_to_bd09_flat, x, y))(lon, lat)


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> _Pair:
    """Convert WGS84 (EPSG:4326) longitude/latitude to BD-09 (百度坐标).

    Parameters
    ----------
    lon, lat : array_like
        WGS84 longitude and latitude in decimal degrees, any broadcastable shapes.

    Returns
    -------
    lon, lat : ndarray of float64
        BD-09 longitude and latitude in decimal degrees, of the broadcast shape.
        Points outside China and NaN are returned unchanged.
    """
    return _public(_wgs84_to_bd09_flat)(lon, lat)


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> _Pair:
    """Convert BD-09 (百度坐标) longitude/latitude to WGS84 (EPSG:4326), exactly.

    Inverts `wgs84_to_bd09` (GCJ-02 offset followed by the BD-09 offset) by fixed-point
    iteration on the composed forward transform.

    Parameters
    ----------
    lon, lat : array_like
        BD-09 longitude and latitude in decimal degrees, any broadcastable shapes.

    Returns
    -------
    lon, lat : ndarray of float64
        WGS84 longitude and latitude in decimal degrees, of the broadcast shape.
        Points outside China and NaN are returned unchanged.
    """
    return _public(lambda x, y: _invert(_wgs84_to_bd09_flat, x, y))(lon, lat)


# ------------------------------------------------------------------------ CRS names


def parse_china_crs(name: object) -> str | None:
    """Recognise a name for GCJ-02 or BD-09.

    Case, spaces, ``-``, ``_`` and ``:`` are ignored, so ``"GCJ-02"``, ``"gcj02"``,
    ``"gcj_02"``, ``"Mars"``, ``"火星坐标"``, ``"BD-09"``, ``"bd09ll"``, ``"baidu"`` and
    ``"百度"`` are all recognised. Baidu Mercator (``"bd09mc"``, metres) is not BD-09.

    Parameters
    ----------
    name : object
        A user-supplied CRS name, e.g. the value of an importer's ``--crs`` option.
        Anything that is not a string (such as a ``pyproj.CRS``) gives None.

    Returns
    -------
    str or None
        `GCJ02` (``"GCJ-02"``) or `BD09` (``"BD-09"``), or None when ``name`` is neither,
        in which case the caller should hand it to pyproj.
    """
    if not isinstance(name, str):
        return None
    key = name.strip().lower()
    for char in " -_:":
        key = key.replace(char, "")
    return _ALIASES.get(key)


def _require_china_crs(name: str, role: str) -> str:
    crs = parse_china_crs(name)
    if crs is None:
        raise InvalidInput(
            f"{role} CRS {name!r} is neither GCJ-02 nor BD-09; "
            "use pyproj for EPSG and other standard CRSs"
        )
    return crs


# ------------------------------------------------------------------------ geometries

_TO_WGS84: Final[dict[str, _Transform]] = {
    GCJ02: lambda x, y: _invert(_lib_wgs84_to_gcj02, x, y),
    BD09: lambda x, y: _invert(_wgs84_to_bd09_flat, x, y),
}
_FROM_WGS84: Final[dict[str, _Transform]] = {
    GCJ02: _lib_wgs84_to_gcj02,
    BD09: _wgs84_to_bd09_flat,
}


def _transform_geometries(geometries: object, flat: _Transform) -> object:
    def on_coords(coords: FloatArray) -> FloatArray:
        out = coords.copy()
        out[:, 0], out[:, 1] = flat(
            np.ascontiguousarray(coords[:, 0]), np.ascontiguousarray(coords[:, 1])
        )
        return out

    # include_z=True: one call for all coordinates, and each geometry keeps its own
    # dimensionality (Z values are passed through untouched).
    return shapely.transform(geometries, on_coords, include_z=True)


@overload
def to_wgs84(geometries: _G, source: str) -> _G: ...
@overload
def to_wgs84(geometries: ArrayLike, source: str) -> NDArray[np.object_]: ...
def to_wgs84(geometries: object, source: str) -> object:
    """Convert shapely geometries from GCJ-02 or BD-09 to WGS84 (EPSG:4326).

    All coordinates of all geometries are converted in one vectorised call through
    ``shapely.transform``; the vertex count and structure of every geometry are kept.

    Parameters
    ----------
    geometries : shapely.Geometry or array_like of shapely.Geometry
        Geometries with lon/lat coordinates in decimal degrees in ``source``; None
        entries are allowed. Z values, if present, are kept unchanged.
    source : str
        The geometries' system: ``"GCJ-02"`` or ``"BD-09"``, or any alias accepted by
        `parse_china_crs`.

    Returns
    -------
    shapely.Geometry or ndarray of object
        The geometries in WGS84 lon/lat degrees: a single geometry for a single input,
        otherwise an object array of the input's shape.

    Raises
    ------
    ValueError
        If ``source`` names neither GCJ-02 nor BD-09.
    """
    crs = _require_china_crs(source, "source")
    return _transform_geometries(geometries, _TO_WGS84[crs])


@overload
def from_wgs84(geometries: _G, target: str) -> _G: ...
@overload
def from_wgs84(geometries: ArrayLike, target: str) -> NDArray[np.object_]: ...
def from_wgs84(geometries: object, target: str) -> object:
    """Convert shapely geometries from WGS84 (EPSG:4326) to GCJ-02 or BD-09.

    The exact inverse of `to_wgs84`: ``to_wgs84(from_wgs84(g, t), t)`` equals ``g`` to
    about 1e-12 degrees inside China.

    Parameters
    ----------
    geometries : shapely.Geometry or array_like of shapely.Geometry
        Geometries with WGS84 lon/lat coordinates in decimal degrees; None entries are
        allowed. Z values, if present, are kept unchanged.
    target : str
        The system to convert to: ``"GCJ-02"`` or ``"BD-09"``, or any alias accepted by
        `parse_china_crs`.

    Returns
    -------
    shapely.Geometry or ndarray of object
        The geometries in ``target`` lon/lat degrees: a single geometry for a single
        input, otherwise an object array of the input's shape.

    Raises
    ------
    ValueError
        If ``target`` names neither GCJ-02 nor BD-09.
    """
    crs = _require_china_crs(target, "target")
    return _transform_geometries(geometries, _FROM_WGS84[crs])
