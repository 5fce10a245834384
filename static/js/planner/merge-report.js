// @ts-check
/* Merge report (合并报告): how the newest merge of the planner's region went. */

import { ApiError, getJson } from "../lib/api.js";
import { $, escapeHtml } from "../lib/dom.js";
import { formatTime } from "../lib/format.js";

/**
 * A report figure: a count (and area), a list's length, a yes/no, or key: value pairs.
 * @param {any} value
 * @returns {string} HTML
 */
function figure(value) {
  if (value == null) return "—";
  if (Array.isArray(value)) return String(value.length);
  if (typeof value === "object") {
    if ("count" in value) {
      return escapeHtml(value.count) +
        (value.area_m2 != null ? " (" + Math.round(value.area_m2) + " m²)" : "");
    }
    return Object.keys(value).map((k) => escapeHtml(k) + ": " + escapeHtml(value[k])).join(", ");
  }
  if (typeof value === "boolean") return value ? "✓ 是 yes" : "✗ 否 no";
  return escapeHtml(value);
}

/** @param {any} m a merge */
function reportHtml(m) {
  const r = m.report || {};
  const rows = [
    ["基准部门 base department", escapeHtml(m.base_department)],
    ["合并时间 merged at", escapeHtml(formatTime(m.merged_at))],
    ["输入网格 grids in", figure(r.grids_in)],
    ["输出网格 grids out", figure(r.grids_out)],
    ["修复重叠 overlaps fixed", figure(r.overlaps_fixed)],
    ["修复缝隙 gaps fixed", figure(r.gaps_fixed)],
    ["消除碎片 slivers dissolved", figure(r.slivers_dissolved)],
    ["未匹配 unmatched", figure(r.unmatched)],
    ["有效 valid", figure(r.valid)]
  ];
  return '<table class="figures">' +
    rows.map((row) => "<tr><th>" + row[0] + "</th><td>" + row[1] + "</td></tr>").join("") + "</table>";
}

/**
 * Show the region's newest merge; stays hidden when there is nothing to show.
 * @param {string | null | undefined} region a 12-digit region code
 */
export async function loadMergeReport(region) {
  if (!region || !/^\d{12}$/.test(region)) return;
  let data;
  try {
    data = await getJson("/api/v1/merges?region=" + encodeURIComponent(region));
  } catch (err) {
    // 404: no merge endpoint (yet), or nothing to show: stay hidden
    if (!(err instanceof ApiError)) $("merge-box").hidden = true;
    return;
  }
  const merges = (data && data.merges) || [];
  $("merge-box").hidden = false;
  $("merge-region").textContent = region;
  if (!merges.length) {
    $("merge-report").innerHTML = '<p class="hint">尚无合并 no merge yet</p>';
    return;
  }
  const newest = merges.slice().sort((/** @type {any} */ a, /** @type {any} */ b) =>
    String(b.merged_at).localeCompare(String(a.merged_at)))[0];
  $("merge-report").innerHTML = reportHtml(newest);
}
