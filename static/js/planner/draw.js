// @ts-check
/* Draw (绘制): a new grid, drawn as a polygon, with the name typed in first. */

import { $ } from "../lib/dom.js";
import { edit } from "./edit.js";
import { say } from "./messages.js";
import { startMode } from "./modes.js";
import { state, withReason } from "./state.js";

const HINT = "画出新网格，单击第一个点闭合 · draw the new grid; click its first point to close it";

/** @param {any} geometry a GeoJSON Polygon */
function draw(geometry) {
  const name = $("draw-name").value.trim();
  return edit("POST", "/api/v1/grids", withReason({ geometry, name }), {},
    (result) => result.created || []);
}

function startDraw() {
  if (!$("draw-name").value.trim()) {
    say("<p>请先填写新网格名称 · enter the new grid's name first.</p>", "error");
    $("draw-name").focus();
    return;
  }
  startMode("draw", HINT, (shape, geometry) => {
    if (shape === "Polygon") draw(geometry);
  });
  state.map.pm.enableDraw("Polygon", { snappable: true, snapDistance: 15, allowSelfIntersection: false });
}

export function init() {
  $("btn-draw").addEventListener("click", startDraw);
}
