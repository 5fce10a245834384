// @ts-check
/* What the dispatch desk's modules share: the configuration, the map, the open event, the
   side's tabs, and the hooks the page wires between them (open an event, something changed). */

/**
 * @typedef {object} CentreState
 * @property {import("../lib/config.js").MapConfig | null} config
 * @property {any} map the L.Map
 * @property {number | null} selected the open event's id
 * @property {import("../lib/tabs.js").Tabs | null} tabs
 * @property {(id: number, options?: {pan?: boolean}) => void} open show an event's details
 * @property {() => void} changed an event changed here: refresh the queue and the map
 */

/** @type {CentreState} */
export const state = {
  config: null,
  map: null,
  selected: null,
  tabs: null,
  open: () => {},
  changed: () => {}
};

/** Seconds between refreshes of the queue, the map's events and the workers' positions. */
export const REFRESH_MS = 20_000;
