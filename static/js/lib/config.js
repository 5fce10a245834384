// @ts-check
/* The map configuration, loaded once a page: the staff's (GET /api/v1/map/config) or the
   public's (GET /public/map/config), as the page's <body data-config> says. It also names the
   CSRF cookie, which the API client then reads, and the configured vocabularies' labels. */

import { getJson, setCsrfCookieName } from "./api.js";

/**
 * @typedef {object} MapConfig
 * @property {number[] | null} bounds [west, south, east, north]
 * @property {{url: string | null, attribution: string | null}} base_map
 * @property {number} grid_min_zoom
 * @property {{code: string, name: string, grids: number, color: string, generated: boolean}[]} legend
 * @property {{grids: boolean, regions: boolean}} generated
 * @property {{regions: string, grids: string}} tiles
 * @property {boolean} public
 * @property {string} [csrf_cookie]
 * @property {Record<string, Record<string, string>>} [labels]
 * @property {{username: string, role: string, jurisdiction: string}} [user]
 */

/** @type {Promise<MapConfig> | null} */
let loading = null;
/** @type {MapConfig | null} */
let loaded = null;

/** @returns {string} where this page reads its configuration */
export function configUrl() {
  const body = document.body.dataset;
  return body.config || (body.mode === "public" ? "/public/map/config" : "/api/v1/map/config");
}

/**
 * The configuration (fetched on the first call only).
 * @returns {Promise<MapConfig>}
 */
export function loadConfig() {
  if (!loading) {
    loading = getJson(configUrl()).then((config) => {
      loaded = config;
      setCsrfCookieName(config.csrf_cookie);
      return config;
    });
  }
  return loading;
}

/** @returns {MapConfig | null} the configuration once loaded */
export function config() {
  return loaded;
}

/**
 * A configured vocabulary (resident_kinds, key_groups, place_kinds, building_uses, …): labels
 * by code, empty before the configuration has loaded or when it has none.
 * @param {string} name
 * @returns {Record<string, string>}
 */
export function vocabulary(name) {
  return (loaded && loaded.labels && loaded.labels[name]) || {};
}

/**
 * The configured label of a code, else ``fallback`` (e.g. the API's label), else null.
 * @param {string} name
 * @param {string | null | undefined} code
 * @param {string | null} [fallback]
 * @returns {string | null}
 */
export function labelOf(name, code, fallback) {
  const label = code == null ? undefined : vocabulary(name)[code];
  return label || fallback || null;
}
