// @ts-check
/* A report's status, as anyone may follow it (GET /open311/v2/requests/{id}.json): open or
   closed, with its notes, the department handling it, when it was taken in and is expected. */

import { ApiError, getJson } from "../lib/api.js";
import { $, append, h } from "../lib/dom.js";
import { formatTime } from "../lib/format.js";
import L from "../lib/leaflet.js";

/** @param {string} id */
export function statusHref(id) {
  return "/report?id=" + encodeURIComponent(id);
}

/**
 * @param {[string, unknown][]} rows
 */
function table(rows) {
  return h("table", { class: "facts" }, rows.filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => h("tr", null, [h("th", null, k), h("td", null, /** @type {any} */ (v))])));
}

/**
 * Show a request's status in #status (and where it is on the map).
 * @param {string} id
 * @param {{notice?: string, map?: any}} [options]
 */
export async function showStatus(id, options = {}) {
  const box = $("status");
  box.hidden = false;
  box.textContent = "查询中 looking up #" + id + "…";
  try {
    const [request] = await getJson("/open311/v2/requests/" + encodeURIComponent(id) + ".json");
    box.textContent = "";
    box.dataset.status = request.status;
    box.dataset.id = request.service_request_id;
    append(box, [
      h("h2", null, ["上报编号 Request #" + request.service_request_id + " ",
        h("span", { class: "badge status-" + request.status }, request.status === "open"
          ? "处理中 open" : "已办结 closed")]),
      options.notice ? h("p", { class: "notice" }, options.notice) : null,
      table([
        ["类别 category", request.service_name],
        ["状态 status", request.status_notes],
        ["描述 description", request.description],
        ["处置部门 handled by", request.agency_responsible],
        ["上报时间 requested", formatTime(request.requested_datetime)],
        ["更新 updated", formatTime(request.updated_datetime)],
        ["预计 expected", formatTime(request.expected_datetime)]
      ]),
      request.media_url ? h("img", { class: "report-photo", src: request.media_url, alt: "照片 photo" }) : null,
      h("p", null, ["跟踪链接 follow it at: ", h("a", { class: "follow", href: statusHref(id) },
        window.location.origin + statusHref(id))]),
      h("p", null, h("a", { href: "/report" }, "再报一个 report another"))
    ]);
    if (options.map && request.lat !== null && request.long !== null) {
      const at = [request.lat, request.long];
      L.circleMarker(at, {
        radius: 10, color: "#c2410c", weight: 3, fillColor: "#fd7e14", fillOpacity: 0.6,
        interactive: false, className: "report-spot"
      }).addTo(options.map);
      options.map.setView(at, Math.max(options.map.getZoom(), 15), { animate: false });
    }
  } catch (err) {
    box.dataset.status = "error";
    box.textContent = err instanceof ApiError && err.status === 404
      ? "没有找到上报 #" + id + " · no public request #" + id
      : "查询失败 lookup failed: " + /** @type {any} */ (err).message;
  }
}
