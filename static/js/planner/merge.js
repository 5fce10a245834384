// @ts-check
/* Merge (合并): two or more adjacent grids become one. */

import { $ } from "../lib/dom.js";
import { edit, keptAndCreated } from "./edit.js";
import { codes, state, withReason } from "./state.js";

function merge() {
  /** @type {Record<string, number>} */
  const versions = {};
  for (const g of state.selected) versions[g.code] = g.version;
  return edit("POST", "/api/v1/grids/merge", withReason({ codes: codes(), versions }), {},
    keptAndCreated);
}

export function init() {
  $("btn-merge").addEventListener("click", merge);
}
