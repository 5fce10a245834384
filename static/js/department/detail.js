// @ts-check
/* The open event of a department: its facts, photos, the actions the API offers (accept,
   return with a reason, report back with photos, extend), and its timeline. */

import { getJson, isQuiet } from "../lib/api.js";
import { $, fill, h } from "../lib/dom.js";
import { actionPanel } from "../lib/event-actions.js";
import { eventFacts, eventHeading, timeline } from "../lib/event-view.js";
import { markSelected } from "./lists.js";

let asked = 0;

/**
 * @param {any} event
 * @param {() => void} changed the lists must be read again
 * @param {string} [notice]
 */
function draw(event, changed, notice) {
  const box = fill("detail", [
    eventHeading(event),
    actionPanel(event, {
      done: (answer) => {
        if (answer.released) fill("detail", h("p", { class: "hint" }, "#" + answer.id + " → " + answer.state));
        else draw(answer, changed);
        changed();
      },
      reload: (text) => { openEvent(event.id, changed, text); }
    }, notice),
    h("h3", null, "详情 Details"),
    eventFacts(event),
    h("h3", null, "流转记录 Timeline"),
    timeline(event)
  ]);
  box.dataset.id = String(event.id);
  box.dataset.state = event.state;
  box.dataset.version = String(event.version);
  box.scrollTop = 0;
}

/**
 * Read an event and show it.
 * @param {number} id
 * @param {() => void} changed
 * @param {string} [notice]
 */
export async function openEvent(id, changed, notice) {
  const mine = ++asked;
  markSelected(id);
  try {
    const event = await getJson("/api/v1/events/" + id);
    if (mine === asked) draw(event, changed, notice);
    if (window.matchMedia("(max-width: 800px)").matches) $("detail").scrollIntoView();
  } catch (err) {
    if (isQuiet(err) || mine !== asked) return;
    fill("detail", h("p", { class: "error-box", role: "alert" }, "#" + id + ": " + /** @type {any} */ (err).message));
  }
}
