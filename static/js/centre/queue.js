// @ts-check
/* The live queue (事件队列): GET /api/v1/events with the filters, a page at a time, read again
   every REFRESH_MS without losing the open event (its row stays marked; the details are read
   again when its version moved and no action form is being filled in). */

import { getJson, isQuiet } from "../lib/api.js";
import { $, fill, h } from "../lib/dom.js";
import { eventRow } from "../lib/event-view.js";
import { matched } from "../lib/format.js";
import { filterQuery, setUpFilters, wireFilters } from "./filters.js";
import { state } from "./state.js";

const PAGE = 25;
let offset = 0;
/** @type {AbortController | null} */
let loading = null;
/** @type {((events: any[]) => void)[]} */
const listeners = [];

/**
 * Called with each page of events read (the details compare versions).
 * @param {(events: any[]) => void} listener
 */
export function onQueue(listener) {
  listeners.push(listener);
}

/** Mark the open event's row. */
export function markSelected() {
  for (const row of $("queue").querySelectorAll("li.event-row")) {
    const mine = Number(row.dataset.id) === state.selected;
    row.classList.toggle("selected", mine);
    row.setAttribute("aria-current", mine ? "true" : "false");
  }
}

/** Read the queue's current page again (the filters as they are now). */
export async function refreshQueue() {
  if (loading) loading.abort();
  const controller = new AbortController();
  loading = controller;
  const query = filterQuery();
  query.set("limit", String(PAGE));
  query.set("offset", String(offset));
  const list = $("queue");
  list.dataset.state = "loading";
  try {
    const data = await getJson("/api/v1/events?" + query.toString(), { signal: controller.signal });
    if (data.total > 0 && offset >= data.total) { // the page emptied meanwhile: step back
      offset = Math.max(0, Math.floor((data.total - 1) / PAGE) * PAGE);
      loading = null;
      return refreshQueue();
    }
    fill("queue", data.events.length ? data.events.map((/** @type {any} */ e) => eventRow(e, (ev) => {
      state.open(ev.id, { pan: true });
    })) : h("li", { class: "none" }, "没有符合条件的事件 · no events match"));
    markSelected();
    const last = offset + data.events.length;
    $("queue-summary").textContent = "共 " + matched(data) + " 件 events · " +
      "刷新于 refreshed " + new Date().toLocaleTimeString("zh-CN", { hour12: false });
    $("page-info").textContent = data.events.length ? (offset + 1) + "–" + last + " / " + matched(data) : "0";
    $("page-prev").disabled = offset === 0;
    // more than the server counted: another page while this one is full
    $("page-next").disabled = data.total === null ? data.events.length < PAGE : offset + PAGE >= data.total;
    list.dataset.state = "ready";
    list.dataset.total = String(data.total ?? data.more_than + "+");
    for (const listener of listeners) listener(data.events);
  } catch (err) {
    if (isQuiet(err)) return;
    list.dataset.state = "error";
    $("queue-summary").textContent = "队列无法加载 the queue could not load: " +
      /** @type {any} */ (err).message;
  } finally {
    if (loading === controller) loading = null;
  }
}

export function setUpQueue() {
  setUpFilters();
  wireFilters(() => {
    offset = 0;
    refreshQueue();
  });
  $("page-prev").addEventListener("click", () => {
    offset = Math.max(0, offset - PAGE);
    refreshQueue();
  });
  $("page-next").addEventListener("click", () => {
    offset += PAGE;
    refreshQueue();
  });
  return refreshQueue();
}
