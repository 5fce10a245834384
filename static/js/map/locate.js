// @ts-check
/* "Where am I" (定位) on the public map: only when the resident taps #locate does the page ask the
   browser for its position (the browser asks the resident); then the grid there is outlined and
   its card shown, as for a tap on the map. Refusal, no fix, a timeout, no geolocation at all or
   a page not served over HTTPS each get their own message. The browser's position is WGS84, as
   the grids are. */

import { $, h } from "../lib/dom.js";
import L from "../lib/leaflet.js";
import { findAt, message } from "./find.js";

const TITLE = "我在哪个网格 Where am I";
/** Our own limit: a permission prompt left unanswered never times out by itself. */
const GIVE_UP_MS = 30_000;
/** A fresh position each tap: the resident may have moved since. */
const OPTIONS = { enableHighAccuracy: true, timeout: 20_000, maximumAge: 0 };
const OTHER_WAYS = "可输入地址或点击地图查找 search your address or tap the map instead";

/** Why there is no position, by the GeolocationPositionError code: [data-state, words]. */
const FAILURES = /** @type {Record<number, [string, string]>} */ ({
  1: ["denied", "未获准使用位置 the location permission was refused: allow it for this site in the " +
    "browser's settings and tap 定位 again, or " + OTHER_WAYS],
  2: ["unavailable", "无法确定你的位置 your position is not available (no GPS or network fix): try " +
    "again, outdoors if you can, or " + OTHER_WAYS],
  3: ["timeout", "定位超时 finding your position took too long: try again, or " + OTHER_WAYS]
});

/**
 * Wire the #locate button.
 * @param {import("./find.js").Finder} finder
 */
export function locateButton(finder) {
  const button = $("locate");
  if (!button) return;
  /** the lookup (finder.asked) the position is for, while it is awaited */
  let waiting = 0;

  /** @returns {boolean} whether the answer just come is still wanted (and stop waiting) */
  function settle(/** @type {number} */ ticket) {
    const wanted = waiting === ticket && finder.asked === ticket;
    if (waiting === ticket) {
      waiting = 0;
      button.removeAttribute("aria-busy");
    }
    return wanted;
  }

  /**
   * @param {string} state
   * @param {string} text
   */
  function say(state, text) {
    finder.sheet.show(TITLE, message(text, "error"), state);
  }

  button.addEventListener("click", () => {
    if (waiting && waiting === finder.asked) return; // already asking
    if (!navigator.geolocation) {
      say("unsupported", "此浏览器不能定位 this browser cannot tell where you are: " + OTHER_WAYS);
      return;
    }
    if (!window.isSecureContext) {
      say("insecure", "浏览器只在 HTTPS 安全连接下提供位置 the browser gives your position only to a " +
        "page served over HTTPS: " + OTHER_WAYS);
      return;
    }
    const ticket = ++finder.asked;
    waiting = ticket;
    button.setAttribute("aria-busy", "true");
    finder.outline.hide();
    finder.sheet.show(TITLE, message("定位中 finding where you are…", "pending"), "locating");
    const giveUp = window.setTimeout(() => {
      if (settle(ticket)) say(...FAILURES[3]);
    }, GIVE_UP_MS);

    navigator.geolocation.getCurrentPosition((position) => {
      window.clearTimeout(giveUp);
      if (!settle(ticket)) return; // given up, or overtaken by another lookup
      const { latitude, longitude, accuracy } = position.coords;
      const here = L.latLng(latitude, longitude);
      finder.outline.mark(here, "me", accuracy);
      const note = h("p", { class: "where-note" },
        "你的位置 your position ±" + Math.round(accuracy) + " m");
      findAt(finder, here, {
        title: "你所在的网格 Your grid", view: "centre", extra: [note],
        outside: "你的位置不在本地图的任何网格内 where you are is not inside any grid of this map"
      });
    }, (error) => {
      window.clearTimeout(giveUp);
      if (settle(ticket)) say(...(FAILURES[error.code] || FAILURES[2]));
    }, OPTIONS);
  });
}
