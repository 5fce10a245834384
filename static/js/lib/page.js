// @ts-check
/* What every page's header and state share: who is signed in, the demo-data note, the log-out
   button, and body[data-ready] (tests wait on it: the CSP forbids eval-based polling). */

import { logout } from "./api.js";
import { $ } from "./dom.js";

/**
 * "username · role · jurisdiction" in #user.
 * @param {{user?: {username: string, role: string, jurisdiction: string}} | null} config
 */
export function showUser(config) {
  const box = $("user");
  if (!box || !config || !config.user) return;
  const who = config.user.username + " · " + config.user.role + " · " + config.user.jurisdiction;
  box.textContent = who;
  box.title = who;
}

/** @param {string} text */
export function showGeneratedNote(text) {
  const note = $("generated-note");
  if (!note) return;
  note.textContent = text;
  note.hidden = false;
}

/** The #logout button, when the page has one. */
export function wireLogout() {
  const button = $("logout");
  if (button) button.addEventListener("click", () => { logout(); });
}

/** @param {"true" | "error"} [state] */
export function markReady(state = "true") {
  /** @type {any} */ (window).gridmapReady = state === "true";
  document.body.dataset.ready = state;
}
