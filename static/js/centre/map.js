// @ts-check
/* The desk's map: the events' vector tiles (counted per cell below z12, one dot an event from
   z12, coloured by state and ringed when overdue), the grid workers' last positions, a ring on
   the open event, and a legend. A click on an event opens it; on a cell, zooms in. */

import { getJson, isQuiet } from "../lib/api.js";
import { escapeHtml } from "../lib/dom.js";
import { OVERDUE, OVERDUE_COLOR, eventTileStyle, eventTileUrl, stateColor, stateLabel } from "../lib/events.js";
import { formatTime } from "../lib/format.js";
import L from "../lib/leaflet.js";
import { createMap, fitConfigBounds, gridLayer, regionLayer, scaleControl } from "../lib/map.js";
import { vocabulary } from "../lib/config.js";
import { state } from "./state.js";

/** Zoom from which the tiles carry single events (below, cells with counts). */
const POINTS_FROM = 12;

/** @type {any} */
let events = null;
/** @type {any} */
let workers = null;
/** @type {any} */
let ring = null;
let version = 0;

/** @param {import("../lib/config.js").MapConfig} config */
export function setUpMap(config) {
  const map = createMap(config, { preferCanvas: false });
  state.map = map;
  const regions = regionLayer(config).addTo(map);
  const grids = gridLayer(config, { fillOpacity: 0.08, interactive: false }).addTo(map);
  events = L.vectorGrid.protobuf(eventTileUrl(config) + "?v={v}", {
    rendererFactory: L.svg.tile,
    interactive: true,
    maxNativeZoom: 18,
    zIndex: 5,
    v: version,
    getFeatureId: (/** @type {any} */ f) => f.properties.id,
    vectorTileLayerStyles: { events: eventTileStyle }
  }).addTo(map);
  events.on("click", (/** @type {any} */ e) => {
    const p = e.layer.properties || {};
    if (p.id !== undefined) state.open(Number(p.id));
    else map.setView(e.latlng, Math.max(map.getZoom() + 2, POINTS_FROM));
  });
  workers = L.layerGroup().addTo(map);
  if (regions.bringToFront) regions.bringToFront();
  L.control.layers(null, {
    "事件 events": events, "网格员 grid workers": workers, "网格 grids": grids
  }, { collapsed: true }).addTo(map);
  scaleControl().addTo(map);
  legend().addTo(map);
  fitConfigBounds(map, config);
  return map;
}

/** The states' colours and the overdue rings. */
function legend() {
  const control = L.control({ position: "bottomright" });
  control.onAdd = () => {
    const div = L.DomUtil.create("div", "legend event-legend");
    let html = "<h4>事件 events</h4>";
    for (const code of Object.keys(vocabulary("event_states"))) {
      html += '<div><i class="dot" style="background:' + escapeHtml(stateColor(code)) + '"></i>' +
        escapeHtml(stateLabel(code)) + "</div>";
    }
    for (const flag of ["red", "amber"]) {
      html += '<div><i class="dot ring" style="border-color:' + OVERDUE_COLOR[flag] + '"></i>' +
        escapeHtml(OVERDUE[flag]) + "</div>";
    }
    html += '<div class="note">z&lt;' + POINTS_FROM + ": 按格计数 counts per cell</div>";
    div.innerHTML = html;
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  return control;
}

/** Read the events' tiles again (they are cached a minute: a new ?v= asks afresh). */
export function refreshEvents() {
  if (!events) return;
  version += 1;
  events.options.v = version;
  events.redraw();
}

/**
 * A ring on the open event; with ``pan``, the map goes there (close enough to draw events).
 * @param {any} event
 * @param {boolean} pan
 */
export function showSelected(event, pan) {
  const map = state.map;
  if (ring) {
    map.removeLayer(ring);
    ring = null;
  }
  if (!event || event.lon === null || event.lon === undefined) return;
  const at = L.latLng(event.lat, event.lon);
  ring = L.circleMarker(at, {
    radius: 14, weight: 3, color: "#f03e3e", fill: false, interactive: false, className: "selected-ring"
  }).addTo(map);
  if (pan) map.setView(at, Math.max(map.getZoom(), 15), { animate: false });
}

/** The workers' last positions (GET /api/v1/workers/positions), a marker each. */
export async function refreshWorkers() {
  if (!workers) return;
  try {
    const data = await getJson("/api/v1/workers/positions");
    workers.clearLayers();
    for (const w of data.workers || []) {
      const icon = L.divIcon({
        className: "worker-marker" + (w.patrolling ? " patrolling" : ""),
        html: "<span>员</span>", iconSize: [22, 22]
      });
      L.marker([w.lat, w.lon], { icon, title: w.worker, keyboard: false })
        .bindTooltip(escapeHtml(w.worker) + " · " + escapeHtml(w.grid_code) + "<br>" +
          escapeHtml(formatTime(w.at)) + (w.patrolling ? "<br>巡查中 on patrol" : ""))
        .addTo(workers);
    }
    state.map.getContainer().dataset.workers = String((data.workers || []).length);
  } catch (err) {
    if (!isQuiet(err)) state.map.getContainer().dataset.workers = "error";
  }
}
