// @ts-check
/* The open event (GET /api/v1/events/{id}): its facts, photos, the actions the API offers the
   signed-in role, and its timeline. After an action the queue and the map are read again; a
   409 is said and the event read again. */

import { getJson, isQuiet } from "../lib/api.js";
import { $, fill, h } from "../lib/dom.js";
import { actionPanel, isEditing } from "../lib/event-actions.js";
import { eventFacts, eventHeading, timeline } from "../lib/event-view.js";
import { showSelected } from "./map.js";
import { markSelected } from "./queue.js";
import { state } from "./state.js";

/** @type {any} the event shown */
let shown = null;
let asked = 0;

/**
 * Draw an event in #detail.
 * @param {any} event
 * @param {string} [notice]
 */
function draw(event, notice) {
  shown = event;
  const box = fill("detail", [
    eventHeading(event),
    actionPanel(event, {
      done: (answer) => {
        if (answer.released) {
          fill("detail", h("p", { class: "hint" }, "#" + answer.id + " → " + answer.state));
          shown = null;
        } else {
          draw(answer);
        }
        state.changed();
      },
      reload: (text) => { openEvent(event.id, { notice: text }); }
    }, notice),
    h("h3", null, "详情 Details"),
    eventFacts(event),
    h("h3", null, "流转记录 Timeline"),
    timeline(event)
  ]);
  box.dataset.id = String(event.id);
  box.dataset.state = event.state;
  box.dataset.version = String(event.version);
}

/**
 * Open an event: read it, show it, ring it on the map (and go there with ``pan``).
 * @param {number} id
 * @param {{pan?: boolean, notice?: string}} [options]
 */
export async function openEvent(id, options = {}) {
  const mine = ++asked;
  state.selected = id;
  markSelected();
  const box = $("detail");
  box.dataset.loading = "true";
  try {
    const event = await getJson("/api/v1/events/" + id);
    if (mine !== asked) return;
    draw(event, options.notice);
    showSelected(event, Boolean(options.pan));
  } catch (err) {
    if (isQuiet(err) || mine !== asked) return;
    fill("detail", h("p", { class: "error-box", role: "alert" },
      "#" + id + ": " + /** @type {any} */ (err).message));
  } finally {
    if (mine === asked) delete box.dataset.loading;
  }
}

/**
 * After the queue was read: read the open event again when its version moved (unless an action
 * form is being filled in).
 * @param {any[]} events
 */
export function followQueue(events) {
  if (!shown) return;
  const row = events.find((e) => e.id === shown.id);
  if (row && row.version !== shown.version && !isEditing($("detail"))) openEvent(shown.id);
}
