// @ts-check
/* The summary card: where the unit is (crumbs), its name, level, code and main figures. */

import { fill, h, show } from "../lib/dom.js";
import { num } from "../lib/format.js";
import { REGION_LEVEL } from "../lib/labels.js";
import { showGeneratedNote } from "../lib/page.js";
import { profileHref } from "./context.js";

/**
 * County › township › village › grid above the code (links to their own profiles).
 * @param {string} code
 */
function crumbs(code) {
  /** @type {[string, string][]} */
  const chain = [];
  /**
   * @param {string} c
   * @param {string} label
   */
  function add(c, label) {
    if (c !== code && chain.every((x) => x[0] !== c)) chain.push([c, label]);
  }
  add(code.slice(0, 6) + "000000", "县 county");
  if (code.slice(6, 9) !== "000") add(code.slice(0, 9) + "000", "乡镇 township");
  if (code.length > 12 && code.slice(9, 12) !== "000") add(code.slice(0, 12), "村社区 village");
  if (code.length === 17) add(code.slice(0, 15), "网格 grid");
  /** @type {HTMLElement[]} */
  const parts = [];
  chain.forEach((c, i) => {
    if (i) parts.push(h("span", { class: "sep" }, "›"));
    parts.push(h("a", { href: profileHref(c[0]), title: c[0] }, c[1] + " " + c[0]));
  });
  return parts;
}

/** @param {unknown} value */
function dataValue(value) {
  return value === null || value === undefined ? "" : String(value);
}

/** @param {any} p the profile */
export function drawSummary(p) {
  fill("crumbs", crumbs(p.code));
  fill("fig-name", p.name || p.code);
  fill("fig-level", REGION_LEVEL[p.level] || p.level);
  fill("fig-code", "编码 code " + p.code);
  const area = p.area_km2 === null || p.area_km2 === undefined
    ? "—" : Number(p.area_km2).toFixed(3) + " km²";
  fill("fig-area", area).dataset.value = dataValue(p.area_km2);
  for (const [id, value] of [["fig-buildings", p.buildings], ["fig-households", p.households],
    ["fig-residents", p.residents], ["fig-must-visit", p.must_visit]]) {
    fill(id, num(value)).dataset.value = dataValue(value);
  }
  document.title = "gridmap · 网格画像 " + (p.name || p.code);
  if (p.generated) showGeneratedNote("演示数据 generated · demo data, not real people");
  show("summary");
}

