// @ts-check
/* Patrol (巡查): start (POST /api/v1/patrols, needs a connection), the phone's GPS points kept
   and sent in batches every half minute (POST /api/v1/patrols/{id}/points, through the outbox:
   offline they wait), the must-visit points checked in on the way, stop (the last batch, then
   POST …/stop, in that order). And "all safe today" (POST /api/v1/all-safe). */

import { getJson, isQuiet, sendJson } from "../lib/api.js";
import { $, fill, h } from "../lib/dom.js";
import { formatTime, isoWithZone } from "../lib/format.js";
import { getMeta, setMeta } from "./store.js";
import { watch } from "./location.js";
import { onOutbox, queue, username } from "./sender.js";

const BATCH_MS = 30_000;

/** @type {{id: number, started_at: string} | null} */
let patrol = null;
/** @type {any[]} */
let buffer = [];
let recorded = 0;
let sent = 0;
/** @type {(() => void) | null} */
let stopWatching = null;
/** @type {number | null} */
let timer = null;

/** @param {string} text */
function status(text) {
  $("patrol-status").textContent = text;
}

function draw() {
  $("patrol-start").hidden = Boolean(patrol);
  $("patrol-stop").hidden = !patrol;
  $("patrol-recorded").textContent = String(recorded);
  $("patrol-sent").textContent = String(sent);
  const box = $("patrol-tab");
  box.dataset.patrol = patrol ? String(patrol.id) : "";
  box.dataset.recorded = String(recorded);
  box.dataset.sent = String(sent);
  if (patrol) status("巡查中 on patrol #" + patrol.id + " · 开始于 since " + formatTime(patrol.started_at));
}

/** Put the points kept so far into the outbox as one batch. */
async function sendBatch() {
  if (!patrol || !buffer.length) return;
  const points = buffer;
  buffer = [];
  await queue({ kind: "points", username: username(), created: isoWithZone(), patrolId: patrol.id, points });
}

function follow() {
  if (stopWatching) stopWatching();
  stopWatching = watch((fix) => {
    buffer.push({ lon: fix.lon, lat: fix.lat, at: fix.at, accuracy: fix.accuracy });
    recorded += 1;
    draw();
  }, (err) => { status("巡查中 on patrol · " + err.message); });
  if (timer === null) timer = window.setInterval(() => { sendBatch(); }, BATCH_MS);
}

async function start() {
  const button = $("patrol-start");
  button.disabled = true;
  try {
    patrol = await sendJson("POST", "/api/v1/patrols");
    recorded = 0;
    sent = 0;
    await setMeta("patrol", { id: /** @type {any} */ (patrol).id, username: username() });
    follow();
    draw();
  } catch (err) {
    if (isQuiet(err)) return;
    status((navigator.onLine ? "" : "开始巡查需要网络 starting a patrol needs a connection · ") +
      /** @type {any} */ (err).message);
  } finally {
    button.disabled = false;
  }
}

async function stop() {
  if (!patrol) return;
  if (stopWatching) stopWatching();
  stopWatching = null;
  if (timer !== null) window.clearInterval(timer);
  timer = null;
  const id = patrol.id;
  await sendBatch();
  patrol = null;
  await setMeta("patrol", null);
  await queue({ kind: "stop", username: username(), created: isoWithZone(), patrolId: id });
  draw();
  status("结束中 stopping patrol #" + id + "…");
}

/** @param {any[]} checkins */
function addCheckins(checkins) {
  const list = $("checkins");
  if (!checkins.length) return;
  const none = list.querySelector(".none");
  if (none) none.remove();
  for (const c of checkins) {
    list.appendChild(h("li", { "data-kind": c.kind, "data-id": c.id }, [
      (c.name || c.kind + " " + c.id), " · ", Math.round(c.distance_m) + " m",
      c.at ? " · " + formatTime(c.at) : ""
    ]));
  }
}

async function allSafe(/** @type {HTMLFormElement} */ form) {
  const note = String(new FormData(form).get("note") || "").trim();
  try {
    const answer = await sendJson("POST", "/api/v1/all-safe", note ? { note } : {});
    fill("safe-result", (answer.repeated ? "今日已报过平安 already reported today" : "已报平安 all safe reported") +
      " · " + answer.day + " · " + answer.grid_code);
    $("safe-result").className = "result ok";
  } catch (err) {
    if (isQuiet(err)) return;
    fill("safe-result", /** @type {any} */ (err).message);
    $("safe-result").className = "result error";
  }
}

export async function setUpPatrol() {
  $("patrol-start").addEventListener("click", start);
  $("patrol-stop").addEventListener("click", () => { stop(); });
  $("safe-form").addEventListener("submit", (/** @type {Event} */ e) => {
    e.preventDefault();
    allSafe($("safe-form"));
  });
  window.addEventListener("pagehide", () => { sendBatch(); });
  onOutbox((message) => {
    if (message.type !== "sent") return;
    if (message.kind === "points") {
      sent += Number(message.result.accepted || 0) + Number(message.result.repeated || 0);
      addCheckins(message.result.checkins || []);
      draw();
    } else if (message.kind === "stop") {
      const r = message.result || {};
      status("巡查已结束 patrol #" + r.id + " ended · " + (r.points || 0) + " 点 points · " +
        Math.round(r.length_m || 0) + " m");
      $("patrol-tab").dataset.ended = String(r.id);
    }
  });
  // a patrol under way (this page reloaded, or another device started it)
  try {
    const current = await getJson("/api/v1/patrols/current");
    patrol = current.patrol;
  } catch (err) {
    const kept = await getMeta("patrol");
    patrol = kept && kept.username === username() ? { id: kept.id, started_at: "" } : null;
  }
  if (patrol) follow();
  draw();
}
