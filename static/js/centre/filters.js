// @ts-check
/* The queue's filters (GET /api/v1/events): state, category or group, channel, overdue, unit,
   region or grid, words; and the sort. Their options come from the configuration's
   vocabularies and the units list. */

import { getJson, isQuiet } from "../lib/api.js";
import { vocabulary } from "../lib/config.js";
import { $, h } from "../lib/dom.js";
import { fillCategories, fillVocabulary } from "../lib/events.js";

/** The states of the default workflow an event is still open in (the queue's default). */
const OPEN_STATES = ["reported", "registered", "dispatched", "accepted", "handled"];

/** @returns {string[]} the open states this deployment has */
export function openStates() {
  const known = vocabulary("event_states");
  return OPEN_STATES.filter((s) => s in known);
}

/** Fill the selects (the units once the list has come). */
export function setUpFilters() {
  const state = $("f-state");
  fillVocabulary(state, "event_states", { empty: "全部 all" });
  state.insertBefore(h("option", { value: "open", selected: true }, "未结 open"), state.firstChild);
  state.value = "open";
  fillCategories($("f-category"), { groups: true, empty: "全部 all" });
  fillVocabulary($("f-channel"), "event_channels", { empty: "全部 all" });
  getJson("/api/v1/units").then((data) => {
    const select = $("f-unit");
    for (const unit of data.units || []) {
      select.appendChild(h("option", { value: unit.code }, unit.name + " (" + unit.code + ")"));
    }
  }).catch((err) => { if (!isQuiet(err)) $("f-unit").title = err.message; });
}

/**
 * The list's query from the filters (without limit and offset).
 * @returns {URLSearchParams}
 */
export function filterQuery() {
  const query = new URLSearchParams();
  const state = $("f-state").value;
  if (state === "open") query.set("state", openStates().join(","));
  else if (state) query.set("state", state);
  for (const [id, name] of [["f-category", "category"], ["f-channel", "channel"],
    ["f-overdue", "overdue"], ["f-unit", "unit"], ["f-sort", "sort"]]) {
    const value = $(id).value;
    if (value) query.set(name, value);
  }
  const area = $("f-area").value.trim();
  if (/^\d{12}$/.test(area)) query.set("region", area);
  else if (/^(\d{15}|\d{17})$/.test(area)) query.set("grid", area);
  const words = $("f-q").value.trim();
  if (words) query.set("q", words);
  return query;
}

/**
 * Call ``apply`` when a filter changes (selects at once, texts on Enter or "Filter").
 * @param {() => void} apply
 */
export function wireFilters(apply) {
  const form = $("filters");
  form.addEventListener("submit", (/** @type {Event} */ e) => {
    e.preventDefault();
    apply();
  });
  for (const select of form.querySelectorAll("select")) select.addEventListener("change", apply);
  $("f-reset").addEventListener("click", () => {
    form.reset();
    $("f-state").value = "open";
    apply();
  });
}
