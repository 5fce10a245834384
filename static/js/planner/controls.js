// @ts-check
/* Which of the planner's buttons may be used now: by the selection, and not while busy or
   drawing. */

import { $ } from "../lib/dom.js";
import { state } from "./state.js";

export function updateButtons() {
  const n = state.selected.length;
  const idle = !state.mode && !state.busy;
  /** @type {Record<string, boolean>} */
  const rules = {
    "btn-split": n === 1, "btn-merge": n >= 2, "btn-delete": n >= 2, "btn-reshape": n === 2,
    "btn-history": n === 1, "btn-rename": n === 1, "btn-recode": n === 1, "btn-kind": n === 1,
    "btn-draw": true, "clear-selection": n > 0
  };
  for (const [id, allowed] of Object.entries(rules)) $(id).disabled = !(idle && allowed);
  $("btn-cancel").hidden = !state.mode;
  $("btn-save-shape").hidden = state.mode !== "reshape";
  $("btn-save-shape").disabled = state.busy;
}
