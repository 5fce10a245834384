// @ts-check
/* Planning (选址, POST /api/v1/cameras/plans): a region, a budget and the village quotas on or
   off start a job; its progress is polled (lib/jobs.js); the plan is drawn — each new camera's
   view (class ``plan-sector plan-<rank>``) and its site with an arrow to its heading — with the
   summary (demand covered before → after, the greedy baseline, the solver, the quotas), the
   exports (GeoJSON, CSV, XLSX) and the accept buttons (all, or the ticked ranks), which write
   them as planned cameras and show them on the map. */

import { ApiError, isQuiet, sendJson } from "../lib/api.js";
import { $, fill, h, onActivate } from "../lib/dom.js";
import { num, percent } from "../lib/format.js";
import { JobFailed, pollJob } from "../lib/jobs.js";
import L from "../lib/leaflet.js";
import { fitTo } from "./map.js";
import { untilListed } from "./settle.js";
import { state } from "./state.js";
import { COLORS } from "./terms.js";

const plan = {
  /** @type {string | null} the job whose plan is shown */
  job: null,
  /** @type {any} its result */
  result: null,
  /** @type {any} the views and sites drawn */
  layer: null,
  /** @type {AbortController | null} */
  watch: null,
  /** @type {string} the region planned */
  region: "",
  accepted: false
};

/** @type {Map<number, any>} each rank's view */
const views = new Map();

/**
 * @param {Node | string | (Node | string)[]} content
 * @param {string} [kind]
 */
function say(content, kind = "") {
  const box = fill("plan", h("div", { class: "result " + kind }, content));
  return box;
}

/** The regions a plan may cover: the jurisdiction, the townships, the villages listed. */
export function fillPlanRegions() {
  const select = $("p-region");
  const keep = select.value || state.region;
  select.textContent = "";
  const own = state.config.user ? state.config.user.jurisdiction : "";
  if (/^\d{12}$/.test(own)) select.appendChild(h("option", { value: own }, "全辖区 whole jurisdiction " + own));
  for (const t of state.config.legend || []) {
    if (t.code !== own) select.appendChild(h("option", { value: t.code }, t.name + " " + t.code));
  }
  for (const option of $("f-village").options) {
    if (option.value) select.appendChild(h("option", { value: option.value }, "· " + option.textContent));
  }
  followRegion(keep);
}

/**
 * The plan's region follows the page's (when it is one a plan may cover).
 * @param {string} region
 */
export function followRegion(region) {
  const select = $("p-region");
  if (region && Array.from(/** @type {HTMLSelectElement} */ (select).options).some((o) => o.value === region)) {
    select.value = region;
  }
}

function clearPlan() {
  if (plan.watch) plan.watch.abort();
  plan.watch = null;
  if (plan.layer) state.map.removeLayer(plan.layer);
  plan.layer = null;
  plan.job = null;
  plan.result = null;
  plan.accepted = false;
  views.clear();
  $("plan-progress").hidden = true;
  fill("plan", null);
  const box = $("plan");
  for (const key of Object.keys(box.dataset)) delete box.dataset[key];
  $("p-start").disabled = false;
}

/** @param {any} job */
function progress(job) {
  $("plan-progress").hidden = false;
  $("plan-bar").max = job.total || 4;
  $("plan-bar").value = job.done || 0;
  $("plan-status").textContent = (job.state === "queued" ? "排队中 queued" : "计算中 planning") +
    " " + (job.done || 0) + "/" + (job.total || 4) + (job.message ? " · " + job.message : "");
}

/** @param {number} heading degrees clockwise from north */
function siteIcon(heading, /** @type {number} */ rank) {
  return L.divIcon({
    className: "plan-site plan-site-" + rank,
    // ➤ points east: turned by the heading less 90°
    html: '<span class="arrow" style="transform: rotate(' + (Number(heading) - 90) + 'deg)">➤</span><b>' + rank + "</b>",
    iconSize: [26, 26], iconAnchor: [13, 13]
  });
}

/** @param {any} proposal the plan's FeatureCollection */
function drawProposal(proposal) {
  plan.layer = L.featureGroup().addTo(state.map);
  L.geoJSON(proposal, {
    pane: "planPane",
    style: (/** @type {any} */ f) => ({
      color: COLORS.proposal, weight: 2, dashArray: "5 3", fillColor: COLORS.proposal, fillOpacity: 0.3,
      className: "plan-sector plan-" + f.properties.rank
    }),
    onEachFeature: (/** @type {any} */ f, /** @type {any} */ view) => {
      views.set(f.properties.rank, view);
      view.bindTooltip("规划 #" + f.properties.rank + " · 方向 heading " + f.properties.heading + "° · 增益 gain " +
        num(f.properties.gain));
    }
  }).addTo(plan.layer);
  for (const f of proposal.features) {
    const p = f.properties;
    L.marker([p.lat, p.lon], {
      icon: siteIcon(p.heading, p.rank), keyboard: false, title: "规划 planned #" + p.rank + " · " + p.heading + "°"
    }).addTo(plan.layer);
  }
  if (proposal.features.length) fitTo(plan.layer, 18);
}

