// @ts-check
/* The public report form (/report, 群众上报) and a report's status (/report?id=…): residents
   report through Open311 with a click on the public map for the place; no account, and nothing
   leaves this server. Tests wait on body[data-ready=true]. */

import { loadConfig } from "../lib/config.js";
import { $ } from "../lib/dom.js";
import { createMap, fitConfigBounds, gridLayer, regionLayer, scaleControl } from "../lib/map.js";
import { markReady } from "../lib/page.js";
import { setUpForm } from "../report/form.js";
import { showStatus, statusHref } from "../report/status.js";

const ASKED = new URLSearchParams(window.location.search).get("id");

/** @param {import("../lib/config.js").MapConfig} config */
async function start(config) {
  const map = createMap(config, { preferCanvas: false });
  regionLayer(config).addTo(map);
  gridLayer(config, { fillOpacity: 0.15, interactive: false }).addTo(map);
  scaleControl().addTo(map);
  fitConfigBounds(map, config);
  if (ASKED) {
    $("report-form").hidden = true;
    await showStatus(ASKED, { map });
  } else {
    await setUpForm(map, (id, notice) => {
      $("report-form").hidden = true;
      window.history.replaceState(null, "", statusHref(id));
      showStatus(id, { notice, map });
    });
  }
  markReady();
}

loadConfig().then(start).catch((err) => {
  $("status").hidden = false;
  $("status").textContent = "页面无法加载 the page could not load: " + err.message;
  markReady("error");
});
