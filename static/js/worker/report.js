// @ts-check
/* Report (上报) from the phone: category, title, description, photos from the camera and the
   phone's position (else the worker's grid). The report is kept on the phone first, with a
   source_ref made here, then sent (worker/sender.js): with no connection it waits, and a report
   sent twice is taken in once. */

import { config } from "../lib/config.js";
import { $, fill, h } from "../lib/dom.js";
import { fillCategories, fillVocabulary, stateBadge } from "../lib/events.js";
import { isoWithZone } from "../lib/format.js";
import { previewFiles } from "../lib/photos.js";
import { lastFix, locate } from "./location.js";
import { onOutbox, queue, username } from "./sender.js";

/** @returns {string} a random id (RFC 4122 version 4) */
export function uuid() {
  if (globalThis.crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = Array.from(b, (v) => v.toString(16).padStart(2, "0")).join("");
  return x.slice(0, 8) + "-" + x.slice(8, 12) + "-" + x.slice(12, 16) + "-" + x.slice(16, 20) + "-" + x.slice(20);
}

function showWhere() {
  const fix = lastFix();
  const where = $("r-where");
  where.textContent = fix ? "位置 location: " + fix.lon.toFixed(6) + ", " + fix.lat.toFixed(6) +
    (fix.accuracy !== null ? " ±" + Math.round(fix.accuracy) + " m" : "")
    : "位置 location: 未定位，将用本网格 not located: your grid is used";
  where.dataset.located = fix ? "true" : "false";
}

async function relocate() {
  const where = $("r-where");
  where.textContent = "定位中 locating…";
  try {
    await locate();
  } catch (err) {
    where.title = /** @type {any} */ (err).message;
  }
  showWhere();
}

/** @param {any} event the API's answer */
function addSent(event) {
  const list = $("sent-list");
  const none = list.querySelector(".none");
  if (none) none.remove();
  list.insertBefore(h("li", { "data-id": event.id }, [
    "#" + event.id + " " + (event.title || ""), " ", event.state ? stateBadge(event.state) : null,
    event.repeated ? h("span", { class: "hint" }, " (已收到过 taken in before)") : null
  ]), list.firstChild);
}

/** @param {HTMLFormElement} form */
async function submit(form) {
  const fix = lastFix();
  const c = config();
  const text = (/** @type {string} */ name) => String(new FormData(form).get(name) || "").trim();
  /** @type {Record<string, unknown>} */
  const body = {
    channel: "grid_worker", category: text("category"), urgency: text("urgency") || "normal",
    title: text("title"), source_ref: "worker-" + uuid()
  };
  if (text("description")) body.description = text("description");
  if (fix) Object.assign(body, { lon: fix.lon, lat: fix.lat });
  else if (c && c.user) body.grid = c.user.jurisdiction;
  const files = Array.from(/** @type {FileList} */ ($("r-photo").files) || []);
  const photos = files.map((f) => ({ name: f.name || "photo.jpg", type: f.type, blob: f.slice(0, f.size, f.type) }));
  await queue({ kind: "report", username: username(), created: isoWithZone(), body, photos });
  form.reset();
  $("r-previews").textContent = "";
  showWhere();
  fill("report-result", navigator.onLine ? "已保存，发送中 saved, sending…"
    : "已保存在手机上，恢复网络后自动发送 · saved on the phone: it is sent when the connection returns");
  $("report-result").className = "result ok";
}

export function setUpReport() {
  fillCategories($("r-category"));
  fillVocabulary($("r-urgency"), "event_urgencies");
  previewFiles($("r-photo"), $("r-previews"));
  $("r-locate").addEventListener("click", relocate);
  const form = $("report-form");
  form.addEventListener("submit", (/** @type {Event} */ e) => {
    e.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    submit(form).catch((err) => {
      fill("report-result", "未能保存 could not keep the report: " + err.message);
      $("report-result").className = "result error";
    }).finally(() => { button.disabled = false; });
  });
  onOutbox((message) => {
    if (message.kind !== "report") return;
    if (message.type === "sent") {
      addSent(message.result);
      fill("report-result", ["已发送 sent #" + message.result.id + " ",
        message.result.state ? stateBadge(message.result.state) : null]);
      $("report-result").className = "result ok";
    } else if (message.type === "refused") {
      fill("report-result", "上报被拒绝 the report was refused: " + message.detail);
      $("report-result").className = "result error";
    }
  });
  showWhere();
  relocate();
}
