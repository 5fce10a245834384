// @ts-check
/* A department's view (/department, 职能部门): the events dispatched to it — accept, return
   with a reason, report back with photos — and those it has done, each with its timeline.
   Lists and the open event are modules under js/department/. Tests wait on
   body[data-ready=true] (the to-do list drawn). */

import { isQuiet } from "../lib/api.js";
import { loadConfig } from "../lib/config.js";
import { $ } from "../lib/dom.js";
import { markReady, showUser, wireLogout } from "../lib/page.js";
import { wireTabs } from "../lib/tabs.js";
import { openEvent } from "../department/detail.js";
import { loadList } from "../department/lists.js";

const REFRESH_MS = 30_000;

/** @param {number} id */
function open(id) {
  openEvent(id, refresh);
}

function refresh() {
  return Promise.all([loadList("todo", open), loadList("done", open)]);
}

/** @param {import("../lib/config.js").MapConfig} config */
async function start(config) {
  showUser(config);
  wireTabs($("todo-tab").parentElement.querySelector("[role=tablist]"));
  $("dept-refresh").addEventListener("click", refresh);
  await refresh();
  window.setInterval(() => { if (!document.hidden) refresh(); }, REFRESH_MS);
  const asked = Number(new URLSearchParams(window.location.search).get("event"));
  if (asked) open(asked);
  markReady();
}

wireLogout();
loadConfig().then(start).catch((err) => {
  if (isQuiet(err)) return;
  $("detail").textContent = "页面无法加载 the page could not load: " + err.message;
  markReady("error");
});
