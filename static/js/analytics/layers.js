// @ts-check
/* The analysis map: the grids of the answer as polygons (one a grid, drawn from the Gi*
   answer's geometry), coloured by the layer shown — Gi* class, local Moran label, emerging
   pattern, risk colour — or left clear over the heatmap's tiles (PNG, 64 px stretched to
   256, sent with the session cookie). Township outlines on top; a click on a grid chooses it.
   Each grid's path carries data-code and data-class (tests and CSS read them); the map's
   container says data-layer, data-state (loading, ready, error), data-grids and data-heat
   (the heatmap's tiles loading or loaded). */

import { h } from "../lib/dom.js";
import { num } from "../lib/format.js";
import L from "../lib/leaflet.js";
import { createMap, fitConfigBounds, regionLayer, scaleControl } from "../lib/map.js";
import { eventQuery } from "./filters.js";
import { drawHeatLegend, legendControl } from "./legend.js";
import { state } from "./state.js";
import { GI_BINS, MORAN_LABELS, NO_DATA, PATTERNS, RISK_COLOURS, colourOf, labelOfClass } from "./terms.js";

/** Above this many grids the polygons are drawn on a canvas (SVG paths slow the map down). */
const SVG_MAX = 3000;
const HEAT_URL = "/api/v1/analytics/heatmap/{z}/{x}/{y}.png";

/** @type {any} */
let shapes = null;
/** @type {Record<string, any>} the grids' Leaflet layers by code */
let layersBy = {};
/** @type {any} */
let heat = null;

/** @param {import("../lib/config.js").MapConfig} config */
export function setUpMap(config) {
  const map = createMap(config, { preferCanvas: false });
  state.map = map;
  map.createPane("heat").style.zIndex = "350";
  const outlines = map.createPane("outlines");
  outlines.style.zIndex = "450";
  outlines.style.pointerEvents = "none";
  regionLayer(config, { pane: "outlines" }).addTo(map);
  heat = L.tileLayer(heatUrl(), {
    pane: "heat", tileSize: 256, opacity: 0.85, maxZoom: 20, maxNativeZoom: 18, className: "heat-tiles"
  });
  heat.on("loading", () => { map.getContainer().dataset.heat = "loading"; });
  heat.on("load", () => { map.getContainer().dataset.heat = "loaded"; });
  scaleControl().addTo(map);
  legendControl().addTo(map);
  fitConfigBounds(map, config);
  map.on("zoomend", () => { if (state.layer === "heatmap") drawHeatLegend(); });
  return map;
}

/** The heatmap tiles' URL with the filters. */
function heatUrl() {
  return HEAT_URL + "?" + eventQuery();
}

/**
 * Where the map is (for tests and a screen reader's status).
 * @param {"loading" | "ready" | "error"} value
 */
export function mapState(value) {
  if (!state.map) return;
  const box = state.map.getContainer();
  box.dataset.state = value;
  box.setAttribute("aria-busy", value === "loading" ? "true" : "false");
}

/**
 * The grids as polygons, from an answer's features (the Gi* answer's after each refresh); none
 * to clear them.
 * @param {any[]} features
 */
export function drawShapes(features) {
  const map = state.map;
  if (shapes) map.removeLayer(shapes);
  layersBy = {};
  const renderer = features.length > SVG_MAX ? L.canvas({ padding: 0.3 }) : L.svg({ padding: 0.3 });
  shapes = L.geoJSON({ type: "FeatureCollection", features }, {
    renderer,
    style: () => ({ weight: 0.7, color: "#555", fillOpacity: 0.75, className: "grid-shape" }),
    onEachFeature: (/** @type {any} */ feature, /** @type {any} */ layer) => {
      const code = feature.properties.code;
      layersBy[code] = layer;
      layer.on("click", () => state.select(code));
      layer.bindTooltip(() => tooltip(code), { sticky: true, direction: "top" });
    }
  }).addTo(map);
  for (const [code, layer] of Object.entries(layersBy)) {
    const path = layer.getElement && layer.getElement();
    if (path) path.setAttribute("data-code", code);
  }
  map.getContainer().dataset.grids = String(features.length);
  restyle();
}

