// @ts-check
/* The Leaflet set-up the map pages share: the map (window.gridmapMap, for tests and the
   console), the base map, region and grid vector tiles, the township palette and legend. */

import L from "./leaflet.js";
import { escapeHtml } from "./dom.js";

/** @typedef {import("./config.js").MapConfig} MapConfig */

/**
 * The map in #map, with the configured base map when there is one.
 * @param {MapConfig | null} config
 * @param {object} [options] more Leaflet map options
 * @returns {any} the L.Map
 */
export function createMap(config, options = {}) {
  const map = L.map("map", { zoomSnap: 0.5, ...options });
  /** @type {any} */ (window).gridmapMap = map;
  const base = config && config.base_map;
  if (base && base.url) {
    L.tileLayer(base.url, { attribution: base.attribution, maxZoom: 19 }).addTo(map);
  }
  return map;
}

/**
 * Show the configured extent (all of China without one).
 * @param {any} map
 * @param {MapConfig | null} config
 * @param {object} [options] Leaflet fitBounds options (padding for what covers the map …)
 */
export function fitConfigBounds(map, config, options = {}) {
  const b = config && config.bounds;
  if (b) map.fitBounds([[b[1], b[0]], [b[3], b[2]]], options);
  else map.setView([35, 105], 4);
}

/** @param {number} [maxWidth] */
export function scaleControl(maxWidth = 160) {
  return L.control.scale({ imperial: false, maxWidth });
}

/**
 * Region outlines: counties and above heavy, townships light, generated ones dashed.
 * @param {{level?: string, generated?: boolean}} p
 */
export function regionStyle(p) {
  const county = p.level === "county" || p.level === "city" || p.level === "province";
  return {
    weight: county ? 3 : 1.5, color: county ? "#243447" : "#4a6078", fill: false,
    dashArray: p.generated ? "6 4" : null
  };
}

/**
 * The townships' colours and names by code, from the legend.
 * @param {MapConfig} config
 * @returns {{colors: Record<string, string>, names: Record<string, string>}}
 */
export function townshipPalette(config) {
  /** @type {Record<string, string>} */
  const colors = {};
  /** @type {Record<string, string>} */
  const names = {};
  for (const t of config.legend || []) {
    colors[t.code] = t.color;
    names[t.code] = t.name;
  }
  return { colors, names };
}

/**
 * The regions' vector tiles (not interactive).
 * @param {MapConfig} config
 * @param {object} [options] more VectorGrid options (zIndex, pmIgnore …)
 */
export function regionLayer(config, options = {}) {
  return L.vectorGrid.protobuf(config.tiles.regions, {
    rendererFactory: L.svg.tile,
    interactive: false,
    maxNativeZoom: 18,
    vectorTileLayerStyles: { regions: regionStyle },
    ...options
  });
}

/**
 * The grids' vector tiles, filled in their township's colour; a feature's id is its code.
 * @param {MapConfig} config
 * @param {{url?: string, fillOpacity?: number} & Record<string, unknown>} [options]
 */
export function gridLayer(config, options = {}) {
  const { url = config.tiles.grids, fillOpacity = 0.45, ...rest } = options;
  const { colors } = townshipPalette(config);
  return L.vectorGrid.protobuf(url, {
    rendererFactory: L.svg.tile,
    interactive: true,
    minZoom: config.grid_min_zoom,
    maxNativeZoom: 18,
    getFeatureId: (/** @type {any} */ f) => f.properties.code,
    vectorTileLayerStyles: {
      grids: (/** @type {any} */ p) => ({
        weight: p.micro ? 0.5 : 0.8, color: "#333", fill: true, fillOpacity,
        fillColor: colors[p.township] || "#999"
      })
    },
    ...rest
  });
}

/**
 * Whether the configuration says the boundaries are generated (demo data).
 * @param {MapConfig} config
 */
export function hasGeneratedBoundaries(config) {
  return Boolean(config.generated && (config.generated.grids || config.generated.regions));
}

/**
 * The legend: a row a township in its colour, with its number of grids. ``foldable`` makes it a
 * <details> whose summary is the button that folds it (``open`` or not at first), for phones.
 * @param {MapConfig} config
 * @param {{foldable?: boolean, open?: boolean}} [options]
 */
export function legendControl(config, options = {}) {
  const { foldable = false, open = true } = options;
  const control = L.control({ position: "bottomright" });
  control.onAdd = function () {
    let html = "<h4>网格 by township 乡镇</h4>";
    for (const t of config.legend || []) {
      html += '<div><i style="background:' + escapeHtml(t.color) + '"></i>' + escapeHtml(t.name) +
        ' <span class="count">(' + escapeHtml(t.grids) + ")</span></div>";
    }
    if (hasGeneratedBoundaries(config)) {
      html += '<div class="note">Township and grid boundaries are generated for the demo, ' +
        "not real boundaries. 乡镇与网格边界为演示生成。</div>";
    }
    if (!foldable) {
      const div = L.DomUtil.create("div", "legend");
      div.innerHTML = html;
      L.DomEvent.disableScrollPropagation(div);
      return div;
    }
    const details = /** @type {HTMLDetailsElement} */ (L.DomUtil.create("details", "legend foldable"));
    details.open = open;
    const demo = hasGeneratedBoundaries(config) ? ' <span class="demo">演示 demo</span>' : "";
    details.innerHTML = "<summary>图例 Legend" + demo + '</summary><div class="legend-rows">' + html +
      "</div>";
    L.DomEvent.disableScrollPropagation(details);
    L.DomEvent.disableClickPropagation(details);
    return details;
  };
  return control;
}
