// @ts-check
/* Places (场所) by group (key places, the nine small places, public places) and configured kind;
   the number that must be visited. */

import { labelOf, vocabulary } from "../lib/config.js";
import { $, fill, h, show } from "../lib/dom.js";
import { num, sum } from "../lib/format.js";
import { PLACE_GROUPS } from "../lib/labels.js";
import { bars, none } from "./widgets.js";

/**
 * @param {{kind: string, group?: string, label?: string, count: number}[]} list
 * @param {number} mustVisit
 */
export function drawPlaces(list, mustVisit) {
  const must = $("must-visit");
  must.textContent = "必访 must visit " + num(mustVisit || 0);
  must.dataset.value = mustVisit || 0;
  const configured = vocabulary("place_groups");
  const places = (list || []).map((p) => ({ ...p, group: p.group || configured[p.kind] || "" }));
  // the known groups in their order, then any other group the API sent
  const groups = PLACE_GROUPS.slice();
  for (const p of places) {
    if (!groups.some((g) => g[0] === p.group)) groups.push([p.group, p.group || "其他 other"]);
  }
  const parts = [];
  for (const [group, name] of groups) {
    const items = places.filter((p) => p.group === group);
    if (!items.length) continue;
    parts.push(h("h3", null, [h("span", { class: "badge " + group }, name), " ",
      h("span", { class: "hint" }, num(sum(items.map((p) => p.count))))]));
    parts.push(bars(items.map((p) => ({
      key: p.kind, count: p.count, label: labelOf("place_kinds", p.kind, p.label), code: p.kind
    })), "places"));
  }
  fill("places", parts.length ? parts : none());
  show("places-box");
}
