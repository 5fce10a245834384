// @ts-check
/* The engineer's camera workbench (/cameras, 雪亮工程): the map of cameras and what they see,
   the archive and the open camera's record (correct, move, remove, register), coverage against
   quotas and the working-rate target, blind spots, bad records, planning new sites, and
   redrawing views. Each part is a module under js/cameras/; they meet in cameras/state.js.
   Tests wait on body[data-ready=true] (the list and the problems read once); a user without
   camera rights sees why (#denied) instead of the workbench. */

import { ApiError, getJson, isQuiet } from "../lib/api.js";
import { loadConfig } from "../lib/config.js";
import { $ } from "../lib/dom.js";
import { GENERATED_BOUNDARIES } from "../lib/labels.js";
import { hasGeneratedBoundaries } from "../lib/map.js";
import { markReady, showGeneratedNote, showUser, wireLogout } from "../lib/page.js";
import { wireTabs } from "../lib/tabs.js";
import { blindSpotsShown, loadBlindSpots, setUpBlindSpots } from "../cameras/blind.js";
import { loadCoverage, setUpCoverage } from "../cameras/coverage.js";
import { closeDetail, openCamera } from "../cameras/detail.js";
import { chooseRegion, onFilters, setUpFilters } from "../cameras/filters.js";
import { restartList, refreshList, setUpList } from "../cameras/list.js";
import { refreshCameras, setUpMap } from "../cameras/map.js";
import { fillPlanRegions, followRegion, setUpPlan } from "../cameras/plan.js";
import { loadProblems, problemFilterChanged, setUpProblems } from "../cameras/problems.js";
import { setUpRegister } from "../cameras/register.js";
import { onRegion, state } from "../cameras/state.js";
import { setUpViews } from "../cameras/views.js";

/** Panels whose figures are read when their tab opens (and again after a change). */
const stale = { coverage: true, blind: true };

/** @param {ApiError} err */
function denied(err) {
  const box = $("denied");
  box.hidden = false;
  box.dataset.status = String(err.status);
  box.textContent = "无摄像机权限 You have no rights to the cameras (" + err.status + "): " + err.message +
    "。雪亮工程页面供工程人员使用 · this page is for engineers.";
  $("desk").hidden = true;
}

/** The figures the open tab shows, read again when stale. */
function refreshOpenTab() {
  const tab = state.tabs ? state.tabs.current() : "";
  if (tab === "coverage-tab" && stale.coverage) {
    stale.coverage = false;
    loadCoverage();
  }
  if (tab === "blind-tab" && stale.blind) {
    stale.blind = false;
    loadBlindSpots();
  }
}

/** @param {any} config */
async function start(config) {
  state.config = config;
  if (config.cameras) state.rules = config.cameras;
  showUser(config);
  if (hasGeneratedBoundaries(config)) showGeneratedNote(GENERATED_BOUNDARIES);
  try {
    await getJson("/api/v1/cameras?limit=1");
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) {
      denied(err);
      markReady();
      return;
    }
    throw err;
  }
  state.tabs = wireTabs($("side").querySelector("[role=tablist]"));
  setUpMap(config);
  setUpFilters();
  setUpList();
  setUpRegister();
  setUpViews();
  setUpCoverage();
  setUpBlindSpots();
  setUpProblems();
  setUpPlan();

  state.open = (id, options) => { openCamera(id, options); };
  state.changed = () => {
    refreshCameras();
    refreshList();
    loadProblems();
    stale.coverage = true;
    stale.blind = blindSpotsShown() || stale.blind;
    refreshOpenTab();
  };
  onRegion((region) => {
    restartList();
    loadProblems();
    stale.coverage = true;
    stale.blind = true;
    refreshOpenTab();
    fillPlanRegions();
    followRegion(region);
  });
  onFilters(() => {
    restartList();
    problemFilterChanged();
  });
  state.tabs.onChange(refreshOpenTab);
  $("detail").addEventListener("keydown", (/** @type {KeyboardEvent} */ e) => {
    if (e.key === "Escape") closeDetail();
  });

  const asked = new URLSearchParams(window.location.search);
  const region = asked.get("region") || "";
  if (/^\d{12}$/.test(region)) await chooseRegion(region);
  else await Promise.all([restartList(), loadProblems()]);
  const camera = Number(asked.get("camera"));
  if (camera) openCamera(camera, { pan: true });
  markReady();
}

wireLogout();
loadConfig().then(start).catch((err) => {
  if (isQuiet(err)) return;
  const box = $("denied");
  box.hidden = false;
  box.textContent = "页面无法加载 the page could not load: " + err.message;
  markReady("error");
});
