// @ts-check
/* The workbench's map: the cameras and what they see, from their vector tiles (layers
   ``cameras`` and ``camera_sectors``), coloured by status (working or not) with planned ones
   apart and the map filters applied; the open camera ringed with its view; picking a position
   with a click (registering or moving a camera); zooming to a grid or a region. Each camera's
   dot has the classes ``camera-dot camera-<id>`` and its sector ``camera-sector sector-<id>``
   (tests and CSS read them). */

import { getJson, isQuiet } from "../lib/api.js";
import { escapeHtml } from "../lib/dom.js";
import L from "../lib/leaflet.js";
import { createMap, fitConfigBounds, gridLayer, regionLayer, scaleControl } from "../lib/map.js";
import { state } from "./state.js";
import { COLORS, cameraColor, isWorking, statusLabel } from "./terms.js";

/** Panes, bottom to top: blind spots, views, the plan's views, cameras, the open camera. */
const PANES = /** @type {[string, number][]} */ ([
  ["blindPane", 360], ["viewsPane", 380], ["planPane", 420], ["camerasPane", 450], ["selectedPane", 460]
]);

/** @type {any} */
let points = null;
/** @type {any} */
let sectors = null;
/** @type {any} the open camera's ring and view */
let selection = null;
/** @type {any} the outline of the grid or region zoomed to */
let outline = null;
/** @type {any} where a click put the camera being registered or moved */
let pickMarker = null;
/** @type {((at: {lat: number, lng: number}) => void) | null} */
let picking = null;
/** @type {(() => void) | null} told when picking stops */
let pickingStopped = null;
let version = 0;

/**
 * Whether a camera passes the map filters (its tile properties: id, status, planned and, for
 * dots, ptz_type).
 * @param {any} p
 * @param {boolean} dot
 */
export function passes(p, dot) {
  const f = state.filters;
  if (f.status && p.status !== f.status) return false;
  if (f.planned && String(Boolean(p.planned)) !== f.planned) return false;
  if (dot && f.ptz_type && String(p.ptz_type) !== f.ptz_type) return false;
  if (state.allowed && !state.allowed.has(Number(p.id))) return false;
  return true;
}

/** @param {any} p a ``cameras`` tile feature's properties */
function dotStyle(p) {
  if (!passes(p, true)) return [];
  const selected = Number(p.id) === state.selected;
  const problem = state.problemsById.has(Number(p.id));
  return {
    radius: selected ? 7 : 5,
    weight: p.planned ? 2.5 : problem ? 2.5 : 1.5,
    color: p.planned ? COLORS.planned : problem ? "#f59f00" : "#fff",
    fill: true,
    fillColor: p.planned ? "#fff" : cameraColor(p),
    fillOpacity: 0.95,
    className: "camera-dot camera-" + p.id + " status-" + p.status + (p.planned ? " planned" : "") +
      (problem ? " has-problem" : "")
  };
}

/** @param {any} p a ``camera_sectors`` tile feature's properties */
function sectorStyle(p) {
  if (!passes(p, false)) return [];
  const color = cameraColor(p);
  return {
    weight: 1, color, fill: true, fillColor: color, fillOpacity: p.planned ? 0.12 : 0.25,
    dashArray: p.planned ? "4 3" : null,
    className: "camera-sector sector-" + p.id + (p.planned ? " planned" : "")
  };
}

/**
 * A layer's tiles from the configuration, with ?v= to ask afresh after a change.
 * @param {string} layer
 */
function tileUrl(layer) {
  const tiles = /** @type {Record<string, string>} */ (state.config.tiles);
  return (tiles[layer] || tiles.grids.replace("/grids/", "/" + layer + "/")) + "?v={v}";
}

