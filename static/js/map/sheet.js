// @ts-check
/* The public map's results sheet (#find-results, 找网格): a bottom sheet on a phone, a panel at
   the top left on a wider screen. It holds an address's matches or a grid's card. On a phone
   its handle folds it (a tap, or a drag down; a drag up opens it again), and its height is kept
   in --sheet-h on .map-wrap so that the map's bottom controls stay above it. */

import { $, append } from "../lib/dom.js";
import L from "../lib/leaflet.js";

/** Phones: the layout of public.css below this width (keep the two in step). */
const PHONE = window.matchMedia("(max-width: 640px)");
/** How far (px) a drag of the handle must go to fold or open the sheet. */
const DRAG = 36;

/** @returns {boolean} whether the phone layout (bottom sheet, search bar over the map) is on */
export function isPhone() {
  return PHONE.matches;
}

/**
 * @typedef {object} Sheet
 * @property {(title: string, body: import("../lib/dom.js").Child, state: string,
 *   back?: () => void) => void} show show ``body`` under ``title``, unfolded; ``state`` goes to
 *   data-state (tests wait on it); ``back``, when given, is what the head's back button does
 * @property {() => void} hide
 * @property {(folded: boolean) => void} fold
 * @property {() => {top: number, bottom: number, left: number}} covered how many pixels of the
 *   map the search bar (top), the sheet (bottom, phones) or the panel (left, wide) hide
 * @property {HTMLElement} node
 */

/**
 * The sheet in #find-results (its head and body are in the page).
 * @param {any} map
 * @returns {Sheet}
 */
export function createSheet(map) {
  const node = $("find-results");
  const title = $("sheet-title");
  const body = $("sheet-body");
  const handle = $("sheet-handle");
  const wrap = node.parentElement;
  L.DomEvent.disableClickPropagation(node);
  L.DomEvent.disableScrollPropagation(node);

  function measure() {
    const height = node.hidden || !isPhone() ? 0 : node.offsetHeight;
    wrap.style.setProperty("--sheet-h", height + "px");
  }
  new ResizeObserver(measure).observe(node);
  PHONE.addEventListener("change", measure);

  /** @param {boolean} folded */
  function fold(folded) {
    node.dataset.folded = String(folded);
    handle.setAttribute("aria-expanded", String(!folded));
    measure();
  }

  const back = $("sheet-back");
  /** @type {(() => void) | null} */
  let goBack = null;
  back.addEventListener("click", () => { if (goBack) goBack(); });

  /** @type {Sheet["show"]} */
  function show(text, children, state, backTo) {
    goBack = backTo || null;
    back.hidden = !goBack;
    title.textContent = text;
    title.title = text;
    body.textContent = "";
    append(body, children);
    body.scrollTop = 0;
    node.dataset.state = state;
    node.hidden = false;
    fold(false);
  }

  function hide() {
    node.hidden = true;
    measure();
  }

  function covered() {
    const phone = isPhone();
    const form = $("find-form");
    const mapBox = map.getContainer().getBoundingClientRect();
    const top = phone && form ? Math.max(0, form.getBoundingClientRect().bottom - mapBox.top) : 0;
    const bottom = phone && !node.hidden ? node.offsetHeight : 0;
    const left = !phone && !node.hidden ? node.getBoundingClientRect().right - mapBox.left : 0;
    return { top, bottom, left };
  }

  $("sheet-close").addEventListener("click", hide);
  dragToFold(node, () => node.dataset.folded === "true", fold);
  return { show, hide, fold, covered, node };
}

/**
 * On a phone a tap on the sheet's head (or Enter/Space on its handle) folds or opens it, and so
 * does a drag of the head (down to fold, up to open), the sheet following the finger meanwhile.
 * @param {HTMLElement} node the sheet
 * @param {() => boolean} isFolded
 * @param {(folded: boolean) => void} fold
 */
function dragToFold(node, isFolded, fold) {
  const head = /** @type {HTMLElement} */ (node.querySelector(".sheet-head"));
  /** @type {{id: number, y: number, dy: number} | null} */
  let drag = null;
  let dragged = false;
  /** @param {Event} event */
  const onClose = (event) => event.target instanceof Element &&
    Boolean(event.target.closest(".close, .sheet-back"));

  head.addEventListener("pointerdown", (event) => {
    dragged = false;
    if (!isPhone() || onClose(event)) return;
    drag = { id: event.pointerId, y: event.clientY, dy: 0 };
  });
  head.addEventListener("pointermove", (event) => {
    if (!drag || event.pointerId !== drag.id) return;
    drag.dy = event.clientY - drag.y;
    if (!dragged && Math.abs(drag.dy) > 4) {
      dragged = true; // a drag, not a tap: follow the finger even off the head
      head.setPointerCapture(event.pointerId);
      node.classList.add("dragging");
    }
    // follow the finger down (to fold); an upward drag only opens, so it need not move
    const down = dragged && drag.dy > 0 && !isFolded();
    node.style.transform = down ? "translateY(" + drag.dy + "px)" : "";
  });
  /** @param {PointerEvent} event */
  function end(event) {
    if (!drag || event.pointerId !== drag.id) return;
    const dy = drag.dy;
    drag = null;
    node.style.transform = "";
    if (dragged && Math.abs(dy) > DRAG) {
      fold(dy > 0);
      // the sheet takes its new height where the finger left it, without sliding back first
      requestAnimationFrame(() => node.classList.remove("dragging"));
    } else {
      node.classList.remove("dragging"); // too short a drag: it slides back
    }
  }
  head.addEventListener("pointerup", end);
  head.addEventListener("pointercancel", end);
  head.addEventListener("click", (event) => {
    if (!isPhone() || onClose(event)) return;
    if (dragged) {
      dragged = false; // the drag has decided
      return;
    }
    fold(!isFolded());
  });
}
