// @ts-check
/* The grid worker's phone page (/worker, 网格员): report with photo and position, patrol with
   GPS batches and check-ins, all safe, my tasks. Works offline: reports and point batches wait
   in the phone's outbox (IndexedDB) and are sent when the connection returns, by this page and
   by the service worker (/worker-sw.js, which also keeps the page for opening offline). Each
   part is a module under js/worker/. Tests wait on body[data-ready=true]. */

import { isQuiet } from "../lib/api.js";
import { loadConfig } from "../lib/config.js";
import { $ } from "../lib/dom.js";
import { markReady, showUser, wireLogout } from "../lib/page.js";
import { wireTabs } from "../lib/tabs.js";
import { setUpPatrol } from "../worker/patrol.js";
import { setUpReport } from "../worker/report.js";
import { setUpSender } from "../worker/sender.js";
import { loadTasks, setUpTasks } from "../worker/tasks.js";

/** Register the service worker, and have it keep this page's files for opening offline. */
async function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  try {
    const registration = await navigator.serviceWorker.register("/worker-sw.js", {
      scope: "/worker", type: "module"
    });
    const ready = await navigator.serviceWorker.ready;
    const files = performance.getEntriesByType("resource").map((e) => e.name)
      .filter((u) => u.startsWith(window.location.origin + "/static/"));
    const urls = [window.location.pathname, "/api/v1/map/config", ...new Set(files)];
    (ready.active || registration.active)?.postMessage({ type: "keep", urls });
    document.body.dataset.serviceWorker = "ready";
  } catch (err) {
    document.body.dataset.serviceWorker = "none";
    console.warn("service worker:", err);
  }
}

/** @param {import("../lib/config.js").MapConfig} config */
async function start(config) {
  showUser(config);
  await setUpSender();
  const tabs = wireTabs($("report-tab").parentElement.querySelector("[role=tablist]"));
  setUpReport();
  setUpTasks();
  await setUpPatrol();
  tabs.onChange((id) => { if (id === "tasks-tab") loadTasks(); });
  markReady();
  registerServiceWorker();
}

wireLogout();
loadConfig().then(start).catch((err) => {
  if (isQuiet(err)) return;
  $("report-result").textContent = "页面无法加载 the page could not load: " + err.message;
  markReady("error");
});
