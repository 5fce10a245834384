// @ts-check
/* The one API client of the pages: JSON in and out, the session cookie, the CSRF header on unsafe
   methods, 401 to the login page (and back here after), and the server's error bodies
   ({"status", "detail", "field", …}) surfaced as ApiError. */

import { cookie } from "./dom.js";

/** Only until the configuration has said the cookie's name (its "csrf_cookie"). */
const DEFAULT_CSRF_COOKIE = "gridmap_csrf";
const CSRF_HEADER = "X-CSRF-Token";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

let csrfCookieName = DEFAULT_CSRF_COOKIE;

/**
 * The CSRF cookie's name as the server is configured (GRIDMAP_AUTH_CSRF_COOKIE_NAME); set by
 * lib/config.js once the configuration has loaded.
 * @param {string | null | undefined} name
 */
export function setCsrfCookieName(name) {
  if (name) csrfCookieName = name;
}

/** @returns {string} the token to echo in the CSRF header */
export function csrfToken() {
  return cookie(csrfCookieName);
}

/** A failed request: the status and the server's own words (and the whole body, e.g. problems). */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} detail
   * @param {string | null} [field]
   * @param {any} [body]
   */
  constructor(status, detail, field, body) {
    super(detail);
    this.name = "ApiError";
    this.status = status;
    this.detail = detail;
    this.field = field || null;
    this.body = body && typeof body === "object" ? body : {};
    /** true when the session is gone and the page is on its way to /login */
    this.signedOut = status === 401;
  }
}

/**
 * The login page, coming back to this page and query once signed in.
 * @returns {string}
 */
export function loginUrl() {
  const here = window.location.pathname + window.location.search;
  return "/login?next=" + encodeURIComponent(here).replace(/%2F/gi, "/");
}

/**
 * An error body's detail as text (a list of {loc, msg} is joined).
 * @param {any} detail
 * @param {number} status
 * @returns {string}
 */
function detailText(detail, status) {
  if (typeof detail === "string" && detail) return detail;
  if (Array.isArray(detail)) {
    return detail.map((e) => {
      const loc = (e && e.loc ? e.loc : []).filter((/** @type {unknown} */ p) => p !== "body").join(".");
      return (loc ? loc + ": " : "") + (e && e.msg ? e.msg : JSON.stringify(e));
    }).join("; ");
  }
  return detail ? JSON.stringify(detail) : "HTTP " + status;
}

/**
 * @typedef {object} RequestOptions
 * @property {unknown} [body] JSON-encoded, or sent as is when FormData
 * @property {Record<string, string>} [headers]
 * @property {AbortSignal} [signal]
 */

/**
 * @typedef {object} ApiResponse
 * @property {number} status
 * @property {any} data the parsed JSON body (null when empty)
 * @property {Headers} headers
 */

/**
 * One request. Resolves to {status, data, headers} when the status is 2xx; otherwise rejects
 * with an ApiError (after sending the browser to /login on 401).
 * @param {string} method
 * @param {string} url
 * @param {RequestOptions} [options]
 * @returns {Promise<ApiResponse>}
 */
export async function request(method, url, options = {}) {
  /** @type {Record<string, string>} */
  const headers = { Accept: "application/json", ...(options.headers || {}) };
  if (!SAFE_METHODS.has(method)) headers[CSRF_HEADER] = csrfToken();
  /** @type {RequestInit} */
  const init = { method, credentials: "same-origin", headers, signal: options.signal };
  if (options.body instanceof FormData) {
    init.body = options.body;
  } else if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(options.body);
  }
  const response = await fetch(url, init);
  if (response.status === 401) {
    window.location.assign(loginUrl());
    throw new ApiError(401, "signed out 已退出登录");
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch (e) {
    data = { detail: text };
  }
  if (!response.ok) {
    throw new ApiError(response.status, detailText(data && data.detail, response.status),
      data && data.field, data);
  }
  return { status: response.status, data, headers: response.headers };
}

/**
 * GET a JSON document.
 * @param {string} url
 * @param {RequestOptions} [options]
 * @returns {Promise<any>}
 */
export async function getJson(url, options) {
  return (await request("GET", url, options)).data;
}

/**
 * POST (or PATCH, PUT, DELETE) a JSON body; the parsed answer.
 * @param {string} method
 * @param {string} url
 * @param {unknown} [body]
 * @param {Record<string, string>} [headers]
 * @returns {Promise<any>}
 */
export async function sendJson(method, url, body, headers) {
  return (await request(method, url, { body, headers })).data;
}

/**
 * A multipart upload (files and fields).
 * @param {string} url
 * @param {FormData} form
 * @returns {Promise<any>}
 */
export async function upload(url, form) {
  return (await request("POST", url, { body: form })).data;
}

/** Revoke the session (and its cookies), then go to the public map whatever the answer. */
export function logout() {
  return fetch("/api/v1/auth/logout", {
    method: "POST",
    credentials: "same-origin",
    headers: { [CSRF_HEADER]: csrfToken() }
  }).catch(() => null).finally(() => window.location.assign("/"));
}

/**
 * Whether an error needs no message: the page is on its way to the login page, or the request
 * was given up on purpose.
 * @param {unknown} err
 * @returns {boolean}
 */
export function isQuiet(err) {
  const e = /** @type {any} */ (err);
  return Boolean(e && (e.signedOut || e.name === "AbortError"));
}
