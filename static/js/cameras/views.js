// @ts-check
/* Redraw what cameras see (POST /api/v1/cameras/views, a job): the region's cameras, or only
   those whose views are stale (never drawn, or older than buildings near them); the progress
   is polled, then the counts and the defaults used are shown and the map reads its tiles again. */

import { isQuiet, sendJson } from "../lib/api.js";
import { $, fill, h } from "../lib/dom.js";
import { num } from "../lib/format.js";
import { JobFailed, pollJob } from "../lib/jobs.js";
import { state } from "./state.js";
import { DEFAULT_NAMES } from "./terms.js";

/** @type {AbortController | null} */
let watch = null;

/** @param {any} job */
function progress(job) {
  const box = $("views-result");
  box.className = "result";
  const total = job.total || 0;
  fill("views-result", [
    h("progress", { max: Math.max(total, 1), value: job.done || 0, "aria-label": "进度 progress" }),
    " ", h("span", { class: "hint" }, (job.state === "queued" ? "排队中 queued " : "重绘中 drawing ") +
      num(job.done || 0) + " / " + num(total))
  ]);
}

/** @param {any} result the job's result */
function done(result) {
  const used = Object.entries(result.defaults_used || {});
  const box = fill("views-result", [
    h("p", { class: "ok-title" }, "已重绘 " + num(result.cameras) + " 台 views drawn"),
    h("p", null, "看不到任何区域 seeing nothing: " + num(result.without_view)),
    used.length ? h("p", { class: "hint" }, "使用默认值 defaults used: " +
      used.map(([k, n]) => (DEFAULT_NAMES[k] || k) + " × " + num(n)).join(", ")) : null
  ]);
  box.className = "result ok";
  box.dataset.state = "done";
  box.dataset.cameras = String(result.cameras);
}

/** @param {Event} event */
async function redraw(event) {
  event.preventDefault();
  if (watch) watch.abort();
  const mine = watch = new AbortController();
  const box = $("views-result");
  box.dataset.state = "starting";
  $("v-start").disabled = true;
  try {
    const body = { stale_only: $("v-stale").checked, ...(state.region ? { region: state.region } : {}) };
    const started = await sendJson("POST", "/api/v1/cameras/views", body);
    box.dataset.total = String(started.cameras);
    progress({ state: "queued", done: 0, total: started.cameras });
    const job = await pollJob(started, { onProgress: progress, signal: mine.signal, interval: 500 });
    done(job.result || {});
    state.changed();
  } catch (err) {
    if (isQuiet(err) || mine.signal.aborted) return;
    box.className = "result error";
    box.dataset.state = "failed";
    box.textContent = (err instanceof JobFailed ? "重绘失败 the redraw failed: " : "") +
      /** @type {any} */ (err).message;
  } finally {
    if (watch === mine) {
      watch = null;
      $("v-start").disabled = false;
    }
  }
}

export function setUpViews() {
  $("views-form").addEventListener("submit", redraw);
}
