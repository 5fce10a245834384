// @ts-check
/* Does it predict (预测检验): hot spots (Gi*) and a kernel density (KDE) of the events before a
   split date, judged on the events after it (GET /api/v1/analytics/forecast): for the same
   shares of the area, the hit rate (share of later events inside) and PAI (hit rate ÷ share of
   area; 1 is chance) of each map, so the centre knows how far to trust them. */

import { getJson, isQuiet } from "../lib/api.js";
import { $, fill, h } from "../lib/dom.js";
import { num, percent } from "../lib/format.js";
import { fixed } from "./detail.js";
import { addDays, eventQuery, startOf, today } from "./filters.js";

const METHODS = /** @type {Record<string, string>} */ ({
  gi_star: "热点 hot spots (Gi*)",
  kde: "核密度 kernel density (KDE)"
});
/** The methods' short names, for the table's narrow column. */
const SHORT = /** @type {Record<string, string>} */ ({ gi_star: "Gi*", kde: "KDE" });

let asked = 0;

/** Default split: the test days before the period's end (or today). */
export function setUpForecast() {
  const last = $("f-until").value || today();
  $("fc-split").value = addDays(last, 1 - Number($("fc-test").value || 90));
  $("forecast-form").addEventListener("submit", (/** @type {Event} */ e) => {
    e.preventDefault();
    runForecast();
  });
}

/** Ask the API and show the comparison. */
export async function runForecast() {
  const split = $("fc-split").value;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(split)) {
    fill("forecast", h("p", { class: "result error" }, "请选择分界日 choose a split date"));
    return;
  }
  const query = eventQuery(false);
  query.set("split", startOf(split));
  query.set("train_days", $("fc-train").value);
  query.set("test_days", $("fc-test").value);
  const mine = ++asked;
  const box = fill("forecast", h("p", { class: "hint" }, "计算中 computing…"));
  box.dataset.state = "loading";
  $("fc-run").disabled = true;
  try {
    const result = await getJson("/api/v1/analytics/forecast?" + query);
    if (mine !== asked) return;
    showForecast(result);
  } catch (err) {
    if (isQuiet(err) || mine !== asked) return;
    fill("forecast", h("p", { class: "result error" }, "无法检验 the check failed: " + /** @type {any} */ (err).message));
    box.dataset.state = "error";
  } finally {
    if (mine === asked) $("fc-run").disabled = false;
  }
}

/**
 * In words, per share of the area: which map caught more of the later events, and whether
 * each beat chance (PAI above 1).
 * @param {any[]} comparisons
 */
function verdicts(comparisons) {
  /** @type {Record<string, any[]>} */
  const byTarget = {};
  for (const c of comparisons) (byTarget[c.target] = byTarget[c.target] || []).push(c);
  return Object.entries(byTarget).map(([target, found]) => {
    const judged = found.filter((c) => c.pai !== null && c.pai !== undefined);
    if (!judged.length) return h("li", { "data-target": target }, target + ": 无法判断 cannot tell");
    const best = judged.reduce((a, b) => (b.pai > a.pai ? b : a));
    const chance = judged.filter((c) => c.pai <= 1).map((c) => METHODS[c.method] || c.method);
    return h("li", { "data-target": target, "data-best": best.method }, [
      h("strong", null, target), ": 最佳 best ", METHODS[best.method] || best.method, ", PAI ", fixed(best.pai, 2),
      chance.length ? " · 不优于随机 no better than chance: " + chance.join(", ") : " · 均优于随机 all beat chance"
    ]);
  });
}

/** @param {any} result */
function showForecast(result) {
  const rows = (result.comparisons || []).map((/** @type {any} */ c) => h("tr", {
    "data-method": c.method, "data-target": c.target
  }, [
    h("td", null, c.target),
    h("td", { title: METHODS[c.method] || c.method }, SHORT[c.method] || c.method),
    h("td", { class: "num", "data-field": "hit_rate", "data-value": c.hit_rate }, percent(c.hit_rate)),
    h("td", { class: "num", "data-field": "pai", "data-value": c.pai }, fixed(c.pai, 2)),
    h("td", { class: "num", "data-field": "pei", "data-value": c.pei }, fixed(c.pei, 2)),
    h("td", { class: "num nowrap" }, num(c.hits) + "/" + num(c.total))
  ]));
  const box = fill("forecast", [
    h("p", { class: "hint" }, "分界 split " + String(result.split).slice(0, 10) + " · 训练 train " +
      num(result.train_events) + " 件 events · 检验 test " + num(result.test_events) + " 件 events · 带宽 bandwidth " +
      num(result.bandwidth_m) + " m"),
    h("table", { class: "forecast-table" }, [
      h("caption", { class: "hint" }, "相同面积下的命中 hits in the same share of the area"),
      h("thead", null, h("tr", null, [
        h("th", { scope: "col" }, "面积 area"), h("th", { scope: "col" }, "方法 method"),
        h("th", { scope: "col", class: "num" }, "命中率 hit rate"), h("th", { scope: "col", class: "num" }, "PAI"),
        h("th", { scope: "col", class: "num" }, "PEI"), h("th", { scope: "col", class: "num" }, "命中 hits")
      ])),
      h("tbody", null, rows)
    ]),
    h("ul", { class: "verdicts" }, verdicts(result.comparisons || [])),
    result.test_events ? null : h("p", { class: "result error" }, "分界日之后没有事件 no events after the split")
  ]);
  box.dataset.state = "ready";
  box.scrollIntoView({ block: "nearest" });
}
