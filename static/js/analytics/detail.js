// @ts-check
/* The chosen grid's figures (right panel): its risk score, colour and the reasons (what each
   configured factor added, and which added nothing), its colours by month, its events and the
   value analysed, Gi*'s z, p and class, and local Moran and the emerging pattern when those
   layers have been asked for. Each figure carries data-field and data-value (the API's
   number, unrounded) for tests. */

import { getJson, isQuiet } from "../lib/api.js";
import { $, fill, h } from "../lib/dom.js";
import { dash, num } from "../lib/format.js";
import { centreTime, period } from "./filters.js";
import { state } from "./state.js";
import {
  GI_BINS, MORAN_LABELS, PATTERNS, RATES, RISK_COLOURS, RISK_FACTORS, colourOf, labelOfClass
} from "./terms.js";

/** The grids' kept colours by month (GET …/risk/history), asked once a grid and refresh. */
let histories = /** @type {Record<string, Promise<any[]>>} */ ({});

/** Forget the colours by month (a refresh may have kept this month's again). */
export function forgetHistories() {
  histories = {};
}

/**
 * A number with ``digits`` decimals ("—" when missing).
 * @param {unknown} value
 * @param {number} digits
 */
export function fixed(value, digits) {
  return value === null || value === undefined || value === "" ? "—" : Number(value).toFixed(digits);
}

/**
 * A row of figures: term and value, the raw value in data-value.
 * @param {string} field
 * @param {string} term
 * @param {any} shown
 * @param {unknown} [raw]
 */
function figure(field, term, shown, raw) {
  const value = raw === undefined ? shown : raw;
  return [
    h("dt", null, term),
    h("dd", { "data-field": field, "data-value": value === null || value === undefined ? "" : String(value) }, shown)
  ];
}

/**
 * A coloured swatch and words.
 * @param {string} colour
 * @param {string} words
 */
function swatch(colour, words) {
  return [h("i", { class: "swatch", style: "background:" + colour }), words];
}

/** @param {any} gi */
function hotSpot(gi) {
  if (!gi) return h("p", { class: "hint" }, "无热点数据 no hot-spot figures");
  const rate = state.gi ? state.gi.rate : "count";
  return h("section", { class: "figures", id: "detail-gi" }, [
    h("h3", null, "热点 hot spot (Gi*)"),
    h("dl", null, [
      figure("count", "事件数 events", num(gi.count), gi.count),
      figure("value", "分析值 value (" + (RATES[/** @type {keyof typeof RATES} */ (rate)] || rate) + ")",
        fixed(gi.value, rate === "count" ? 0 : 2), gi.value),
      figure("z", "z 值 z score", fixed(gi.z, 2), gi.z),
      figure("p", "p 值 p (normal)", fixed(gi.p, 4), gi.p),
      figure("p_sim", "置换 p pseudo p", fixed(gi.p_sim, 3), gi.p_sim),
      figure("gi_bin", "类别 class", swatch(colourOf(GI_BINS, gi.gi_bin), gi.gi_bin + " · " +
        labelOfClass(GI_BINS, gi.gi_bin)), gi.gi_bin)
    ])
  ]);
}

/** @param {any} moran */
function clusters(moran) {
  if (!moran) return null;
  return h("section", { class: "figures", id: "detail-moran" }, [
    h("h3", null, "聚类与异常 local Moran"),
    h("dl", null, [
      figure("Ii", "局部 I local I", fixed(moran.Ii, 3), moran.Ii),
      figure("moran_z", "z 值 z score", fixed(moran.z, 2), moran.z),
      figure("moran_p_sim", "置换 p pseudo p", fixed(moran.p_sim, 3), moran.p_sim),
      figure("label", "类别 class", swatch(colourOf(MORAN_LABELS, moran.label),
        labelOfClass(MORAN_LABELS, moran.label)), moran.label)
    ])
  ]);
}

/** @param {any} found */
function emerging(found) {
  if (!found) return null;
  return h("section", { class: "figures", id: "detail-emerging" }, [
    h("h3", null, "新兴热点 emerging"),
    h("dl", null, [
      figure("pattern", "模式 pattern", swatch(colourOf(PATTERNS, found.pattern),
        labelOfClass(PATTERNS, found.pattern)), found.pattern),
      figure("hot_periods", "热点时段 hot periods", num(found.hot_periods), found.hot_periods),
      figure("cold_periods", "冷点时段 cold periods", num(found.cold_periods), found.cold_periods),
      figure("trend_tau", "趋势 trend (Mann-Kendall τ, p)", fixed(found.trend_tau, 2) + ", p " +
        fixed(found.trend_p, 3), found.trend_tau)
    ])
  ]);
}

