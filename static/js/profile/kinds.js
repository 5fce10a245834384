// @ts-check
/* Population by kind (人口类型): a bar a configured resident kind. */

import { labelOf } from "../lib/config.js";
import { fill, show } from "../lib/dom.js";
import { bars } from "./widgets.js";

/** @param {{kind: string, label?: string, count: number}[]} list */
export function drawKinds(list) {
  fill("kinds", bars((list || []).map((k) => ({
    key: k.kind, count: k.count, label: labelOf("resident_kinds", k.kind, k.label), code: k.kind
  })), "kinds"));
  show("kinds-box");
}
