// @ts-check
/* The region chosen (a township from the legend, then one of its villages when it has any) and
   the map filters: PTZ type, status, planned or existing, problem. Status, planned and type are
   in the tiles themselves; the problem filter (and the type filter for views, whose tiles carry
   no type) become the set of camera ids that pass (state.allowed). */

import { getJson, isQuiet } from "../lib/api.js";
import { $, h } from "../lib/dom.js";
import { num } from "../lib/format.js";
import { clearOutline, restyle, zoomToCode } from "./map.js";
import { setRegion, state } from "./state.js";
import { problemLabel, ptzLabel, statusLabel } from "./terms.js";

/** Pages of ids read for the type filter of views at most (1,000 cameras a page). */
const MAX_ID_PAGES = 20;

/** @type {((filters: import("./state.js").Filters) => void)[]} */
const listeners = [];
let ticket = 0;

/**
 * Called when the map filters change (the list reads its page again).
 * @param {(filters: import("./state.js").Filters) => void} listener
 */
export function onFilters(listener) {
  listeners.push(listener);
}

/**
 * Options of a select: "all", then code → label.
 * @param {HTMLSelectElement} select
 * @param {Record<string, string>} entries
 * @param {string | null} [empty]
 */
export function fillOptions(select, entries, empty = "全部 all") {
  select.textContent = "";
  if (empty !== null) select.appendChild(h("option", { value: "" }, empty));
  for (const [code, label] of Object.entries(entries)) select.appendChild(h("option", { value: code }, label));
}

/** @returns {Record<string, string>} label by PTZ type code */
export function ptzOptions() {
  /** @type {Record<string, string>} */
  const out = {};
  for (const code of Object.keys(state.rules.ptz_types)) out[code] = ptzLabel(code);
  return out;
}

/** @returns {Record<string, string>} label by status code */
export function statusOptions() {
  /** @type {Record<string, string>} */
  const out = {};
  for (const code of Object.keys(state.rules.statuses)) out[code] = statusLabel(code);
  return out;
}

/** The problem filter's options, with each problem's count once the problems are read. */
export function fillProblemOptions() {
  const select = $("f-problem");
  const current = select.value;
  /** @type {Record<string, number>} */
  const counts = {};
  for (const problems of state.problemsById.values()) {
    for (const p of problems) counts[p.problem] = (counts[p.problem] || 0) + 1;
  }
  /** @type {Record<string, string>} */
  const entries = { any: "任一问题 any problem (" + num(state.problemsById.size) + ")" };
  for (const code of Object.keys(state.rules.problems)) {
    entries[code] = problemLabel(code) + (counts[code] ? " (" + num(counts[code]) + ")" : "");
  }
  fillOptions(select, entries);
  select.value = current;
}

/**
 * The ids of cameras of the region with a PTZ type (for the views, whose tiles lack it).
 * @param {string} ptz
 * @returns {Promise<Set<number> | null>} null when there are too many to read
 */
async function idsOfType(ptz) {
  const ids = new Set();
  for (let page = 0; page < MAX_ID_PAGES; page += 1) {
    const query = new URLSearchParams({ ptz_type: ptz, limit: "1000", offset: String(page * 1000) });
    if (state.region) query.set("region", state.region);
    const data = await getJson("/api/v1/cameras?" + query.toString());
    for (const c of data.cameras) ids.add(Number(c.id));
    if (ids.size >= data.total || !data.cameras.length) return ids;
  }
  return null;
}

/** Work out state.allowed from the problem and type filters, then draw the map again. */
export async function applyFilters() {
  const mine = ++ticket;
  const f = state.filters;
  /** @type {Set<number> | null} */
  let allowed = null;
  let note = "";
  if (f.problem) {
    allowed = new Set();
    for (const [id, problems] of state.problemsById) {
      if (f.problem === "any" || problems.some((p) => p.problem === f.problem)) allowed.add(id);
    }
    note = "问题筛选：" + num(allowed.size) + " 台 cameras with " +
      (f.problem === "any" ? "any problem" : problemLabel(f.problem)) + (state.region ? " in " + state.region : "");
  }
  if (f.ptz_type) {
    try {
      const ofType = await idsOfType(f.ptz_type);
      if (mine !== ticket) return;
      if (ofType) allowed = allowed ? new Set([...allowed].filter((id) => ofType.has(id))) : ofType;
      else note += " 类型筛选只作用于点位 the type filter applies to dots only (too many cameras)";
    } catch (err) {
      if (isQuiet(err)) return;
      note += " " + /** @type {any} */ (err).message;
    }
  }
  if (mine !== ticket) return;
  state.allowed = allowed;
  $("filter-note").textContent = note.trim();
  $("filters").dataset.allowed = allowed ? String(allowed.size) : "";
  restyle();
  for (const listener of listeners) listener(f);
}

/** The villages of a township (when the region has them) in the village select. */
async function fillVillages(/** @type {string} */ township) {
  const select = $("f-village");
  select.textContent = "";
  select.appendChild(h("option", { value: "" }, "全部 all"));
  select.disabled = true;
  if (!township) return;
  try {
    const data = await getJson("/api/v1/regions?parent=" + encodeURIComponent(township) +
      "&level=village&limit=1000");
    for (const r of data.regions || []) {
      select.appendChild(h("option", { value: r.code }, (r.name || r.code) + " " + r.code));
    }
    select.disabled = !(data.regions || []).length;
    if (select.disabled) select.firstChild.textContent = "无下级 none on record";
  } catch (err) {
    if (!isQuiet(err)) select.title = /** @type {any} */ (err).message;
  }
}

/**
 * Choose a region from the page (the planning and coverage panels call it too).
 * @param {string} code a township of the legend, a village, or "" for all
 * @param {{zoom?: boolean}} [options]
 */
export async function chooseRegion(code, options = {}) {
  const { zoom = true } = options;
  const townships = $("f-region");
  const township = code.length === 12 && code.slice(9) !== "000" ? code.slice(0, 9) + "000" : code;
  if (Array.from(/** @type {HTMLSelectElement} */ (townships).options).some((o) => o.value === township)) {
    townships.value = township;
  }
  if (township !== townships.dataset.loaded) {
    townships.dataset.loaded = township;
    await fillVillages(township);
  }
  $("f-village").value = code !== township ? code : "";
  setRegion(code);
  if (!zoom) return;
  if (code) zoomToCode(code);
  else {
    clearOutline();
    const b = state.config.bounds;
    if (b) state.map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { animate: false });
  }
}

/** Fill the selects and wire them. */
export function setUpFilters() {
  const region = $("f-region");
  const own = state.config.user ? state.config.user.jurisdiction : "";
  fillOptions(region, Object.fromEntries((state.config.legend || []).map(
    (/** @type {any} */ t) => [t.code, t.name + " " + t.code])), "全部 all" + (own ? " (" + own + ")" : ""));
  fillOptions($("f-ptz"), ptzOptions());
  fillOptions($("f-status"), statusOptions());
  fillProblemOptions();
  region.addEventListener("change", () => { chooseRegion(region.value); });
  $("f-village").addEventListener("change", () => { chooseRegion($("f-village").value || region.value); });
  for (const [id, key] of /** @type {[string, keyof import("./state.js").Filters][]} */ ([
    ["f-ptz", "ptz_type"], ["f-status", "status"], ["f-planned", "planned"], ["f-problem", "problem"]])) {
    $(id).addEventListener("change", () => {
      state.filters[key] = $(id).value;
      applyFilters();
    });
  }
  $("filters").addEventListener("submit", (/** @type {Event} */ e) => e.preventDefault());
}