/** @param {any} risk */
function riskColour(risk) {
  if (!risk) {
    return h("p", { class: "hint", id: "detail-risk" },
      state.riskError ? "风险无法加载 risk colours could not load: " + state.riskError
        : state.risk ? "无风险数据 no risk figures" : "风险加载中 risk colours loading…");
  }
  const rules = (state.config && state.config.analytics && state.config.analytics.risk) || {};
  return h("section", { class: "figures", id: "detail-risk" }, [
    h("h3", null, "五色风险 risk colour"),
    h("p", { class: "hint" }, [
      "截至 as at ", state.risk ? centreTime(state.risk.at) : "—",
      rules.window_days ? " · 近 " + rules.window_days + " 天事件 events of the last " + rules.window_days +
        " days, 半衰期 half-life " + rules.half_life_days + " 天 days" : ""
    ]),
    h("dl", null, [
      figure("score", "风险分 score", fixed(risk.score, 1), risk.score),
      figure("colour", "颜色 colour", swatch(colourOf(RISK_COLOURS, risk.colour),
        labelOfClass(RISK_COLOURS, risk.colour)), risk.colour),
      // last month's colour, where the API keeps it (null: none kept)
      risk.previous === undefined ? null : figure("previous", "上月 last month", risk.previous
        ? swatch(colourOf(RISK_COLOURS, risk.previous), labelOfClass(RISK_COLOURS, risk.previous)) : "—",
      risk.previous)
    ]),
    h("p", { class: "summary", "data-field": "summary" }, risk.summary),
    h("table", { class: "reasons", "aria-label": "原因 reasons" }, [
      h("thead", null, h("tr", null, [
        h("th", { scope: "col" }, "因素 factor"), h("th", { scope: "col", class: "num" }, "值 value"),
        h("th", { scope: "col", class: "num" }, "权重 weight"), h("th", { scope: "col", class: "num" }, "得分 points")
      ])),
      h("tbody", null, (risk.reasons || []).map((/** @type {any} */ r) => h("tr", {
        "data-factor": r.factor, "data-points": r.points
      }, [
        h("td", null, [r.label || r.factor, r.capped ? h("span", { class: "badge" }, "封顶 capped") : null,
          r.min_colour ? h("span", { class: "badge" }, "至少 at least " + labelOfClass(RISK_COLOURS, r.min_colour)) : null]),
        h("td", { class: "num" }, fixed(r.value, r.value % 1 ? 2 : 0)),
        h("td", { class: "num" }, dash(r.weight)),
        h("td", { class: "num" }, (r.points < 0 ? "−" : "+") + fixed(Math.abs(r.points), 1))
      ])))
    ]),
    quiet(risk),
    h("div", { id: "detail-history", class: "history" }, h("p", { class: "hint" }, "逐月颜色加载中 colours by month loading…"))
  ]);
}

/**
 * The configured factors that added nothing to this grid (so the reasons read as complete).
 * @param {any} risk
 */
function quiet(risk) {
  const counted = new Set((risk.reasons || []).map((/** @type {any} */ r) => r.factor));
  const rest = Object.entries(RISK_FACTORS).filter(([name]) => !counted.has(name));
  if (!rest.length) return null;
  return h("p", { class: "hint", "data-field": "quiet" }, [
    "未计分 no points from: ", rest.map(([, f]) => f.label).join("; ")
  ]);
}

/**
 * Draw the grid's colours by month into #detail-history (newest last, as a strip).
 * @param {string} code
 */
function drawHistory(code) {
  if (!histories[code]) {
    histories[code] = getJson("/api/v1/analytics/risk/history?grid=" + encodeURIComponent(code))
      .then((data) => data.months || []);
    histories[code].catch(() => { delete histories[code]; });
  }
  histories[code].then((months) => {
    const box = $("detail-history");
    if (!box || state.selected !== code) return;
    if (!months.length) {
      fill("detail-history", h("p", { class: "hint" }, "尚无逐月记录 no colours kept by month yet"));
      return;
    }
    fill("detail-history", [
      h("h4", null, "逐月颜色 colours by month"),
      h("ol", { class: "months" }, months.slice(0, 12).reverse().map((/** @type {any} */ m) => h("li", {
        "data-month": String(m.month).slice(0, 7), "data-colour": m.colour,
        title: String(m.month).slice(0, 7) + " · " + labelOfClass(RISK_COLOURS, m.colour) + " · " + fixed(m.score, 1)
      }, [h("i", { class: "swatch", style: "background:" + colourOf(RISK_COLOURS, m.colour) }),
        h("span", null, String(m.month).slice(2, 7))])))
    ]);
  }).catch((err) => {
    const box = $("detail-history");
    if (box && !isQuiet(err) && state.selected === code) {
      fill("detail-history", h("p", { class: "hint error" }, "逐月颜色无法加载 colours by month could not load: " + err.message));
    }
  });
}

