// @ts-check
/* The chosen grid on the public map (找网格): its outline, drawn over the tiles with its code as a
   label, and the point it was found from (a building, or "you are here" with the accuracy). The
   find answer has no geometry, so the outline is the public grid list's feature at that point. */

import { getJson } from "../lib/api.js";
import L from "../lib/leaflet.js";

const OUTLINE = { color: "#d9480f", weight: 4, opacity: 0.95, fill: true, fillColor: "#d9480f",
  fillOpacity: 0.08, interactive: false };

/**
 * @typedef {object} Outline
 * @property {(code: string, at: any) => Promise<any>} show outline grid ``code`` (found at the
 *   L.LatLng ``at``); resolves to its L.LatLngBounds, or null when its outline is not to be had
 * @property {() => void} hide the outline (and any still being fetched)
 * @property {(at: any, kind: "building" | "me", accuracy?: number) => void} mark the point
 * @property {() => void} unmark
 */

/**
 * @param {any} map
 * @returns {Outline}
 */
export function createOutline(map) {
  const group = L.layerGroup().addTo(map);
  // the point found from, above the outline's label (tooltips are at z-index 650)
  const pane = map.createPane("gridmap-found");
  pane.style.zIndex = "660";
  pane.style.pointerEvents = "none";
  const marks = L.layerGroup().addTo(map);
  let asked = 0;

  function hide() {
    asked += 1;
    group.clearLayers();
  }

  /** @type {Outline["show"]} */
  async function show(code, at) {
    hide();
    const ticket = asked;
    const lon = at.lng.toFixed(7);
    const lat = at.lat.toFixed(7);
    const page = await getJson("/public/grids?bbox=" + [lon, lat, lon, lat].join(",") + "&limit=50");
    const feature = ((page && page.features) || []).find((/** @type {any} */ f) => f.id === code);
    if (ticket !== asked || !feature) return null;
    const shape = L.geoJSON(feature, { style: () => OUTLINE });
    group.addLayer(shape); // on the map first: a polygon's centre needs it
    const ring = shape.getLayers()[0];
    const label = L.tooltip({ permanent: true, direction: "center", className: "grid-label",
      interactive: false })
      .setLatLng(ring && ring.getCenter ? ring.getCenter() : shape.getBounds().getCenter())
      .setContent(code);
    group.addLayer(label);
    return shape.getBounds();
  }

  /** @type {Outline["mark"]} */
  function mark(at, kind, accuracy) {
    marks.clearLayers();
    if (kind === "me" && accuracy) {
      marks.addLayer(L.circle(at, { radius: accuracy, color: "#1c7ed6", weight: 1, fillOpacity: 0.12,
        interactive: false, pane: "gridmap-found" }));
    }
    marks.addLayer(L.circleMarker(at, {
      radius: kind === "me" ? 8 : 6, color: "#fff", weight: 2, fillOpacity: 1, interactive: false,
      pane: "gridmap-found",
      fillColor: kind === "me" ? "#1c7ed6" : "#d9480f"
    }));
  }

  return { show, hide, mark, unmark: () => marks.clearLayers() };
}
