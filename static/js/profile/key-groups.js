// @ts-check
/* Key populations (重点人群): each configured group, its level (care or attention), its count. */

import { labelOf, vocabulary } from "../lib/config.js";
import { fill, h, show } from "../lib/dom.js";
import { dash, num } from "../lib/format.js";
import { CARE_LEVEL } from "../lib/labels.js";
import { labelWithCode, none } from "./widgets.js";

/**
 * A key group's level: the API's, else the configured one.
 * @param {string} tag
 * @param {string | null | undefined} level
 * @returns {string}
 */
export function levelOf(tag, level) {
  return level || vocabulary("key_group_levels")[tag] || "";
}

/** @param {{tag: string, label?: string, level?: string, count: number}[]} list */
export function drawKeyGroups(list) {
  if (!list || !list.length) {
    fill("key-groups", none());
  } else {
    fill("key-groups", h("table", { class: "data key-groups" }, [
      h("thead", null, h("tr", null, [h("th", null, "人群 group"), h("th", null, "级别 level"),
        h("th", { class: "num" }, "人数 count")])),
      h("tbody", null, list.map((g) => {
        const level = levelOf(g.tag, g.level);
        return h("tr", { "data-tag": g.tag, "data-count": g.count }, [
          h("td", null, labelWithCode(labelOf("key_groups", g.tag, g.label), g.tag)),
          h("td", null, h("span", { class: "badge " + level }, CARE_LEVEL[level] || dash(level))),
          h("td", { class: "num" }, num(g.count))
        ]);
      }))
    ]));
  }
  show("key-groups-box");
}
