// @ts-check
/* A grid's buildings: circle markers on the map (sized by residents, coloured by use) and a list
   beside; a click on either opens the building. */

import { $, fill, h, onActivate, show } from "../lib/dom.js";
import { dash, num } from "../lib/format.js";
import L from "../lib/leaflet.js";
import { openBuilding } from "./building.js";
import { none, useLabel } from "./widgets.js";

/** The default uses' colours; other configured uses take the palette's by their order. */
const USE_COLORS = /** @type {Record<string, string>} */ ({
  residential: "#1864ab", rural_house: "#2b8a3e", commercial: "#c2711c", mixed: "#9c36b5",
  public: "#0b7285", industrial: "#5f3dc4"
});
const PALETTE = ["#e8590c", "#0c8599", "#c2255c", "#5c940d", "#862e9c", "#364fc7"];

/** @type {Record<string, any>} building id → its marker */
const markers = {};
/** @type {string | number | null} */
let selectedId = null;

/** @param {string | null | undefined} use */
function useColor(use) {
  if (!use) return "#495057";
  if (USE_COLORS[use]) return USE_COLORS[use];
  let hash = 0;
  for (let i = 0; i < use.length; i++) hash = (hash * 31 + use.charCodeAt(i)) >>> 0;
  return PALETTE[hash % PALETTE.length];
}

/**
 * @param {any} p the building's properties
 * @param {boolean} selected
 */
function markerStyle(p, selected) {
  const r = 4 + Math.min(6, Math.sqrt(Number(p.residents) || 0));
  return {
    radius: selected ? r + 3 : r, color: selected ? "#d9480f" : "#fff", weight: selected ? 3 : 1,
    fillColor: useColor(p.use), fillOpacity: 0.9
  };
}

/** @param {string | number} id */
function select(id) {
  if (selectedId !== null && markers[selectedId]) {
    markers[selectedId].setStyle(markerStyle(markers[selectedId].feature.properties, false));
  }
  selectedId = id;
  if (markers[id]) {
    markers[id].setStyle(markerStyle(markers[id].feature.properties, true));
    markers[id].bringToFront();
  }
  for (const tr of document.querySelectorAll("#buildings tr.pick")) {
    tr.classList.toggle("selected", String(/** @type {HTMLElement} */ (tr).dataset.id) === String(id));
  }
}

/** @param {string | number} id */
function pick(id) {
  select(id);
  openBuilding(id);
}

/**
 * @param {any} map
 * @param {any} fc the grid's buildings (GeoJSON points)
 * @param {(layer: any) => void} fitTo
 */
export function drawBuildings(map, fc, fitTo) {
  const features = (fc && fc.features) || [];
  const total = fc && fc.numberMatched !== undefined ? fc.numberMatched : features.length;
  fill("buildings-count", features.length < total
    ? "显示 " + num(features.length) + " / " + num(total) + " shown" : num(total));
  const group = L.featureGroup().addTo(map);
  const rows = features.map((/** @type {any} */ f) => {
    const p = f.properties || {};
    const id = p.id !== undefined ? p.id : f.id;
    if (f.geometry && f.geometry.type === "Point") {
      const c = f.geometry.coordinates;
      const marker = L.circleMarker([c[1], c[0]], markerStyle(p, false));
      marker.bindTooltip(dash(p.name || p.address) + " · " + num(p.residents) + " 人");
      marker.on("click", () => pick(id));
      marker.feature = f;
      markers[id] = marker;
      group.addLayer(marker);
    }
    const row = h("tr", { class: "pick", tabindex: 0, "data-id": id, "data-residents": p.residents,
      "data-households": p.households }, [
      h("td", null, [dash(p.name || p.address),
        p.name && p.address ? h("div", { class: "hint" }, p.address) : null]),
      h("td", null, useLabel(p.use)),
      h("td", { class: "num" }, dash(p.floors)),
      h("td", { class: "num" }, num(p.households)),
      h("td", { class: "num" }, num(p.residents))
    ]);
    onActivate(row, () => pick(id));
    return row;
  });
  fill("buildings", features.length ? h("table", { class: "data buildings" }, [
    h("thead", null, h("tr", null, [h("th", null, "地址 address"), h("th", null, "用途 use"),
      h("th", { class: "num" }, "层 floors"), h("th", { class: "num" }, "户 households"),
      h("th", { class: "num" }, "人 residents")])),
    h("tbody", null, rows)
  ]) : none());
  show("buildings-box");
  const box = $("buildings");
  box.dataset.count = features.length;
  box.dataset.ready = "true";
  if (!$("map").dataset.outline && features.length) fitTo(group);
}
