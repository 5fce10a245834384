// @ts-check
/* The analysis' words and colours. Configured (the map configuration's ``analytics``): the five
   risk colours (红橙黄蓝绿 by default) with their map colours and least scores, the risk
   factors, the hot spots' confidence levels. Conventions of the methods, not configuration:
   ArcGIS's seven Gi_Bin colours (red hot, blue cold), local Moran's clusters and outliers, the
   emerging hot spots' patterns. The API answers in codes; the page names them here. */

/**
 * A class: its code, words and colour (and a Gi* class's confidence, a risk colour's least score).
 * @typedef {{key: string | number, label: string, colour: string, confidence?: string, min?: number | null}} Klass
 */

/** What a colour key is called, for the five colours the sources name (others show their key). */
const COLOUR_WORDS = /** @type {Record<string, string>} */ ({
  red: "红 red", orange: "橙 orange", yellow: "黄 yellow", blue: "蓝 blue", green: "绿 green"
});

/** Grey: a grid without a figure in the layer shown. */
export const NO_DATA = "#ced4da";

/** Gi_Bin −3…3 as ArcGIS's hot spot analysis draws them (hot first); labels set from config. */
export const GI_BINS = /** @type {Klass[]} */ ([]);
const GI_COLOURS = /** @type {Record<string, string>} */ ({
  3: "#d62f27", 2: "#ed7551", 1: "#fab984", 0: "#f7f7e6", "-1": "#c0ccbe", "-2": "#849eba", "-3": "#4575b5"
});

/** The five risk colours (五色管控), most severe first, as configured. */
export const RISK_COLOURS = /** @type {Klass[]} */ ([]);

/** The risk factors as configured: name → {label, weight, cap, min_colour, normalise}. */
export const RISK_FACTORS = /** @type {Record<string, any>} */ ({});

/** Local Moran's labels: clusters HH/LL, outliers HL/LH. */
export const MORAN_LABELS = /** @type {Klass[]} */ ([
  { key: "HH", label: "高-高聚集 high-high cluster", colour: "#d7191c" },
  { key: "HL", label: "高-低异常 high outlier among low", colour: "#fdae61" },
  { key: "LH", label: "低-高异常 low outlier among high", colour: "#abd9e9" },
  { key: "LL", label: "低-低聚集 low-low cluster", colour: "#2c7bb6" },
  { key: "not significant", label: "不显著 not significant", colour: "#f7f7e6" },
  { key: "no neighbours", label: "无相邻网格 no neighbours", colour: "#dee2e6" }
]);

const PATTERN_WORDS = /** @type {[string, string][]} */ ([
  ["new", "新"], ["consecutive", "连续"], ["intensifying", "加强"], ["persistent", "持续"],
  ["diminishing", "减弱"], ["sporadic", "零星"], ["oscillating", "振荡"], ["historical", "历史"]
]);
const HOT_SHADES = ["#7f0000", "#b30000", "#d7301f", "#ef6548", "#fc8d59", "#fdbb84", "#fdd49e", "#fee8c8"];
const COLD_SHADES = ["#08306b", "#08519c", "#2171b5", "#4292c6", "#6baed6", "#9ecae1", "#c6dbef", "#deebf7"];

/** The emerging hot spots' patterns: hot ones in reds, cold ones in blues, then none. */
export const PATTERNS = /** @type {Klass[]} */ ([
  ...PATTERN_WORDS.map(([word, zh], i) => ({
    key: word + " hot spot", label: zh + "热点 " + word + " hot spot", colour: HOT_SHADES[i]
  })),
  ...PATTERN_WORDS.map(([word, zh], i) => ({
    key: word + " cold spot", label: zh + "冷点 " + word + " cold spot", colour: COLD_SHADES[i]
  })),
  { key: "no pattern", label: "无模式 no pattern", colour: "#f7f7e6" },
  { key: "no neighbours", label: "无相邻网格 no neighbours", colour: "#dee2e6" }
]);

/** What the layers are called. */
export const LAYER_TITLES = {
  heatmap: "热力图 heatmap",
  gi_star: "热点分析 hot spots (Gi*)",
  local_moran: "聚类与异常 clusters and outliers (local Moran)",
  emerging: "新兴热点 emerging hot spots",
  risk: "五色风险 risk colours"
};

/** What the hot-spot values are. */
export const RATES = {
  count: "事件数 events",
  per_km2: "每平方公里事件 events per km²",
  per_1000: "每千人事件 events per 1,000 residents"
};

/** What the emerging hot spots' time steps are. */
export const STEPS = /** @type {Record<string, string>} */ ({ month: "月 months", week: "周 weeks" });

/**
 * "95%": a confidence level (1 − significance level).
 * @param {number} level
 */
function confidence(level) {
  return String(Math.round((1 - level) * 1000) / 10) + "%";
}

/**
 * Fill the configured terms from the map configuration's ``analytics``: the Gi* classes at
 * the configured significance levels (class 1 the loosest, 3 the strictest), the risk colours
 * and factors.
 * @param {any} config the ``analytics`` section
 */
export function setUpTerms(config) {
  const levels = ((config && config.hotspots && config.hotspots.levels) || [0.1, 0.05, 0.01])
    .map(Number).sort((a, b) => b - a);
  GI_BINS.length = 0;
  for (const bin of [3, 2, 1, 0, -1, -2, -3]) {
    const level = levels[Math.abs(bin) - 1];
    const label = bin === 0 ? "不显著 not significant"
      : (bin > 0 ? "热点 hot spot, " : "冷点 cold spot, ") + confidence(level) + " 置信 confidence";
    GI_BINS.push({ key: bin, label, colour: GI_COLOURS[String(bin)], confidence: bin ? confidence(level) : "" });
  }
  RISK_COLOURS.length = 0;
  for (const c of (config && config.risk && config.risk.colours) || []) {
    RISK_COLOURS.push({ key: c.key, label: COLOUR_WORDS[c.key] || c.key, colour: c.colour || NO_DATA, min: c.min_score });
  }
  for (const key of Object.keys(RISK_FACTORS)) delete RISK_FACTORS[key];
  Object.assign(RISK_FACTORS, (config && config.risk && config.risk.factors) || {});
}

/**
 * The class of a code in a list (undefined when unknown).
 * @param {Klass[]} list
 * @param {string | number | null | undefined} key
 * @returns {Klass | undefined}
 */
export function klass(list, key) {
  return list.find((k) => k.key === key);
}

/**
 * A class's colour, or grey.
 * @param {Klass[]} list
 * @param {string | number | null | undefined} key
 */
export function colourOf(list, key) {
  const found = klass(list, key);
  return found ? found.colour : NO_DATA;
}

/**
 * A class's words, or the code itself.
 * @param {Klass[]} list
 * @param {string | number | null | undefined} key
 */
export function labelOfClass(list, key) {
  const found = klass(list, key);
  return found ? found.label : String(key == null ? "—" : key);
}
