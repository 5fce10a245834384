// @ts-check
/* Divide (网格划分): re-divide a township into grids of balanced load from weighted points;
   preview the proposal (a background job), then accept or discard it. */

import { ApiError, sendJson } from "../lib/api.js";
import { $, escapeHtml } from "../lib/dom.js";
import { JobFailed, pollJob } from "../lib/jobs.js";
import {
  acceptedHtml, formProblem, previewHtml, proposalLayer, readPoints, refusedHtml
} from "./divide-view.js";
import { refreshTiles } from "./layers.js";
import { clearProblems, sayError } from "./messages.js";
import { loadSelection } from "./selection.js";
import { codes, isTownship, reason, state } from "./state.js";

/** A previewed proposal, until accepted or discarded. */
const divide = {
  /** @type {any} the proposal drawn as L.geoJSON (dashed) */
  layer: null,
  /** @type {any} its FeatureCollection, sent back as is on accept */
  proposal: null,
  /** @type {string | null} the region it divides */
  region: null,
  /** bumped to forget an answer still on its way */
  ticket: 0,
  /** @type {AbortController | null} stops watching the preview's job */
  watch: null,
  busy: false
};

/**
 * @param {string} html
 * @param {string} [kind]
 */
function divideSay(html, kind) {
  const box = $("divide-result");
  box.className = "result " + (kind || "");
  box.innerHTML = html;
}

function divideButtons() {
  $("btn-divide-preview").disabled = divide.busy;
  $("divide-actions").hidden = !divide.proposal;
  $("btn-divide-accept").disabled = divide.busy || !divide.proposal;
  $("btn-divide-discard").disabled = divide.busy;
}

function removeProposal() {
  divide.ticket += 1; // an answer still on its way is forgotten
  if (divide.watch) divide.watch.abort(); // and a job still polled
  divide.watch = null;
  if (divide.layer) state.map.removeLayer(divide.layer);
  divide.layer = null;
  divide.proposal = null;
  divide.region = null;
}

/**
 * @param {string} region
 * @param {any} result the job's result: proposal, report
 */
function showProposal(region, result) {
  const proposal = result.proposal;
  if (!proposal || !proposal.features || !proposal.features.length) {
    divideButtons();
    divideSay("<p>划分结果为空 the division proposed no grids.</p>", "error");
    return;
  }
  divide.proposal = proposal;
  divide.region = region;
  divide.layer = proposalLayer(proposal).addTo(state.map);
  const bounds = divide.layer.getBounds();
  if (bounds.isValid()) state.map.fitBounds(bounds, { padding: [24, 24] });
  divideSay(previewHtml(region, proposal, result.report || {}), "");
  divideButtons();
}

/** @param {any} job */
function progress(job) {
  divideSay('<p class="hint">' + (job.state === "queued" ? "排队中 queued" : "计算中 dividing") +
    "…</p>");
}

/** @param {Event} event */
async function previewDivision(event) {
  event.preventDefault();
  if (divide.busy) return;
  const region = $("d-region").value.trim();
  const grids = Number($("d-grids").value);
  const file = $("d-points").files[0];
  const weight = $("d-weight").value.trim();
  const block = $("d-block").value.trim() === "" ? 300 : Number($("d-block").value);
  const problem = formProblem({ region, grids, file, block });
  if (problem) {
    divideSay("<p>" + escapeHtml(problem) + "</p>", "error");
    return;
  }
  removeProposal();
  const ticket = divide.ticket;
  const watch = divide.watch = new AbortController();
  divide.busy = true;
  divideButtons();
  divideSay('<p class="hint">读取文件 reading the file…</p>');
  let accepted;
  try {
    const points = await readPoints(file);
    if (ticket !== divide.ticket) return;
    divideSay('<p class="hint">提交中 submitting ' + escapeHtml(points.features.length) +
      " 个点 points…</p>");
    accepted = await sendJson("POST", "/api/v1/divide/preview", {
      region, grids, points, weight: weight || null, block_size_m: block, method: "azp"
    });
  } catch (err) {
    if (ticket !== divide.ticket) return;
    divide.busy = false;
    divideButtons();
    if (err instanceof ApiError && err.signedOut) return;
    if (err instanceof ApiError) divideSay(refusedHtml(err, ["预览划分", "preview a division"]), "error");
    else divideSay("<p>预览失败 the preview failed: " + escapeHtml(/** @type {any} */ (err).message) + "</p>", "error");
    return;
  }
  if (ticket !== divide.ticket) return;
  let job;
  try {
    job = await pollJob(accepted, { onProgress: progress, signal: watch.signal });
  } catch (err) {
    if (ticket !== divide.ticket) return; // discarded, or previewed again
    divide.busy = false;
    divideButtons();
    const e = /** @type {any} */ (err);
    if (e.signedOut || e.name === "AbortError") return;
    divideSay(err instanceof JobFailed
      ? "<p>划分失败 the division failed: " + escapeHtml(err.job.message || "") + "</p>"
      : "<p>无法读取任务 cannot read the job: " + escapeHtml(e.message) + "</p>", "error");
    return;
  }
  if (ticket !== divide.ticket) return;
  divide.busy = false;
  showProposal(region, job.result || {});
}

async function acceptDivision() {
  if (!divide.proposal || divide.busy) return;
  divide.busy = true;
  divideButtons();
  /** @type {Record<string, unknown>} */
  const body = { region: divide.region, proposal: divide.proposal };
  const why = reason();
  if (why) body.reason = why;
  const ticket = divide.ticket;
  let counts;
  try {
    counts = await sendJson("POST", "/api/v1/divide/accept", body);
  } catch (err) {
    if (ticket !== divide.ticket) return;
    divide.busy = false;
    divideButtons();
    if (err instanceof ApiError && err.signedOut) return;
    if (err instanceof ApiError) divideSay(refusedHtml(err, ["采用划分", "accept a division"]), "error");
    else divideSay("<p>请求失败 the request failed: " + escapeHtml(/** @type {any} */ (err).message) + "</p>", "error");
    return;
  }
  if (ticket !== divide.ticket) return;
  divide.busy = false;
  removeProposal();
  divideButtons();
  refreshTiles();
  clearProblems();
  loadSelection(codes()).catch(sayError); // a selected grid may be gone, or changed
  divideSay(acceptedHtml(counts || {}), "ok");
  $("divide-result").dataset.accepted = "true";
}

function discardDivision() {
  divide.busy = false;
  removeProposal();
  divideButtons();
  divideSay('<p class="hint">已放弃 discarded</p>');
}

/**
 * Once the configuration is known: the region defaults to the planner's township.
 * @param {string | null | undefined} jurisdiction
 */
export function start(jurisdiction) {
  if (isTownship(jurisdiction) && !$("d-region").value) $("d-region").value = jurisdiction;
  divideButtons();
}

export function init() {
  $("divide-form").addEventListener("submit", previewDivision);
  $("btn-divide-accept").addEventListener("click", acceptDivision);
  $("btn-divide-discard").addEventListener("click", discardDivision);
}
