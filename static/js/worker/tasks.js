// @ts-check
/* My tasks (我的任务): the events of the worker's grid waiting on someone (GET /api/v1/events?
   state=reported,handled,accepted,dispatched), each read (GET /api/v1/events/{id}) for the
   actions the worker may take now: register, close, rework, report back, escalate … A card an
   event: its actions at once, its details and timeline when opened. */

import { getJson, isQuiet } from "../lib/api.js";
import { $, fill, h } from "../lib/dom.js";
import { actionPanel, isEditing } from "../lib/event-actions.js";
import { eventFacts, eventHeading, timeline } from "../lib/event-view.js";
import { matched } from "../lib/format.js";

const STATES = "reported,handled,accepted,dispatched";

/**
 * A task's card.
 * @param {any} event as GET /api/v1/events/{id} answers
 * @param {string} [notice]
 * @returns {HTMLElement}
 */
function card(event, notice) {
  const more = h("details", { class: "more" }, [
    h("summary", null, "详情与流转 details and timeline"), eventFacts(event), timeline(event)
  ]);
  const node = h("li", {
    class: "task", "data-id": event.id, "data-state": event.state, "data-version": event.version
  }, [
    eventHeading(event),
    actionPanel(event, {
      done: (answer) => {
        if (answer.released || !answer.actions || !answer.actions.length) {
          node.replaceWith(h("li", { class: "task done", "data-id": answer.id, "data-state": answer.state },
            "#" + answer.id + " → " + answer.state));
        } else {
          node.replaceWith(card(answer));
        }
      },
      reload: (text) => { reread(event.id, node, text); }
    }, notice),
    more
  ]);
  return node;
}

/**
 * Read one task again and redraw its card.
 * @param {number} id
 * @param {HTMLElement} node
 * @param {string} [notice]
 */
async function reread(id, node, notice) {
  try {
    node.replaceWith(card(await getJson("/api/v1/events/" + id), notice));
  } catch (err) {
    if (!isQuiet(err)) node.appendChild(h("p", { class: "action-message error" }, /** @type {any} */ (err).message));
  }
}

/** Read the tasks (unless an action form is open: it would be lost). */
export async function loadTasks(force = false) {
  const list = $("tasks");
  if (!force && isEditing(list)) return;
  list.dataset.state = "loading";
  try {
    const data = await getJson("/api/v1/events?state=" + STATES + "&sort=deadline&limit=50");
    const events = await Promise.all(data.events.map((/** @type {any} */ e) =>
      getJson("/api/v1/events/" + e.id).catch(() => null)));
    const mine = events.filter((e) => e && e.actions && e.actions.length);
    fill("tasks", mine.length ? mine.map((e) => card(e))
      : h("li", { class: "none" }, "没有待办 · nothing waits on you"));
    $("tasks-summary").textContent = "待办 to act on: " + mine.length + " · 本网格未结 open in your grid: " +
      matched(data);
    list.dataset.state = "ready";
    list.dataset.count = String(mine.length);
  } catch (err) {
    if (isQuiet(err)) return;
    $("tasks-summary").textContent = (navigator.onLine ? "" : "离线 offline · ") +
      "任务无法加载 tasks could not load: " + /** @type {any} */ (err).message;
    list.dataset.state = "error";
  }
}

export function setUpTasks() {
  $("tasks-refresh").addEventListener("click", () => loadTasks(true));
}
