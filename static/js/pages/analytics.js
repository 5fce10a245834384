// @ts-check
/* The centre's analysis (/analytics, 研判分析): where events concentrate (heatmap), whether a
   concentration is more than chance (Gi* hot spots, local Moran), where it grows (emerging hot
   spots), which grids need attention and why (five-colour risk with its reasons); the hottest
   grids, the forecast check and exports. Each part is a module under js/analytics/; they meet
   in analytics/state.js. Tests wait on body[data-ready] (true once the first answer is drawn;
   error when the analysis cannot be shown: a role the API refuses sees #denied in words) and
   #map[data-state=ready]. */

import { isQuiet } from "../lib/api.js";
import { loadConfig } from "../lib/config.js";
import { $ } from "../lib/dom.js";
import { GENERATED_BOUNDARIES } from "../lib/labels.js";
import { hasGeneratedBoundaries } from "../lib/map.js";
import { markReady, showGeneratedNote, showUser, wireLogout } from "../lib/page.js";
import { wireTabs } from "../lib/tabs.js";
import { forget, forgetEmerging, loadGi, loadLayer, loadRisk } from "../analytics/data.js";
import { drawDetail, forgetHistories } from "../analytics/detail.js";
import { setUpExports } from "../analytics/exports.js";
import { period, regionCode, setUpFilters, stamp, wireFilters } from "../analytics/filters.js";
import { setUpForecast } from "../analytics/forecast.js";
import { drawLegend } from "../analytics/legend.js";
import { drawShapes, fitShapes, mapState, refreshHeat, restyle, setUpMap, zoomTo } from "../analytics/layers.js";
import { drawRanking } from "../analytics/ranking.js";
import { state } from "../analytics/state.js";
import { LAYER_TITLES, setUpTerms } from "../analytics/terms.js";

const NOTES = {
  heatmap: "核密度，单位：事件/平方公里；按筛选与时段 · kernel density of the filtered events, events/km²",
  gi_star: "Getis-Ord Gi*：相邻网格一起偏高才算热点 · a grid is hot when it and its neighbours are high together",
  local_moran: "局部莫兰：聚集（高-高、低-低）与异常（高-低、低-高） · clusters and outliers",
  emerging: "按月或按周的时空立方体与 Mann-Kendall 趋势，截至时段末 · space-time cube up to the period's end",
  risk: "五色风险按时段末计算，不受类别、渠道与状态筛选 · as at the period's end; not filtered by category, channel or state"
};

let ready = false;
/** The region whose grids are drawn ("" the whole jurisdiction; null: none drawn yet). */
let drawnRegion = /** @type {string | null} */ (null);

/** @param {"true" | "error"} how */
function settle(how) {
  if (ready) return;
  ready = true;
  markReady(how);
}

/**
 * The API refuses this user the analysis (403): say so in words, in place of the page.
 * @param {any} err
 */
function denied(err) {
  const box = $("denied");
  box.hidden = false;
  box.dataset.status = String(err.status);
  box.textContent = "无权查看研判分析 You may not see the analysis (analytics:read; " + err.status + "): " +
    err.message + "。研判分析供综治中心使用 · this page is for the centre's staff.";
  $("study").hidden = true;
  $("message").hidden = true;
  mapState("error");
  settle("error");
}

/**
 * Say a failure in words (the API's own), above the map.
 * @param {any} err
 * @param {string} what what could not be had
 */
function failed(err, what) {
  if (isQuiet(err)) return;
  if (err && err.status === 403) {
    denied(err);
    return;
  }
  const box = $("message");
  box.textContent = what + ": " + (err && err.message);
  box.dataset.status = String((err && err.status) || "");
  box.hidden = false;
  $("status").textContent = "";
  mapState("error");
  settle("error");
}

/** Clear the message (an answer came). */
function succeeded() {
  $("message").hidden = true;
  $("status").textContent = "";
  mapState("ready");
  settle("true");
}

/**
 * Show a layer: ask for its answer when it has not come, then colour the grids and draw the
 * legend, ranking and details.
 * @param {import("../analytics/state.js").LayerName} layer
 */
