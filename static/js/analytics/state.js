// @ts-check
/* What the analysis page's modules share: the configuration, the map, the filters' query, the
   layer shown, what the API answered for each layer (by grid code), the chosen grid, and the
   hooks the page wires between them. */

/**
 * @typedef {"heatmap" | "gi_star" | "local_moran" | "emerging" | "risk"} LayerName
 */

/**
 * @typedef {object} AnalyticsState
 * @property {import("../lib/config.js").MapConfig | null} config
 * @property {any} map the L.Map
 * @property {LayerName} layer the layer shown
 * @property {number} generation bumped by each refresh: late answers of older ones are dropped
 * @property {any} gi the Gi* answer (GeoJSON FeatureCollection) of the filters, or null
 * @property {any} moran the local Moran answer, or null
 * @property {any} emerging the emerging hot spots' answer, or null
 * @property {any} risk the risk colours' answer ({at, thresholds, colours, grids}), or null
 * @property {Record<string, any>} giBy Gi* properties by grid code
 * @property {Record<string, any>} moranBy local Moran properties by grid code
 * @property {Record<string, any>} emergingBy emerging properties by grid code
 * @property {Record<string, any>} riskBy risk grids by code
 * @property {string | null} riskError why the risk colours could not be had, if so
 * @property {string | null} selected the chosen grid's code
 * @property {(code: string, options?: {zoom?: boolean}) => void} select choose a grid
 * @property {() => void} drawn a layer's data changed: the legend, ranking, detail follow
 */

/** @type {AnalyticsState} */
export const state = {
  config: null,
  map: null,
  layer: "gi_star",
  generation: 0,
  gi: null,
  moran: null,
  emerging: null,
  risk: null,
  giBy: {},
  moranBy: {},
  emergingBy: {},
  riskBy: {},
  riskError: null,
  selected: null,
  select: () => {},
  drawn: () => {}
};

/**
 * Features (or risk grids) by their code.
 * @param {any[]} list
 * @returns {Record<string, any>}
 */
export function byCode(list) {
  /** @type {Record<string, any>} */
  const found = {};
  for (const item of list || []) {
    const p = item.properties || item;
    found[p.code] = p;
  }
  return found;
}
