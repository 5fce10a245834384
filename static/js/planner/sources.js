// @ts-check
/* Department layers (部门图层): the newest import of each department, listed in the panel and
   offered as overlays in the layers control. */

import { ApiError, getJson } from "../lib/api.js";
import { $, escapeHtml } from "../lib/dom.js";
import { formatTime } from "../lib/format.js";
import L from "../lib/leaflet.js";
import { state } from "./state.js";

const DEPARTMENT_COLORS = ["#e8590c", "#2f9e44", "#ae3ec9", "#1971c2", "#c2255c", "#f08c00", "#0c8599"];

/** @type {Record<string, {layer: any, source: string}>} department → its layer and import */
const departments = {};

/** @param {string} name */
function departmentColor(name) {
  let hash = 0;
  for (let i = 0; i < name.length; i++) hash = (hash * 31 + name.charCodeAt(i)) >>> 0;
  return DEPARTMENT_COLORS[hash % DEPARTMENT_COLORS.length];
}

/**
 * @param {string} name
 * @param {string} sourceId
 */
function departmentLayer(name, sourceId) {
  const color = departmentColor(name);
  return L.vectorGrid.protobuf(
    "/tiles/source_grids/{z}/{x}/{y}.mvt?department=" + encodeURIComponent(name) + "&v=" +
      encodeURIComponent(sourceId),
    {
      rendererFactory: L.svg.tile,
      interactive: false,
      pmIgnore: true,
      maxNativeZoom: 18,
      zIndex: 2,
      vectorTileLayerStyles: {
        source_grids: () => ({ weight: 2, color, opacity: 0.9, fill: false, dashArray: "5 4" })
      }
    }
  );
}

/** @param {any} s a source (import) */
function sourceItem(s) {
  return '<li><i style="border-color:' + departmentColor(s.department) + '"></i>' +
    escapeHtml(s.department) + ' <span class="hint">' + escapeHtml(s.file_name) + " · " +
    escapeHtml(s.features_written) + " 个网格 grids · " + escapeHtml(formatTime(s.imported_at)) +
    "</span></li>";
}

/** The department layers (newest import of each) as overlays in the layers control. */
export async function loadSources() {
  const box = $("sources");
  let data;
  try {
    data = await getJson("/api/v1/sources");
  } catch (err) {
    if (!(err instanceof ApiError) || err.signedOut) throw err;
    box.innerHTML = "<li class=\"hint\">无法读取部门图层 cannot list the department layers: " +
      escapeHtml(err.detail) + "</li>";
    return;
  }
  /** @type {Record<string, any>} */
  const newest = {};
  for (const s of data.sources || []) if (!newest[s.department]) newest[s.department] = s;
  const names = Object.keys(newest).sort();
  box.innerHTML = names.length ? names.map((name) => sourceItem(newest[name])).join("")
    : '<li class="hint">尚未导入 none imported yet</li>';
  for (const name of names) {
    const s = newest[name];
    const known = departments[name];
    if (known && known.source === s.id) continue;
    let shown = false;
    if (known) {
      shown = state.map.hasLayer(known.layer);
      state.layersControl.removeLayer(known.layer);
      state.map.removeLayer(known.layer);
    }
    const layer = departmentLayer(name, s.id);
    departments[name] = { layer, source: s.id };
    state.layersControl.addOverlay(layer, '<span class="dept-swatch" style="border-color:' +
      departmentColor(name) + '"></span>部门 ' + escapeHtml(name) + " (" +
      escapeHtml(s.features_written) + ")");
    if (shown) layer.addTo(state.map);
  }
}
