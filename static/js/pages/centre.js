// @ts-check
/* The dispatch desk (/centre, 综治中心): the live queue beside the map of events, the open
   event's details, timeline and actions, the centre's own intake, KPIs, and where the grid
   workers are. Each part is a module under js/centre/; they meet in centre/state.js. Tests wait
   on body[data-ready=true] (the queue drawn once). */

import { isQuiet } from "../lib/api.js";
import { loadConfig } from "../lib/config.js";
import { $ } from "../lib/dom.js";
import { GENERATED_BOUNDARIES } from "../lib/labels.js";
import { hasGeneratedBoundaries } from "../lib/map.js";
import { markReady, showGeneratedNote, showUser, wireLogout } from "../lib/page.js";
import { wireTabs } from "../lib/tabs.js";
import { followQueue, openEvent } from "../centre/detail.js";
import { setUpIntake } from "../centre/intake.js";
import { loadKpis, setUpKpis } from "../centre/kpis.js";
import { refreshEvents, refreshWorkers, setUpMap } from "../centre/map.js";
import { onQueue, refreshQueue, setUpQueue } from "../centre/queue.js";
import { REFRESH_MS, state } from "../centre/state.js";

/** @param {import("../lib/config.js").MapConfig} config */
async function start(config) {
  state.config = config;
  showUser(config);
  if (hasGeneratedBoundaries(config)) showGeneratedNote(GENERATED_BOUNDARIES);
  state.tabs = wireTabs($("side").querySelector("[role=tablist]"));
  setUpMap(config);
  state.open = (id, options) => { openEvent(id, options); };
  state.changed = () => {
    refreshQueue();
    refreshEvents();
  };
  setUpIntake();
  setUpKpis();
  state.tabs.onChange((id) => { if (id === "kpi-tab") loadKpis(); });
  onQueue(followQueue);
  refreshWorkers();
  await setUpQueue();
  window.setInterval(() => {
    if (document.hidden) return;
    refreshQueue();
    refreshEvents();
    refreshWorkers();
  }, REFRESH_MS);
  const asked = Number(new URLSearchParams(window.location.search).get("event"));
  if (asked) openEvent(asked, { pan: true });
  markReady();
}

wireLogout();
loadConfig().then(start).catch((err) => {
  if (isQuiet(err)) return;
  $("detail").textContent = "页面无法加载 the page could not load: " + err.message;
  markReady("error");
});
