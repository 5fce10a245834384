// @ts-check
/* The profile's small building blocks: "none", labelled bars, "label code", an error box. */

import { labelOf } from "../lib/config.js";
import { h } from "../lib/dom.js";
import { num } from "../lib/format.js";

export function none() {
  return h("p", { class: "none" }, "无 none");
}

/**
 * A label with its code beside it (when they differ).
 * @param {string | null | undefined} main
 * @param {string | null | undefined} code
 */
export function labelWithCode(main, code) {
  return [main || code, main && code && main !== code ? h("span", { class: "en" }, code) : null];
}

/**
 * A building's use: its configured label and code.
 * @param {string | null | undefined} use
 */
export function useLabel(use) {
  return use ? labelWithCode(labelOf("building_uses", use), use) : "—";
}

/**
 * @typedef {object} BarItem
 * @property {string} key
 * @property {number} count
 * @property {string | null} label
 * @property {string} code
 */

/**
 * A list of labelled bars, widths relative to the largest count; "label code" each.
 * @param {BarItem[]} items
 * @param {string} extraClass
 */
export function bars(items, extraClass) {
  if (!items || !items.length) return none();
  const max = Math.max(1, ...items.map((i) => Number(i.count) || 0));
  return h("ul", { class: "bars " + (extraClass || "") }, items.map((item) => {
    const fillBar = h("div", { class: "fill" });
    fillBar.style.width = (100 * (Number(item.count) || 0) / max).toFixed(1) + "%";
    return h("li", { "data-key": item.key, "data-count": item.count }, [
      h("span", { class: "label" }, labelWithCode(item.label, item.code)),
      h("div", { class: "track" }, fillBar),
      h("span", { class: "count" }, num(item.count))
    ]);
  }));
}

/**
 * The API's error: its status and its words.
 * @param {any} err
 */
export function errorBox(err) {
  return h("div", { class: "error-box", role: "alert", "data-status": err.status || "" },
    errorParts(err));
}

/** @param {any} err */
export function errorParts(err) {
  return [
    err.status ? h("span", { class: "status" }, "HTTP " + err.status) : null,
    h("span", { class: "detail" }, err.message)
  ];
}
