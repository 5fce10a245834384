// @ts-check
/* The worker's outbox on the phone (IndexedDB "gridmap-worker"): what waits to be sent —
   reports with their photos, patrol point batches, a patrol's stop — in the order made, and a
   little about the session. Used by the page and by the service worker alike (no window here). */

const DB_NAME = "gridmap-worker";
const DB_VERSION = 1;
const OUTBOX = "outbox";
const META = "meta";

/**
 * @typedef {object} OutboxItem
 * @property {number} [seq] its place in the queue (given by the store)
 * @property {"report" | "points" | "stop"} kind
 * @property {string} username whose it is (only they send it)
 * @property {string} created ISO time it was made
 * @property {any} [body] a report: the body of POST /api/v1/events (with its source_ref)
 * @property {{name: string, type: string, blob: Blob}[]} [photos] a report's photos
 * @property {number} [eventId] a report: the event, once taken in
 * @property {boolean} [photosSent]
 * @property {number} [patrolId] points, stop: the patrol
 * @property {any[]} [points] points: the batch
 * @property {string} [failed] refused by the server: why (kept, not retried by itself)
 * @property {number} [tries]
 */

/** @type {Promise<IDBDatabase> | null} */
let opening = null;

/** @returns {Promise<IDBDatabase>} */
function db() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = () => {
        const base = request.result;
        if (!base.objectStoreNames.contains(OUTBOX)) {
          base.createObjectStore(OUTBOX, { keyPath: "seq", autoIncrement: true });
        }
        if (!base.objectStoreNames.contains(META)) base.createObjectStore(META);
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => {
        opening = null;
        reject(request.error);
      };
    });
  }
  return opening;
}

/**
 * One request in a transaction of ``store``, resolved once the transaction has committed.
 * @template T
 * @param {string} store
 * @param {IDBTransactionMode} mode
 * @param {(s: IDBObjectStore) => IDBRequest<T>} act
 * @returns {Promise<T>}
 */
async function run(store, mode, act) {
  const base = await db();
  return new Promise((resolve, reject) => {
    const tx = base.transaction(store, mode);
    const request = act(tx.objectStore(store));
    tx.oncomplete = () => resolve(request.result);
    tx.onerror = () => reject(tx.error || request.error);
    tx.onabort = () => reject(tx.error || new Error("IndexedDB transaction aborted"));
  });
}

/**
 * Queue an item; its ``seq``.
 * @param {OutboxItem} item
 * @returns {Promise<number>}
 */
export async function addItem(item) {
  return Number(await run(OUTBOX, "readwrite", (s) => s.add(item)));
}

/**
 * Save an item's progress (event id known, photos sent, failure).
 * @param {OutboxItem} item
 */
export async function putItem(item) {
  await run(OUTBOX, "readwrite", (s) => s.put(item));
}

/** @param {number} seq */
export async function removeItem(seq) {
  await run(OUTBOX, "readwrite", (s) => s.delete(seq));
}

/** @returns {Promise<OutboxItem[]>} every item, oldest first */
export async function allItems() {
  return /** @type {OutboxItem[]} */ (await run(OUTBOX, "readonly", (s) => s.getAll()));
}

/**
 * @param {string} key
 * @returns {Promise<any>}
 */
export async function getMeta(key) {
  return run(META, "readonly", (s) => s.get(key));
}

/**
 * @param {string} key
 * @param {any} value
 */
export async function setMeta(key, value) {
  await run(META, "readwrite", (s) => s.put(value, key));
}
