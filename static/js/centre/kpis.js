// @ts-check
/* KPIs of this year (GET /api/v1/events/kpis?group=region): per township the counts, each rate
   with its Chinese label (the answer's rate_labels) and the composite (综合指标值), with the
   same table as CSV or XLSX. Each figure carries the API's value in data-value. */

import { getJson, isQuiet } from "../lib/api.js";
import { $, fill, h } from "../lib/dom.js";
import { formatTime, num, percent } from "../lib/format.js";

const URL_BASE = "/api/v1/events/kpis?group=region";

/** The counts shown, with their names. */
const COUNTS = /** @type {[string, string][]} */ ([
  ["reported", "受理 reported"], ["registered", "立案 registered"], ["dispatched", "派遣 dispatched"],
  ["handled", "处置 handled"], ["handled_on_time", "按期处置 on time"], ["closed", "结案 closed"],
  ["reworked", "返工 reworked"], ["returned", "回退 returned"], ["same_day", "日清日结 same day"]
]);

/**
 * @param {string} label
 * @param {string} shown
 * @param {Record<string, string | number>} attrs
 */
function row(label, shown, attrs) {
  return h("tr", attrs, [h("th", null, label), h("td", { class: "num" }, shown)]);
}

/**
 * @param {any} group
 * @param {Record<string, string>} rateLabels
 */
function groupCard(group, rateLabels) {
  const value = (/** @type {unknown} */ v) => (v === null || v === undefined ? "" : String(v));
  return h("details", { class: "kpi-group", "data-group": group.key, open: true }, [
    h("summary", null, [
      h("span", { class: "kpi-label" }, group.label || group.key), " ",
      h("span", { class: "composite", "data-value": value(group.composite) },
        "综合 composite " + (group.composite === null ? "—" : group.composite))
    ]),
    h("table", { class: "kpi-table" }, [
      h("tbody", null, [
        ...COUNTS.map(([key, label]) => row(label, num(group[key]),
          { "data-count": key, "data-value": value(group[key]) })),
        ...Object.entries(rateLabels).map(([key, label]) => row(label + " " + key.replace(/_/g, " "),
          percent(group.rates[key]), { "data-rate": key, "data-value": value(group.rates[key]) })),
        row("满意度 satisfaction", group.satisfaction === null || group.satisfaction === undefined
          ? "—" : Number(group.satisfaction).toFixed(2), { "data-value": value(group.satisfaction) })
      ])
    ])
  ]);
}

/** Read the KPIs and show them. */
export async function loadKpis() {
  const box = $("kpis");
  box.dataset.ready = "false";
  try {
    const data = await getJson(URL_BASE);
    $("kpi-period").textContent = formatTime(data.from) + " – " + formatTime(data.to);
    const weights = Object.entries(data.weights || {}).map(([k, w]) => k + " × " + w).join(" + ");
    fill("kpis", [
      h("p", { class: "hint" }, "综合指标值 composite = " + weights),
      data.groups.length ? data.groups.map((/** @type {any} */ g) => groupCard(g, data.rate_labels))
        : h("p", { class: "none" }, "本年尚无事件 · no events this year")
    ]);
    box.dataset.groups = String(data.groups.length);
    box.dataset.ready = "true";
  } catch (err) {
    if (isQuiet(err)) return;
    fill("kpis", h("p", { class: "error-box" }, /** @type {any} */ (err).message));
    box.dataset.ready = "error";
  }
}

export function setUpKpis() {
  $("kpi-csv").href = URL_BASE + "&format=csv";
  $("kpi-xlsx").href = URL_BASE + "&format=xlsx";
  $("kpi-refresh").addEventListener("click", loadKpis);
}
