// @ts-check
/* Registering a camera (一机一档, POST /api/v1/cameras): its archive fields, and where it stands
   picked with a click on the map; what it sees is drawn at once, and it opens. */

import { ApiError, isQuiet, sendJson } from "../lib/api.js";
import { $, fill, h } from "../lib/dom.js";
import { fillOptions, ptzOptions, statusOptions } from "./filters.js";
import { startPicking, stopPicking } from "./map.js";
import { near, untilListed } from "./settle.js";
import { state } from "./state.js";

const NUMBERS = ["ptz_type", "direction", "hfov", "height", "lon", "lat"];

/** The pick button as it is when not picking. */
function pickIdle() {
  $("r-pick").setAttribute("aria-pressed", "false");
  $("r-pick").textContent = "在地图上选点 Pick on the map";
}

function stopPick() {
  stopPicking();
  pickIdle();
}

/** @param {Event} event */
async function register(event) {
  event.preventDefault();
  const form = /** @type {HTMLFormElement} */ ($("register"));
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  /** @type {Record<string, unknown>} */
  const body = {};
  for (const [key, raw] of new FormData(form).entries()) {
    const value = String(raw).trim();
    if (value !== "") body[key] = NUMBERS.includes(key) ? Number(value) : value;
  }
  const box = $("register-result");
  if (body.lon === undefined) {
    box.className = "result error";
    box.textContent = "请先在地图上选点 pick where it stands on the map first";
    $("r-lon").setAttribute("aria-invalid", "true");
    return;
  }
  try {
    const camera = await sendJson("POST", "/api/v1/cameras", body);
    stopPick();
    form.reset();
    defaultStatus();
    box.className = "result ok";
    fill("register-result", h("p", { class: "ok-title" }, "已登记 registered #" + camera.id +
      (camera.grid_code ? " · 网格 grid " + camera.grid_code : " · 不在网格内 in no grid")));
    await untilListed(near(camera), [camera.id]);
    box.dataset.id = String(camera.id);
    state.changed({ ids: [camera.id] });
    state.open(camera.id);
  } catch (err) {
    if (isQuiet(err)) return;
    const e = /** @type {any} */ (err);
    if (e instanceof ApiError && e.field) {
      const field = form.elements.namedItem(e.field);
      if (field) /** @type {HTMLElement} */ (field).setAttribute("aria-invalid", "true");
    }
    box.className = "result error";
    box.textContent = (e.status ? e.status + ": " : "") + e.message;
  }
}

/** A new camera is working unless said otherwise. */
function defaultStatus() {
  const working = state.rules.working_statuses[0];
  if (working) $("r-status").value = working;
}

export function setUpRegister() {
  fillOptions($("r-ptz"), ptzOptions(), "未知 unknown");
  fillOptions($("r-status"), statusOptions(), null);
  defaultStatus();
  const pick = $("r-pick");
  pick.setAttribute("aria-pressed", "false");
  pick.addEventListener("click", () => {
    if (pick.getAttribute("aria-pressed") === "true") {
      stopPick();
      return;
    }
    pick.setAttribute("aria-pressed", "true");
    pick.textContent = "停止选点 Stop picking";
    startPicking((at) => {
      $("r-lon").value = at.lng.toFixed(7);
      $("r-lat").value = at.lat.toFixed(7);
      $("r-lon").removeAttribute("aria-invalid");
    }, pickIdle);
  });
  $("register").addEventListener("submit", register);
  $("register-box").addEventListener("toggle", () => { if (!$("register-box").open) stopPick(); });
}
