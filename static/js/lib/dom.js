// @ts-check
/* DOM helpers shared by the pages: look-ups, an element builder and HTML escaping. */

const SVG_NS = "http://www.w3.org/2000/svg";

/** @typedef {Record<string, string | number | boolean | null | undefined>} Attrs */
/** @typedef {Node | string | number | null | undefined | false | any[]} Child nested lists too */

/**
 * The element with this id (typed loosely: pages read .value, .files, .disabled … from it).
 * @param {string} id
 * @returns {any}
 */
export function $(id) {
  return document.getElementById(id);
}

/**
 * Set attributes; null, undefined and false are left out, true is an empty attribute.
 * @param {Element} node
 * @param {Attrs | null | undefined} attrs
 */
function setAttrs(node, attrs) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    node.setAttribute(key, value === true ? "" : String(value));
  }
}

/**
 * Append children: nodes, text (strings and numbers) and nested lists; empty ones are skipped.
 * @param {Node} node
 * @param {Child} children
 */
export function append(node, children) {
  if (children === null || children === undefined || children === false) return;
  const list = Array.isArray(children) ? children : [children];
  for (const child of list) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

/**
 * An HTML element: h("td", {class: "num", "data-x": 1}, [child, "text", …]).
 * @param {string} tag
 * @param {Attrs | null} [attrs]
 * @param {Child} [children]
 * @returns {HTMLElement}
 */
export function h(tag, attrs, children) {
  const node = document.createElement(tag);
  setAttrs(node, attrs);
  append(node, children);
  return node;
}

/**
 * An SVG element, as h() builds HTML ones.
 * @param {string} tag
 * @param {Attrs | null} [attrs]
 * @param {Child} [children]
 * @returns {SVGElement}
 */
export function s(tag, attrs, children) {
  const node = /** @type {SVGElement} */ (document.createElementNS(SVG_NS, tag));
  setAttrs(node, attrs);
  append(node, children);
  return node;
}

/**
 * Replace the children of the element with this id.
 * @param {string} id
 * @param {Child} children
 * @returns {HTMLElement}
 */
export function fill(id, children) {
  const node = $(id);
  node.textContent = "";
  append(node, children);
  return node;
}

/** @param {string} id */
export function show(id) {
  $(id).hidden = false;
}

/**
 * Text made safe for innerHTML.
 * @param {unknown} value
 * @returns {string}
 */
export function escapeHtml(value) {
  const map = /** @type {Record<string, string>} */ ({
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"
  });
  return String(value == null ? "" : value).replace(/[&<>"']/g, (c) => map[c]);
}

/**
 * A cookie's value ("" when unset).
 * @param {string} name
 * @returns {string}
 */
export function cookie(name) {
  const prefix = name + "=";
  for (const part of document.cookie ? document.cookie.split("; ") : []) {
    if (part.startsWith(prefix)) return decodeURIComponent(part.slice(prefix.length));
  }
  return "";
}

/**
 * Run ``action`` on a click, and on Enter or Space for keyboard users.
 * @param {HTMLElement} node
 * @param {() => void} action
 */
export function onActivate(node, action) {
  node.addEventListener("click", action);
  node.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      action();
    }
  });
}
