// @ts-check
/* The grid maps, public (/) and staff (/map). Vector tiles, so a city of 10,000 grids loads only
   what the view shows, simplified to the zoom. The page's <body> says which: data-mode and
   data-config. The public map is laid out for phones first (css/public.css): find my grid by a
   tap, an address or "where am I", the answer in a bottom sheet. */

import { $ } from "../lib/dom.js";
import { loadConfig } from "../lib/config.js";
import { GENERATED_BOUNDARIES } from "../lib/labels.js";
import L from "../lib/leaflet.js";
import {
  createMap, fitConfigBounds, gridLayer, hasGeneratedBoundaries, legendControl, regionLayer,
  scaleControl, townshipPalette
} from "../lib/map.js";
import { markReady, showGeneratedNote, showUser, wireLogout } from "../lib/page.js";
import { createFinder, findControl, findOnClick } from "../map/find.js";
import { locateButton } from "../map/locate.js";
import { gridPopupHtml } from "../map/popups.js";
import { isPhone } from "../map/sheet.js";

const MODE = document.body.dataset.mode || "public";

/** @param {import("../lib/config.js").MapConfig} config */
function start(config) {
  const map = createMap(config, { preferCanvas: false });
  const regions = regionLayer(config).addTo(map);
  const grids = gridLayer(config).addTo(map);
  /** @type {object} the county's first view: on a phone, below the search bar over the map */
  let fit = {};
  if (MODE === "public") {
    const finder = createFinder(map);
    findOnClick(finder, grids);
    findControl(finder);
    locateButton(finder);
    fit = { paddingTopLeft: [0, finder.sheet.covered().top] };
  } else {
    const { names } = townshipPalette(config);
    grids.on("click", (/** @type {any} */ e) => {
      const p = e.layer.properties;
      L.popup().setLatLng(e.latlng).setContent(gridPopupHtml(p, names[p.township], true)).openOn(map);
    });
  }
  if (regions.bringToFront) regions.bringToFront();

  scaleControl().addTo(map);
  // the public map's legend folds into a button, folded at first on a phone
  legendControl(config, MODE === "public" ? { foldable: true, open: !isPhone() } : {}).addTo(map);
  if (hasGeneratedBoundaries(config)) showGeneratedNote(GENERATED_BOUNDARIES);
  if (MODE === "staff") showUser(config);
  fitConfigBounds(map, config, fit);
  markReady();
}

wireLogout();
loadConfig().then(start).catch((err) => {
  if (err && err.signedOut) return; // on the way to the login page
  $("map").textContent = "The map could not load: " + err.message;
});
