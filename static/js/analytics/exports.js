// @ts-check
/* Exports with the filters and the period (导出): the risk colours, Gi* hot spots, local Moran
   and emerging hot spots, each as the API's own file: CSV (UTF-8 with a byte-order mark, so
   Excel reads the Chinese names), XLSX, GeoPackage (the grids' outlines with the figures, for
   QGIS or ArcGIS) and, for the hot spots, GeoJSON. Each file is fetched with the session and
   saved under the name the server gives; a refusal is said in words beside the buttons. */

import { loginUrl } from "../lib/api.js";
import { $, h } from "../lib/dom.js";
import { emergingQuery, hotspotQuery, riskQuery } from "./filters.js";

/** What each analysis is asked with, and the name of a file the server does not name. */
const KINDS = /** @type {Record<string, {path: string, query: () => URLSearchParams, name: string}>} */ ({
  risk: { path: "/api/v1/analytics/risk", query: riskQuery, name: "risk" },
  gi_star: { path: "/api/v1/analytics/hotspots", query: () => hotspotQuery("gi_star"), name: "hotspots" },
  local_moran: {
    path: "/api/v1/analytics/hotspots", query: () => hotspotQuery("local_moran"), name: "local-moran"
  },
  emerging: { path: "/api/v1/analytics/emerging", query: emergingQuery, name: "emerging" }
});

/**
 * The URL of an analysis as a file.
 * @param {string} kind risk, gi_star, local_moran or emerging
 * @param {string} format csv, xlsx, gpkg or geojson
 */
export function exportUrl(kind, format) {
  const query = KINDS[kind].query();
  query.set("format", format);
  return KINDS[kind].path + "?" + query;
}

/**
 * The file name in a Content-Disposition header, else ``fallback``.
 * @param {string | null} header
 * @param {string} fallback
 */
function fileName(header, fallback) {
  const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(header || "");
  return m ? decodeURIComponent(m[1]) : fallback;
}

/**
 * The server's words from an error body.
 * @param {Response} response
 */
async function refusal(response) {
  const text = await response.text();
  try {
    const body = JSON.parse(text);
    const detail = body && body.detail;
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) return detail.map((e) => (e && e.msg) || JSON.stringify(e)).join("; ");
  } catch (e) { /* not JSON: the text itself */ }
  return text || "HTTP " + response.status;
}

/**
 * Save a blob as a file.
 * @param {Blob} blob
 * @param {string} name
 */
function save(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: name, hidden: true });
  document.body.appendChild(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

/**
 * Fetch one export and save it; say how it went in #export-status.
 * @param {HTMLButtonElement} button with data-kind and data-format
 */
async function download(button) {
  const kind = button.dataset.kind || "";
  const format = button.dataset.format || "";
  const status = $("export-status");
  status.className = "hint";
  status.textContent = "准备中 preparing " + button.textContent + "…";
  button.disabled = true;
  try {
    const response = await fetch(exportUrl(kind, format), { credentials: "same-origin" });
    if (response.status === 401) {
      window.location.assign(loginUrl());
      return;
    }
    if (!response.ok) {
      status.className = "hint error";
      status.dataset.status = String(response.status);
      status.textContent = "导出失败 the export failed (" + response.status + "): " + await refusal(response);
      return;
    }
    const name = fileName(response.headers.get("content-disposition"), KINDS[kind].name + "." + format);
    save(await response.blob(), name);
    status.dataset.status = "200";
    status.textContent = "已下载 downloaded " + name;
  } catch (err) {
    status.className = "hint error";
    status.textContent = "导出失败 the export failed: " + /** @type {any} */ (err).message;
  } finally {
    button.disabled = false;
  }
}

/** Wire the export buttons (button[data-kind][data-format] in #export-tab). */
export function setUpExports() {
  for (const button of $("export-tab").querySelectorAll("button[data-kind]")) {
    button.addEventListener("click", () => download(/** @type {HTMLButtonElement} */ (button)));
  }
}
