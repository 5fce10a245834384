// @ts-check
/* Rename, re-code and kind (改名、改编码、类型): the first selected grid's attributes. */

import { vocabulary } from "../lib/config.js";
import { $, h } from "../lib/dom.js";
import { GRID_KIND, GRID_PURPOSE } from "../lib/labels.js";
import { edit } from "./edit.js";
import { gridUrl, ifMatch, state, withReason } from "./state.js";

/** @param {Record<string, unknown>} fields */
function update(fields) {
  const grid = state.selected[0];
  return edit("PATCH", gridUrl(grid.code), withReason(fields), ifMatch(grid),
    (result) => result.changed || []);
}

/** The kinds and dedicated purposes offered are the configured ones (the page's own lists until
    the configuration has loaded). */
export function offerConfiguredKinds() {
  const kinds = Object.keys(vocabulary("grid_kinds"));
  if (kinds.length) {
    const select = $("f-kind");
    const value = select.value;
    select.textContent = "";
    for (const kind of kinds) {
      select.appendChild(h("option", { value: kind }, GRID_KIND[kind] || kind));
    }
    select.value = kinds.indexOf(value) >= 0 ? value : kinds[0];
  }
  const purposes = Object.keys(vocabulary("grid_purposes"));
  if (purposes.length) {
    const list = $("purposes");
    list.textContent = "";
    for (const purpose of purposes) {
      list.appendChild(h("option", { value: purpose }, GRID_PURPOSE[purpose] || purpose));
    }
  }
}

export function init() {
  $("btn-rename").addEventListener("click", () => {
    const name = $("f-name").value.trim();
    if (name) update({ name });
  });
  $("btn-recode").addEventListener("click", () => {
    const code = $("f-code").value.trim();
    if (code && code !== state.selected[0].code) update({ code });
  });
  $("btn-kind").addEventListener("click", () => {
    const kind = $("f-kind").value;
    const purpose = $("f-purpose").value.trim();
    update(kind === "dedicated" ? { kind, purpose: purpose || null } : { kind });
  });
  $("attr-form").addEventListener("submit", (/** @type {Event} */ e) => e.preventDefault());
}
