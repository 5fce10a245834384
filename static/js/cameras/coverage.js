// @ts-check
/* Coverage (覆盖, GET /api/v1/cameras/coverage) per grid, village or township: cameras and working
   ones against the working-rate target (完好率) and the village quota (配额: met green, short red,
   none neutral), and the shares of area, buildings, residents and key places working cameras
   see, as percentages; sortable by any column; CSV and XLSX of the same; a row zooms the map to
   its unit. Natural villages (自然村) with their own quota below. Each cell carries the API's
   value in data-value. */

import { getJson, isQuiet } from "../lib/api.js";
import { $, fill, h, onActivate } from "../lib/dom.js";
import { num, percent } from "../lib/format.js";
import { zoomToCode } from "./map.js";
import { regionQuery, state } from "./state.js";

/**
 * @typedef {object} Column
 * @property {string} key the API's field
 * @property {string} label
 * @property {(row: any) => any} [sortValue]
 * @property {(row: any) => (Node | string)} show
 * @property {(row: any) => string} [tone] "met", "short" or ""
 * @property {string[]} [groups] only for these groups
 */

/** @param {boolean | null | undefined} met */
function toneOf(met) {
  return met === true ? "met" : met === false ? "short" : "";
}

/** @type {Column[]} */
const COLUMNS = [
  { key: "key", label: "单元 unit", show: (r) => unitCell(r) },
  { key: "grids", label: "网格 grids", show: (r) => num(r.grids), groups: ["village", "township"] },
  { key: "cameras", label: "摄像机 cameras", show: (r) => num(r.cameras) },
  { key: "working", label: "在线 working", show: (r) => num(r.working) },
  {
    key: "working_rate", label: "完好率 working rate", show: (r) => percent(r.working_rate),
    tone: (r) => toneOf(r.working_met)
  },
  {
    key: "quota", label: "配额 quota", sortValue: (r) => (r.quota === null ? -1 : r.cameras - r.quota),
    show: (r) => (r.quota === null ? "—" : num(r.cameras) + " / " + num(r.quota)), tone: (r) => toneOf(r.quota_met)
  },
  { key: "area_share", label: "面积 area", show: (r) => percent(r.area_share) },
  { key: "building_share", label: "房屋 buildings", show: (r) => percent(r.building_share) },
  { key: "resident_share", label: "人口 residents", show: (r) => percent(r.resident_share) },
  { key: "key_place_share", label: "重点场所 key places", show: (r) => percent(r.key_place_share) },
  { key: "without_view", label: "无视域 no view", show: (r) => num(r.without_view) }
];

/** @type {any} the last answer */
let data = null;
let sort = { key: "key", dir: 1 };
let ticket = 0;
/** @type {Record<string, string>} names by code: townships, villages, grids as read */
const names = {};
/** @type {Set<string>} regions whose grids' names were read */
const gridNamesRead = new Set();

/** @param {any} r */
function unitCell(r) {
  return h("span", { class: "unit" }, [h("span", { class: "code" }, r.key), names[r.key] ? h("span", { class: "name" }, names[r.key]) : null]);
}

/** @returns {string} the group chosen */
function group() {
  const checked = /** @type {HTMLInputElement | null} */ (document.querySelector("input[name=cov-group]:checked"));
  return checked ? checked.value : "grid";
}

/** Township names from the legend and the village select. */
function knownNames() {
  for (const t of state.config.legend || []) names[t.code] = t.name;
  for (const option of $("f-village").options) {
    if (option.value) names[option.value] = option.textContent.replace(" " + option.value, "");
  }
}

/** The grids' names of the region (once a region), when rows are grids. */
async function gridNames() {
  const region = state.region;
  if (gridNamesRead.has(region)) return;
  gridNamesRead.add(region);
  try {
    const fc = await getJson("/api/v1/grids" + regionQuery({ limit: 1000 }));
    for (const f of fc.features || []) names[f.id || f.properties.code] = f.properties.name;
  } catch (err) {
    if (!isQuiet(err)) gridNamesRead.delete(region);
  }
}

/** @param {Column} column */
function header(column) {
  const active = sort.key === column.key;
  const button = h("button", { type: "button", class: "sort", "data-sort": column.key }, [
    column.label, active ? (sort.dir > 0 ? " ▲" : " ▼") : ""
  ]);
  button.addEventListener("click", () => {
    sort = { key: column.key, dir: active ? -sort.dir : column.key === "key" ? 1 : -1 };
    render();
  });
  return h("th", {
    class: column.key === "key" ? "" : "num", scope: "col",
    "aria-sort": active ? (sort.dir > 0 ? "ascending" : "descending") : "none"
  }, button);
}

/**
 * @param {Column} column
 * @param {any} r
 */
function cell(column, r) {
  const value = r[column.key];
  const tone = column.tone ? column.tone(r) : "";
  return h("td", {
    class: (column.key === "key" ? "" : "num ") + (tone ? "tone-" + tone : ""), "data-col": column.key,
    "data-value": value === null || value === undefined ? "" : String(value)
  }, column.show(r));
}

