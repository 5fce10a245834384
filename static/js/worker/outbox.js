// @ts-check
/* Sending the outbox (worker/store.js), from the page or the service worker, one sender at a
   time (a Web Lock shared by both), oldest item first. Nothing is lost and nothing is taken in
   twice:
   - a report carries its client-made source_ref, so sending it again returns the same event
     (200, repeated); its event id is saved as soon as known;
   - its photos are uploaded after the event exists, and only when the event has none of this
     worker's yet (an upload whose answer was lost is not repeated);
   - a point batch sent again adds nothing (the server drops points it has);
   - an item is removed only once the server has it. A network failure (or 5xx, 401) stops the
     round and keeps everything; a refusal (4xx) marks the item failed, kept for the worker to
     see, retry or discard; a batch of an ended patrol (409) cannot be sent and is dropped.
     401 and 403 (signed out, a stale CSRF token) keep everything too, until the worker signs in.
   Changes are announced on the BroadcastChannel "gridmap-worker-outbox". */

import { allItems, putItem, removeItem } from "./store.js";

export const CHANNEL = "gridmap-worker-outbox";
export const SYNC_TAG = "gridmap-worker-outbox";
const LOCK = "gridmap-worker-outbox";

/** A failed request: ``kind`` network (keep, stop), server (keep, stop) or refused. */
export class SendError extends Error {
  /**
   * @param {"network" | "server" | "refused"} kind
   * @param {number} status
   * @param {string} detail
   */
  constructor(kind, status, detail) {
    super(detail);
    this.name = "SendError";
    this.kind = kind;
    this.status = status;
  }
}

/**
 * @typedef {object} Transport
 * @property {string} username whose items it sends
 * @property {(method: string, url: string, body?: any) => Promise<any>} send the answer's JSON
 */

/**
 * A transport by fetch with the session cookie and the CSRF header.
 * @param {string} username
 * @param {() => Promise<string> | string} csrf the CSRF token
 * @returns {Transport}
 */
export function fetchTransport(username, csrf) {
  return {
    username,
    async send(method, url, body) {
      /** @type {Record<string, string>} */
      const headers = { Accept: "application/json" };
      if (method !== "GET") headers["X-CSRF-Token"] = await csrf();
      /** @type {RequestInit} */
      const init = { method, headers, credentials: "same-origin", cache: "no-store" };
      if (body instanceof FormData) init.body = body;
      else if (body !== undefined) {
        headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(body);
      }
      let response;
      try {
        response = await fetch(url, init);
      } catch (err) {
        throw new SendError("network", 0, "离线 offline: " + String(err));
      }
      const text = await response.text();
      /** @type {any} */
      let data = null;
      try {
        data = text ? JSON.parse(text) : null;
      } catch (err) {
        data = { detail: text };
      }
      if (!response.ok) {
        const detail = data && typeof data.detail === "string" ? data.detail : "HTTP " + response.status;
        // the session (401), its CSRF token (403) or the server failing: keep it, try later
        const kind = response.status >= 500 || [401, 403, 408, 429].includes(response.status)
          ? "server" : "refused";
        throw new SendError(kind, response.status, detail);
      }
      return data;
    }
  };
}

/**
 * One item sent; what the server said.
 * @param {import("./store.js").OutboxItem} item
 * @param {Transport} t
 */
async function sendItem(item, t) {
  if (item.kind === "points") {
    return t.send("POST", "/api/v1/patrols/" + item.patrolId + "/points", { points: item.points });
  }
  if (item.kind === "stop") return t.send("POST", "/api/v1/patrols/" + item.patrolId + "/stop");
  /** @type {any} */
  let event = null;
  if (!item.eventId) {
    event = await t.send("POST", "/api/v1/events", item.body);
    item.eventId = event.id;
    await putItem(item);
  }
  const photos = item.photos || [];
  if (photos.length && !item.photosSent) {
    const now = await t.send("GET", "/api/v1/events/" + item.eventId);
    const mine = (now.attachments || []).filter((/** @type {any} */ a) => a.uploaded_by === t.username);
    if (!mine.length) {
      const form = new FormData();
      for (const p of photos) form.append("files", new File([p.blob], p.name, { type: p.type }));
      await t.send("POST", "/api/v1/events/" + item.eventId + "/attachments", form);
    }
    item.photosSent = true;
    await putItem(item);
  }
  return event || { id: item.eventId };
}

/**
 * @typedef {object} FlushResult
 * @property {number} sent
 * @property {number} left items still queued for this worker (failed ones included)
 * @property {boolean} stopped a network (or server) failure ended the round
 * @property {number} status what ended it: 0 no connection, else the HTTP status (401 signed out)
 */

/**
 * Run ``job`` alone among the page and the service worker.
 * @template T
 * @param {() => Promise<T>} job
 * @returns {Promise<T>}
 */
function alone(job) {
  const locks = /** @type {any} */ (globalThis.navigator).locks;
  return locks ? locks.request(LOCK, job) : job();
}

/**
 * @param {any} message
 */
function announce(message) {
  try {
    const channel = new BroadcastChannel(CHANNEL);
    channel.postMessage(message);
    channel.close();
  } catch (err) { /* no BroadcastChannel: the page counts again on its own */ }
}

/**
 * Send this worker's queued items, oldest first. ``notify`` hears each item sent or refused;
 * ``retryFailed`` sends refused items again too.
 * @param {Transport} t
 * @param {{notify?: (message: any) => void, retryFailed?: boolean}} [options]
 * @returns {Promise<FlushResult>}
 */
export function flush(t, options = {}) {
  const { notify = () => {}, retryFailed = false } = options;
  return alone(async () => {
    let sent = 0;
    let stopped = false;
    let status = 0;
    const items = (await allItems()).filter((i) => i.username === t.username);
    for (const item of items) {
      if (item.failed && !retryFailed) continue;
      try {
        const result = await sendItem(item, t);
        await removeItem(/** @type {number} */ (item.seq));
        sent += 1;
        const message = { type: "sent", kind: item.kind, seq: item.seq, result };
        notify(message);
        announce(message);
      } catch (err) {
        const e = /** @type {any} */ (err);
        if (!(err instanceof SendError) || e.kind !== "refused") {
          stopped = true; // offline, or the server could not: keep everything, try later
          status = err instanceof SendError ? e.status : 0;
          break;
        }
        if (item.kind !== "report" && e.status === 409) {
          await removeItem(/** @type {number} */ (item.seq)); // the patrol has ended
        } else {
          item.failed = "HTTP " + e.status + ": " + e.message;
          item.tries = (item.tries || 0) + 1;
          await putItem(item);
        }
        const message = { type: "refused", kind: item.kind, seq: item.seq, status: e.status, detail: e.message };
        notify(message);
        announce(message);
      }
    }
    const left = (await allItems()).filter((i) => i.username === t.username).length;
    announce({ type: "changed", left });
    return { sent, left, stopped, status };
  });
}
