// @ts-check
/* The analysis' answers from the API, kept until the filters change: Gi* and local Moran hot
   spots, emerging hot spots and risk colours (GET /api/v1/analytics/…). A refresh drops what
   was kept; an answer that comes back after a newer refresh is dropped too. */

import { getJson } from "../lib/api.js";
import { emergingQuery, hotspotQuery, riskQuery } from "./filters.js";
import { byCode, state } from "./state.js";

/** Thrown when an answer belongs to an older refresh (the page ignores it). */
export class Stale extends Error {
  constructor() {
    super("stale");
    this.name = "AbortError"; // isQuiet() leaves it unsaid
  }
}

/** @type {Record<string, Promise<any>>} */
let pending = {};

/** Forget the answers (the filters changed). */
export function forget() {
  state.generation += 1;
  pending = {};
  state.gi = state.moran = state.emerging = state.risk = null;
  state.giBy = {};
  state.moranBy = {};
  state.emergingBy = {};
  state.riskBy = {};
  state.riskError = null;
}

/** Forget the emerging hot spots only (their time step changed). */
export function forgetEmerging() {
  delete pending.emerging;
  state.emerging = null;
  state.emergingBy = {};
}

/**
 * One answer, asked once per refresh.
 * @param {string} key
 * @param {string} url
 * @param {(data: any) => void} keep stores it in the state
 */
function once(key, url, keep) {
  if (!(key in pending)) {
    const generation = state.generation;
    pending[key] = getJson(url).then((data) => {
      if (generation !== state.generation) throw new Stale();
      keep(data);
      return data;
    });
    pending[key].catch(() => { if (generation === state.generation) delete pending[key]; });
  }
  return pending[key];
}

/** The Gi* hot spots of the filters. */
export function loadGi() {
  return once("gi", "/api/v1/analytics/hotspots?" + hotspotQuery("gi_star"), (data) => {
    state.gi = data;
    state.giBy = byCode(data.features);
  });
}

/** Local Moran's clusters and outliers of the filters. */
export function loadMoran() {
  return once("moran", "/api/v1/analytics/hotspots?" + hotspotQuery("local_moran"), (data) => {
    state.moran = data;
    state.moranBy = byCode(data.features);
  });
}

/** The emerging hot spots up to the period's end. */
export function loadEmerging() {
  return once("emerging", "/api/v1/analytics/emerging?" + emergingQuery(), (data) => {
    state.emerging = data;
    state.emergingBy = byCode(data.features);
  });
}

/** The risk colours as at the period's end. */
export function loadRisk() {
  return once("risk", "/api/v1/analytics/risk?" + riskQuery(), (data) => {
    state.risk = data;
    state.riskBy = byCode(data.grids);
  });
}

/**
 * What a layer needs (the heatmap needs no answer: its tiles are asked by the map).
 * @param {import("./state.js").LayerName} layer
 * @returns {Promise<any>}
 */
export function loadLayer(layer) {
  if (layer === "local_moran") return loadMoran();
  if (layer === "emerging") return loadEmerging();
  if (layer === "risk") return loadRisk();
  if (layer === "heatmap") return Promise.resolve(null);
  return loadGi();
}
