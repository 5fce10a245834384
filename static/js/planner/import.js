// @ts-check
/* Department import (导入部门图层): upload a layer, follow its job, show what was read, written
   and rejected (with the reject reports), then list the layers again. */

import { ApiError, upload } from "../lib/api.js";
import { $, escapeHtml } from "../lib/dom.js";
import { JobFailed, pollJob } from "../lib/jobs.js";
import { sayError } from "./messages.js";
import { loadSources } from "./sources.js";

const FIELDS = ["department", "crs", "code_field", "name_field"];

/**
 * @param {string} html
 * @param {string} [kind]
 */
function status(html, kind) {
  const box = $("import-status");
  box.className = "result" + (kind ? " " + kind : "");
  box.innerHTML = html;
}

/** @param {any} r the job's result: read, written, rejected, rejects (links) */
function importedHtml(r) {
  const rejects = (r.rejects || []).map((/** @type {string} */ href) => {
    const kind = /\.geojson$/.test(href) ? "GeoJSON" : /\.csv$/.test(href) ? "CSV" : href;
    return '<a href="' + escapeHtml(href) + '" download>' + escapeHtml(kind) + "</a>";
  });
  return '<p class="ok-title">✓ 导入完成 imported</p><table class="figures">' +
    "<tr><th>读取 read</th><td>" + escapeHtml(r.read) + "</td></tr>" +
    "<tr><th>写入 written</th><td>" + escapeHtml(r.written) + "</td></tr>" +
    "<tr><th>拒绝 rejected</th><td>" + escapeHtml(r.rejected) + "</td></tr></table>" +
    (rejects.length ? "<p>拒绝报告 rejects: " + rejects.join(" · ") + "</p>" : "");
}

/** @param {any} job a queued or running job */
function progress(job) {
  status('<p class="hint">' + escapeHtml(job.state === "queued" ? "排队中 queued" : "导入中 importing") +
    (job.total ? " " + escapeHtml(job.done || 0) + " / " + escapeHtml(job.total) : "") + "…</p>");
}

/** @param {any} accepted the upload's answer: {job, status} */
async function follow(accepted) {
  try {
    const job = await pollJob(accepted, { onProgress: progress });
    status(importedHtml(job.result || {}), "ok");
    loadSources().catch(sayError);
  } catch (err) {
    if (err instanceof JobFailed) {
      status("<p>导入失败 the import failed: " + escapeHtml(err.job.message || "") + "</p>", "error");
    } else if (err instanceof ApiError && !err.signedOut) {
      status("<p>" + escapeHtml(err.detail) + "</p>", "error");
    } else if (!(err instanceof ApiError)) {
      status("<p>无法读取任务 cannot read the job: " + escapeHtml(/** @type {Error} */ (err).message) + "</p>", "error");
    }
  }
}

/** @param {Event} event */
async function importLayer(event) {
  event.preventDefault();
  const form = $("import-form");
  const data = new FormData();
  const file = form.elements.file.files[0];
  if (file) data.append("file", file);
  for (const name of FIELDS) {
    const value = form.elements[name].value.trim();
    if (value) data.append(name, value);
  }
  $("import-dialog").close();
  status('<p class="hint">上传中 uploading…</p>');
  let accepted;
  try {
    accepted = await upload("/api/v1/uploads/grids", data);
  } catch (err) {
    if (err instanceof ApiError && err.signedOut) return;
    if (err instanceof ApiError) {
      status("<p>导入被拒绝 the import was refused: " + escapeHtml(err.detail) + "</p>", "error");
    } else {
      status("<p>上传失败 the upload failed: " + escapeHtml(/** @type {Error} */ (err).message) +
        "</p>", "error");
    }
    return;
  }
  await follow(accepted);
}

export function init() {
  $("btn-import").addEventListener("click", () => $("import-dialog").showModal());
  $("import-cancel").addEventListener("click", () => $("import-dialog").close());
  $("import-form").addEventListener("submit", importLayer);
}
