// @ts-check
/* Find my grid (找网格) on the public map: a tap on the map, an address or the resident's own
   position gives the grid, outlined on the map, and a card with its code, name and the grid
   worker's service phone, in the results sheet (a bottom sheet on a phone). */

import { ApiError, getJson } from "../lib/api.js";
import { $, h } from "../lib/dom.js";
import L from "../lib/leaflet.js";
import { createOutline } from "./outline.js";
import { NOT_IN_GRID, gridCardHtml, messageHtml } from "./popups.js";
import { createSheet, isPhone } from "./sheet.js";

/**
 * @typedef {object} Finder the public map's find-my-grid parts
 * @property {any} map
 * @property {import("./sheet.js").Sheet} sheet
 * @property {import("./outline.js").Outline} outline
 * @property {number} asked the latest lookup (answers to older ones are dropped)
 */

/**
 * @param {any} map
 * @returns {Finder}
 */
export function createFinder(map) {
  return { map, sheet: createSheet(map), outline: createOutline(map), asked: 0 };
}

/**
 * An element from one of popups.js's HTML strings.
 * @param {string} html
 * @returns {Element}
 */
function fromHtml(html) {
  const box = document.createElement("div");
  box.innerHTML = html;
  return /** @type {Element} */ (box.firstElementChild);
}

/**
 * A message in the sheet.
 * @param {string} text
 * @param {string} kind pending, outside, error
 */
export function message(text, kind) {
  return fromHtml(messageHtml(text, kind));
}

/**
 * Why a lookup failed, in the resident's words.
 * @param {any} err
 */
function failure(err) {
  return err instanceof ApiError ? err.detail : "查询失败 lookup failed: " + err.message;
}

/**
 * Move the map, with #find-results[data-view] "moving" until the move ends, then "still".
 * @param {Finder} finder
 * @param {() => void} move
 */
function moveMap(finder, move) {
  const node = finder.sheet.node;
  node.dataset.view = "moving";
  finder.map.once("moveend", () => { node.dataset.view = "still"; });
  move();
}

/**
 * Show ``latlng`` in the middle of the part of the map the search bar and the sheet leave
 * visible (phones), at ``zoom``.
 * @param {Finder} finder
 * @param {any} latlng
 * @param {number} zoom
 */
function centreOn(finder, latlng, zoom) {
  const { map } = finder;
  const covered = finder.sheet.covered();
  const shift = L.point(0, (covered.top - covered.bottom) / 2);
  const target = map.unproject(map.project(latlng, zoom).subtract(shift), zoom);
  moveMap(finder, () => map.flyTo(target, zoom, { duration: 0.6 }));
}

/**
 * The zoom at which the whole of ``bounds`` shows with ``latlng`` in the middle of the visible
 * part of the map (the bounds mirrored about the point must fit), between 12 and 17.
 * @param {Finder} finder
 * @param {any} latlng
 * @param {any} bounds
 */
function zoomShowing(finder, latlng, bounds) {
  const covered = finder.sheet.covered();
  const sw = bounds.getSouthWest();
  const ne = bounds.getNorthEast();
  const mirrored = L.latLngBounds([
    [2 * latlng.lat - sw.lat, 2 * latlng.lng - sw.lng],
    [2 * latlng.lat - ne.lat, 2 * latlng.lng - ne.lng]
  ]).extend(bounds);
  const padding = L.point(48 + covered.left, 48 + covered.top + covered.bottom);
  // a whole zoom: vector tiles scaled to a half zoom draw their lines thicker
  const zoom = Math.floor(finder.map.getBoundsZoom(mirrored, false, padding));
  return Math.max(12, Math.min(17, zoom));
}

/**
 * Show a grid's card in the sheet and outline the grid; ``view`` says how the map moves:
 * "keep" (only so far that the point is not under the sheet) or "centre" on the point, zoomed
 * so that the whole grid shows.
 * @param {Finder} finder
 * @param {any} latlng where the grid was found from
 * @param {{grid: {code: string, name: string}, worker?: any}} found
 * @param {{title: string, view: "keep" | "centre", extra?: Element[], back?: () => void}} how
 */
export function showGrid(finder, latlng, found, how) {
  const { map, sheet, outline } = finder;
  const ticket = finder.asked;
  sheet.show(how.title, [...(how.extra || []), fromHtml(gridCardHtml(found))], "found", how.back);
  sheet.node.dataset.grid = found.grid.code;
  const drawn = outline.show(found.grid.code, latlng).catch((err) => {
    console.warn("the outline of grid " + found.grid.code + " could not be drawn:", err);
    return null;
  });
  if (how.view === "centre") {
    sheet.node.dataset.view = "moving";
    drawn.then((bounds) => {
      if (ticket !== finder.asked) return;
      const zoom = bounds ? zoomShowing(finder, latlng, bounds) : Math.max(map.getZoom(), 16);
      centreOn(finder, latlng, zoom);
    });
  } else if (isPhone()) {
    const covered = sheet.covered();
    map.panInside(latlng, {
      paddingTopLeft: [24, 24 + covered.top], paddingBottomRight: [24, 24 + covered.bottom]
    });
  }
}

