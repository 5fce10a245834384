// @ts-check
/* Leaflet-Geoman's drawing and editing modes (split, draw, reshape): one at a time, with a hint,
   cancelled by the Cancel button or Esc. */

import { $ } from "../lib/dom.js";
import { updateButtons } from "./controls.js";
import { clearProblems } from "./messages.js";
import { drawSelection } from "./selection.js";
import { state } from "./state.js";

/** @typedef {(shape: string, geometry: any) => void} ShapeHandler */

/** @type {ShapeHandler | null} what the mode does with the shape drawn */
let onShape = null;

/**
 * @param {"split" | "draw" | "reshape"} mode
 * @param {string} hint
 * @param {ShapeHandler} [handler]
 */
export function startMode(mode, hint, handler) {
  state.mode = mode;
  onShape = handler || null;
  clearProblems();
  $("mode-hint").textContent = hint + " · Esc 取消 cancels";
  $("mode-hint").hidden = false;
  state.map.getContainer().classList.add("pm-drawing");
  updateButtons();
}

export function endMode() {
  state.mode = null;
  onShape = null;
  $("mode-hint").hidden = true;
  state.map.getContainer().classList.remove("pm-drawing");
  updateButtons();
}

export function cancelMode() {
  const mode = state.mode;
  if (!mode) return;
  if (mode === "reshape") {
    for (const g of state.selected) if (g.layer && g.layer.pm) g.layer.pm.disable();
    drawSelection(); // back to the shape as read
  } else {
    state.map.pm.disableDraw();
  }
  endMode();
}

/** @param {any} e Geoman's pm:create */
function onCreate(e) {
  const geometry = e.layer.toGeoJSON(false).geometry;
  state.map.removeLayer(e.layer);
  const handler = onShape;
  endMode();
  if (handler) handler(e.shape, geometry);
}

/** @param {any} map */
export function setUpGeoman(map) {
  map.pm.setLang("zh_en", {
    tooltips: {
      firstVertex: "单击放置第一个点 · click to place the first point",
      continueLine: "单击继续 · click to continue",
      finishLine: "单击任一已放置的点完成 · click any placed point to finish",
      finishPoly: "单击第一个点闭合 · click the first point to finish"
    },
    actions: {
      finish: "完成 Finish", cancel: "取消 Cancel", removeLastVertex: "撤销上一点 Undo last point"
    }
  }, "en");
  map.pm.setGlobalOptions({
    snappable: true,
    snapDistance: 15,
    pathOptions: { color: "#d9480f", weight: 3 },
    templineStyle: { color: "#d9480f" },
    hintlineStyle: { color: "#d9480f", dashArray: "5 5" }
  });
  map.on("pm:create", onCreate);
  map.on("pm:drawend", () => {
    if (state.mode === "split" || state.mode === "draw") endMode();
  });
}

export function init() {
  $("btn-cancel").addEventListener("click", cancelMode);
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && state.mode) cancelMode();
  });
}