async function showLayer(layer) {
  state.layer = layer;
  $("layer-note").textContent = NOTES[layer];
  if (layer === "risk") $("rank-by").value = "score";
  else if (layer === "gi_star" && $("rank-by").value === "score") $("rank-by").value = "z";
  mapState("loading");
  $("status").textContent = "加载中 loading " + LAYER_TITLES[layer] + "…";
  restyle();
  try {
    await loadLayer(layer);
    if (state.layer !== layer) return;
    restyle();
    drawLegend();
    drawRanking();
    drawDetail();
    succeeded();
  } catch (err) {
    if (state.layer !== layer) return;
    restyle(); // the grids grey: this layer has no figures
    drawLegend();
    failed(err, LAYER_TITLES[layer] + " 无法计算 could not be computed");
  }
}

/** The filters changed: ask again for the grids' Gi* answer, the layer shown and the risk. */
async function refresh() {
  if (!period()) {
    $("status").textContent = "时段有误 the period's dates are missing or reversed";
    return;
  }
  forget();
  forgetHistories();
  stamp();
  mapState("loading");
  $("status").textContent = "加载中 loading…";
  refreshHeat();
  const generation = state.generation;
  loadRisk().then(() => {
    if (generation !== state.generation) return;
    drawDetail();
    if ($("rank-by").value === "score") drawRanking();
  }).catch((err) => {
    if (isQuiet(err) || generation !== state.generation) return;
    state.riskError = err.message;
    drawDetail();
    if (err.status === 403) denied(err);
  });
  try {
    await loadGi();
    if (generation !== state.generation) return;
    if (state.selected && !state.giBy[state.selected]) state.selected = null;
    drawShapes(state.gi.features);
    if (regionCode() !== drawnRegion) fitShapes();
    drawnRegion = regionCode();
  } catch (err) {
    if (generation !== state.generation) return;
    // the grids stay drawn (grey where a layer has no figures) unless the region changed
    if (regionCode() !== drawnRegion) {
      drawShapes([]);
      drawnRegion = null;
    }
    if (state.layer === "gi_star") {
      restyle();
      drawLegend();
      drawRanking();
      drawDetail();
      failed(err, LAYER_TITLES.gi_star + " 无法计算 could not be computed");
      return;
    }
    if (isQuiet(err) || (err && err.status === 403)) {
      failed(err, "");
      return;
    }
  }
  await showLayer(state.layer);
}

/**
 * Choose a grid: outline it, show its figures, and with ``zoom`` fit the map to it.
 * @param {string} code
 * @param {{zoom?: boolean}} [options]
 */
function select(code, options = {}) {
  state.selected = code;
  restyle();
  drawDetail();
  drawRanking();
  if (options.zoom) zoomTo(code);
}

/** @param {import("../lib/config.js").MapConfig} config */
async function start(config) {
  state.config = config;
  const rules = /** @type {any} */ (config).analytics || {};
  setUpTerms(rules);
  showUser(config);
  if (hasGeneratedBoundaries(config)) showGeneratedNote(GENERATED_BOUNDARIES);
  setUpFilters();
  if (rules.emerging && rules.emerging.period) $("f-step").value = rules.emerging.period;
  setUpMap(config);
  wireTabs($("side").querySelector("[role=tablist]"));
  setUpExports();
  setUpForecast();
  state.select = select;
  wireFilters(refresh);
  for (const radio of document.querySelectorAll("input[name=layer]")) {
    radio.addEventListener("change", () => {
      const input = /** @type {HTMLInputElement} */ (radio);
      if (input.checked) showLayer(/** @type {any} */ (input.value));
    });
  }
  $("f-step").addEventListener("change", () => {
    forgetEmerging();
    if (state.layer === "emerging") showLayer("emerging");
  });
  $("rank-by").addEventListener("change", drawRanking);
  $("detail").addEventListener("keydown", (/** @type {KeyboardEvent} */ e) => {
    if (e.key === "Escape" && state.selected) {
      state.selected = null;
      restyle();
      drawDetail();
      drawRanking();
    }
  });
  const checked = /** @type {HTMLInputElement | null} */ (document.querySelector("input[name=layer]:checked"));
  state.layer = /** @type {any} */ ((checked && checked.value) || "gi_star");
  await refresh();
}

wireLogout();
loadConfig().then(start).catch((err) => failed(err, "研判无法加载 the analysis could not load"));
