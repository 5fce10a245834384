// @ts-check
/* Find my grid (找网格) on the public map: a click or an address gives the grid and its worker. */

import { ApiError, getJson } from "../lib/api.js";
import { $, h } from "../lib/dom.js";
import L from "../lib/leaflet.js";
import { NOT_IN_GRID, findPopupHtml, messageHtml } from "./popups.js";

/**
 * Which grid is at this point and who serves it. ``tile`` = the grid's tile properties when the
 * click was on a drawn grid (shown at once, while asking).
 * @param {any} map
 * @param {any} latlng
 * @param {{code: string, name: string} | null} tile
 */
export function findAt(map, latlng, tile) {
  const first = tile ? findPopupHtml({ grid: { code: tile.code, name: tile.name } }, true)
    : messageHtml("查询中 looking up…", "pending");
  const popup = L.popup().setLatLng(latlng).setContent(first).openOn(map);
  const url = "/public/find?lon=" + latlng.lng.toFixed(7) + "&lat=" + latlng.lat.toFixed(7);
  getJson(url).then((found) => {
    popup.setContent(findPopupHtml(found));
  }).catch((err) => {
    if (err instanceof ApiError && err.status === 404) {
      popup.setContent(messageHtml(NOT_IN_GRID, "outside"));
    } else if (err instanceof ApiError) {
      popup.setContent(messageHtml(err.detail, "error"));
    } else {
      popup.setContent(messageHtml("查询失败 lookup failed: " + err.message, "error"));
    }
  });
}

/**
 * A click anywhere asks which grid is there; a click on a drawn grid reaches the grid layer
 * first, so its code and name show while asking.
 * @param {any} map
 * @param {any} grids the grid layer
 */
export function findOnClick(map, grids) {
  /** @type {{event: Event, properties: any} | null} */
  let hit = null;
  grids.on("click", (/** @type {any} */ e) => {
    hit = { event: e.originalEvent, properties: e.layer.properties };
  });
  map.on("click", (/** @type {any} */ e) => {
    const tile = hit && hit.event === e.originalEvent ? hit.properties : null;
    hit = null;
    findAt(map, e.latlng, tile);
  });
}

/**
 * The address search (#find-form): a list of matches; a match flies there and opens its popup.
 * @param {any} map
 */
export function findControl(map) {
  const form = $("find-form");
  const input = $("find-address");
  const results = $("find-results");
  if (!form || !input || !results) return;
  L.DomEvent.disableClickPropagation(results);
  L.DomEvent.disableScrollPropagation(results);

  function clear() {
    results.textContent = "";
    results.hidden = false;
    const close = h("button", { type: "button", class: "close", "aria-label": "关闭 close" }, "×");
    close.addEventListener("click", () => { results.hidden = true; });
    results.appendChild(close);
  }

  /**
   * @param {string} text
   * @param {string} [kind]
   */
  function say(text, kind) {
    clear();
    results.appendChild(h("p", { class: "find-message " + (kind || "") }, text));
    results.dataset.state = kind || "message";
  }

  /** @param {any} match */
  function open(match) {
    const latlng = L.latLng(match.lat, match.lon);
    const found = { grid: match.grid, worker: match.worker };
    map.once("moveend", () => {
      L.popup({ autoPan: false }).setLatLng(latlng).setContent(findPopupHtml(found)).openOn(map);
    });
    map.flyTo(latlng, Math.max(map.getZoom(), 16), { duration: 0.6 });
  }

  /** @param {any} m */
  function matchItem(m) {
    const button = h("button", { type: "button", class: "match" }, [
      h("span", { class: "address" }, m.address),
      h("span", { class: "grid" }, m.grid ? m.grid.code + " " + m.grid.name : NOT_IN_GRID),
      h("span", { class: "phone" }, m.worker && m.worker.service_phone
        ? "☎ " + m.worker.service_phone : "")
    ]);
    if (m.grid && m.lat != null && m.lon != null) {
      button.addEventListener("click", () => open(m));
    } else {
      /** @type {HTMLButtonElement} */ (button).disabled = true;
    }
    return h("li", null, button);
  }

  form.addEventListener("submit", (/** @type {Event} */ event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    results.dataset.state = "pending";
    getJson("/public/find?address=" + encodeURIComponent(text)).then((data) => {
      const matches = (data && data.matches) || [];
      if (!matches.length) {
        say("没有找到 no address matches “" + text + "”", "empty");
        return;
      }
      clear();
      results.appendChild(h("ol", { class: "matches" }, matches.map(matchItem)));
      results.dataset.state = "matches";
    }).catch((err) => {
      if (err instanceof ApiError && err.status === 404) {
        say("没有找到 no address matches “" + text + "”", "empty");
      } else if (err instanceof ApiError) {
        say(err.detail, "error");
      } else {
        say("查询失败 lookup failed: " + err.message, "error");
      }
    });
  });
}
