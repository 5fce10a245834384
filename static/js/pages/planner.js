// @ts-check
/* The planner's workbench (/planner, 规划工作台). Select grids on the vector tiles, edit them
   through /api/v1/grids (split, merge, delete, reshape, draw, rename, re-code, kind, restore),
   import department layers, read the merge report and divide a township. Leaflet, VectorGrid
   and Leaflet-Geoman are vendored classic scripts; each tool is a module under js/planner/. */

import { loadConfig } from "../lib/config.js";
import { $ } from "../lib/dom.js";
import { GENERATED_BOUNDARIES } from "../lib/labels.js";
import { createMap, fitConfigBounds, hasGeneratedBoundaries, scaleControl } from "../lib/map.js";
import { markReady, showGeneratedNote, showUser, wireLogout } from "../lib/page.js";
import * as attributes from "../planner/attributes.js";
import * as deleteTool from "../planner/delete.js";
import * as divide from "../planner/divide.js";
import * as draw from "../planner/draw.js";
import * as history from "../planner/history.js";
import * as importTool from "../planner/import.js";
import { setUpLayers } from "../planner/layers.js";
import { loadMergeReport } from "../planner/merge-report.js";
import * as merge from "../planner/merge.js";
import { sayError } from "../planner/messages.js";
import * as modes from "../planner/modes.js";
import * as reshape from "../planner/reshape.js";
import * as selection from "../planner/selection.js";
import { loadSources } from "../planner/sources.js";
import * as split from "../planner/split.js";
import { state } from "../planner/state.js";

/** @param {import("../lib/config.js").MapConfig} config */
function start(config) {
  state.config = config;
  const map = createMap(config, { preferCanvas: false, boxZoom: false });
  state.map = map;
  setUpLayers(map, config, selection.onGridClick);
  scaleControl().addTo(map);
  modes.setUpGeoman(map);

  if (hasGeneratedBoundaries(config)) showGeneratedNote(GENERATED_BOUNDARIES);
  showUser(config);
  attributes.offerConfiguredKinds();
  fitConfigBounds(map, config);
  selection.renderSelection();
  const jurisdiction = config.user && config.user.jurisdiction;
  divide.start(jurisdiction);

  loadSources().catch(sayError);
  loadMergeReport(jurisdiction);
  markReady();
}

wireLogout();
for (const tool of [selection, modes, split, merge, deleteTool, reshape, draw, attributes, history,
  importTool, divide]) {
  tool.init();
}
loadConfig().then(start).catch((err) => {
  if (err && err.signedOut) return; // on the way to the login page
  $("map").textContent = "地图无法加载 the map could not load: " + err.message;
});
