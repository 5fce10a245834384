// @ts-check
/* The one job poller: GET /api/v1/jobs/{id} → {state: queued|running|done|failed, done, total,
   message, result}, every second until the job is done or has failed. */

import { getJson } from "./api.js";

/**
 * @typedef {object} Job
 * @property {"queued" | "running" | "done" | "failed"} state
 * @property {number} [done]
 * @property {number} [total]
 * @property {string} [message]
 * @property {any} [result]
 */

/** The job ran and failed: its message, and the job. */
export class JobFailed extends Error {
  /** @param {Job} job */
  constructor(job) {
    super(job.message || "failed");
    this.name = "JobFailed";
    this.job = job;
  }
}

/**
 * A job's URL from its id, its status URL, or an accepted answer ({job, status}).
 * @param {string | {job?: string, status?: string}} job
 * @returns {string}
 */
export function jobUrl(job) {
  if (typeof job === "object" && job) return job.status || jobUrl(String(job.job));
  const id = String(job);
  return id.startsWith("/") ? id : "/api/v1/jobs/" + encodeURIComponent(id);
}

function aborted() {
  return new DOMException("the job is no longer watched", "AbortError");
}

/**
 * @param {number} ms
 * @param {AbortSignal} [signal]
 * @returns {Promise<void>}
 */
function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = window.setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      window.clearTimeout(timer);
      reject(aborted());
    }, { once: true });
  });
}

/**
 * Poll a job until it is done (resolves to the job, its ``result`` inside) or failed (rejects
 * with JobFailed). ``onProgress`` sees each queued or running state; ``signal`` stops watching
 * (rejects with an AbortError). A request that fails rejects with the API's error.
 * @param {string | {job?: string, status?: string}} job
 * @param {{onProgress?: (job: Job) => void, interval?: number, signal?: AbortSignal}} [options]
 * @returns {Promise<Job>}
 */
export async function pollJob(job, options = {}) {
  const url = jobUrl(job);
  const { onProgress, interval = 1000, signal } = options;
  for (;;) {
    if (signal?.aborted) throw aborted();
    /** @type {Job} */
    const state = await getJson(url, { signal });
    if (signal?.aborted) throw aborted();
    if (state.state === "done") return state;
    if (state.state === "failed") throw new JobFailed(state);
    if (onProgress) onProgress(state);
    await sleep(interval, signal);
  }
}
