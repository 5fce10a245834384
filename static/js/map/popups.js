// @ts-check
/* The map pages' popups and cards: the staff's grid details, and the public's grid and grid worker. */

import { escapeHtml } from "../lib/dom.js";
import { GRID_KIND } from "../lib/labels.js";

export const NOT_IN_GRID = "不在任何网格内 not in any grid";
const WAITING = "查询中 looking up…";

/** @param {[string, unknown][]} rows */
function rowsHtml(rows) {
  return rows.map((r) => "<tr><th>" + escapeHtml(r[0]) + "</th><td>" + escapeHtml(r[1]) + "</td></tr>")
    .join("");
}

/**
 * A grid as the staff see it: code, name, kind, area, township; and a link to its profile.
 * @param {any} p the tile's properties
 * @param {string | undefined} townshipName
 * @param {boolean} staff
 */
export function gridPopupHtml(p, townshipName, staff) {
  /** @type {[string, unknown][]} */
  const rows = [["网格编码 code", p.code], ["名称 name", p.name]];
  if (p.kind !== undefined) rows.push(["类型 kind", GRID_KIND[p.kind] || p.kind]);
  if (p.area_km2 !== undefined) rows.push(["面积 area", Number(p.area_km2).toFixed(3) + " km²"]);
  rows.push(["乡镇 township", townshipName || p.township]);
  if (p.generated) rows.push(["", "generated geometry (demo) 生成的示意边界"]);
  let html = '<div class="popup"><table>' + rowsHtml(rows) + "</table>";
  if (staff) {
    html += '<p class="popup-links"><a class="profile-link" href="/profile?code=' +
      encodeURIComponent(p.code) + '">网格画像 profile</a></p>';
  }
  return html + "</div>";
}

/**
 * The public grid card (in the results sheet): the grid's code and name, the worker's name and
 * service phone (a tel: link) only. Pending (the grid from the tile under the click, its worker
 * still being looked up) or found.
 * @param {{grid: {code: string, name: string}, worker?: {name?: string, service_phone?: string} | null}} found
 * @param {boolean} [pending]
 */
export function gridCardHtml(found, pending) {
  const worker = found.worker;
  const phone = worker && worker.service_phone;
  const dial = phone ? phone.replace(/\s+/g, "") : "";
  const cell = (/** @type {string} */ th, /** @type {string} */ td, /** @type {string} */ cls) =>
    "<tr><th>" + escapeHtml(th) + '</th><td class="' + cls + '">' + td + "</td></tr>";
  return '<div class="grid-card find-popup ' + (pending ? "pending" : "found") + '"><table>' +
    cell("网格编码 code", escapeHtml(found.grid.code), "code") +
    cell("名称 name", escapeHtml(found.grid.name), "name") +
    cell("网格员 grid worker", escapeHtml(pending ? WAITING : worker && worker.name ? worker.name : "—"),
      "worker") +
    cell("服务电话 phone", pending ? escapeHtml(WAITING) : phone
      ? '<a class="phone" href="tel:' + escapeHtml(dial) + '">' + escapeHtml(phone) + "</a>"
      : "—", "phone") +
    "</table></div>";
}

/**
 * @param {string} text
 * @param {string} [kind] pending, outside, error
 */
export function messageHtml(text, kind) {
  return '<div class="popup find-popup ' + (kind || "") + '">' + escapeHtml(text) + "</div>";
}
