// @ts-check
/* The planner's shared state, and the small helpers every tool uses. */

import { $ } from "../lib/dom.js";

/**
 * @typedef {object} SelectedGrid
 * @property {string} code
 * @property {string} name
 * @property {number} version
 * @property {string} [kind]
 * @property {string | null} [purpose]
 * @property {number} [area]
 * @property {any} feature the grid as GeoJSON
 * @property {any} layer its L.geoJSON on the map, once drawn
 */

export const state = {
  /** @type {import("../lib/config.js").MapConfig | null} */
  config: null,
  /** @type {any} the L.Map */
  map: null,
  /** @type {any} the unified grids (VectorGrid) */
  grids: null,
  /** cache-busting query for the grid tiles after an edit */
  tileVersion: 0,
  /** @type {SelectedGrid[]} in click order */
  selected: [],
  /** @type {any} the selected grids as L.geoJSON, above the tiles */
  selectionLayer: null,
  /** @type {any} a refused edit's invalid edges, in red */
  problemsLayer: null,
  /** @type {any} */
  layersControl: null,
  /** @type {"split" | "draw" | "reshape" | null} while Geoman is drawing or editing */
  mode: null,
  busy: false
};

/** @returns {string[]} the selected grids' codes */
export function codes() {
  return state.selected.map((g) => g.code);
}

/** @param {string} code */
export function gridUrl(code) {
  return "/api/v1/grids/" + encodeURIComponent(code);
}

/**
 * The optimistic-locking header of a grid as read.
 * @param {SelectedGrid} grid
 * @returns {Record<string, string>}
 */
export function ifMatch(grid) {
  return { "If-Match": '"' + grid.version + '"' };
}

/** @returns {string | undefined} the reason typed in, kept in the history */
export function reason() {
  return $("reason").value.trim() || undefined;
}

/**
 * @template {Record<string, unknown>} T
 * @param {T} body
 * @returns {T & {reason?: string}}
 */
export function withReason(body) {
  const r = reason();
  return r ? { ...body, reason: r } : body;
}

/** @param {string | null | undefined} code */
export function isTownship(code) {
  return /^\d{6}(?!000)\d{3}000$/.test(code || "");
}
