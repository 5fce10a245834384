// @ts-check
/* Which profile this page shows: ?code= a region (12 digits), a grid (15) or a micro-grid (17). */

export const CODE = (new URLSearchParams(window.location.search).get("code") || "").trim();
export const IS_REGION = /^\d{12}$/.test(CODE);
export const IS_GRID = /^(\d{15}|\d{17})$/.test(CODE);

/** @param {string} code */
export function profileHref(code) {
  return "/profile?code=" + encodeURIComponent(code);
}
