"""Random points strictly inside polygons (grids, 网格), by rejection sampling in a local
metric frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from gridmap.ops.frame import LocalFrame


@dataclass(frozen=True)
class _Interior:
    """Polygons shrunk by a margin, in a local metric frame, ready for rejection sampling."""

    frame: LocalFrame
    inner: np.ndarray  # prepared; empty where a polygon is thinner than twice the margin
    fallback: np.ndarray  # (n, 2) a point inside each polygon, for hopeless draws

    @classmethod
    def of(cls, polygons: np.ndarray, margin_m: float) -> _Interior:
        frame = LocalFrame.around(shapely.box(*shapely.total_bounds(polygons)))
        local = frame.to_local(polygons)
        inner = shapely.buffer(local, -margin_m)
        empty = shapely.is_empty(inner)
        inner[empty] = local[empty]
        shapely.prepare(inner)
        fallback = shapely.get_coordinates(shapely.point_on_surface(inner))
        return cls(frame, inner, fallback)

    @property
    def scale(self) -> np.ndarray:
        return np.array([self.frame.kx, self.frame.ky])

    def sample(
        self,
        owner: np.ndarray,
        rng: np.random.Generator,
        around: np.ndarray | None = None,
        spread_m: np.ndarray | float = 100.0,
        tries: int = 40,
    ) -> np.ndarray:
        """Lon/lat points inside ``inner[owner]``: normal around ``around`` (lon/lat) at first,
        uniform in the bounding box after half the tries, a fixed inside point at the end."""
        xy = np.empty((len(owner), 2))
        spread = np.broadcast_to(np.asarray(spread_m, dtype=float), owner.shape)
        centre = None if around is None else np.asarray(around) * self.scale
        bounds = shapely.bounds(self.inner)
        todo = np.arange(len(owner))
        for attempt in range(tries):
            if not len(todo):
                break
            if centre is not None and attempt < tries // 2:
                draw = centre[todo] + rng.normal(size=(len(todo), 2)) * spread[todo, None]
            else:
                box = bounds[owner[todo]]
                draw = box[:, :2] + rng.random((len(todo), 2)) * (box[:, 2:] - box[:, :2])
            inside = shapely.contains_xy(self.inner[owner[todo]], draw[:, 0], draw[:, 1])
            xy[todo[inside]] = draw[inside]
            todo = todo[~inside]
        xy[todo] = self.fallback[owner[todo]]
        return xy / self.scale


def points_in(
    polygons: np.ndarray,
    counts: np.ndarray,
    rng: np.random.Generator,
    *,
    around: np.ndarray | None = None,
    spread_m: np.ndarray | float = 100.0,
    margin_m: float = 1.0,
) -> np.ndarray:
    """Random lon/lat points strictly inside polygons, at least ``margin_m`` from their edges.

    Parameters
    ----------
    polygons : array of Polygon/MultiPolygon
        In EPSG:4326.
    counts : array of int
        How many points each polygon gets; the result lists them polygon by polygon.
    around : (n, 2) array, optional
        A lon/lat centre per point: points scatter normally around it (``spread_m`` metres)
        and are resampled until inside. Unset: uniform over the polygon.

    Returns
    -------
    numpy.ndarray
        (sum(counts), 2) lon, lat. A polygon thinner than twice the margin gets points inside
        it but nearer its edge.
    """
    polygons = np.asarray(polygons, dtype=object)
    owner = np.repeat(np.arange(len(polygons)), np.asarray(counts, dtype=np.int64))
    if not len(owner):
        return np.empty((0, 2))
    return _Interior.of(polygons, margin_m).sample(owner, rng, around, spread_m)
