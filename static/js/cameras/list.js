// @ts-check
/* The archive (一机一档): GET /api/v1/cameras with the region and the filters it takes (type,
   status, planned), a page at a time; a row opens the camera and takes the map there. */

import { getJson, isQuiet } from "../lib/api.js";
import { $, fill, h, onActivate } from "../lib/dom.js";
import { dash, num } from "../lib/format.js";
import { regionQuery, state } from "./state.js";
import { plannedBadge, ptzLabel, statusBadge } from "./terms.js";

const PAGE = 50;
let offset = 0;
/** @type {AbortController | null} */
let loading = null;

/** Mark the open camera's row. */
export function markSelected() {
  for (const row of $("camera-list").querySelectorAll("tbody tr[data-id]")) {
    const mine = Number(row.dataset.id) === state.selected;
    row.classList.toggle("selected", mine);
    row.setAttribute("aria-current", mine ? "true" : "false");
  }
}

/** @param {any} c a camera of the list */
function row(c) {
  const tr = h("tr", { class: "pick", tabindex: 0, "data-id": c.id, "data-status": c.status }, [
    h("td", { class: "id" }, dash(c.device_id)),
    h("td", null, [dash(c.name), " ", plannedBadge(c.planned)]),
    h("td", null, ptzLabel(c.ptz_type)),
    h("td", null, statusBadge(c.status)),
    h("td", { class: "num" }, c.direction === null || c.direction === undefined ? "—" : c.direction + "°")
  ]);
  onActivate(tr, () => state.open(c.id, { pan: true }));
  return tr;
}

/** Read the list's current page again (region and filters as they are now). */
export async function refreshList() {
  if (loading) loading.abort();
  const controller = new AbortController();
  loading = controller;
  const f = state.filters;
  const url = "/api/v1/cameras" + regionQuery({
    ptz_type: f.ptz_type, status: f.status, planned: f.planned, limit: PAGE, offset
  });
  const table = $("camera-list");
  table.dataset.state = "loading";
  try {
    const data = await getJson(url, { signal: controller.signal });
    if (data.total > 0 && offset >= data.total) {
      offset = Math.max(0, Math.floor((data.total - 1) / PAGE) * PAGE);
      loading = null;
      return refreshList();
    }
    const body = table.querySelector("tbody");
    body.textContent = "";
    if (data.cameras.length) for (const c of data.cameras) body.appendChild(row(c));
    else body.appendChild(h("tr", { class: "empty" }, h("td", { colspan: 5 }, "没有符合条件的摄像机 · no cameras match")));
    markSelected();
    const last = Math.min(offset + data.cameras.length, data.total);
    fill("list-summary", [
      "共 " + num(data.total) + " 台 cameras", state.region ? " · " + state.region : " · 全辖区 whole jurisdiction",
      f.problem ? " · 问题筛选见地图与问题页 the problem filter shows on the map and in Problems" : ""
    ]);
    $("list-page").textContent = data.total ? (offset + 1) + "–" + last + " / " + num(data.total) : "0";
    $("list-prev").disabled = offset === 0;
    $("list-next").disabled = offset + PAGE >= data.total;
    table.dataset.state = "ready";
    table.dataset.total = String(data.total);
  } catch (err) {
    if (isQuiet(err)) return;
    table.dataset.state = "error";
    $("list-summary").textContent = "列表无法加载 the list could not load: " + /** @type {any} */ (err).message;
  } finally {
    if (loading === controller) loading = null;
  }
}

/** From the first page (the region or a filter changed). */
export function restartList() {
  offset = 0;
  return refreshList();
}

export function setUpList() {
  $("list-prev").addEventListener("click", () => {
    offset = Math.max(0, offset - PAGE);
    refreshList();
  });
  $("list-next").addEventListener("click", () => {
    offset += PAGE;
    refreshList();
  });
}
