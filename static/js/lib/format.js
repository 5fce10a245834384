// @ts-check
/* Numbers, dates and empty values as the pages show them. */

/**
 * A count in Chinese grouping ("—" when unknown).
 * @param {unknown} value
 * @returns {string}
 */
export function num(value) {
  return value === null || value === undefined ? "—" : Number(value).toLocaleString("zh-CN");
}

/**
 * How many a list matches: exact, or "10,000+" when the server counted only that far.
 * @param {{ total: number | null, more_than?: number | null }} page
 * @returns {string}
 */
export function matched(page) {
  return page.total === null && page.more_than ? num(page.more_than) + "+" : num(page.total);
}

/**
 * The value, or "—" when empty.
 * @template T
 * @param {T} value
 * @returns {T | string}
 */
export function dash(value) {
  return value === null || value === undefined || value === "" ? "—" : value;
}

/**
 * @param {unknown[] | null | undefined} list
 * @returns {number}
 */
export function sum(list) {
  let total = 0;
  for (const value of list || []) total += Number(value) || 0;
  return total;
}

/**
 * A timestamp in local time, 24-hour clock.
 * @param {string | null | undefined} value
 * @returns {string}
 */
export function formatTime(value) {
  if (!value) return "";
  const date = new Date(value);
  return isNaN(date.getTime()) ? String(value) : date.toLocaleString("zh-CN", { hour12: false });
}

/**
 * A moment in ISO 8601 with the device's own zone offset (2026-11-30T09:15:00.250+08:00), as
 * the API wants times: with their zone (and milliseconds: two GPS fixes a second apart differ).
 * @param {Date | number} [moment] default: now
 * @returns {string}
 */
export function isoWithZone(moment) {
  const date = moment instanceof Date ? moment : new Date(moment === undefined ? Date.now() : moment);
  const pad = (/** @type {number} */ n) => String(Math.floor(Math.abs(n))).padStart(2, "0");
  const offset = -date.getTimezoneOffset();
  const zone = (offset >= 0 ? "+" : "-") + pad(offset / 60) + ":" + pad(offset % 60);
  return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) + "T" +
    pad(date.getHours()) + ":" + pad(date.getMinutes()) + ":" + pad(date.getSeconds()) + "." +
    String(date.getMilliseconds()).padStart(3, "0") + zone;
}

/**
 * A rate (0–1) as a percentage with one decimal ("—" when undefined: an empty cohort).
 * @param {number | null | undefined} rate
 * @returns {string}
 */
export function percent(rate) {
  return rate === null || rate === undefined ? "—" : (rate * 100).toFixed(1) + "%";
}
