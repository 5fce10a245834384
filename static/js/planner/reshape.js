// @ts-check
/* Reshape (调整边界): two neighbours; drag the first one's vertices (they snap to the other),
   then save: the shared boundary moves for both. */

import { $ } from "../lib/dom.js";
import { edit, keptAndCreated } from "./edit.js";
import { endMode, startMode } from "./modes.js";
import { gridUrl, state, withReason } from "./state.js";

const HINT = "拖动橙色网格的顶点（可吸附到邻居），然后保存 · drag the orange grid's vertices " +
  "(they snap to the neighbour), then save";

function startReshape() {
  if (state.selected.length !== 2) return;
  startMode("reshape", HINT);
  state.selected[0].layer.pm.enable({ snappable: true, snapDistance: 20, allowSelfIntersection: false });
}

function reshape() {
  const [a, b] = state.selected;
  const polygon = a.layer.getLayers()[0];
  const geometry = polygon.toGeoJSON(false).geometry; // no rounding of the vertices
  const versions = { [a.code]: a.version, [b.code]: b.version };
  a.layer.pm.disable();
  endMode();
  return edit("POST", gridUrl(a.code) + "/reshape",
    withReason({ geometry, neighbour: b.code, versions }), {}, keptAndCreated);
}

export function init() {
  $("btn-reshape").addEventListener("click", startReshape);
  $("btn-save-shape").addEventListener("click", reshape);
}
