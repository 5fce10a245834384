// @ts-check
/* The result box (#result): outcomes, refusals (with the offending edges drawn) and failures. */

import { $, escapeHtml } from "../lib/dom.js";
import L from "../lib/leaflet.js";
import { state } from "./state.js";

/** @type {Record<string, string>} */
export const OPERATION = {
  split: "拆分 split", merge: "合并 merge", delete: "删除 delete", reshape: "调整边界 reshape",
  draw: "绘制 draw", update: "修改 update", recode: "改编码 re-code", restore: "恢复 restore"
};

/**
 * Codes as a comma-separated list, "—" when none.
 * @param {string[] | null | undefined} list
 */
export function codeList(list) {
  return list && list.length ? list.map(escapeHtml).join(", ") : "—";
}

/**
 * @param {string} html
 * @param {string} [kind] ok, error
 */
export function say(html, kind) {
  const box = $("result");
  box.className = "result " + (kind || "");
  box.innerHTML = html;
}

/** @param {any} err */
export function sayError(err) {
  if (err && (err.signedOut || err.name === "AbortError")) return;
  say("<p>请求失败 the request failed: " + escapeHtml(err && err.message ? err.message : err) +
    "</p>", "error");
}

export function clearProblems() {
  if (state.problemsLayer) state.problemsLayer.clearLayers();
}

/** @param {any} result an edit's outcome: operation, created, changed, removed, versions */
export function showOutcome(result) {
  const versions = Object.keys(result.versions || {}).map((c) =>
    escapeHtml(c) + " v" + escapeHtml(result.versions[c]));
  say(
    '<p class="ok-title">✓ ' + escapeHtml(OPERATION[result.operation] || result.operation) + "</p>" +
    '<table class="figures">' +
    "<tr><th>新建 created</th><td>" + codeList(result.created) + "</td></tr>" +
    "<tr><th>变更 changed</th><td>" + codeList(result.changed) + "</td></tr>" +
    "<tr><th>移除 removed</th><td>" + codeList(result.removed) + "</td></tr>" +
    "<tr><th>版本 versions</th><td>" + (versions.length ? versions.join(", ") : "—") + "</td></tr>" +
    "</table>",
    "ok"
  );
  $("result").dataset.operation = result.operation;
}

/** @param {any} invalidEdges GeoJSON of the offending edges */
function drawProblems(invalidEdges) {
  const edges = L.geoJSON(invalidEdges, {
    pmIgnore: true, interactive: false,
    style: { color: "#e03131", weight: 5, opacity: 0.9 },
    pointToLayer: (/** @type {any} */ f, /** @type {any} */ latlng) =>
      L.circleMarker(latlng, { pmIgnore: true, radius: 6, color: "#e03131" })
  });
  state.problemsLayer.addLayer(edges);
}

/**
 * A refused, stale or forbidden edit: say why and draw the offending edges.
 * @param {import("../lib/api.js").ApiError} err
 */
export function showRefusal(err) {
  const data = err.body;
  const detail = escapeHtml(err.detail);
  if (err.status === 400 && data.problems) {
    say("<p>编辑被拒绝 the edit was refused:</p><ul class=\"problems\">" +
      data.problems.map((/** @type {string} */ p) => "<li>" + escapeHtml(p) + "</li>").join("") +
      "</ul>" + (data.invalid_edges
        ? '<p class="hint">红线为问题边界 the red lines are the offending edges</p>' : ""),
      "error");
    if (data.invalid_edges) drawProblems(data.invalid_edges);
  } else if (err.status === 409 && !data.current) {
    say("<p>冲突 conflict: " + detail + "</p>", "error"); // e.g. a code in use or used before
  } else if (err.status === 409) {
    say("<p>网格已被他人修改，已重新加载选中网格，请重试 · the grid changed since you read it; the " +
      "selection was reloaded, try again.</p><p class=\"hint\">" + detail + "</p>", "error");
  } else if (err.status === 403) {
    say("<p>您的角色不能编辑网格 your role may not edit grids.</p><p class=\"hint\">" + detail +
      "</p>", "error");
  } else if (err.status === 404) {
    say("<p>找不到 not found: " + detail + "</p>", "error");
  } else {
    say("<p>" + detail + "</p>", "error");
  }
}
