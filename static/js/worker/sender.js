// @ts-check
/* The page's side of the outbox: queue an item and try to send at once; send again when the
   connection returns, on load and every half minute while items wait (and ask the service worker
   for a Background Sync, where there is one); show how many wait, and those the server refused
   (to retry or discard). Whatever is sent is announced to the listeners (reports, check-ins). */

import { csrfToken, loginUrl } from "../lib/api.js";
import { config } from "../lib/config.js";
import { $, fill, h } from "../lib/dom.js";
import { formatTime } from "../lib/format.js";
import { CHANNEL, SYNC_TAG, fetchTransport, flush } from "./outbox.js";
import { addItem, allItems, removeItem, setMeta } from "./store.js";

const RETRY_MS = 30_000;
const HAS_CHANNEL = typeof BroadcastChannel !== "undefined";
/** @type {((message: any) => void)[]} */
const listeners = [];
let sending = false;
let again = false;

/** @returns {string} the signed-in worker */
export function username() {
  const c = config();
  return (c && c.user && c.user.username) || "";
}

/**
 * Hear each item sent ({type: "sent", kind, result}) or refused ({type: "refused", …}).
 * @param {(message: any) => void} listener
 */
export function onOutbox(listener) {
  listeners.push(listener);
}

/** @param {any} message */
function tell(message) {
  for (const listener of listeners) listener(message);
}

/** @param {import("./store.js").OutboxItem} item */
function describe(item) {
  if (item.kind === "report") {
    return "上报 report: " + (item.body && item.body.title) + (item.photos && item.photos.length
      ? " · " + item.photos.length + " 张照片 photo(s)" : "") + (item.eventId ? " · #" + item.eventId : "");
  }
  if (item.kind === "points") return "轨迹 patrol #" + item.patrolId + ": " + (item.points || []).length + " 点 points";
  return "结束巡查 stop patrol #" + item.patrolId;
}

/** Count and list what waits (this worker's). */
export async function showOutbox() {
  const mine = (await allItems()).filter((i) => i.username === username());
  const count = $("outbox-count");
  count.textContent = "待发送 queued: " + mine.length;
  count.dataset.count = String(mine.length);
  count.classList.toggle("waiting", mine.length > 0);
  $("outbox").hidden = mine.length === 0;
  fill("outbox-items", mine.map((item) => {
    const discard = h("button", { type: "button", class: "small" }, "放弃 Discard");
    discard.addEventListener("click", async () => {
      if (!window.confirm("放弃这一项？它将不会被发送 · discard it? it will not be sent")) return;
      await removeItem(/** @type {number} */ (item.seq));
      showOutbox();
    });
    return h("li", { "data-seq": item.seq, "data-kind": item.kind, class: item.failed ? "failed" : "" }, [
      h("span", null, describe(item)), " ", h("span", { class: "hint" }, formatTime(item.created)),
      item.failed ? [h("div", { class: "action-message error" }, "被拒绝 refused: " + item.failed), discard] : null
    ]);
  }));
  return mine.length;
}

/**
 * Say that the session has ended (the outbox waits on the phone until the worker signs in).
 * @param {boolean} gone
 */
function signedOut(gone) {
  const note = $("outbox-signed-out");
  if (note) note.hidden = !gone;
  if (note && gone) note.querySelector("a").href = loginUrl();
}

/** Ask the service worker to send when the connection returns (Background Sync). */
async function askSync() {
  try {
    if (!("serviceWorker" in navigator)) return;
    const registration = /** @type {any} */ (await navigator.serviceWorker.getRegistration("/worker"));
    if (registration && registration.sync) await registration.sync.register(SYNC_TAG);
  } catch (err) { /* no Background Sync: the page sends on "online" and on load */ }
}

/**
 * Send what waits now (one round at a time; a call during a round runs another after it).
 * @param {{retryFailed?: boolean}} [options]
 */
export async function sendNow(options = {}) {
  if (sending) {
    again = true;
    return;
  }
  if (!navigator.onLine) { // no round while the phone knows it is offline: "online" starts one
    askSync();
    await showOutbox();
    return;
  }
  sending = true;
  const net = $("net");
  try {
    do {
      again = false;
      net.dataset.sending = "true";
      // what is sent is heard on the channel (from this page and the service worker alike)
      const result = await flush(fetchTransport(username(), () => csrfToken()), {
        notify: HAS_CHANNEL ? undefined : tell, retryFailed: options.retryFailed
      });
      if (result.stopped && result.left) askSync();
      signedOut(result.status === 401 || result.status === 403);
    } while (again);
  } catch (err) {
    console.warn("outbox:", err);
  } finally {
    sending = false;
    delete net.dataset.sending;
    await showOutbox();
  }
}

/**
 * Queue an item (kept on the phone first), then try to send it.
 * @param {import("./store.js").OutboxItem} item
 * @returns {Promise<number>} its seq
 */
export async function queue(item) {
  const seq = await addItem(item);
  await showOutbox();
  sendNow();
  return seq;
}

function showNet() {
  const net = $("net");
  net.dataset.online = String(navigator.onLine);
  net.textContent = navigator.onLine ? "在线 online" : "离线 offline";
}

/** Wire the outbox: the session for the service worker, the triggers, the view. */
export async function setUpSender() {
  const c = config();
  // the service worker sends as this worker, with this session's CSRF token
  await setMeta("session", {
    username: username(), csrf: csrfToken(), csrfCookie: (c && c.csrf_cookie) || "gridmap_csrf"
  });
  showNet();
  window.addEventListener("online", () => { showNet(); sendNow(); });
  window.addEventListener("offline", showNet);
  $("outbox-send").addEventListener("click", () => sendNow({ retryFailed: true }));
  if (HAS_CHANNEL) {
    const channel = new BroadcastChannel(CHANNEL);
    channel.onmessage = (e) => {
      if (e.data && e.data.type !== "changed") tell(e.data);
      showOutbox();
    };
  }
  window.setInterval(async () => {
    if (navigator.onLine && (await showOutbox()) > 0) sendNow();
  }, RETRY_MS);
  await showOutbox();
  sendNow();
}
