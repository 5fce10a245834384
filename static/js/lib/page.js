// @ts-check
/* What every page's header and state share: who is signed in and the pages of their role, the
   demo-data note, the log-out button, and body[data-ready] (tests wait on it: the CSP forbids
   eval-based polling). */

import { logout } from "./api.js";
import { $, h } from "./dom.js";

/**
 * The role pages (events, cameras, analysis), and the roles each is for; a page that names a
 * ``permission`` is offered to whoever's configured role grants it (the API's own rule).
 * @typedef {{href: string, label: string, roles: string[], permission?: string}} RolePage
 */
export const ROLE_PAGES = /** @type {RolePage[]} */ ([
  { href: "/centre", label: "综治中心 Dispatch centre", roles: ["dispatcher", "admin", "viewer"] },
  {
    href: "/analytics", label: "研判分析 Analysis", roles: ["dispatcher", "admin", "viewer"],
    permission: "analytics:read"
  },
  { href: "/worker", label: "网格员 Grid worker", roles: ["grid_worker"] },
  { href: "/department", label: "职能部门 Department", roles: ["department"] },
  { href: "/cameras", label: "雪亮工程 Cameras", roles: ["engineer", "admin"] }
]);

/**
 * Whether the signed-in user may open a role page: by the permission it names when the
 * configuration lists the user's permissions, else by role.
 * @param {RolePage} page
 * @param {{role: string, permissions?: string[]}} user
 */
export function mayOpen(page, user) {
  if (page.permission && Array.isArray(user.permissions)) {
    return user.permissions.includes("*") || user.permissions.includes(page.permission);
  }
  return page.roles.includes(user.role);
}

/**
 * Links to the pages of the signed-in user's role, in the header's #nav (made before #user when
 * the page has none); the page itself is left out.
 * @param {{user?: {role: string, permissions?: string[]}} | null} config
 */
export function showNav(config) {
  const user = config && config.user;
  if (!user || !user.role) return;
  let nav = $("nav");
  if (!nav) {
    const box = $("user");
    if (!box || !box.parentNode) return;
    nav = h("nav", { id: "nav", class: "nav", "aria-label": "页面 pages" });
    box.parentNode.insertBefore(nav, box);
  }
  nav.textContent = "";
  for (const page of ROLE_PAGES) {
    if (!mayOpen(page, user) || window.location.pathname === page.href) continue;
    nav.appendChild(h("a", { class: "home nav-" + page.href.slice(1), href: page.href }, page.label));
  }
}

/**
 * "username · role · jurisdiction" in #user, and the role's pages in #nav.
 * @param {{user?: {username: string, role: string, jurisdiction: string}} | null} config
 */
export function showUser(config) {
  const box = $("user");
  if (!box || !config || !config.user) return;
  const who = config.user.username + " · " + config.user.role + " · " + config.user.jurisdiction;
  box.textContent = who;
  box.title = who;
  showNav(config);
}

/** @param {string} text */
export function showGeneratedNote(text) {
  const note = $("generated-note");
  if (!note) return;
  note.textContent = text;
  note.hidden = false;
}

/** The #logout button, when the page has one. */
export function wireLogout() {
  const button = $("logout");
  if (button) button.addEventListener("click", () => { logout(); });
}

/** @param {"true" | "error"} [state] */
export function markReady(state = "true") {
  /** @type {any} */ (window).gridmapReady = state === "true";
  document.body.dataset.ready = state;
}