/** A hint naming the layers whose figures have not been asked for yet. */
function missing() {
  const names = [];
  if (!state.moran) names.push("聚类 local Moran");
  if (!state.emerging) names.push("新兴热点 emerging");
  if (!names.length) return null;
  return h("p", { class: "hint" }, names.join("、") + "：选中该图层后显示 · shown once that layer is chosen");
}

/**
 * "99% 0 · 95% 2 · 90% 1": grids by confidence, hot (``sign`` 1) or cold (−1).
 * @param {Record<string, number>} bins
 * @param {number} sign
 */
function byConfidence(bins, sign) {
  return GI_BINS.filter((k) => Math.sign(Number(k.key)) === sign)
    .sort((a, b) => Math.abs(Number(b.key)) - Math.abs(Number(a.key)))
    .map((k) => k.confidence + " " + (bins[Number(k.key)] || 0)).join(" · ");
}

/**
 * The analysis at a glance, while no grid is chosen: the period and its events, how many grids
 * are hot or cold at each confidence, the risk colours and how many changed since last month.
 */
function overview() {
  const gi = state.gi;
  const risk = state.risk;
  const found = period();
  /** @type {Record<string, number>} */
  const bins = {};
  for (const f of (gi && gi.features) || []) bins[f.properties.gi_bin] = (bins[f.properties.gi_bin] || 0) + 1;
  const hot = [3, 2, 1].reduce((n, b) => n + (bins[b] || 0), 0);
  const cold = [-3, -2, -1].reduce((n, b) => n + (bins[b] || 0), 0);
  return h("section", { class: "figures overview", id: "overview" }, [
    h("h2", null, "概况 Overview"),
    h("dl", null, [
      figure("period", "时段 period", found ? $("f-since").value + " – " + $("f-until").value + " (" +
        found.days + " 天 days)" : "—", found ? found.days : null),
      figure("events", "事件 events", gi ? num(gi.events) : "—", gi ? gi.events : null),
      figure("grids", "网格 grids", gi ? num(gi.features.length) : risk ? num(risk.grids.length) : "—",
        gi ? gi.features.length : null),
      figure("hot", "热点网格 hot-spot grids", gi ? [num(hot), " ", h("span", { class: "hint" }, byConfidence(bins, 1))] : "—",
        gi ? hot : null),
      figure("cold", "冷点网格 cold-spot grids", gi ? [num(cold), " ", h("span", { class: "hint" }, byConfidence(bins, -1))] : "—",
        gi ? cold : null)
    ]),
    risk ? h("h3", null, "五色风险 risk colours") : null,
    risk ? h("ul", { class: "colour-counts" }, RISK_COLOURS.map((k) => h("li", {
      "data-colour": k.key, "data-count": (risk.colours || {})[k.key] || 0
    }, [h("i", { class: "swatch", style: "background:" + k.colour }), k.label, " ",
      h("strong", null, num((risk.colours || {})[k.key] || 0))]))) : null,
    risk ? h("p", { class: "hint", "data-field": "changed", "data-value": risk.changed },
      "较上月变色 changed colour since last month: " + num(risk.changed) + " · 截至 as at " + centreTime(risk.at)) : null,
    h("p", { class: "hint" }, "点击地图上的网格或排行中的一行查看原因 · click a grid on the map or a row of the ranking for its figures and reasons")
  ]);
}

/** Show the chosen grid's figures (or the overview when none is chosen). */
export function drawDetail() {
  const code = state.selected;
  if (!code) {
    fill("detail", overview());
    delete $("detail").dataset.code;
    return;
  }
  const gi = state.giBy[code];
  const risk = state.riskBy[code];
  const name = (gi && gi.name) || (risk && risk.name) || "";
  fill("detail", [
    h("h2", { "data-code": code }, [name, " ", h("span", { class: "code" }, code)]),
    h("p", { class: "links" }, h("a", { href: "/profile?code=" + encodeURIComponent(code) }, "网格画像 grid profile")),
    riskColour(risk),
    hotSpot(gi),
    clusters(state.moranBy[code]),
    emerging(state.emergingBy[code]),
    missing()
  ]);
  $("detail").dataset.code = code;
  if (risk) drawHistory(code);
}
