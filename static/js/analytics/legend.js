// @ts-check
/* The map's legend for the layer shown: Gi*'s seven classes, local Moran's clusters and
   outliers, the emerging patterns found, the five risk colours with their thresholds, or the
   heatmap's classes (events/km², from the API for the zoom). Each row says how many grids are
   in its class; rows carry data-class (tests read them). */

import { getJson, isQuiet } from "../lib/api.js";
import { h } from "../lib/dom.js";
import { num } from "../lib/format.js";
import L from "../lib/leaflet.js";
import { centreTime, eventQuery } from "./filters.js";
import { state } from "./state.js";
import { GI_BINS, LAYER_TITLES, MORAN_LABELS, NO_DATA, PATTERNS, RATES, RISK_COLOURS } from "./terms.js";

/** @type {HTMLElement | null} */
let box = null;
let heatAsked = 0;

/** The legend control (bottom right); its content follows the layer. */
export function legendControl() {
  const control = L.control({ position: "bottomright" });
  control.onAdd = () => {
    box = /** @type {HTMLElement} */ (L.DomUtil.create("div", "legend analytics-legend"));
    box.id = "legend";
    box.setAttribute("aria-live", "polite");
    L.DomEvent.disableScrollPropagation(box);
    L.DomEvent.disableClickPropagation(box);
    return box;
  };
  return control;
}

/**
 * A legend row: a swatch, the words, the number of grids.
 * @param {string | number} key
 * @param {string} colour
 * @param {string} label
 * @param {number | null} count
 */
function row(key, colour, label, count) {
  return h("div", { class: "legend-row", "data-class": String(key), "data-count": count == null ? "" : count }, [
    h("i", { style: "background:" + colour }),
    h("span", { class: "legend-label" }, label),
    count == null ? null : h("span", { class: "count" }, " (" + num(count) + ")")
  ]);
}

/**
 * How many features fall in each class.
 * @param {any[]} features
 * @param {string} field
 * @returns {Record<string, number>}
 */
function tally(features, field) {
  /** @type {Record<string, number>} */
  const counts = {};
  for (const f of features || []) {
    const key = String(f.properties[field]);
    counts[key] = (counts[key] || 0) + 1;
  }
  return counts;
}

/**
 * @param {string} title
 * @param {any[]} rows
 * @param {any[]} [notes]
 */
function show(title, rows, notes = []) {
  if (!box) return;
  box.textContent = "";
  box.dataset.layer = state.layer;
  box.appendChild(h("h4", null, title));
  for (const r of rows) box.appendChild(r);
  for (const note of notes) if (note) box.appendChild(h("div", { class: "note" }, note));
}

/** Draw the legend of the layer shown, from the answers kept. */
export function drawLegend() {
  const layer = state.layer;
  if (layer === "gi_star" && state.gi) {
    const counts = tally(state.gi.features, "gi_bin");
    show(LAYER_TITLES.gi_star, GI_BINS.map((k) => row(k.key, k.colour, k.label, counts[String(k.key)] || 0)), [
      (RATES[/** @type {keyof typeof RATES} */ (state.gi.rate)] || state.gi.rate) + " · " +
        num(state.gi.events) + " 件事件 events",
      state.gi.fdr ? "已做错误发现率校正 FDR-corrected" : null
    ]);
  } else if (layer === "local_moran" && state.moran) {
    const counts = tally(state.moran.features, "label");
    const rows = MORAN_LABELS.filter((k) => k.key !== "no neighbours" || counts[k.key])
      .map((k) => row(k.key, k.colour, k.label, counts[String(k.key)] || 0));
    const rules = state.config && state.config.analytics && state.config.analytics.hotspots;
    const alpha = rules && rules.levels ? rules.levels[1] : 0.05;
    show(LAYER_TITLES.local_moran, rows, ["双侧置换检验 two-sided pseudo p (2·p_sim) ≤ " + alpha + ", " +
      num(state.moran.permutations) + " 次置换 permutations"]);
  } else if (layer === "emerging" && state.emerging) {
    const counts = tally(state.emerging.features, "pattern");
    const rows = PATTERNS.filter((k) => counts[String(k.key)])
      .map((k) => row(k.key, k.colour, k.label, counts[String(k.key)]));
    const periods = state.emerging.periods || [];
    show(LAYER_TITLES.emerging, rows, [
      periods.length ? periods.length + " 个时段 periods: " + periods[0].slice(0, 10) + " – " +
        periods[periods.length - 1].slice(0, 10) : null,
      "只列出出现的模式 only the patterns found"
    ]);
  } else if (layer === "risk" && state.risk) {
    const t = state.risk.thresholds || {};
    const lowest = Math.min(...Object.values(t).map(Number));
    const rows = RISK_COLOURS.map((k) => row(k.key, k.colour,
      k.label + (t[k.key] !== undefined ? " ≥ " + t[k.key] : Number.isFinite(lowest) ? " < " + lowest : ""),
      (state.risk.colours || {})[k.key] || 0));
    show(LAYER_TITLES.risk, rows, ["截至 as at " + centreTime(state.risk.at)]);
  } else if (layer === "heatmap") {
    drawHeatLegend();
  } else {
    show(LAYER_TITLES[layer], [row("none", NO_DATA, "无数据 no figures", null)]);
  }
}

/** The heatmap's classes at the map's zoom (GET …/heatmap/legend). */
export async function drawHeatLegend() {
  const asked = ++heatAsked;
  const z = Math.round(state.map.getZoom());
  const query = eventQuery();
  query.set("z", String(z));
  try {
    const legend = await getJson("/api/v1/analytics/heatmap/legend?" + query);
    if (asked !== heatAsked || state.layer !== "heatmap") return;
    show(LAYER_TITLES.heatmap, legend.classes.map((c) => row(c.class, c.colour, c.label, null)), [
      "单位 unit: " + legend.unit + " · 带宽 bandwidth " + num(legend.bandwidth_m) + " m · z" + legend.zoom
    ]);
    if (box) box.dataset.zoom = String(legend.zoom);
  } catch (err) {
    if (!isQuiet(err) && asked === heatAsked) show(LAYER_TITLES.heatmap, [], [/** @type {any} */ (err).message]);
  }
}
