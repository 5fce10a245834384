// @ts-check
/* The grid profile (网格画像) of /profile?code=CODE — a grid (15 digits), a micro-grid (17) or a
   region (12) at a glance: its workers, population by kind, an age pyramid by sex, key
   populations, places, organisations and facilities; and a map of the grid's buildings with
   drill-down building → units → households → residents. Labels of the configured vocabularies
   come from the map configuration. Each panel is a module under js/profile/.
   Tests wait on body[data-ready=true] (the figures) and [data-drill=building|household]. */

import { getJson, isQuiet } from "../lib/api.js";
import { loadConfig } from "../lib/config.js";
import { $, append } from "../lib/dom.js";
import { markReady, showUser, wireLogout } from "../lib/page.js";
import { drawChildren } from "../profile/children.js";
import { CODE, IS_GRID, IS_REGION, profileHref } from "../profile/context.js";
import { drawKeyGroups } from "../profile/key-groups.js";
import { drawKinds } from "../profile/kinds.js";
import { loadGridMap, loadRegionMap, startMap } from "../profile/map.js";
import { drawPlaces } from "../profile/places.js";
import { drawPyramid } from "../profile/pyramid.js";
import { drawSummary } from "../profile/summary.js";
import { drawFacilities, drawOrganisations } from "../profile/tallies.js";
import { errorParts } from "../profile/widgets.js";
import { drawWorkers } from "../profile/workers.js";

/** @param {any} p the profile */
function drawProfile(p) {
  $("loading").hidden = true;
  drawSummary(p);
  if (IS_GRID || (p.workers && p.workers.length)) drawWorkers(p.workers);
  drawKinds(p.population_by_kind);
  drawPyramid(p.age_pyramid, p.residents);
  drawKeyGroups(p.key_groups);
  drawPlaces(p.places_by_kind, p.must_visit);
  drawOrganisations(p.organisations_by_kind);
  drawFacilities(p.facilities_by_category);
  if (IS_REGION) drawChildren(p.children);
  markReady();
}

/** @param {any} err what the API (or the page) said */
function fail(err) {
  if (isQuiet(err)) return;
  $("loading").hidden = true;
  const box = $("error");
  box.textContent = "";
  append(box, errorParts(err));
  box.dataset.status = err.status || "";
  box.hidden = false;
  markReady("error");
}

function start() {
  // the configuration (labels, base map, who is signed in); without one the figures keep the
  // API's labels and the map has no base map
  const configured = loadConfig().then((config) => {
    showUser(config);
    return config;
  }, (err) => {
    if (isQuiet(err)) throw err;
    return null;
  });
  const url = (IS_REGION ? "/api/v1/regions/" : "/api/v1/grids/") + encodeURIComponent(CODE) + "/profile";
  Promise.all([getJson(url), configured]).then(([profile]) => drawProfile(profile)).catch(fail);
  configured.then((config) => {
    startMap(config);
    if (IS_GRID) loadGridMap();
    else loadRegionMap();
  }).catch(() => { /* signed out: on the way to the login page */ });
}

wireLogout();
$("open-code").value = CODE;
$("open-form").addEventListener("submit", (/** @type {Event} */ event) => {
  event.preventDefault();
  const value = $("open-code").value.trim();
  if (/^(\d{12}|\d{15}|\d{17})$/.test(value)) window.location.assign(profileHref(value));
});

if (IS_REGION || IS_GRID) {
  start();
} else {
  fail(new Error("?code= 需要 12 位区划编码或 15/17 位网格编码 · give a 12-digit region code or a " +
    "15- or 17-digit grid code, e.g. /profile?code=361126109000"));
  $("map").hidden = true;
}
