"""GeoJSON in request bodies, checked: a geometry of the kinds a route takes, or a collection of
features. A bad value gets a 400 naming the field and what was expected, never a library's
message."""

from __future__ import annotations

import json
from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry import shape

from gridmap.core.errors import InvalidInput


def _shown(value: Any) -> str:
    """A short echo of what was sent."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "…"


def geometry(value: Any, field: str, kinds: tuple[str, ...]) -> shapely.Geometry:
    """A GeoJSON geometry (EPSG:4326) of one of ``kinds``, valid."""
    expected = f'a GeoJSON {" or ".join(kinds)} object with "type" and "coordinates" (EPSG:4326)'
    kind = value.get("type") if isinstance(value, dict) else None
    if kind not in kinds or "coordinates" not in value:
        raise InvalidInput(f"{field} must be {expected}, got {_shown(value)}", field=field)
    try:
        found = shape(value)
    except Exception:  # shapely raises several kinds for coordinates that make no geometry
        raise InvalidInput(
            f"{field}: its coordinates do not make a {kind} (expected {expected})", field=field
        ) from None
    if found.is_empty:
        raise InvalidInput(f"{field} is an empty {kind}", field=field)
    if not found.is_valid:
        raise InvalidInput(
            f"{field} is not a valid {kind}: {shapely.is_valid_reason(found)}", field=field
        )
    return found


def feature_frame(collection: Any, field: str, what: str) -> gpd.GeoDataFrame:
    """The features of a GeoJSON FeatureCollection (EPSG:4326) as a GeoDataFrame."""
    expected = (
        f'a GeoJSON FeatureCollection of {what}: "features", each with a "geometry" and'
        ' "properties" (EPSG:4326)'
    )
    features = collection.get("features") if isinstance(collection, dict) else None
    if not isinstance(features, list) or not features:
        raise InvalidInput(f"{field} must be {expected}", field=field)
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or not isinstance(feature.get("geometry"), dict):
            raise InvalidInput(
                f"{field}: feature {number} has no geometry object (expected {expected})",
                field=field,
            )
    try:
        return gpd.GeoDataFrame.from_features(features, crs="EPSG:4326")
    except Exception:  # geopandas and shapely raise several kinds for bad GeoJSON
        raise InvalidInput(
            f"{field} cannot be read as {expected}: check each feature's coordinates",
            field=field,
        ) from None
