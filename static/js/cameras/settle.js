// @ts-check
/* A write's answer reaches the page before its transaction commits (the API commits when the
   request's dependencies close, after the answer is sent), so a read made at once may not see
   the write yet — and a map tile read then stays cached without it. After a write the page
   waits until a read shows it (a few tries, 100 ms apart) before it reads lists and tiles
   again. The reads chosen never answer 404, which the browser would log as an error. */

import { getJson, isQuiet } from "../lib/api.js";

const TRIES = 30;
const PAUSE_MS = 100;

/** @param {number} ms */
function pause(ms) {
  return new Promise((resolve) => { window.setTimeout(resolve, ms); });
}

/**
 * Ask ``check`` until it says yes (or the tries run out: the page reads again anyway).
 * @param {() => Promise<boolean>} check
 */
async function until(check) {
  for (let i = 0; i < TRIES; i += 1) {
    try {
      if (await check()) return;
    } catch (err) {
      if (isQuiet(err)) return;
    }
    await pause(PAUSE_MS);
  }
}

/**
 * The list query of cameras standing within a few metres of a point.
 * @param {{lon: number, lat: number}} at
 * @returns {string}
 */
export function near(at) {
  const d = 0.00005;
  return "bbox=" + [at.lon - d, at.lat - d, at.lon + d, at.lat + d].map((v) => v.toFixed(7)).join(",");
}

/**
 * Until the cameras ``ids`` are listed by ``query`` (``present``), or no longer are.
 * @param {string} query a list query (without limit)
 * @param {number[]} ids
 * @param {boolean} [present]
 */
export function untilListed(query, ids, present = true) {
  return until(async () => {
    const data = await getJson("/api/v1/cameras?" + query + "&limit=1000");
    const listed = new Set(data.cameras.map((/** @type {any} */ c) => Number(c.id)));
    return ids.every((id) => listed.has(Number(id)) === present);
  });
}

/**
 * Until a changed camera reads as the change answered (its view drawn at that moment).
 * @param {any} camera the write's answer
 */
export function untilRead(camera) {
  return until(async () => {
    const read = await getJson("/api/v1/cameras/" + camera.id);
    return read.sector_at === camera.sector_at;
  });
}
