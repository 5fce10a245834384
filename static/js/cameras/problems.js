// @ts-check
/* Bad records (问题点位, GET /api/v1/cameras/problems): counts by problem (a chip a problem sets
   the problem filter), then the records grouped by problem with the label and the reason, each
   with a button that opens the camera and takes the map there; CSV and XLSX of the same. The
   problems also ring the cameras on the map and feed the problem filter. */

import { getJson, isQuiet } from "../lib/api.js";
import { $, fill, h } from "../lib/dom.js";
import { dash, num } from "../lib/format.js";
import { applyFilters, fillProblemOptions } from "./filters.js";
import { regionQuery, state } from "./state.js";
import { problemLabel } from "./terms.js";

/** @type {any} the last answer */
let data = null;
let ticket = 0;

/** @param {string} code */
function setProblemFilter(code) {
  $("f-problem").value = code;
  state.filters.problem = code;
  applyFilters();
  render();
}

function chips() {
  const counts = data ? data.by_problem : {};
  const active = state.filters.problem;
  return [
    h("button", { type: "button", class: "chip" + (active === "" ? " active" : ""), "data-problem": "",
      "aria-pressed": active === "" ? "true" : "false" }, "全部 all " + num(data ? data.total : 0)),
    ...Object.keys(state.rules.problems).filter((code) => counts[code]).map((code) =>
      h("button", { type: "button", class: "chip" + (active === code ? " active" : ""), "data-problem": code,
        "aria-pressed": active === code ? "true" : "false" }, problemLabel(code) + " " + num(counts[code])))
  ];
}

/** @param {any} p a problem */
function problemRow(p) {
  const locate = h("button", { type: "button", class: "link locate", "data-id": p.id,
    "aria-label": "定位 locate " + (p.device_id || "#" + p.id) }, "定位 Locate");
  locate.addEventListener("click", () => state.open(Number(p.id), { pan: true }));
  return h("li", { class: "problem-row", "data-id": p.id, "data-problem": p.problem }, [
    h("div", { class: "row-head" }, [h("span", { class: "event-id" }, dash(p.device_id)), " ", dash(p.name), " ", locate]),
    h("div", { class: "reason" }, p.reason),
    h("div", { class: "row-meta" }, "网格 grid " + dash(p.grid_code) + " · 区划 " + p.region_code)
  ]);
}

function render() {
  if (!data) return;
  fill("problem-counts", chips());
  for (const chip of $("problem-counts").querySelectorAll("button.chip")) {
    chip.addEventListener("click", () => setProblemFilter(chip.dataset.problem || ""));
  }
  const active = state.filters.problem;
  /** @type {Map<string, any[]>} */
  const groups = new Map();
  for (const p of data.problems) {
    if (active && active !== "any" && p.problem !== active) continue;
    if (!groups.has(p.problem)) groups.set(p.problem, []);
    /** @type {any[]} */ (groups.get(p.problem)).push(p);
  }
  const box = fill("problems", groups.size ? Array.from(groups, ([code, rows]) =>
    h("details", { class: "problem-group", "data-problem": code, open: true }, [
      h("summary", null, [h("span", { class: "badge problem" }, problemLabel(code)), " ", num(rows.length)]),
      h("ol", { class: "problem-list" }, rows.map(problemRow))
    ])) : h("p", { class: "none" }, data.total ? "没有此类问题 · none of this problem"
    : "未发现问题档案 · no bad records found"));
  box.dataset.total = String(data.total);
  box.dataset.shown = String(box.querySelectorAll("li.problem-row").length);
  box.dataset.ready = "true";
}

/** Read the region's problems, then ring them on the map and list them. */
export async function loadProblems() {
  const mine = ++ticket;
  const box = $("problems");
  box.dataset.ready = "false";
  const query = regionQuery();
  $("prob-csv").href = "/api/v1/cameras/problems" + regionQuery({ format: "csv" });
  $("prob-xlsx").href = "/api/v1/cameras/problems" + regionQuery({ format: "xlsx" });
  try {
    const answer = await getJson("/api/v1/cameras/problems" + query);
    if (mine !== ticket) return;
    data = answer;
    /** @type {Map<number, any[]>} */
    const byId = new Map();
    for (const p of answer.problems) {
      const id = Number(p.id);
      if (!byId.has(id)) byId.set(id, []);
      /** @type {any[]} */ (byId.get(id)).push(p);
    }
    state.problemsById = byId;
    fillProblemOptions();
    render();
    await applyFilters();
  } catch (err) {
    if (isQuiet(err) || mine !== ticket) return;
    fill("problems", h("p", { class: "error-box" }, /** @type {any} */ (err).message));
    box.dataset.ready = "error";
  }
}

/** The list follows the problem filter chosen above the tabs. */
export function problemFilterChanged() {
  render();
}

export function setUpProblems() {
  $("prob-refresh").addEventListener("click", () => { loadProblems(); });
}
