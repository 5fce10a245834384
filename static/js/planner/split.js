// @ts-check
/* Split (拆分): one grid, cut along a line drawn across it. */

import { $ } from "../lib/dom.js";
import { edit, keptAndCreated } from "./edit.js";
import { startMode } from "./modes.js";
import { gridUrl, ifMatch, state, withReason } from "./state.js";

const HINT = "在地图上画一条穿过网格的线，再次单击最后一点完成 · draw a line across the grid; " +
  "click its last point again to finish";

/** @param {any} line a GeoJSON LineString */
function split(line) {
  const grid = state.selected[0];
  return edit("POST", gridUrl(grid.code) + "/split", withReason({ line }), ifMatch(grid),
    keptAndCreated);
}

function startSplit() {
  if (state.selected.length !== 1) return;
  startMode("split", HINT, (shape, geometry) => {
    if (shape === "Line") split(geometry);
  });
  state.map.pm.enableDraw("Line", { snappable: true, snapDistance: 15 });
}

export function init() {
  $("btn-split").addEventListener("click", startSplit);
}
