// @ts-check
/* Blind spots (盲区, GET /api/v1/cameras/blind-spots): what no working camera sees in the region,
   ranked by the residents, key places and last year's events inside; drawn on the map (class
   ``blind-spot blind-<rank>``) and listed, a row or a polygon zooms to it. */

import { getJson, isQuiet } from "../lib/api.js";
import { $, fill, h, onActivate } from "../lib/dom.js";
import { num } from "../lib/format.js";
import L from "../lib/leaflet.js";
import { fitTo } from "./map.js";
import { regionQuery, state } from "./state.js";
import { COLORS } from "./terms.js";

/** @type {any} the polygons drawn */
let layer = null;
/** @type {Map<number, any>} each rank's polygon layer */
const byRank = new Map();
let ticket = 0;

const STYLE = { color: COLORS.blind, weight: 1.5, fillColor: COLORS.blind, fillOpacity: 0.18, dashArray: "3 3" };

/** @param {number} rank */
function highlight(rank) {
  for (const [r, polygon] of byRank) {
    polygon.setStyle(r === rank ? { weight: 3.5, fillOpacity: 0.35, dashArray: null } : STYLE);
  }
  for (const row of $("blind").querySelectorAll("tr[data-rank]")) {
    row.classList.toggle("selected", Number(row.dataset.rank) === rank);
  }
  const polygon = byRank.get(rank);
  if (polygon) fitTo(polygon, 17);
}

export function clearBlindSpots() {
  ticket += 1;
  if (layer) state.map.removeLayer(layer);
  layer = null;
  byRank.clear();
  fill("blind", null);
  delete $("blind").dataset.ready;
}

/** Find the region's blind spots and show them. */
export async function loadBlindSpots() {
  clearBlindSpots();
  const mine = ticket;
  const box = $("blind");
  box.dataset.ready = "false";
  fill("blind", h("p", { class: "hint" }, "查找中 finding…"));
  const query = regionQuery({ limit: $("b-limit").value || 50, min_area_m2: $("b-min").value || 0 });
  try {
    const fc = await getJson("/api/v1/cameras/blind-spots" + query);
    if (mine !== ticket) return;
    const features = fc.features.map((/** @type {any} */ f, /** @type {number} */ i) =>
      ({ ...f, properties: { ...f.properties, rank: i + 1 } }));
    layer = L.geoJSON({ type: "FeatureCollection", features }, {
      pane: "blindPane",
      style: (/** @type {any} */ f) => ({ ...STYLE, className: "blind-spot blind-" + f.properties.rank }),
      onEachFeature: (/** @type {any} */ f, /** @type {any} */ polygon) => {
        byRank.set(f.properties.rank, polygon);
        polygon.bindTooltip("盲区 blind spot #" + f.properties.rank + " · " + f.properties.grid_code +
          "<br>人口 residents " + num(f.properties.residents) + " · " + num(f.properties.area_m2) + " m²", { sticky: true });
        polygon.on("click", () => highlight(f.properties.rank));
      }
    }).addTo(state.map);
    const rows = features.map((/** @type {any} */ f) => {
      const p = f.properties;
      const tr = h("tr", { class: "pick", tabindex: 0, "data-rank": p.rank, "data-grid": p.grid_code }, [
        h("td", { class: "num" }, p.rank), h("td", { class: "id" }, p.grid_code),
        h("td", { class: "num" }, num(p.area_m2)), h("td", { class: "num" }, num(p.residents)),
        h("td", { class: "num" }, num(p.key_places)), h("td", { class: "num" }, num(p.events))
      ]);
      onActivate(tr, () => highlight(p.rank));
      return tr;
    });
    fill("blind", features.length ? [
      h("p", { class: "hint" }, num(features.length) + " 处盲区 blind spots" +
        (features.length >= Number($("b-limit").value || 50) ? "（前 " + features.length + " the first ones）" : "")),
      h("div", { class: "scroll-x" }, h("table", { class: "data" }, [
        h("thead", null, h("tr", null, ["#", "网格 grid", "面积 m²", "人口 residents", "重点场所 key places",
          "事件 events"].map((t, i) => h("th", { class: i === 1 ? "" : "num", scope: "col" }, t)))),
        h("tbody", null, rows)
      ]))
    ] : h("p", { class: "none" }, "没有盲区 · no blind spots this large"));
    if (features.length) fitTo(layer, 16);
    box.dataset.count = String(features.length);
    box.dataset.ready = "true";
  } catch (err) {
    if (isQuiet(err) || mine !== ticket) return;
    fill("blind", h("p", { class: "error-box" }, /** @type {any} */ (err).message));
    box.dataset.ready = "error";
  }
}

/** @returns {boolean} whether blind spots are shown (the region changed: find them again) */
export function blindSpotsShown() {
  return layer !== null;
}

export function setUpBlindSpots() {
  $("blind-form").addEventListener("submit", (/** @type {Event} */ e) => {
    e.preventDefault();
    loadBlindSpots();
  });
  $("b-clear").addEventListener("click", clearBlindSpots);
}
