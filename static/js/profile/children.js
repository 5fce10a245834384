// @ts-check
/* Sub-units (下级单元) of a region: each a link to its own profile, with totals. */

import { fill, h, show } from "../lib/dom.js";
import { dash, num, sum } from "../lib/format.js";
import { profileHref } from "./context.js";
import { none } from "./widgets.js";

/** @param {{code: string, name?: string, households: number, residents: number}[]} list */
export function drawChildren(list) {
  if (!list || !list.length) {
    fill("children", none());
  } else {
    fill("children", h("table", { class: "data children" }, [
      h("thead", null, h("tr", null, [h("th", null, "编码 code"), h("th", null, "名称 name"),
        h("th", { class: "num" }, "户 households"), h("th", { class: "num" }, "人口 residents")])),
      h("tbody", null, list.map((c) => h("tr", { "data-code": c.code }, [
        h("td", { class: "id" }, h("a", { href: profileHref(c.code) }, c.code)),
        h("td", null, h("a", { href: profileHref(c.code) }, dash(c.name))),
        h("td", { class: "num" }, num(c.households)),
        h("td", { class: "num" }, num(c.residents))
      ]))),
      h("tfoot", null, h("tr", null, [h("th", null, "合计 total"), h("th", null, list.length + " 个 units"),
        h("th", { class: "num" }, num(sum(list.map((c) => c.households)))),
        h("th", { class: "num" }, num(sum(list.map((c) => c.residents))))]))
    ]));
  }
  show("children-box");
}
