// @ts-check
/* The centre's own intake (受理): 12345 hotline, walk-in and petition, with the location from a
   click on the map (while this tab is open). POST /api/v1/events; the answer's possible
   duplicates (open events of the same category nearby) are listed, each to open. */

import { ApiError, getJson, isQuiet, sendJson } from "../lib/api.js";
import { vocabulary } from "../lib/config.js";
import { $, fill, h } from "../lib/dom.js";
import { categoryLabel, fillCategories, fillVocabulary, stateBadge, stateLabel } from "../lib/events.js";
import L from "../lib/leaflet.js";
import { state } from "./state.js";

/** The centre's own channels, when the deployment has them (else every channel). */
const OWN_CHANNELS = ["hotline_12345", "walk_in", "petition"];

/** @type {any} */
let marker = null;

/** @param {any} latlng */
function place(latlng) {
  $("i-lon").value = latlng.lng.toFixed(7);
  $("i-lat").value = latlng.lat.toFixed(7);
  if (marker) marker.setLatLng(latlng);
  else {
    marker = L.circleMarker(latlng, {
      radius: 9, color: "#c2410c", weight: 3, fillColor: "#fd7e14", fillOpacity: 0.6,
      interactive: false, className: "intake-spot"
    }).addTo(state.map);
  }
}

function clearPlace() {
  $("i-lon").value = "";
  $("i-lat").value = "";
  if (marker) state.map.removeLayer(marker);
  marker = null;
}

/** @param {any} found the new event */
function showResult(found) {
  const duplicates = found.possible_duplicates || [];
  const open = h("button", { type: "button", class: "link" }, "查看 open #" + found.id);
  open.addEventListener("click", () => state.open(found.id, { pan: true }));
  fill("intake-result", [
    h("p", { class: "ok-title" }, [(found.repeated ? "已受理过 taken in before" : "已受理 taken in") +
      " #" + found.id + " ", stateBadge(found.state), " ", open]),
    (found.calendar_warnings || []).length
      ? h("p", { class: "hint" }, found.calendar_warnings.join("; ")) : null,
    duplicates.length ? [
      h("p", null, "可能重复 possible duplicates (" + duplicates.length + "):"),
      h("ul", { class: "duplicates" }, duplicates.map((/** @type {any} */ d) => {
        const button = h("button", { type: "button", class: "link" }, "#" + d.id + " " + d.title);
        button.addEventListener("click", () => state.open(d.id, { pan: true }));
        return h("li", { "data-id": d.id }, [button, " · ", stateLabel(d.state), " · ",
          categoryLabel(d.category), " · ", Math.round(d.distance_m) + " m"]);
      }))
    ] : h("p", { class: "hint" }, "附近没有可能重复的事件 · no possible duplicates nearby")
  ]);
  $("intake-result").className = "result ok";
  $("intake-result").dataset.id = String(found.id);
}

/** @param {HTMLFormElement} form */
async function submit(form) {
  const data = new FormData(form);
  /** @type {Record<string, unknown>} */
  const body = {};
  for (const [key, value] of data.entries()) {
    const text = String(value).trim();
    if (text) body[key] = key === "lon" || key === "lat" ? Number(text) : text;
  }
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  const button = /** @type {HTMLButtonElement} */ (form.querySelector("button[type=submit]"));
  button.disabled = true;
  try {
    const found = await sendJson("POST", "/api/v1/events", body);
    showResult(found);
    form.reset();
    clearPlace();
    state.changed();
  } catch (err) {
    if (isQuiet(err)) return;
    const e = /** @type {any} */ (err);
    if (err instanceof ApiError && err.field) {
      const input = form.querySelector("[name=" + err.field + "]");
      if (input) input.setAttribute("aria-invalid", "true");
    }
    fill("intake-result", h("p", null, (e.status ? "HTTP " + e.status + ": " : "") + e.message));
    $("intake-result").className = "result error";
  } finally {
    button.disabled = false;
  }
}

/** Roles that may not take events in (a viewer) do not see the intake. */
async function offerToWriters() {
  try {
    const me = await getJson("/api/v1/auth/me");
    const may = (me.permissions || []).some((/** @type {string} */ p) => p === "*" || p === "events:write");
    const tab = document.querySelector("[data-tab=intake-tab]");
    if (tab) /** @type {HTMLElement} */ (tab).hidden = !may;
  } catch (err) { /* the intake stays; the API refuses what is not allowed */ }
}

export function setUpIntake() {
  offerToWriters();
  const channels = Object.keys(vocabulary("event_channels"));
  const own = OWN_CHANNELS.filter((c) => channels.includes(c));
  fillVocabulary($("i-channel"), "event_channels", { only: own.length ? own : null });
  fillCategories($("i-category"));
  fillVocabulary($("i-urgency"), "event_urgencies");
  const form = $("intake");
  form.addEventListener("submit", (/** @type {Event} */ e) => {
    e.preventDefault();
    submit(form);
  });
  $("i-clear").addEventListener("click", clearPlace);
  state.map.on("click", (/** @type {any} */ e) => {
    if (state.tabs && state.tabs.current() === "intake-tab") place(e.latlng);
  });
  if (state.tabs) {
    state.tabs.onChange((id) => {
      state.map.getContainer().classList.toggle("picking", id === "intake-tab");
    });
  }
}
