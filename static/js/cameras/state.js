// @ts-check
/* What the camera workbench's modules share (/cameras, 雪亮工程): the configuration and its
   camera rules, the map, the region chosen, the map filters, the open camera, and the hooks the
   page wires between the panels (open a camera, cameras changed, the region changed). */

/**
 * The configuration's ``cameras`` section (GET /api/v1/map/config): vocabularies, quotas,
 * targets and planning defaults, as the server is configured.
 * @typedef {object} CameraRules
 * @property {Record<string, string>} ptz_types label by GB/T 28181 PTZType ("1" … "4")
 * @property {number[]} turning_ptz_types
 * @property {Record<string, string>} statuses label by status code
 * @property {string[]} working_statuses
 * @property {Record<string, string>} problems label by problem code
 * @property {string} level the DORI level views are drawn to
 * @property {number} village_quota
 * @property {number} natural_village_quota
 * @property {number} working_target
 * @property {number} key_area_working_target
 * @property {number} planning_headings
 * @property {number} planning_sites
 */

/**
 * The map filters: each "" when not set.
 * @typedef {object} Filters
 * @property {string} ptz_type
 * @property {string} status
 * @property {string} planned "", "true" or "false"
 * @property {string} problem a problem code, "any", or ""
 */

/**
 * @typedef {object} CamerasState
 * @property {any} config the map configuration
 * @property {CameraRules} rules
 * @property {any} map the L.Map
 * @property {string} region the 12-digit code the panels work on ("" = the whole jurisdiction)
 * @property {Filters} filters
 * @property {Set<number> | null} allowed camera ids the id-based filters leave (null: no such filter)
 * @property {Map<number, any[]>} problemsById the problems of each camera, once read
 * @property {number | null} selected the open camera's id
 * @property {import("../lib/tabs.js").Tabs | null} tabs
 * @property {(id: number, options?: {pan?: boolean}) => void} open show a camera's details
 * @property {(what?: {ids?: number[]}) => void} changed cameras were written: tiles and lists again
 */

/** @type {CamerasState} */
export const state = {
  config: null,
  rules: /** @type {CameraRules} */ (/** @type {unknown} */ ({
    ptz_types: {}, turning_ptz_types: [], statuses: {}, working_statuses: [], problems: {}
  })),
  map: null,
  region: "",
  filters: { ptz_type: "", status: "", planned: "", problem: "" },
  allowed: null,
  problemsById: new Map(),
  selected: null,
  tabs: null,
  open: () => {},
  changed: () => {}
};

/** @type {((region: string) => void)[]} */
const regionListeners = [];

/**
 * Called when the region changes (the panels read their figures again).
 * @param {(region: string) => void} listener
 */
export function onRegion(listener) {
  regionListeners.push(listener);
}

/** @param {string} region */
export function setRegion(region) {
  state.region = region;
  for (const listener of regionListeners) listener(region);
}

/**
 * A query string with the region (when one is chosen) and more parameters.
 * @param {Record<string, string | number | boolean | null | undefined>} [more]
 * @returns {string} "?region=…&…" or ""
 */
export function regionQuery(more = {}) {
  const query = new URLSearchParams();
  if (state.region) query.set("region", state.region);
  for (const [key, value] of Object.entries(more)) {
    if (value !== null && value !== undefined && value !== "") query.set(key, String(value));
  }
  const text = query.toString();
  return text ? "?" + text : "";
}