/** @param {any} config the map configuration */
export function setUpMap(config) {
  const map = createMap(config, { preferCanvas: false });
  state.map = map;
  for (const [name, z] of PANES) map.createPane(name).style.zIndex = String(z);
  map.getPane("selectedPane").style.pointerEvents = "none";
  const regions = regionLayer(config).addTo(map);
  const grids = gridLayer(config, { fillOpacity: 0.06, interactive: false }).addTo(map);
  sectors = L.vectorGrid.protobuf(tileUrl("camera_sectors"), {
    rendererFactory: L.svg.tile, interactive: true, maxNativeZoom: 18, pane: "viewsPane", v: version,
    getFeatureId: (/** @type {any} */ f) => f.properties.id,
    vectorTileLayerStyles: { camera_sectors: sectorStyle }
  }).addTo(map);
  points = L.vectorGrid.protobuf(tileUrl("cameras"), {
    rendererFactory: L.svg.tile, interactive: true, maxNativeZoom: 18, pane: "camerasPane", v: version,
    getFeatureId: (/** @type {any} */ f) => f.properties.id,
    vectorTileLayerStyles: { cameras: dotStyle }
  }).addTo(map);
  for (const layer of [points, sectors]) {
    layer.on("click", (/** @type {any} */ e) => {
      if (picking) return; // the map's click places the camera being moved
      const id = e.layer && e.layer.properties ? Number(e.layer.properties.id) : NaN;
      if (id) state.open(id);
    });
  }
  points.on("mouseover", (/** @type {any} */ e) => {
    const p = e.layer && e.layer.properties;
    if (!p || picking) return;
    L.popup({ closeButton: false, autoPan: false, className: "camera-tip" }).setLatLng(e.latlng)
      .setContent(escapeHtml(p.name || p.device_id || "#" + p.id) + "<br>" + escapeHtml(statusLabel(p.status)) +
        (p.planned ? " · 规划 planned" : ""))
      .openOn(map);
  });
  points.on("mouseout", () => map.closePopup());
  map.on("click", (/** @type {any} */ e) => {
    if (picking) picking(e.latlng);
  });
  selection = L.layerGroup().addTo(map);
  if (regions.bringToFront) regions.bringToFront();
  L.control.layers(null, {
    "摄像机 cameras": points, "可视域 views": sectors, "网格 grids": grids
  }, { collapsed: true }).addTo(map);
  scaleControl().addTo(map);
  legend().addTo(map);
  fitConfigBounds(map, config);
  return map;
}

