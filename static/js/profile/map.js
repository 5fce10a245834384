// @ts-check
/* The profile's map: the unit's outline, and a grid's buildings or a region's grids. */

import { getJson, isQuiet } from "../lib/api.js";
import { $, fill, h, show } from "../lib/dom.js";
import { dash } from "../lib/format.js";
import L from "../lib/leaflet.js";
import { createMap, fitConfigBounds, scaleControl } from "../lib/map.js";
import { drawBuildings } from "./buildings.js";
import { CODE, profileHref } from "./context.js";
import { errorBox } from "./widgets.js";

/** @type {any} the L.Map */
let map = null;

/** @returns {any} the L.Map, once started */
export function profileMap() {
  return map;
}

/**
 * The map, on the configured base map (none without a configuration).
 * @param {import("../lib/config.js").MapConfig | null} config
 */
export function startMap(config) {
  map = createMap(config);
  scaleControl(140).addTo(map);
  fitConfigBounds(map, config);
  return map;
}

/** @param {any} layer */
export function fitTo(layer) {
  const bounds = layer.getBounds && layer.getBounds();
  // at once, not animated: the markers are where they will stay when the page says ready
  if (bounds && bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16], maxZoom: 18, animate: false });
}

/**
 * @param {any} feature
 * @param {object} style
 */
function drawOutline(feature, style) {
  if (!feature || !feature.geometry) return;
  fitTo(L.geoJSON(feature, { style, interactive: false }).addTo(map));
  $("map").dataset.outline = "true";
}

/** @param {any} err */
function mapNote(err) {
  if (!err || isQuiet(err) || !map) return;
  const control = L.control({ position: "topright" });
  control.onAdd = () => h("div", { class: "legend map-error" }, "地图 map: " + err.message);
  control.addTo(map);
}

/** A grid: its outline and its buildings (circle markers, and a list beside). */
export function loadGridMap() {
  const base = "/api/v1/grids/" + encodeURIComponent(CODE);
  getJson(base).then((feature) => drawOutline(feature,
    { color: "#243447", weight: 2.5, fillColor: "#4a78a8", fillOpacity: 0.08 })).catch(mapNote);
  getJson(base + "/buildings?limit=1000").then((fc) => drawBuildings(map, fc, fitTo)).catch((err) => {
    if (isQuiet(err)) return;
    show("buildings-box");
    fill("buildings", errorBox(err));
  });
}

/** @param {any} f a grid */
function gridPopup(f) {
  const code = f.properties.code || f.id;
  return h("div", { class: "popup" }, [
    h("strong", null, dash(f.properties.name)), h("br"), h("span", { class: "code" }, code), h("br"),
    h("a", { class: "profile-link", href: profileHref(code) }, "网格画像 profile")
  ]);
}

/** A region: its outline and its grids (each a link to its own profile). */
export function loadRegionMap() {
  getJson("/api/v1/regions/" + encodeURIComponent(CODE)).then((feature) =>
    drawOutline(feature, { color: "#243447", weight: 3, fill: false })).catch(mapNote);
  getJson("/api/v1/grids?region=" + encodeURIComponent(CODE) + "&limit=1000").then((fc) => {
    const layer = L.geoJSON(fc, {
      style: (/** @type {any} */ f) => {
        const micro = String(f.id || f.properties.code).length === 17;
        return { color: "#4a6078", weight: micro ? 0.6 : 1, fillColor: "#4a78a8", fillOpacity: 0.12 };
      },
      onEachFeature: (/** @type {any} */ f, /** @type {any} */ l) => l.bindPopup(gridPopup(f))
    }).addTo(map);
    if (!$("map").dataset.outline) fitTo(layer);
  }).catch(mapNote);
}
