// @ts-check
/* The analysis' filters: region (a township of the jurisdiction, or all of it), category or
   group, channel, state, the value analysed (count or rate) and the period: two dates (the
   centre's days, in its configured time zone, whatever the browser's), presets of the last
   30, 90 and 365 days, and a slider that moves the period back month by month. Each API
   call's query is built here from them. */

import { vocabulary } from "../lib/config.js";
import { $, h } from "../lib/dom.js";
import { fillCategories, fillVocabulary } from "../lib/events.js";
import { isoWithZone } from "../lib/format.js";
import { state } from "./state.js";

const DAY_MS = 86_400_000;
/** The period shown first: the last year. */
export const DEFAULT_DAYS = 365;
/** How far back the slider reaches, in months. */
export const SLIDER_MONTHS = 24;

/** @returns {string} the centre's time zone (the configuration's), else the browser's */
export function timeZone() {
  const config = state.config && state.config.analytics;
  return (config && config.time_zone) || Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/**
 * A calendar date's parts, or null.
 * @param {string} value YYYY-MM-DD
 * @returns {[number, number, number] | null}
 */
function parts(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || "");
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

/**
 * A date as YYYY-MM-DD from a UTC date's calendar fields.
 * @param {Date} utc
 */
function ymd(utc) {
  return utc.toISOString().slice(0, 10);
}

/**
 * ``days`` days after a calendar date (negative: before).
 * @param {string} value YYYY-MM-DD
 * @param {number} days
 */
export function addDays(value, days) {
  const p = parts(value);
  if (!p) return value;
  return ymd(new Date(Date.UTC(p[0], p[1] - 1, p[2] + days)));
}

/**
 * ``months`` months after a calendar date, the day kept or clipped to the month's last.
 * @param {string} value YYYY-MM-DD
 * @param {number} months
 */
export function addMonths(value, months) {
  const p = parts(value);
  if (!p) return value;
  const first = new Date(Date.UTC(p[0], p[1] - 1 + months, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  first.setUTCDate(Math.min(p[2], last));
  return ymd(first);
}

/**
 * Days from one calendar date to another.
 * @param {string} from
 * @param {string} to
 */
export function daysBetween(from, to) {
  const a = parts(from);
  const b = parts(to);
  if (!a || !b) return NaN;
  return Math.round((Date.UTC(b[0], b[1] - 1, b[2]) - Date.UTC(a[0], a[1] - 1, a[2])) / DAY_MS);
}

/** @returns {string} today in the centre's time zone (YYYY-MM-DD) */
export function today() {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone: timeZone(), year: "numeric", month: "2-digit", day: "2-digit"
  }).format(new Date());
}

/**
 * A time as the centre reads it: "2026-11-30 07:38" in its zone.
 * @param {string | null | undefined} value ISO 8601
 */
export function centreTime(value) {
  const time = Date.parse(value || "");
  if (Number.isNaN(time)) return value || "—";
  const found = Object.fromEntries(new Intl.DateTimeFormat("en-CA", {
    timeZone: timeZone(), year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
    minute: "2-digit", hourCycle: "h23"
  }).formatToParts(new Date(time)).map((p) => [p.type, p.value]));
  return found.year + "-" + found.month + "-" + found.day + " " + found.hour + ":" + found.minute;
}

/**
 * The zone's offset from UTC on a day ("+08:00").
 * @param {string} value YYYY-MM-DD
 */
function offsetOn(value) {
  const p = parts(value) || [1970, 1, 1];
  try {
    const named = new Intl.DateTimeFormat("en-US", { timeZone: timeZone(), timeZoneName: "longOffset" })
      .formatToParts(new Date(Date.UTC(p[0], p[1] - 1, p[2], 12)))
      .find((x) => x.type === "timeZoneName");
    const offset = named ? named.value.replace(/^GMT/, "") : "";
    return offset || "+00:00";
  } catch (e) {
    return isoWithZone(new Date(p[0], p[1] - 1, p[2])).slice(-6); // no longOffset: the browser's
  }
}

/**
 * The start of a day in the centre's zone, as the API wants a time (with its offset).
 * @param {string} value YYYY-MM-DD
 */
export function startOf(value) {
  return value + "T00:00:00" + offsetOn(value);
}

/**
 * Set the period: the last ``days`` days up to ``last`` (today by default), both included.
 * @param {number} days
 * @param {string} [last]
 */
export function setPeriod(days, last) {
  const end = last || today();
  $("f-until").value = end;
  $("f-since").value = addDays(end, 1 - days);
  followSlider();
}

/** Fill the selects from the configuration and set the default period. */
export function setUpFilters() {
  const config = state.config;
  const region = $("f-region");
  region.appendChild(h("option", { value: "" }, "全部 all of " + ((config && config.user &&
    config.user.jurisdiction) || "my jurisdiction")));
  for (const township of (config && config.legend) || []) {
    region.appendChild(h("option", { value: township.code }, township.name + " " + township.code));
  }
  fillCategories($("f-category"), { groups: true, empty: "全部 all" });
  fillVocabulary($("f-channel"), "event_channels", { empty: "全部 all" });
  if (!Object.keys(vocabulary("event_channels")).length) $("f-channel").disabled = true;
  const states = $("f-state");
  fillVocabulary(states, "event_states", { empty: "全部 all" });
  const open = (config && config.events && config.events.open_states) || [];
  if (open.length) {
    states.insertBefore(h("option", { value: open.join(",") }, "未结 open"), states.children[1] || null);
  }
  $("f-slide").min = String(-SLIDER_MONTHS);
  $("f-slide").max = "0";
  setPeriod(DEFAULT_DAYS);
}

/**
 * The period as the API wants it: from the first day's start to the start of the day after
 * the last, in the centre's zone; null when the dates are missing or the wrong way round.
 * @returns {{since: string, until: string, end: number, days: number} | null}
 */
export function period() {
  const since = $("f-since").value;
  const last = $("f-until").value;
  if (!parts(since) || !parts(last) || since > last) return null;
  const until = startOf(addDays(last, 1));
  return { since: startOf(since), until, end: Date.parse(until), days: daysBetween(since, last) + 1 };
}

/** The slider follows the dates: how many months before today the period ends. */
function followSlider() {
  const last = $("f-until").value;
  const back = Math.round(daysBetween(today(), last) / 30.44);
  $("f-slide").value = String(Math.max(-SLIDER_MONTHS, Math.min(0, back)));
  const found = period();
  $("f-slide-note").textContent = found
    ? $("f-since").value + " – " + last + " · " + found.days + " 天 days"
    : "时段有误 the period's dates are missing or reversed";
}

/** The slider moved: the period keeps its length and ends that many months before today. */
function slide() {
  const found = period();
  const days = found ? found.days : DEFAULT_DAYS;
  const back = Number($("f-slide").value);
  const end = back === 0 ? today() : addMonths(today(), back);
  $("f-until").value = end;
  $("f-since").value = addDays(end, 1 - days);
  const note = $("f-slide-note");
  note.textContent = $("f-since").value + " – " + end + " · " + days + " 天 days";
}

/** When the figures were last asked for (a refresh). */
let asked = Date.now();

/** The figures are asked for now (a refresh). */
export function stamp() {
  asked = Date.now();
}

/**
 * The "as at" time of the risk colours and emerging hot spots: the period's end when it was
 * past at the refresh, else null: now (then the API keeps the risk colours as this month's).
 * @returns {string | null}
 */
export function asAt() {
  const found = period();
  return found && found.end < asked ? found.until : null;
}

/** @returns {string} the chosen region's code ("" for the whole jurisdiction) */
export function regionCode() {
  return $("f-region").value;
}

/**
 * The events' filters: region, category, channel, state and, unless ``withPeriod`` is false,
 * the period.
 * @param {boolean} [withPeriod]
 * @returns {URLSearchParams}
 */
export function eventQuery(withPeriod = true) {
  const query = new URLSearchParams();
  for (const [id, name] of [["f-region", "region"], ["f-category", "category"], ["f-channel", "channel"],
    ["f-state", "state"]]) {
    const value = $(id).value;
    if (value) query.set(name, value);
  }
  const found = withPeriod ? period() : null;
  if (found) {
    query.set("since", found.since);
    query.set("until", found.until);
  }
  return query;
}

/**
 * The hot spots' query (GET /api/v1/analytics/hotspots).
 * @param {"gi_star" | "local_moran"} method
 */
export function hotspotQuery(method) {
  const query = eventQuery();
  query.set("method", method);
  query.set("rate", $("f-rate").value);
  return query;
}

/** The emerging hot spots' query: the periods end with the chosen period's end. */
export function emergingQuery() {
  const query = eventQuery(false);
  query.set("period", $("f-step").value);
  const at = asAt();
  if (at) query.set("at", at);
  return query;
}

/** The risk colours' query: the grids of the region, as at the period's end. */
export function riskQuery() {
  const query = new URLSearchParams();
  if (regionCode()) query.set("region", regionCode());
  const at = asAt();
  if (at) query.set("at", at);
  return query;
}

/**
 * Call ``apply`` when the filters change: selects at once, dates on "Refresh", presets at
 * once, the slider when let go.
 * @param {() => void} apply
 */
export function wireFilters(apply) {
  const form = $("filters");
  form.addEventListener("submit", (/** @type {Event} */ e) => {
    e.preventDefault();
    followSlider();
    apply();
  });
  for (const select of form.querySelectorAll("select")) select.addEventListener("change", apply);
  for (const input of [$("f-since"), $("f-until")]) input.addEventListener("change", followSlider);
  for (const button of form.querySelectorAll("button[data-days]")) {
    button.addEventListener("click", () => {
      setPeriod(Number(button.dataset.days));
      apply();
    });
  }
  const slider = $("f-slide");
  slider.addEventListener("input", slide);
  slider.addEventListener("change", () => {
    slide();
    apply();
  });
}
