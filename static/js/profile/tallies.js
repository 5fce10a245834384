// @ts-check
/* Organisations (组织) and facilities (部件设施): a bar a configured kind or category. */

import { labelOf } from "../lib/config.js";
import { fill, show } from "../lib/dom.js";
import { bars } from "./widgets.js";

/**
 * @param {string} id the card's list (and "<id>-box" the card)
 * @param {any[]} list
 * @param {string} key the code's property: kind or category
 * @param {string} vocabulary the configured labels
 */
function drawTally(id, list, key, vocabulary) {
  fill(id, bars((list || []).map((o) => ({
    key: o[key], count: o.count, label: labelOf(vocabulary, o[key], o.label), code: o[key]
  })), id));
  show(id + "-box");
}

/** @param {any[]} list */
export function drawOrganisations(list) {
  drawTally("organisations", list, "kind", "organisation_kinds");
}

/** @param {any[]} list */
export function drawFacilities(list) {
  drawTally("facilities", list, "category", "thing_categories");
}
