// @ts-check
/* The public report form (群众上报): the categories from Open311 (GET /open311/v2/services.json),
   a description, the place from a click on the map, an optional name, phone and photo; sent as
   a multipart form to POST /open311/v2/requests.json. Open311 says what went wrong as
   [{code, description}]. */

import { ApiError, getJson, upload } from "../lib/api.js";
import { $, h } from "../lib/dom.js";
import L from "../lib/leaflet.js";

/** @type {any} */
let spot = null;

/**
 * The services, grouped as Open311 groups them.
 * @param {any[]} services
 */
function fillServices(services) {
  const select = $("service");
  select.textContent = "";
  select.appendChild(h("option", { value: "" }, "请选择 choose…"));
  /** @type {Map<string, HTMLElement>} */
  const groups = new Map();
  for (const s of services) {
    const name = s.group || "其他 other";
    let box = groups.get(name);
    if (!box) {
      box = h("optgroup", { label: name });
      groups.set(name, box);
      select.appendChild(box);
    }
    box.appendChild(h("option", { value: s.service_code }, s.service_name + " · " +
      String(s.service_code).replace(/_/g, " ")));
  }
  select.dataset.ready = "true";
}

/**
 * The place of the problem: a click on the map.
 * @param {any} map
 */
function pickOnMap(map) {
  map.on("click", (/** @type {any} */ e) => {
    const at = e.latlng;
    $("lat").value = at.lat.toFixed(7);
    $("long").value = at.lng.toFixed(7);
    const where = $("where");
    where.textContent = "位置 location: " + at.lat.toFixed(6) + ", " + at.lng.toFixed(6);
    where.dataset.located = "true";
    if (spot) spot.setLatLng(at);
    else {
      spot = L.circleMarker(at, {
        radius: 10, color: "#c2410c", weight: 3, fillColor: "#fd7e14", fillOpacity: 0.6,
        interactive: false, className: "report-spot"
      }).addTo(map);
    }
  });
}

/** @param {string} text */
function sayError(text) {
  const box = $("form-error");
  box.textContent = text;
  box.hidden = !text;
}

/** @param {unknown} err Open311's [{code, description}] or another failure */
function errorText(err) {
  if (err instanceof ApiError && Array.isArray(err.body) && err.body.length) {
    return err.body.map((/** @type {any} */ e) => e.description).join("; ");
  }
  return /** @type {any} */ (err).message || String(err);
}

/**
 * @param {HTMLFormElement} form
 * @param {(id: string, notice: string) => void} sent
 */
async function submit(form, sent) {
  sayError("");
  if (!$("service").value) return sayError("请选择类别 choose a category");
  if (!$("description").value.trim()) return sayError("请描述问题 describe the problem");
  if (!$("lat").value) return sayError("请在地图上点击问题所在位置 click the map where the problem is");
  const data = new FormData(form);
  const media = /** @type {File | null} */ (data.get("media"));
  if (!media || !media.size) data.delete("media"); // no photo chosen: no empty part
  for (const key of ["first_name", "last_name", "phone"]) {
    if (!String(data.get(key) || "").trim()) data.delete(key);
  }
  const button = /** @type {HTMLButtonElement} */ (form.querySelector("button[type=submit]"));
  button.disabled = true;
  form.dataset.state = "sending";
  try {
    const answer = await upload("/open311/v2/requests.json", data);
    const first = answer[0];
    form.dataset.state = "sent";
    sent(first.service_request_id, first.service_notice || "");
  } catch (err) {
    form.dataset.state = "error";
    sayError("未能提交 not sent: " + errorText(err));
  } finally {
    button.disabled = false;
  }
}

/**
 * @param {any} map
 * @param {(id: string, notice: string) => void} sent
 */
export async function setUpForm(map, sent) {
  pickOnMap(map);
  const form = $("report-form");
  form.addEventListener("submit", (/** @type {Event} */ e) => {
    e.preventDefault();
    submit(form, sent);
  });
  fillServices(await getJson("/open311/v2/services.json"));
}
