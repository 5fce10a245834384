"""A standalone heatmap report (热力图报告): one HTML file made with folium that opens with no
internet, for sending to whoever has no account.

The density is the server's own (the heatmap tiles' kernel, events per km²), painted once over
the region and inlined as a PNG; the grid outlines are inlined GeoJSON; Leaflet's script and
style are inlined from ``static/vendor/leaflet`` (folium's defaults point at CDNs and load
jQuery and Bootstrap the report does not need).
"""

from __future__ import annotations

import base64
import html
import math
from pathlib import Path
from typing import Any

import folium
import numpy as np
import shapely
from branca.element import Element
from sqlalchemy import Connection

from gridmap.core.errors import InvalidInput
from gridmap.core.settings import Settings
from gridmap.layers import analytics as rows
from gridmap.layers.events import EventFilter
from gridmap.ops import density

VENDOR = Path(__file__).resolve().parents[2] / "static" / "vendor" / "leaflet"
HALF_WORLD = 20037508.342789244


def _lat(my: float) -> float:
    return math.degrees(2 * math.atan(math.exp(my / 6378137.0)) - math.pi / 2)


def _inline_leaflet(figure: folium.Map) -> None:
    """Leaflet's own script and style in the page, nothing fetched from elsewhere."""
    figure.default_js = []
    figure.default_css = []
    script = (VENDOR / "leaflet.js").read_text(encoding="utf-8").replace("</script", "<\\/script")
    style = (VENDOR / "leaflet.css").read_text(encoding="utf-8")
    header = figure.get_root().header
    header.add_child(Element(f"<style>{style}</style>"), name="leaflet_css_inline")
    header.add_child(Element(f"<script>{script}</script>"), name="leaflet_js_inline")


def heatmap_html(
    conn: Connection, settings: Settings, prefix: str, events: EventFilter
) -> tuple[str, int]:
    """The report's HTML and how many events it shows."""
    units = rows.units(conn, prefix)
    if not units:
        raise InvalidInput("no grids in this region (or in your jurisdiction)", field="region")
    outlines = shapely.from_wkb([bytes(u["wkb"]) for u in units])
    found = np.array(rows.points(conn, events, 2_000_000), dtype=float).reshape(-1, 2)
    x0, y0, x1, y1 = shapely.total_bounds(shapely.transform(outlines, _mercator))
    lat = _lat((y0 + y1) / 2)
    scale = math.cos(math.radians(lat))
    bounds = (x0 * scale, y0 * scale, x1 * scale, y1 * scale)
    config = settings.analytics
    bandwidth = config.heatmap_bandwidth_m * max(1.0, (bounds[2] - bounds[0]) / 20_000)
    cell = max(20.0, (bounds[2] - bounds[0]) / 500)
    grid = density.kde_grid(found[:, 0] * scale, found[:, 1] * scale, None, bounds, cell, bandwidth)
    painted = density.density_png(
        grid, None, config.heatmap_colours, config.heatmap_opacity, config.heatmap_classes
    )
    south, west, north, east = _lat(y0), x0 / HALF_WORLD * 180, _lat(y1), x1 / HALF_WORLD * 180
    figure = folium.Map(tiles=None, control_scale=True)
    _inline_leaflet(figure)
    figure.fit_bounds([[south, west], [north, east]])
    data_url = "data:image/png;base64," + base64.b64encode(painted.png).decode()
    folium.raster_layers.ImageOverlay(
        data_url, bounds=[[south, west], [north, east]], name="events/km²"
    ).add_to(figure)
    folium.GeoJson(
        {"type": "FeatureCollection", "features": _grid_features(units, outlines)},
        name="grids",
        style_function=lambda _f: {"color": "#444", "weight": 1, "fillOpacity": 0},
        tooltip=folium.GeoJsonTooltip(fields=["code", "name"]),
    ).add_to(figure)
    figure.get_root().html.add_child(Element(_legend(painted.legend, len(found), bandwidth)))
    return figure.get_root().render(), len(found)


def _mercator(xy: np.ndarray) -> np.ndarray:
    lon, lat = xy[:, 0], np.clip(xy[:, 1], -85.05, 85.05)
    x = lon / 180 * HALF_WORLD
    y = np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)) * 6378137.0
    return np.column_stack([x, y])


def _grid_features(units: list[dict[str, Any]], outlines: np.ndarray) -> list[dict]:
    import json

    shapes = shapely.to_geojson(outlines)
    return [
        {
            "type": "Feature",
            "geometry": json.loads(shape),
            "properties": {"code": u["code"], "name": u["name"]},
        }
        for u, shape in zip(units, shapes, strict=True)
    ]


def _legend(classes: list[dict], events: int, bandwidth: float) -> str:
    rows_html = "".join(
        f'<div><i style="background:{html.escape(c["colour"])}"></i>{html.escape(c["label"])}</div>'
        for c in classes
    )
    return (
        '<div style="position:fixed;bottom:18px;right:18px;z-index:1000;background:#fff;'
        'padding:8px 10px;font:12px sans-serif;border-radius:4px;box-shadow:0 1px 4px #0004">'
        f"<b>事件密度 events/km²</b> ({events} events, bandwidth {bandwidth:.0f} m)"
        f"{rows_html}</div>"
        "<style>div i{display:inline-block;width:14px;height:10px;margin-right:6px}</style>"
    )
