// @ts-check
/* Events (事件) as the pages show them: the configured vocabularies' labels with their codes in
   English beside them, the colours of states and overdue flags, badges, the category picker and
   the events' vector tiles. The vocabularies come from the map configuration (lib/config.js):
   event_states, event_actions, event_categories, event_groups, event_channels, …; nothing here
   hard-codes a deployment's words. */

import { labelOf, vocabulary } from "./config.js";
import { h } from "./dom.js";

/**
 * "核实立案 registered": the configured (Chinese) label, and the code in words beside it.
 * @param {string} name the vocabulary (event_states, event_actions, …)
 * @param {string | null | undefined} code
 * @returns {string}
 */
export function term(name, code) {
  if (code === null || code === undefined || code === "") return "—";
  const english = String(code).replace(/_/g, " ");
  const label = labelOf(name, code);
  return label && label !== code ? label + " " + english : english;
}

/** @param {string | null | undefined} code */
export const stateLabel = (code) => term("event_states", code);
/** @param {string | null | undefined} code */
export const actionLabel = (code) => term("event_actions", code);
/** @param {string | null | undefined} code */
export const categoryLabel = (code) => term("event_categories", code);
/** @param {string | null | undefined} code */
export const channelLabel = (code) => term("event_channels", code);
/** @param {string | null | undefined} code */
export const urgencyLabel = (code) => term("event_urgencies", code);
/** @param {string | null | undefined} code */
export const levelLabel = (code) => term("event_levels", code);

/** The colour of each default state (others grey). */
/** @type {Record<string, string>} */
export const STATE_COLOR = {
  reported: "#868e96", registered: "#1c7ed6", dispatched: "#7048e8", accepted: "#0c8599",
  handled: "#2b8a3e", closed: "#5c940d", evaluated: "#495057", rejected: "#ced4da",
  duplicate: "#ced4da"
};

/** @type {Record<string, string>} */
export const OVERDUE_COLOR = { red: "#e03131", amber: "#f08c00" };

/** @type {Record<string, string>} */
export const OVERDUE = { red: "超期 overdue", amber: "临期 due soon", green: "正常 on time" };

/**
 * A state's colour (grey when unknown).
 * @param {string} state
 */
export function stateColor(state) {
  return STATE_COLOR[state] || "#868e96";
}

/** @param {string} state */
export function stateBadge(state) {
  return h("span", { class: "badge state state-" + state, "data-state": state }, stateLabel(state));
}

/**
 * The overdue flag of an open event: red (past the deadline) and amber (past its share of the
 * time) are shown; green and none are not.
 * @param {string | null | undefined} overdue
 */
export function overdueBadge(overdue) {
  if (overdue !== "red" && overdue !== "amber") return null;
  return h("span", { class: "badge overdue " + overdue, "data-overdue": overdue }, OVERDUE[overdue]);
}

/**
 * Options of a category <select>: an optgroup a group, its categories inside; with
 * ``groups``, each group is an option too (the API takes a group where it takes a category).
 * @param {HTMLSelectElement} select
 * @param {{groups?: boolean, empty?: string | null, only?: string[] | null}} [options]
 */
export function fillCategories(select, options = {}) {
  const { groups = false, empty = null, only = null } = options;
  const categories = vocabulary("event_categories");
  const groupOf = vocabulary("event_category_groups");
  select.textContent = "";
  if (empty !== null) select.appendChild(h("option", { value: "" }, empty));
  for (const [group, label] of Object.entries(vocabulary("event_groups"))) {
    const codes = Object.keys(categories).filter((c) => groupOf[c] === group &&
      (!only || only.includes(c)));
    if (!codes.length) continue;
    const box = h("optgroup", { label: label + " " + group.replace(/_/g, " ") });
    if (groups) box.appendChild(h("option", { value: group }, "全部 all: " + label));
    for (const code of codes) box.appendChild(h("option", { value: code }, categoryLabel(code)));
    select.appendChild(box);
  }
}

/**
 * Options of a <select> from a vocabulary (codes in the configured order).
 * @param {HTMLSelectElement} select
 * @param {string} name
 * @param {{empty?: string | null, only?: string[] | null}} [options]
 */
export function fillVocabulary(select, name, options = {}) {
  const { empty = null, only = null } = options;
  select.textContent = "";
  if (empty !== null) select.appendChild(h("option", { value: "" }, empty));
  for (const code of Object.keys(vocabulary(name))) {
    if (!only || only.includes(code)) select.appendChild(h("option", { value: code }, term(name, code)));
  }
}

/**
 * The events' vector tiles: the configuration's pattern when it has one, else built like the
 * grids' (/tiles/events/{z}/{x}/{y}.mvt).
 * @param {import("./config.js").MapConfig} config
 * @returns {string}
 */
export function eventTileUrl(config) {
  const tiles = /** @type {Record<string, string>} */ (/** @type {unknown} */ (config.tiles));
  return tiles.events || tiles.grids.replace("/grids/", "/events/");
}

/**
 * How an event tile's feature is drawn: below z12 a cell of ``count`` events (red when some
 * are overdue), from z12 an event coloured by state, ringed red or amber when overdue. Each
 * event's path has the classes ``event-dot event-<id> state-<state>`` (tests and CSS read them).
 * @param {any} p the feature's properties
 */
export function eventTileStyle(p) {
  if (p.id === undefined && p.count !== undefined) {
    const count = Number(p.count) || 0;
    const red = Number(p.red) || 0;
    return {
      radius: Math.min(22, 6 + Math.sqrt(count) * 2), weight: 2, color: "#fff", fill: true,
      fillColor: red ? "#e03131" : Number(p.open) ? "#1c7ed6" : "#868e96", fillOpacity: 0.8,
      className: "event-cluster"
    };
  }
  const ring = OVERDUE_COLOR[p.overdue];
  return {
    radius: 7, weight: ring ? 3 : 1.5, color: ring || "#fff", fill: true,
    fillColor: stateColor(p.state), fillOpacity: 0.95,
    className: "event-dot event-" + p.id + " state-" + p.state
  };
}