/**
 * @param {number} weight
 * @param {number} total
 */
function share(weight, total) {
  return num(Math.round(weight)) + " (" + percent(total ? weight / total : null) + ")";
}

/** @param {any} r the job's result */
function summary(r) {
  const total = r.total_weight;
  const solver = (r.report && r.report.solver) || {};
  const rows = /** @type {[string, string, string][]} */ ([
    ["budget", "预算 / 使用 budget / used", num(r.budget) + " / " + num(r.used)],
    ["total", "需求总权重 demand weight", num(Math.round(total))],
    ["before", "现有覆盖 covered now", share(r.existing_weight, total)],
    ["after", "规划后覆盖 covered with the plan", share(r.covered_weight, total)],
    ["gain", "新增 gain", "+" + num(Math.round(r.covered_weight - r.existing_weight))],
    ["greedy", "贪心基线 greedy baseline", share(r.greedy.covered_weight, total) + " · " + num(r.greedy.cameras) +
      " 台 cameras · " + r.greedy.seconds + " s"],
    ["solver", "求解 solver", [solver.solution, solver.status,
      solver.gap === undefined || solver.gap === null ? "" : "gap " + percent(solver.gap),
      solver.fallback ? "fallback " + solver.fallback : ""].filter(Boolean).join(" · ")]
  ]);
  return h("table", { class: "facts plan-summary" }, h("tbody", null, rows.map(([key, label, value]) =>
    h("tr", { "data-row": key }, [h("th", null, label), h("td", null, value)]))));
}

/**
 * @param {any} r the job's result
 * @param {boolean} quotasOn
 */
function quotas(r, quotasOn) {
  const list = (r.report && r.report.quotas) || [];
  if (!quotasOn) return h("p", { class: "hint" }, "未考虑村配额 village quotas off");
  if (!list.length) return h("p", { class: "hint" }, "区域内无行政村配额 no administrative village quota in the region");
  return h("table", { class: "data quotas" }, [
    h("thead", null, h("tr", null, ["村 village", "配额 quota", "现有 existing", "新增 new", "达标 met"].map((t, i) =>
      h("th", { class: i ? "num" : "" }, t)))),
    h("tbody", null, list.map((/** @type {any} */ q) => h("tr", { "data-key": q.code }, [
      h("td", { class: "id" }, q.code), h("td", { class: "num" }, num(q.quota)),
      h("td", { class: "num" }, num(q.existing)), h("td", { class: "num" }, num(q.new)),
      h("td", { class: "num tone-" + (q.met ? "met" : "short") }, q.met ? "是 yes" : "否 no")
    ])))
  ]);
}

/** @param {any} proposal */
function proposalTable(proposal) {
  return h("div", { class: "scroll-x" }, h("table", { class: "data proposal" }, [
    h("thead", null, h("tr", null, [
      h("th", null, h("span", { class: "visually-hidden" }, "采纳 accept")), ...["#", "方向 heading", "村 village",
        "增益 gain", "新覆盖 new"].map((t, i) => h("th", { class: i === 2 ? "" : "num", scope: "col" }, t))
    ])),
    h("tbody", null, proposal.features.map((/** @type {any} */ f) => {
      const p = f.properties;
      const tick = h("input", { type: "checkbox", class: "tick", checked: true, value: p.rank,
        "aria-label": "采纳 accept #" + p.rank });
      tick.addEventListener("click", (e) => e.stopPropagation());
      tick.addEventListener("change", countTicked);
      const tr = h("tr", { class: "pick", tabindex: 0, "data-rank": p.rank }, [
        h("td", null, tick), h("td", { class: "num" }, p.rank), h("td", { class: "num" }, p.heading + "°"),
        h("td", { class: "id" }, p.village || "—"), h("td", { class: "num" }, num(p.gain)),
        h("td", { class: "num" }, num(p.new_weight))
      ]);
      onActivate(tr, () => {
        const view = views.get(p.rank);
        if (view) fitTo(view, 19);
      });
      return tr;
    }))
  ]));
}

/** @returns {number[]} the ticked ranks */
function ticked() {
  return Array.from($("plan").querySelectorAll("input.tick:checked"), (/** @type {HTMLInputElement} */ i) =>
    Number(i.value));
}

function countTicked() {
  const button = $("p-accept-ticked");
  if (!button) return;
  const n = ticked().length;
  button.textContent = "采纳选中 Accept ticked (" + n + ")";
  button.disabled = plan.accepted || n === 0;
}

/** @param {string} job */
function exports(job) {
  const base = "/api/v1/cameras/plans/" + encodeURIComponent(job) + "?format=";
  return h("p", { class: "downloads" }, [
    "导出 Export: ",
    ...["geojson", "csv", "xlsx"].map((f) => h("a", { href: base + f, download: "", "data-format": f }, f.toUpperCase()))
  ]);
}

/**
 * Accept the plan (``ranks``: only these), then show the planned cameras.
 * @param {number[] | null} ranks
 */
