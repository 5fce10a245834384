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
