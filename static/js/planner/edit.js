// @ts-check
/* Every grid edit goes through edit(): send it, show the outcome or why it was refused, refresh
   the tiles and select what the edit left. */

import { ApiError, sendJson } from "../lib/api.js";
import { updateButtons } from "./controls.js";
import { refreshTiles } from "./layers.js";
import { clearProblems, say, sayError, showOutcome, showRefusal } from "./messages.js";
import { drawSelection, loadSelection } from "./selection.js";
import { codes, state } from "./state.js";

/** @type {((result: any) => void)[]} */
const afterEditHooks = [];

/**
 * Run ``hook`` after each successful edit (e.g. the history panel reloads).
 * @param {(result: any) => void} hook
 */
export function afterEdit(hook) {
  afterEditHooks.push(hook);
}

/**
 * Send an edit; on success show it, refresh the tiles and select what ``next`` picks.
 * @param {string} method
 * @param {string} url
 * @param {unknown} body
 * @param {Record<string, string>} headers
 * @param {(result: any) => string[]} next
 */
export async function edit(method, url, body, headers, next) {
  clearProblems();
  state.busy = true;
  updateButtons();
  say('<p class="hint">处理中 working…</p>');
  let result;
  try {
    result = await sendJson(method, url, body, headers);
  } catch (err) {
    state.busy = false;
    updateButtons();
    if (!(err instanceof ApiError) || err.signedOut) {
      sayError(err);
      return;
    }
    if (err.status !== 409) drawSelection(); // a refused reshape goes back to the shape read
    showRefusal(err);
    if (err.status === 409 && err.body.current) { // stale: read the selection again
      refreshTiles();
      loadSelection(codes()).catch(sayError);
    }
    return;
  }
  state.busy = false;
  showOutcome(result);
  refreshTiles();
  for (const hook of afterEditHooks) hook(result);
  try {
    await loadSelection(next(result));
  } catch (err) {
    updateButtons();
    sayError(err);
  }
}

/**
 * After an edit: what was selected and still stands, plus what was created.
 * @param {any} result
 * @returns {string[]}
 */
export function keptAndCreated(result) {
  const now = (result.changed || []).concat(result.created || []);
  const kept = codes().filter((c) => now.indexOf(c) >= 0);
  for (const c of result.created || []) if (kept.indexOf(c) < 0) kept.push(c);
  return kept;
}
