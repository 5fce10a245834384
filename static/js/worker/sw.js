// @ts-check
/* The worker page's service worker, served as /worker-sw.js (scope /worker) and registered as a
   module. It sends the outbox when the connection returns (Background Sync, where the browser
   has it; the page itself also sends on "online" and on load), and keeps a copy of the page, its
   scripts and its configuration so that /worker opens with no connection (network first: a
   copy is used only when the network fails). */

import { SYNC_TAG, fetchTransport, flush } from "/static/js/worker/outbox.js";
import { getMeta } from "/static/js/worker/store.js";

const sw = /** @type {any} */ (globalThis);
const CACHE = "gridmap-worker-v1";
/** What is kept for opening the page offline (GET only, same origin). */
const KEPT = (/** @type {URL} */ url) => url.pathname === "/worker" ||
  url.pathname.startsWith("/static/") || url.pathname === "/api/v1/map/config";

/** The CSRF token: the cookie itself where the Cookie Store API exists, else the page's copy. */
async function csrf() {
  const session = (await getMeta("session")) || {};
  const store = sw.cookieStore;
  if (store && session.csrfCookie) {
    try {
      const found = await store.get(session.csrfCookie);
      if (found && found.value) return found.value;
    } catch (err) { /* fall back to the page's copy */ }
  }
  return session.csrf || "";
}

/** Send the signed-in worker's queue; throws while items wait, so that Sync tries again. */
async function sendQueue() {
  const session = await getMeta("session");
  if (!session || !session.username) return;
  const result = await flush(fetchTransport(session.username, csrf));
  if (result.stopped) throw new Error("still offline: " + result.left + " item(s) wait");
}

sw.addEventListener("install", () => { sw.skipWaiting(); });

sw.addEventListener("activate", (/** @type {any} */ event) => {
  event.waitUntil(sw.clients.claim());
});

sw.addEventListener("sync", (/** @type {any} */ event) => {
  if (event.tag === SYNC_TAG) event.waitUntil(sendQueue());
});

sw.addEventListener("message", (/** @type {any} */ event) => {
  const data = event.data || {};
  if (data.type === "keep" && Array.isArray(data.urls)) {
    // the page's own files, to open it offline next time
    event.waitUntil(caches.open(CACHE).then(async (cache) => {
      for (const url of data.urls) {
        try {
          const response = await fetch(url, { credentials: "same-origin" });
          if (response.ok && !response.redirected) await cache.put(url, response);
        } catch (err) { /* offline now: kept next time */ }
      }
    }));
  }
});

/** @param {Request} request */
async function networkFirst(request) {
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected && response.type === "basic") {
      const copy = response.clone();
      caches.open(CACHE).then((cache) => cache.put(request, copy)).catch(() => {});
    }
    return response;
  } catch (err) {
    const url = new URL(request.url);
    const kept = await caches.match(request, { ignoreSearch: url.pathname === "/worker" });
    if (kept) return kept;
    throw err;
  }
}

sw.addEventListener("fetch", (/** @type {any} */ event) => {
  const request = /** @type {Request} */ (event.request);
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== sw.location.origin || !KEPT(url)) return;
  event.respondWith(networkFirst(request));
});
