// @ts-check
/* The hottest grids: the top grids by Gi* z, by risk score or by events, a row each with its
   figures; a click on a row (a button, for keyboards too) zooms the map to the grid and
   chooses it. Rows carry data-code and data-value (the ranked figure, unrounded). */

import { $, fill, h } from "../lib/dom.js";
import { num } from "../lib/format.js";
import { fixed } from "./detail.js";
import { loadRisk } from "./data.js";
import { state } from "./state.js";
import { GI_BINS, RISK_COLOURS, colourOf, labelOfClass } from "./terms.js";

/** Rows shown. */
export const TOP = 20;

/** @returns {"z" | "score" | "count"} */
export function rankedBy() {
  return $("rank-by").value;
}

/**
 * A figure to rank by (NaN when missing: left out).
 * @param {unknown} value
 */
function figure(value) {
  return value === null || value === undefined ? NaN : Number(value);
}

/**
 * The rows ranked: [code, name, figure, the row's cells].
 * @param {"z" | "score" | "count"} by
 * @returns {{code: string, name: string, value: number, cells: any[]}[]}
 */
function ranked(by) {
  if (by === "score") {
    return ((state.risk && state.risk.grids) || []).map((/** @type {any} */ g) => ({
      code: g.code, name: g.name, value: figure(g.score),
      cells: [
        h("td", { class: "num" }, fixed(g.score, 1)),
        h("td", null, [h("i", { class: "swatch", style: "background:" + colourOf(RISK_COLOURS, g.colour) }),
          labelOfClass(RISK_COLOURS, g.colour)])
      ]
    }));
  }
  return ((state.gi && state.gi.features) || []).map((/** @type {any} */ f) => {
    const p = f.properties;
    return {
      code: p.code, name: p.name, value: figure(by === "z" ? p.z : p.count),
      cells: [
        h("td", { class: "num" }, num(p.count)),
        h("td", { class: "num" }, fixed(p.z, 2)),
        h("td", null, [h("i", { class: "swatch", style: "background:" + colourOf(GI_BINS, p.gi_bin) }), String(p.gi_bin)])
      ]
    };
  });
}

/** Draw the ranking from the answers kept (asking for the risk colours when ranked by them). */
export function drawRanking() {
  const by = rankedBy();
  if (by === "score" && !state.risk) {
    fill("ranking-body", h("tr", null, h("td", { colspan: 5, class: "hint" }, "加载中 loading…")));
    loadRisk().then(drawRanking).catch(() => {});
    return;
  }
  const head = by === "score"
    ? ["风险分 score", "颜色 colour"]
    : ["事件 events", "z", "类 bin"];
  fill("ranking-head", h("tr", null, [
    h("th", { scope: "col", class: "num" }, "#"), h("th", { scope: "col" }, "网格 grid"),
    head.map((words) => h("th", { scope: "col", class: words === "颜色 colour" || words === "类 bin" ? "" : "num" }, words))
  ]));
  const rows = ranked(by)
    .filter((r) => Number.isFinite(r.value))
    .sort((a, b) => b.value - a.value || a.code.localeCompare(b.code))
    .slice(0, TOP);
  $("ranking-caption").textContent = "前 " + rows.length + " 名 top " + rows.length + " · " +
    (by === "score" ? "按风险分 by risk score" : by === "z" ? "按 Gi* z 值 by Gi* z" : "按事件数 by events");
  fill("ranking-body", rows.map((r, i) => {
    const open = h("button", { type: "button", class: "link", title: "定位 zoom to " + r.code }, [
      r.name, " ", h("span", { class: "code" }, r.code)
    ]);
    open.addEventListener("click", () => state.select(r.code, { zoom: true }));
    return h("tr", {
      "data-code": r.code, "data-value": r.value, class: r.code === state.selected ? "chosen" : null
    }, [h("td", { class: "num" }, i + 1), h("td", null, open), r.cells]);
  }));
  $("ranking").dataset.by = by;
}