async function accept(ranks) {
  if (!plan.job || plan.accepted) return;
  const buttons = [$("p-accept-all"), $("p-accept-ticked")];
  for (const b of buttons) b.disabled = true;
  const out = $("plan-accepted");
  out.textContent = "采纳中 accepting…";
  try {
    const answer = await sendJson("POST", "/api/v1/cameras/plans/" + encodeURIComponent(plan.job) + "/accept",
      ranks ? { ranks } : {});
    plan.accepted = true;
    await untilListed("planned=true&region=" + encodeURIComponent(plan.region), answer.cameras);
    out.textContent = "";
    out.className = "result ok";
    out.dataset.count = String(answer.accepted);
    out.dataset.ids = answer.cameras.join(",");
    out.append(h("p", { class: "ok-title" }, "已写入 " + answer.accepted + " 台规划摄像机 planned cameras written"),
      h("ul", { class: "accepted-list" }, answer.cameras.map((/** @type {number} */ id) => {
        const open = h("button", { type: "button", class: "link", "data-id": id }, "#" + id);
        open.addEventListener("click", () => state.open(id, { pan: true }));
        return h("li", null, open);
      })));
    if (plan.layer) plan.layer.eachLayer((/** @type {any} */ l) => l.setStyle && l.setStyle({ fillOpacity: 0.08 }));
    state.changed({ ids: answer.cameras });
  } catch (err) {
    if (isQuiet(err)) return;
    out.className = "result error";
    out.textContent = /** @type {any} */ (err).message;
    if (err instanceof ApiError && /already accepted/.test(err.message)) plan.accepted = true;
    else for (const b of buttons) b.disabled = false;
  }
}

/**
 * @param {string} job
 * @param {any} r the job's result
 * @param {boolean} quotasOn
 */
function showPlan(job, r, quotasOn) {
  plan.result = r;
  drawProposal(r.proposal);
  const acceptAll = h("button", { type: "button", class: "primary", id: "p-accept-all" }, "全部采纳 Accept all (" + r.used + ")");
  const acceptTicked = h("button", { type: "button", id: "p-accept-ticked" }, "");
  acceptAll.addEventListener("click", () => { accept(null); });
  acceptTicked.addEventListener("click", () => { accept(ticked()); });
  const box = fill("plan", [
    h("h3", null, "方案 Plan"),
    summary(r),
    h("h3", null, "村配额 Village quotas"),
    quotas(r, quotasOn),
    h("h3", null, "新增摄像机 New cameras (" + r.used + ")"),
    r.used ? proposalTable(r.proposal) : h("p", { class: "none" }, "无需新增 no new camera adds coverage"),
    exports(job),
    r.used ? h("div", { class: "buttons" }, [acceptAll, acceptTicked]) : null,
    h("div", { id: "plan-accepted", class: "result", "aria-live": "polite" })
  ]);
  countTicked();
  Object.assign(box.dataset, { job, state: "done", used: String(r.used), drawn: String(views.size) });
}

/** @param {Event} event */
async function startPlan(event) {
  event.preventDefault();
  clearPlan();
  const quotasOn = $("p-quotas").checked;
  plan.region = $("p-region").value;
  /** @type {Record<string, unknown>} */
  const body = { region: plan.region, budget: Number($("p-budget").value), quotas: quotasOn };
  for (const [id, key] of [["p-sites", "sites"], ["p-headings", "headings"], ["p-time", "time_limit_s"]]) {
    const value = $(id).value.trim();
    if (value) body[key] = Number(value);
  }
  const watch = plan.watch = new AbortController();
  $("p-start").disabled = true;
  const box = $("plan");
  box.dataset.state = "starting";
  try {
    const started = await sendJson("POST", "/api/v1/cameras/plans", body);
    plan.job = started.job;
    box.dataset.job = started.job;
    box.dataset.state = "running";
    progress({ state: "queued", done: 0, total: 4 });
    const job = await pollJob(started, { onProgress: progress, signal: watch.signal, interval: 500 });
    progress(job);
    $("plan-status").textContent = "完成 done";
    showPlan(started.job, job.result, quotasOn);
  } catch (err) {
    if (isQuiet(err) || watch.signal.aborted) return;
    const e = /** @type {any} */ (err);
    box.dataset.state = "failed";
    say(err instanceof JobFailed ? "规划失败 the plan failed: " + e.message
      : (e.status ? e.status + ": " : "") + e.message, "error");
  } finally {
    if (plan.watch === watch) {
      plan.watch = null;
      $("p-start").disabled = false;
    }
  }
}

export function setUpPlan() {
  const r = state.rules;
  $("p-sites").placeholder = String(r.planning_sites);
  $("p-headings").placeholder = String(r.planning_headings);
  $("p-quotas").parentNode.title = "每个行政村 ≥ " + r.village_quota + " 台 per administrative village";
  $("plan-form").addEventListener("submit", startPlan);
  $("p-clear").addEventListener("click", clearPlan);
  fillPlanRegions();
}
