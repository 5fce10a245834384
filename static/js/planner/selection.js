// @ts-check
/* The selection: grids picked on the tiles (shift-click adds or removes one), read from the API
   with their version, drawn above the tiles and listed in the panel. */

import { ApiError, request } from "../lib/api.js";
import { $, escapeHtml } from "../lib/dom.js";
import { GRID_KIND } from "../lib/labels.js";
import L from "../lib/leaflet.js";
import { updateButtons } from "./controls.js";
import { clearProblems, sayError } from "./messages.js";
import { codes, gridUrl, state } from "./state.js";

const SELECTED_STYLE = [
  { color: "#d9480f", weight: 3, fillColor: "#ffa94d", fillOpacity: 0.35 },
  { color: "#1864ab", weight: 3, fillColor: "#74c0fc", fillOpacity: 0.3 }
];

/**
 * A grid as read now (null when it is gone or out of reach); its version from the ETag.
 * @param {string} code
 * @returns {Promise<import("./state.js").SelectedGrid | null>}
 */
async function fetchGrid(code) {
  let response;
  try {
    response = await request("GET", gridUrl(code));
  } catch (err) {
    if (err instanceof ApiError && !err.signedOut) return null;
    throw err;
  }
  const feature = response.data;
  const p = feature.properties || {};
  const etag = (response.headers.get("ETag") || "").replace(/^W\//, "").replace(/"/g, "");
  return {
    code: feature.id || p.code, name: p.name, kind: p.kind, purpose: p.purpose,
    version: etag ? Number(etag) : p.version, area: p.area_km2, feature, layer: null
  };
}

let selectionRequest = 0;

/**
 * Select these grids (read afresh); an older, slower request is forgotten.
 * @param {string[]} wanted
 */
export async function loadSelection(wanted) {
  const ticket = ++selectionRequest;
  const grids = await Promise.all(wanted.map(fetchGrid));
  if (ticket !== selectionRequest) return;
  state.selected = /** @type {import("./state.js").SelectedGrid[]} */ (grids.filter(Boolean));
  drawSelection();
  renderSelection();
}

/** The selection on the map: the first one orange, the others blue, labelled. */
export function drawSelection() {
  state.selectionLayer.clearLayers();
  state.selected.forEach((grid, i) => {
    grid.layer = L.geoJSON(grid.feature, {
      interactive: false,
      style: SELECTED_STYLE[i === 0 ? 0 : 1]
    });
    grid.layer.bindTooltip(grid.code + " " + (grid.name || ""), {
      permanent: true, direction: "center", className: "grid-label"
    });
    state.selectionLayer.addLayer(grid.layer);
  });
}

/** The selection in the panel, and the first grid's attributes in the form. */
export function renderSelection() {
  const box = $("selection");
  box.innerHTML = state.selected.length ? state.selected.map((g, i) =>
    '<li class="' + (i === 0 ? "first" : "") + '"><span class="code">' + escapeHtml(g.code) +
    "</span> " + escapeHtml(g.name) + ' <span class="hint">v' + escapeHtml(g.version) + " · " +
    escapeHtml((g.kind && GRID_KIND[g.kind]) || g.kind || "") +
    (g.purpose ? " (" + escapeHtml(g.purpose) + ")" : "") +
    (g.area != null ? " · " + Number(g.area).toFixed(3) + " km²" : "") + "</span></li>"
  ).join("") : '<li class="hint">未选择 nothing selected</li>';
  const first = state.selected[0];
  $("f-name").value = first ? first.name || "" : "";
  $("f-code").value = first ? first.code : "";
  $("f-kind").value = first && first.kind ? first.kind : "ordinary";
  $("f-purpose").value = first && first.purpose ? first.purpose : "";
  updateButtons();
}

/** @param {any} e a click on the grid tiles */
export function onGridClick(e) {
  if (state.mode || state.busy) return; // drawing: the click is Geoman's
  const code = e.layer && e.layer.properties && e.layer.properties.code;
  if (!code) return;
  let next;
  if (e.originalEvent && e.originalEvent.shiftKey) {
    next = codes();
    const at = next.indexOf(code);
    if (at >= 0) next.splice(at, 1);
    else next.push(code);
  } else {
    next = [code];
  }
  clearProblems();
  loadSelection(next).catch(sayError);
}

export function init() {
  $("clear-selection").addEventListener("click", () => {
    clearProblems();
    loadSelection([]).catch(sayError);
  });
}
