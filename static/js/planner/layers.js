// @ts-check
/* The planner's map layers: region and grid tiles, the selection and problems overlays, the
   layers control; and fresh grid tiles after an edit. */

import L from "../lib/leaflet.js";
import { gridLayer, regionLayer } from "../lib/map.js";
import { state } from "./state.js";

function gridTilesUrl() {
  const url = /** @type {import("../lib/config.js").MapConfig} */ (state.config).tiles.grids;
  return state.tileVersion
    ? url + (url.indexOf("?") < 0 ? "?" : "&") + "v=" + state.tileVersion : url;
}

/**
 * @param {any} map
 * @param {import("../lib/config.js").MapConfig} config
 * @param {(e: any) => void} onGridClick
 */
export function setUpLayers(map, config, onGridClick) {
  const regions = regionLayer(config, { pmIgnore: true, zIndex: 3 }).addTo(map);
  state.grids = gridLayer(config, {
    url: gridTilesUrl(), fillOpacity: 0.35, pmIgnore: true, zIndex: 1
  }).addTo(map);
  state.grids.on("click", onGridClick);
  state.selectionLayer = L.featureGroup().addTo(map);
  state.problemsLayer = L.featureGroup([], { pmIgnore: true }).addTo(map);
  const overlays = { "统一网格 unified grids": state.grids, "区划 regions": regions };
  state.layersControl = L.control.layers(null, overlays, { collapsed: false, position: "topright" })
    .addTo(map);
}

/* New tiles after an edit. Not setUrl()'s redraw: Leaflet's GridLayer.redraw() asks for tiles at
   the map's unrounded zoom (13.5 with zoomSnap 0.5); adding the layer again rounds it. */
export function refreshTiles() {
  state.tileVersion += 1;
  state.grids.setUrl(gridTilesUrl(), true);
  if (state.map.hasLayer(state.grids)) {
    state.map.removeLayer(state.grids);
    state.map.addLayer(state.grids);
  }
}
