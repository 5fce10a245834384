"""A local metric frame for lon/lat geometry: an affine scaling to approximate metres."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely


@dataclass(frozen=True)
class LocalFrame:
    """Lon/lat scaled to approximate metres around a place: an affine map, so straight edges
    stay straight both ways and cells cut here fit their parent exactly once mapped back (a
    projection would bend long edges and leave slivers between a parent and its children)."""

    kx: float
    ky: float

    @classmethod
    def around(cls, geometry: shapely.Geometry) -> LocalFrame:
        lat = np.radians(shapely.centroid(geometry).y)
        return cls(kx=111_320.0 * float(np.cos(lat)), ky=110_574.0)

    def to_local(self, geoms) -> np.ndarray:
        return shapely.transform(
            np.asarray(geoms, dtype=object), lambda xy: xy * [self.kx, self.ky]
        )

    def to_lonlat(self, geoms) -> np.ndarray:
        return shapely.transform(
            np.asarray(geoms, dtype=object), lambda xy: xy / [self.kx, self.ky]
        )

    def area_m2(self, geometry: shapely.Geometry) -> float:
        """Area in m² (planar in the frame: robust for slivers, where geodesic formulas
        applied to near-degenerate rings give nonsense)."""
        return float(shapely.area(self.to_local([geometry])[0]))

    def length_m(self, geometry: shapely.Geometry) -> float:
        return float(shapely.length(self.to_local([geometry])[0]))