/**
 * Which grid is at this point and who serves it. ``tile`` = the grid's tile properties when the
 * tap was on a drawn grid (shown at once, while asking).
 * @param {Finder} finder
 * @param {any} latlng
 * @param {{tile?: {code: string, name: string} | null, title?: string, view?: "keep" | "centre",
 *   extra?: Element[], outside?: string}} [how]
 * @returns {Promise<any>} the answer, or null (outside every grid, failed, or overtaken)
 */
export async function findAt(finder, latlng, how = {}) {
  const { sheet, outline } = finder;
  const ticket = ++finder.asked;
  const title = how.title || "网格 Grid";
  const extra = how.extra || [];
  outline.hide();
  sheet.node.dataset.grid = "";
  const first = how.tile ? fromHtml(gridCardHtml({ grid: how.tile }, true))
    : message("查询中 looking up…", "pending");
  sheet.show(title, [...extra, first], "pending");
  const url = "/public/find?lon=" + latlng.lng.toFixed(7) + "&lat=" + latlng.lat.toFixed(7);
  try {
    const found = await getJson(url);
    if (ticket !== finder.asked) return null;
    showGrid(finder, latlng, found, { title, view: how.view || "keep", extra });
    return found;
  } catch (err) {
    if (ticket !== finder.asked) return null;
    if (err instanceof ApiError && err.status === 404) {
      sheet.show(title, [...extra, message(how.outside || NOT_IN_GRID, "outside")], "outside");
      if (how.view === "centre") {
        centreOn(finder, latlng, Math.max(finder.map.getZoom(), 15));
      }
    } else {
      sheet.show(title, [...extra, message(failure(err), "error")], "error");
    }
    return null;
  }
}

/**
 * A tap anywhere asks which grid is there; a tap on a drawn grid reaches the grid layer first,
 * so its code and name show while asking.
 * @param {Finder} finder
 * @param {any} grids the grid layer
 */
export function findOnClick(finder, grids) {
  /** @type {{event: Event, properties: any} | null} */
  let hit = null;
  grids.on("click", (/** @type {any} */ e) => {
    hit = { event: e.originalEvent, properties: e.layer.properties };
  });
  finder.map.on("click", (/** @type {any} */ e) => {
    const tile = hit && hit.event === e.originalEvent ? hit.properties : null;
    hit = null;
    finder.outline.unmark();
    findAt(finder, e.latlng, { tile });
  });
}

/**
 * The address search (#find-form): a list of matches in the sheet; a match shows its grid's
 * card (the sheet's back button returns to the list), outlines the grid and centres the map on
 * the building.
 * @param {Finder} finder
 */
export function findControl(finder) {
  const { sheet, outline } = finder;
  const form = $("find-form");
  const input = $("find-address");
  if (!form || !input) return;

  /**
   * @param {string} text
   * @param {any[]} matches
   */
  function list(text, matches) {
    const title = "“" + text + "” " + matches.length + " 个结果 results";
    sheet.show(title, h("ol", { class: "matches" }, matches.map((m) => matchItem(text, matches, m))),
      "matches");
  }

  /**
   * @param {string} text
   * @param {any[]} matches
   * @param {any} m
   */
  function matchItem(text, matches, m) {
    const button = h("button", { type: "button", class: "match" }, [
      h("span", { class: "address" }, m.address),
      h("span", { class: "grid" }, m.grid ? m.grid.code + " " + m.grid.name : NOT_IN_GRID),
      h("span", { class: "phone" }, m.worker && m.worker.service_phone
        ? "☎ " + m.worker.service_phone : "")
    ]);
    if (m.grid && m.lat != null && m.lon != null) {
      button.addEventListener("click", () => {
        finder.asked += 1; // a lookup under way must not replace this
        const latlng = L.latLng(m.lat, m.lon);
        const back = () => {
          finder.asked += 1;
          list(text, matches);
          outline.hide();
          outline.unmark();
        };
        outline.mark(latlng, "building");
        showGrid(finder, latlng, { grid: m.grid, worker: m.worker },
          { title: m.address, view: "centre", back });
      });
    } else {
      /** @type {HTMLButtonElement} */ (button).disabled = true;
    }
    return h("li", null, button);
  }

  form.addEventListener("submit", (/** @type {Event} */ event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    if (isPhone()) input.blur(); // the keyboard goes, the sheet shows
    const ticket = ++finder.asked;
    outline.hide();
    outline.unmark();
    const empty = "没有找到 no address matches “" + text + "”";
    sheet.show("查找 searching “" + text + "”", message("查询中 looking up…", "pending"), "pending");
    getJson("/public/find?address=" + encodeURIComponent(text)).then((data) => {
      if (ticket !== finder.asked) return;
      const matches = (data && data.matches) || [];
      if (matches.length) list(text, matches);
      else sheet.show("没有找到 not found", message(empty, "outside"), "empty");
    }).catch((err) => {
      if (ticket !== finder.asked) return;
      if (err instanceof ApiError && err.status === 404) {
        sheet.show("没有找到 not found", message(empty, "outside"), "empty");
      } else {
        sheet.show("查找 search", message(failure(err), "error"), "error");
      }
    });
  });
}
