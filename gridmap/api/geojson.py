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

# What these parsers take, as JSON Schema (RFC 7946, EPSG:4326), for the OpenAPI document of
# the bodies that hold them: ``Field(json_schema_extra=schema_of("Polygon", "MultiPolygon"))``.
# The parsers check the rest (a ring closed, a polygon valid) and answer 400 naming the field.
_POSITION = {"type": "array", "minItems": 2, "maxItems": 3, "items": {"type": "number"}}
_LINE = {"type": "array", "minItems": 2, "items": _POSITION}
_RING = {"type": "array", "minItems": 4, "items": _POSITION}
_COORDINATES = {
    "LineString": _LINE,
    "MultiLineString": {"type": "array", "minItems": 1, "items": _LINE},
    "Polygon": {"type": "array", "minItems": 1, "items": _RING},
    "MultiPolygon": {
        "type": "array",
        "minItems": 1,
        "items": {"type": "array", "minItems": 1, "items": _RING},
    },
}


def schema_of(*kinds: str) -> dict[str, Any]:
    """The JSON Schema of a GeoJSON geometry of one of ``kinds``."""
    shapes = [
        {
            "type": "object",
            "required": ["type", "coordinates"],
            "properties": {"type": {"const": kind}, "coordinates": _COORDINATES[kind]},
        }
        for kind in kinds
    ]
    return shapes[0] if len(shapes) == 1 else {"oneOf": shapes}


def collection_schema(*required: str) -> dict[str, Any]:
    """A GeoJSON FeatureCollection (EPSG:4326) as ``feature_frame`` takes it, its features'
    ``properties`` holding ``required``, for the OpenAPI document."""
    properties: dict[str, Any] = {"type": "object"}
    if required:
        properties["required"] = list(required)
    return {
        "type": "object",
        "required": ["features"],
        "properties": {
            "type": {"const": "FeatureCollection"},
            "features": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["geometry", *(["properties"] if required else [])],
                    "properties": {
                        "type": {"const": "Feature"},
                        "geometry": {"type": "object", "required": ["type", "coordinates"]},
                        "properties": properties,
                    },
                },
            },
        },
    }


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