/** Working statuses, the others, planned cameras, the open one, a plan's, blind spots. */
function legend() {
  const control = L.control({ position: "bottomright" });
  control.onAdd = () => {
    const div = L.DomUtil.create("div", "legend camera-legend");
    const dot = (/** @type {string} */ fill, /** @type {string} */ ring, /** @type {string} */ text) =>
      '<div><i class="dot" style="background:' + fill + ";border-color:" + ring + '"></i>' + escapeHtml(text) + "</div>";
    let html = "<h4>摄像机 cameras</h4>";
    for (const code of Object.keys(state.rules.statuses)) {
      html += dot(isWorking(code) ? COLORS.working : COLORS.idle, "#fff", statusLabel(code));
    }
    html += dot("#fff", COLORS.planned, "规划 planned");
    html += dot(COLORS.working, "#f59f00", "有问题 has a problem");
    html += '<div><i class="swatch" style="background:' + COLORS.working + '"></i>可视域 view</div>';
    html += '<div><i class="swatch" style="background:' + COLORS.proposal + '"></i>规划方案 proposed</div>';
    html += '<div><i class="swatch" style="background:' + COLORS.blind + '"></i>盲区 blind spot</div>';
    html += '<div class="note">可视域约 z16 起可见 · views show from about z16</div>';
    div.innerHTML = html;
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  return control;
}

/** The cameras' tiles again, read afresh (they are cached: a new ?v= asks the server). */
export function refreshCameras() {
  version += 1;
  for (const layer of [points, sectors]) {
    if (!layer) continue;
    layer.options.v = version;
    layer.redraw();
  }
}

/** The tiles drawn again with the filters as they are now (from the browser's cache). */
export function restyle() {
  for (const layer of [points, sectors]) if (layer) layer.redraw();
}

/**
 * The open camera: a ring where it stands and its view; with ``pan`` the map goes there.
 * @param {any} camera a camera as GET /api/v1/cameras/{id} gives it, or null
 * @param {boolean} [pan]
 */
export function showSelected(camera, pan) {
  selection.clearLayers();
  if (!camera || camera.lon === null || camera.lon === undefined) return;
  const at = L.latLng(camera.lat, camera.lon);
  if (camera.view) {
    L.geoJSON(camera.view, {
      pane: "selectedPane", interactive: false,
      style: { color: COLORS.selected, weight: 2.5, fillColor: COLORS.selected, fillOpacity: 0.25, className: "selected-view" }
    }).addTo(selection);
  }
  L.circleMarker(at, {
    pane: "selectedPane", radius: 13, weight: 3, color: COLORS.selected, fill: false, interactive: false,
    className: "selected-ring"
  }).addTo(selection);
  if (pan) panTo(at, Math.max(state.map.getZoom(), 18));
}

/**
 * Centre the map on a point in the part the open camera's panel leaves visible.
 * @param {any} at an L.LatLng
 * @param {number} zoom
 */
export function panTo(at, zoom) {
  const map = state.map;
  const panel = document.getElementById("detail");
  const covered = panel && !panel.hidden ? panel.offsetWidth + 10 : 0;
  const visible = map.getSize().x - covered;
  const shift = covered && visible > 200 ? covered / 2 : 0;
  const centre = map.unproject(map.project(at, zoom).add([shift, 0]), zoom);
  map.setView(centre, zoom, { animate: false });
}

/**
 * Pick a position with a click on the map (the cursor turns to a cross) until stopped; each
 * click calls ``onPick`` and moves the marker there; ``onStop`` is told when picking stops
 * (another picker, or a camera opened).
 * @param {(at: {lat: number, lng: number}) => void} onPick
 * @param {() => void} [onStop]
 */
export function startPicking(onPick, onStop) {
  stopPicking();
  pickingStopped = onStop || null;
  state.map.getContainer().classList.add("picking");
  picking = (at) => {
    placePick(at);
    onPick(at);
  };
}

/** @param {{lat: number, lng: number}} at */
export function placePick(at) {
  if (pickMarker) pickMarker.setLatLng(at);
  else {
    pickMarker = L.circleMarker(at, {
      pane: "selectedPane", radius: 9, weight: 3, color: COLORS.planned, fillColor: "#fff", fillOpacity: 0.9,
      interactive: false, className: "pick-marker"
    }).addTo(state.map);
  }
}

/** Stop picking; ``keepMarker`` leaves the picked spot shown. */
export function stopPicking(keepMarker = false) {
  picking = null;
  const told = pickingStopped;
  pickingStopped = null;
  if (told) told();
  if (state.map) state.map.getContainer().classList.remove("picking");
  if (!keepMarker && pickMarker) {
    state.map.removeLayer(pickMarker);
    pickMarker = null;
  }
}

/** @returns {boolean} whether a click on the map now picks a position */
export function isPicking() {
  return picking !== null;
}

/**
 * Fit the map to a GeoJSON object (or a Leaflet layer), not animated.
 * @param {any} what
 * @param {number} [maxZoom]
 */
export function fitTo(what, maxZoom = 17) {
  const layer = what && what.getBounds ? what : L.geoJSON(what);
  const bounds = layer.getBounds();
  if (bounds.isValid()) state.map.fitBounds(bounds, { padding: [24, 24], maxZoom, animate: false });
}

/**
 * Zoom to a grid (15 or 17 digits) or a region (12) and outline it; false when it has no
 * geometry the caller may read.
 * @param {string} code
 * @returns {Promise<boolean>}
 */
export async function zoomToCode(code) {
  const url = code.length === 12 ? "/api/v1/regions/" : "/api/v1/grids/";
  try {
    const feature = await getJson(url + encodeURIComponent(code));
    if (!feature || !feature.geometry) return false;
    if (outline) state.map.removeLayer(outline);
    outline = L.geoJSON(feature, {
      interactive: false,
      style: { color: "#1864ab", weight: 3, fill: false, dashArray: "6 4", className: "zoom-outline" }
    }).addTo(state.map);
    fitTo(outline, 16);
    state.map.getContainer().dataset.zoomed = code;
    return true;
  } catch (err) {
    if (!isQuiet(err)) state.map.getContainer().dataset.zoomed = "error";
    return false;
  }
}

/** Forget the outline of the last grid or region zoomed to. */
export function clearOutline() {
  if (outline) state.map.removeLayer(outline);
  outline = null;
}
