// @ts-check
/* The phone's position (navigator.geolocation): one fix for a report, a watch for a patrol.
   The last fix is kept so that a report made while the phone looks for a new one still has it. */

import { isoWithZone } from "../lib/format.js";

/**
 * @typedef {object} Fix
 * @property {number} lon
 * @property {number} lat
 * @property {number | null} accuracy metres
 * @property {string} at ISO 8601 with the zone
 */

/** @type {Fix | null} */
let last = null;

/** @returns {Fix | null} the last fix of this page */
export function lastFix() {
  return last;
}

/**
 * @param {GeolocationPosition} position
 * @returns {Fix}
 */
function toFix(position) {
  last = {
    lon: position.coords.longitude,
    lat: position.coords.latitude,
    accuracy: position.coords.accuracy === null || position.coords.accuracy === undefined
      ? null : Math.round(position.coords.accuracy * 10) / 10,
    at: isoWithZone(position.timestamp || Date.now())
  };
  return last;
}

/**
 * One fix (high accuracy, within 20 s).
 * @returns {Promise<Fix>}
 */
export function locate() {
  return new Promise((resolve, reject) => {
    if (!("geolocation" in navigator)) {
      reject(new Error("此设备不能定位 this device cannot locate itself"));
      return;
    }
    navigator.geolocation.getCurrentPosition((p) => resolve(toFix(p)), (err) => {
      reject(new Error("定位失败 location failed: " + err.message));
    }, { enableHighAccuracy: true, timeout: 20_000, maximumAge: 30_000 });
  });
}

/**
 * Watch the position: ``onFix`` hears every new fix; returns a function that stops watching.
 * @param {(fix: Fix) => void} onFix
 * @param {(err: Error) => void} onError
 * @returns {() => void}
 */
export function watch(onFix, onError) {
  if (!("geolocation" in navigator)) {
    onError(new Error("此设备不能定位 this device cannot locate itself"));
    return () => {};
  }
  const id = navigator.geolocation.watchPosition((p) => onFix(toFix(p)), (err) => {
    onError(new Error("定位失败 location failed: " + err.message));
  }, { enableHighAccuracy: true, maximumAge: 5_000, timeout: 60_000 });
  return () => navigator.geolocation.clearWatch(id);
}
