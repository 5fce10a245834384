// @ts-check
/* What the divide tool reads and shows: the file of weighted points, the proposal drawn dashed
   with each grid's load, its report, and the counts once accepted. */

import { escapeHtml } from "../lib/dom.js";
import L from "../lib/leaflet.js";

const PROPOSAL_STYLE = {
  color: "#7048e8", weight: 2.5, opacity: 0.95, dashArray: "8 6", fillColor: "#9775fa", fillOpacity: 0.08
};

/**
 * A load as a short number.
 * @param {unknown} value
 */
export function formatLoad(value) {
  const n = Number(value);
  if (!isFinite(n)) return escapeHtml(value);
  return Math.abs(n) >= 100 || n === Math.round(n) ? String(Math.round(n)) : n.toFixed(1);
}

/**
 * The weighted points, read in the browser: a GeoJSON FeatureCollection or an error that says why.
 * @param {File} file
 * @returns {Promise<{type: "FeatureCollection", features: any[]}>}
 */
export function readPoints(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      let data;
      try {
        data = JSON.parse(String(reader.result));
      } catch (e) {
        reject(new Error("不是 JSON · not JSON: " + /** @type {Error} */ (e).message));
        return;
      }
      if (!data || data.type !== "FeatureCollection" || !Array.isArray(data.features)) {
        reject(new Error("需要 GeoJSON FeatureCollection · a GeoJSON FeatureCollection is needed"));
        return;
      }
      resolve(data);
    };
    reader.onerror = () => reject(new Error("无法读取文件 cannot read the file"));
    reader.readAsText(file);
  });
}

/**
 * The proposal on the map, dashed, each grid labelled with its load.
 * @param {any} proposal a FeatureCollection
 * @returns {any} the layer (already on no map)
 */
export function proposalLayer(proposal) {
  return L.geoJSON(proposal, {
    pmIgnore: true,
    interactive: false,
    className: "divide-proposal", // on each path: tests and the stylesheet find the proposal
    style: PROPOSAL_STYLE,
    onEachFeature: (/** @type {any} */ feature, /** @type {any} */ layer) => {
      const p = feature.properties || {};
      layer.bindTooltip("负荷 load " + formatLoad(p.load), {
        permanent: true, direction: "center", className: "divide-label"
      });
    }
  });
}

/**
 * The preview's report: grids and the spread of their loads.
 * @param {string} region
 * @param {any} proposal
 * @param {any} r the report: n, min, mean, max, cv
 */
export function previewHtml(region, proposal, r) {
  const cv = Number(r.cv);
  const rows = [
    ["区划 region", escapeHtml(region)],
    ["网格数 grids (n)", escapeHtml(r.n != null ? r.n : proposal.features.length)],
    ["负荷 load min / mean / max",
      formatLoad(r.min) + " / " + formatLoad(r.mean) + " / " + formatLoad(r.max)],
    ["离散系数 cv", isFinite(cv) && r.cv != null ? (cv * 100).toFixed(1) + "%" : "—"]
  ];
  return '<p class="ok-title">预览 Preview · 虚线为建议网格 the dashed outlines are the proposal</p>' +
    '<table class="figures divide-report">' +
    rows.map((row) => "<tr><th>" + row[0] + "</th><td>" + row[1] + "</td></tr>").join("") +
    "</table>";
}

/** @param {any} c the accepted division's counts */
export function acceptedHtml(c) {
  return '<p class="ok-title">✓ 已采用 accepted</p><table class="figures divide-counts">' +
    "<tr><th>网格 grids</th><td>" + escapeHtml(c.grids) + "</td></tr>" +
    "<tr><th>新增 inserted</th><td>" + escapeHtml(c.inserted) + "</td></tr>" +
    "<tr><th>更新 updated</th><td>" + escapeHtml(c.updated) + "</td></tr>" +
    "<tr><th>移除 removed</th><td>" + escapeHtml(c.removed) + "</td></tr>" +
    "<tr><th>未变 unchanged</th><td>" + escapeHtml(c.unchanged) + "</td></tr></table>";
}

/**
 * A refused preview or accept: the role, or the API's words.
 * @param {import("../lib/api.js").ApiError} err
 * @param {[string, string]} what the action, in Chinese and in English
 */
export function refusedHtml(err, what) {
  if (err.status === 403) {
    return "<p>您的角色不能" + what[0] + " · your role may not " + what[1] + ".</p><p class=\"hint\">" +
      escapeHtml(err.detail) + "</p>";
  }
  return "<p>" + escapeHtml(err.detail) + "</p>";
}

/**
 * What is wrong with the form, or null.
 * @param {{region: string, grids: number, file: File | undefined, block: number}} input
 * @returns {string | null}
 */
export function formProblem({ region, grids, file, block }) {
  if (!/^\d{12}$/.test(region)) return "区划编码应为 12 位数字 · the region code has 12 digits";
  if (!(grids >= 1 && grids <= 999 && grids === Math.floor(grids))) {
    return "网格数应为 1–999 · the number of grids is 1 to 999";
  }
  if (!file) return "请选择权重点文件 · choose the file of weighted points";
  if (!(block > 0)) return "街块大小应大于 0 · the block size must be above 0";
  return null;
}