/** @param {any} r */
function sortValue(r) {
  const column = COLUMNS.find((c) => c.key === sort.key) || COLUMNS[0];
  const value = column.sortValue ? column.sortValue(r) : r[column.key];
  return value === null || value === undefined ? -Infinity : value;
}

function render() {
  if (!data) return;
  const columns = COLUMNS.filter((c) => !c.groups || c.groups.includes(data.group));
  const rows = [...data.groups].sort((a, b) => {
    const x = sortValue(a);
    const y = sortValue(b);
    return (x < y ? -1 : x > y ? 1 : 0) * sort.dir;
  });
  const body = rows.map((r) => {
    const tr = h("tr", { class: "pick", tabindex: 0, "data-key": r.key,
      title: "点击在地图上查看 click to see it on the map" }, columns.map((c) => cell(c, r)));
    onActivate(tr, () => {
      for (const other of tr.parentNode ? tr.parentNode.children : []) other.classList.remove("selected");
      tr.classList.add("selected");
      zoomToCode(r.key);
    });
    return tr;
  });
  const totals = data.groups.reduce((/** @type {any} */ t, /** @type {any} */ r) => {
    t.cameras += r.cameras;
    t.working += r.working;
    if (r.quota !== null) {
      t.quotas += 1;
      if (r.quota_met) t.met += 1;
    }
    return t;
  }, { cameras: 0, working: 0, quotas: 0, met: 0 });
  const box = fill("coverage", [
    h("p", { class: "hint summary" }, [
      num(data.groups.length) + " 个单元 units · 摄像机 " + num(totals.cameras) + " cameras · 在线 " +
        num(totals.working) + " working · 完好率 " + percent(totals.cameras ? totals.working / totals.cameras : null),
      totals.quotas ? " · 配额达标 quotas met " + totals.met + " / " + totals.quotas : ""
    ]),
    h("div", { class: "scroll-x" }, h("table", { class: "data coverage", "data-group": data.group }, [
      h("thead", null, h("tr", null, columns.map(header))),
      h("tbody", null, body.length ? body : h("tr", { class: "empty" }, h("td", { colspan: columns.length }, "无 none")))
    ]))
  ]);
  box.dataset.group = data.group;
  box.dataset.rows = String(data.groups.length);
  box.dataset.ready = "true";
  naturalVillages(data.natural_villages || []);
}

/** @param {any[]} villages */
function naturalVillages(villages) {
  fill("natural-villages", villages.length ? [
    h("h3", null, "自然村 Natural villages (≥ " + state.rules.natural_village_quota + ")"),
    h("table", { class: "data" }, [
      h("thead", null, h("tr", null, ["自然村 village", "摄像机 cameras", "在线 working", "配额 quota"].map((t, i) =>
        h("th", { class: i ? "num" : "" }, t)))),
      h("tbody", null, villages.map((v) => h("tr", { "data-key": v.code }, [
        h("td", null, [v.name, " ", h("span", { class: "code" }, v.code)]),
        h("td", { class: "num" }, num(v.cameras)), h("td", { class: "num" }, num(v.working)),
        h("td", { class: "num tone-" + toneOf(v.quota_met) }, num(v.cameras) + " / " + num(v.quota))
      ])))
    ])
  ] : null);
}

/** Read the coverage of the region in the group chosen. */
export async function loadCoverage() {
  const mine = ++ticket;
  const box = $("coverage");
  box.dataset.ready = "false";
  const chosen = group();
  $("cov-csv").href = "/api/v1/cameras/coverage" + regionQuery({ group: chosen, format: "csv" });
  $("cov-xlsx").href = "/api/v1/cameras/coverage" + regionQuery({ group: chosen, format: "xlsx" });
  knownNames();
  try {
    const [answer] = await Promise.all([
      getJson("/api/v1/cameras/coverage" + regionQuery({ group: chosen })),
      chosen === "grid" ? gridNames() : Promise.resolve()
    ]);
    if (mine !== ticket) return;
    data = answer;
    render();
  } catch (err) {
    if (isQuiet(err) || mine !== ticket) return;
    fill("coverage", h("p", { class: "error-box" }, /** @type {any} */ (err).message));
    box.dataset.ready = "error";
  }
}

export function setUpCoverage() {
  const r = state.rules;
  $("cov-targets").textContent = "配额 quota: 行政村 ≥ " + r.village_quota + " 个点位 per administrative village" +
    " · 完好率目标 working-rate target ≥ " + percent(r.working_target) +
    " (重点区域 key areas " + percent(r.key_area_working_target) + ") · 颜色 colours: 达标 met 绿 green, 未达标 short 红 red";
  for (const radio of document.querySelectorAll("input[name=cov-group]")) {
    radio.addEventListener("change", () => {
      sort = { key: "key", dir: 1 };
      loadCoverage();
    });
  }
  $("cov-refresh").addEventListener("click", () => { loadCoverage(); });
}