/**
 * The grid's name and its figure in the layer shown (the tooltip; built as nodes, names are data).
 * @param {string} code
 */
function tooltip(code) {
  const gi = state.giBy[code];
  const risk = state.riskBy[code];
  const name = (gi && gi.name) || (risk && risk.name) || "";
  /** @type {any[]} */
  let figure = [];
  if (state.layer === "risk" && risk) {
    figure = [labelOfClass(RISK_COLOURS, risk.colour), " · 风险分 score ", risk.score];
  } else if (state.layer === "emerging" && state.emergingBy[code]) {
    figure = [labelOfClass(PATTERNS, state.emergingBy[code].pattern)];
  } else if (state.layer === "local_moran" && state.moranBy[code]) {
    figure = [labelOfClass(MORAN_LABELS, state.moranBy[code].label)];
  } else if (gi) {
    figure = [num(gi.count), " 件 events", gi.z == null ? "" : " · z " + Number(gi.z).toFixed(2)];
  }
  return h("span", null, [h("strong", null, name), " ", h("span", { class: "code" }, code),
    figure.length ? h("br") : null, figure]);
}

/**
 * The class of a grid in the layer shown: its key and colour ("none" and grey when the layer
 * has no figure for it, e.g. its answer failed).
 * @param {string} code
 * @returns {{key: string, colour: string | null}}
 */
function classOf(code) {
  /** @type {[Record<string, any>, string, import("./terms.js").Klass[]] | null} */
  const by = {
    gi_star: [state.giBy, "gi_bin", GI_BINS],
    local_moran: [state.moranBy, "label", MORAN_LABELS],
    emerging: [state.emergingBy, "pattern", PATTERNS],
    risk: [state.riskBy, "colour", RISK_COLOURS]
  }[state.layer] || null;
  if (!by) return { key: "", colour: null };
  const [found, field, classes] = by;
  const value = found[code] ? found[code][field] : undefined;
  if (value === undefined || value === null) return { key: "none", colour: NO_DATA };
  return { key: String(value), colour: colourOf(classes, value) };
}

/** Colour the grids for the layer shown; the heatmap's tiles shown under clear grids or not. */
export function restyle() {
  const map = state.map;
  const heatmap = state.layer === "heatmap";
  if (heatmap && !map.hasLayer(heat)) heat.addTo(map);
  if (!heatmap && map.hasLayer(heat)) map.removeLayer(heat);
  for (const [code, layer] of Object.entries(layersBy)) {
    const { key, colour } = classOf(code);
    const chosen = code === state.selected;
    layer.setStyle({
      fill: true,
      fillColor: colour || "#000",
      fillOpacity: heatmap ? 0 : 0.75,
      color: chosen ? "#111" : heatmap ? "#667" : "#555",
      weight: chosen ? 3 : heatmap ? 0.5 : 0.7
    });
    const path = layer.getElement && layer.getElement();
    if (path) {
      path.setAttribute("data-class", key);
      path.classList.toggle("chosen", chosen);
    }
  }
  const chosenLayer = state.selected ? layersBy[state.selected] : null;
  if (chosenLayer && chosenLayer.bringToFront) chosenLayer.bringToFront();
  map.getContainer().dataset.layer = state.layer;
}

/** The heatmap's tiles follow the filters (their URL holds them). */
export function refreshHeat() {
  if (heat) heat.setUrl(heatUrl());
}

/**
 * Show a grid: fit the map to it.
 * @param {string} code
 */
export function zoomTo(code) {
  const layer = layersBy[code];
  if (layer) state.map.fitBounds(layer.getBounds(), { maxZoom: 13, padding: [80, 80], animate: false });
}

/** The polygons' bounds, to fit the map to the region analysed. */
export function fitShapes() {
  if (shapes && Object.keys(layersBy).length) {
    state.map.fitBounds(shapes.getBounds(), { padding: [10, 10], animate: false });
  } else if (state.config) {
    fitConfigBounds(state.map, state.config);
  }
}
