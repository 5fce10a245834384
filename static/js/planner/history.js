// @ts-check
/* History and restore (历史、恢复): a grid's versions, newest first; an old one can be restored. */

import { ApiError, getJson } from "../lib/api.js";
import { $, escapeHtml } from "../lib/dom.js";
import { formatTime } from "../lib/format.js";
import { afterEdit, edit } from "./edit.js";
import { OPERATION, codeList, sayError } from "./messages.js";
import { gridUrl, state, withReason } from "./state.js";

/**
 * @param {any} v a version
 * @param {string} code
 */
function versionHtml(v, code) {
  const current = !v.valid_to;
  return "<li><strong>v" + escapeHtml(v.version) + "</strong> " +
    escapeHtml(OPERATION[v.operation] || v.operation || "") + " · " + escapeHtml(v.changed_by || "") +
    (current ? ' <span class="current">当前 current</span>' : "") +
    '<div class="hint">' + escapeHtml(formatTime(v.valid_from)) + " → " +
    escapeHtml(current ? "" : formatTime(v.valid_to)) + " · " + escapeHtml(v.name) +
    (v.area_km2 != null ? " · " + escapeHtml(v.area_km2) + " km²" : "") + "</div>" +
    (v.reason ? "<div>原因 why: " + escapeHtml(v.reason) + "</div>" : "") +
    (v.lineage && v.lineage.length ? "<div>来自 from: " + codeList(v.lineage) + "</div>" : "") +
    (current ? "" : '<button type="button" class="small restore" data-code="' + escapeHtml(code) +
      '" data-version="' + escapeHtml(v.version) + '">恢复到此版本 Restore</button>') +
    "</li>";
}

/** @param {string} code */
async function loadHistory(code) {
  $("history-box").hidden = false;
  $("history-code").textContent = code;
  const box = $("history");
  box.innerHTML = '<li class="hint">读取中 loading…</li>';
  try {
    const data = await getJson(gridUrl(code) + "/history");
    const versions = data.versions || [];
    box.innerHTML = versions.slice().reverse().map((/** @type {any} */ v) => versionHtml(v, code))
      .join("") || '<li class="hint">无 none</li>';
  } catch (err) {
    if (err instanceof ApiError && !err.signedOut) box.innerHTML = "<li>" + escapeHtml(err.detail) + "</li>";
    else sayError(err);
  }
}

/**
 * @param {string} code
 * @param {number} version
 */
function restore(code, version) {
  if (!window.confirm("恢复 Restore " + code + " v" + version + "?")) return;
  return edit("POST", gridUrl(code) + "/restore", withReason({ version }), {}, (result) => {
    const now = (result.changed || []).concat(result.created || []);
    return now.indexOf(code) >= 0 ? [code] : [];
  });
}

export function init() {
  $("btn-history").addEventListener("click", () => {
    if (state.selected.length === 1) loadHistory(state.selected[0].code);
  });
  $("history").addEventListener("click", (/** @type {MouseEvent} */ e) => {
    const button = /** @type {HTMLElement | null} */ (
      e.target instanceof Element ? e.target.closest("button.restore") : null);
    if (button) restore(String(button.dataset.code), Number(button.dataset.version));
  });
  // an open history follows the edits
  afterEdit(() => {
    if (!$("history-box").hidden && state.selected.length === 1) loadHistory(state.selected[0].code);
  });
}
