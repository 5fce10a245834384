// @ts-check
/* A department's lists (row-level security gives it only the events dispatched to it): to do
   (GET /api/v1/events?state=dispatched,accepted) and done (reported back, closed, evaluated),
   by deadline, the open one marked. */

import { getJson, isQuiet } from "../lib/api.js";
import { $, fill, h } from "../lib/dom.js";
import { eventRow } from "../lib/event-view.js";
import { matched } from "../lib/format.js";

/** The lists: their element, states and sort. */
export const LISTS = /** @type {Record<string, {states: string, sort: string}>} */ ({
  todo: { states: "dispatched,accepted", sort: "deadline" },
  done: { states: "handled,closed,evaluated", sort: "updated" }
});

/** @type {number | null} */
let selected = null;

/** @param {number | null} id */
export function markSelected(id) {
  selected = id;
  for (const row of document.querySelectorAll(".dept-list li.event-row")) {
    /** @type {HTMLElement} */ (row).classList.toggle("selected", Number(/** @type {HTMLElement} */ (row).dataset.id) === id);
  }
}

/**
 * Read one list.
 * @param {string} name todo or done
 * @param {(id: number) => void} open
 */
export async function loadList(name, open) {
  const { states, sort } = LISTS[name];
  const list = $(name);
  list.dataset.state = "loading";
  try {
    const data = await getJson("/api/v1/events?state=" + states + "&sort=" + sort + "&limit=100");
    fill(name, data.events.length ? data.events.map((/** @type {any} */ e) => eventRow(e, () => open(e.id)))
      : h("li", { class: "none" }, "无 none"));
    const more = data.total === null || data.total > data.events.length;
    $(name + "-summary").textContent = "共 " + matched(data) + " 件 events" +
      (more ? " · 显示前 " + data.events.length + " showing the first" : "");
    list.dataset.state = "ready";
    list.dataset.total = String(data.total ?? data.more_than + "+");
    markSelected(selected);
  } catch (err) {
    if (isQuiet(err)) return;
    $(name + "-summary").textContent = "无法加载 could not load: " + /** @type {any} */ (err).message;
    list.dataset.state = "error";
  }
}
