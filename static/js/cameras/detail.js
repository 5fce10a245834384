// @ts-check
/* The open camera (GET /api/v1/cameras/{id}): its archive fields (一机一档), what it sees (its
   view on the map, area, range, the fields whose configured default stood in), its problems,
   and the form that corrects it (PATCH: direction, field of view, height, tilt, status, type,
   name, ID; a click on the map moves it) or removes it (DELETE, asked twice). The panel says
   the camera's id, direction and status in data-* (tests read them). */

import { ApiError, getJson, isQuiet, request, sendJson } from "../lib/api.js";
import { $, h } from "../lib/dom.js";
import { dash, formatTime, num } from "../lib/format.js";
import { fillOptions, ptzOptions, statusOptions } from "./filters.js";
import { markSelected } from "./list.js";
import { showSelected, startPicking, stopPicking } from "./map.js";
import { near, untilListed, untilRead } from "./settle.js";
import { state } from "./state.js";
import { DEFAULT_NAMES, FIELD_LABELS, plannedBadge, ptzLabel, statusBadge } from "./terms.js";

/** The form's fields: name, kind of input, and how a value is read. */
const EDITABLE = /** @type {[string, string, string, Record<string, string | number>][]} */ ([
  ["direction", "监控方向 Direction °", "number", { min: 0, max: 359.9, step: "any" }],
  ["hfov", "视场角 HFOV °", "number", { min: 1, max: 360, step: "any" }],
  ["height", "安装高度 Height m", "number", { min: 0.1, max: 500, step: "any" }],
  ["tilt", "俯角 Tilt °", "number", { min: -90, max: 90, step: "any" }],
  ["status", "状态 Status", "select", {}],
  ["ptz_type", "类型 PTZ type", "select", {}],
  ["name", "名称 Name", "text", { maxlength: 200 }],
  ["device_id", "设备编码 Device ID", "text", { maxlength: 40 }]
]);

/** @type {any} the open camera as last read */
let current = null;
let ticket = 0;

/** @param {unknown} v */
function shown(v) {
  return v === null || v === undefined || v === "" ? "—" : String(v);
}

/** @param {any} c */
function factValue(c, /** @type {string} */ key) {
  if (key === "ptz_type") return ptzLabel(c.ptz_type);
  if (key === "status") return statusBadge(c.status);
  if (key === "imported_at") return formatTime(c.imported_at);
  return shown(c[key]);
}

/** @param {any} c */
function facts(c) {
  const rows = FIELD_LABELS.filter(([key]) => key in c && (c[key] !== null || ["device_id", "name", "direction",
    "hfov", "height", "grid_code", "status", "ptz_type"].includes(key)))
    .map(([key, label]) => h("tr", { "data-field": key }, [h("th", null, label), h("td", null, factValue(c, key))]));
  rows.push(h("tr", { "data-field": "position" }, [h("th", null, "经纬度 lon, lat (WGS84)"),
    h("td", null, Number(c.lon).toFixed(6) + ", " + Number(c.lat).toFixed(6))]));
  return h("table", { class: "facts" }, h("tbody", null, rows));
}

/** @param {any} c */
function viewFacts(c) {
  const defaults = c.sector_defaults || [];
  return h("div", { class: "view-facts", "data-view": c.view ? "true" : "false" }, [
    h("h3", null, "可视域 What it sees"),
    c.view ? h("table", { class: "facts" }, h("tbody", null, [
      h("tr", null, [h("th", null, "面积 area"), h("td", null, num(Math.round(c.sector_area_m2 || 0)) + " m²")]),
      h("tr", null, [h("th", null, "距离 range (" + (state.rules.level || "DORI") + ")"),
        h("td", null, c.sector_range_m === null ? "—" : Number(c.sector_range_m).toFixed(1) + " m")]),
      h("tr", null, [h("th", null, "绘制于 drawn at"), h("td", null, c.sector_at ? formatTime(c.sector_at) : "—")])
    ])) : h("p", { class: "none" }, c.sector_at ? "看不到任何区域（被建筑遮挡）· sees nothing (hidden by buildings)"
      : "尚未绘制 not drawn yet: 重绘视域 redraw views"),
    defaults.length ? h("p", { class: "defaults", "data-defaults": defaults.join(",") }, [
      "使用默认值 defaults used for: ",
      defaults.map((/** @type {string} */ d, /** @type {number} */ i) =>
        [i ? ", " : "", h("span", { class: "badge default" }, DEFAULT_NAMES[d] || d)])
    ]) : h("p", { class: "hint" }, "全部来自档案 every value from the record")
  ]);
}

/** @param {number} id */
function problemsOf(id) {
  const problems = state.problemsById.get(id) || [];
  if (!problems.length) return null;
  return h("div", { class: "camera-problems" }, [
    h("h3", null, "问题 Problems (" + problems.length + ")"),
    h("ul", null, problems.map((p) => h("li", { "data-problem": p.problem }, [
      h("span", { class: "badge problem" }, p.label), " ", h("span", { class: "reason" }, p.reason)
    ])))
  ]);
}

/**
 * @param {string} name
 * @param {string} kind
 * @param {Record<string, string | number>} attrs
 * @param {any} value
 */
function input(name, kind, attrs, value) {
  if (kind === "select") {
    const select = /** @type {HTMLSelectElement} */ (h("select", { name, id: "e-" + name }));
    fillOptions(select, name === "status" ? statusOptions() : ptzOptions(), name === "ptz_type" ? "未知 unknown" : null);
    select.value = value === null || value === undefined ? "" : String(value);
    return select;
  }
  return h("input", {
    name, id: "e-" + name, type: kind, value: value === null || value === undefined ? "" : String(value),
    ...(kind === "number" ? { inputmode: "decimal" } : {}), ...attrs
  });
}

/** @param {any} c */
function editForm(c) {
  const form = h("form", { id: "edit", class: "form-grid edit-form", autocomplete: "off" }, [
    ...EDITABLE.map(([name, label, kind, attrs]) => h("label", null, [label, " ", input(name, kind, attrs, c[name])])),
    h("label", null, ["经度 Lon ", h("input", { name: "lon", id: "e-lon", type: "text", readonly: true,
      value: Number(c.lon).toFixed(7) })]),
    h("label", null, ["纬度 Lat ", h("input", { name: "lat", id: "e-lat", type: "text", readonly: true,
      value: Number(c.lat).toFixed(7) })]),
    h("div", { class: "buttons wide" }, [
      h("button", { type: "button", id: "e-move", "aria-pressed": "false" }, "移动 Move: click the map"),
      h("button", { type: "submit", class: "primary", id: "e-save" }, "保存 Save")
    ]),
    h("div", { id: "edit-message", class: "action-message wide", role: "status", hidden: true })
  ]);
  return form;
}

/**
 * What the form changes: the fields whose value differs from the record (empty clears one),
 * and lon and lat together when the camera was moved.
 * @param {HTMLFormElement} form
 * @param {any} c
 */
function changes(form, c) {
  /** @type {Record<string, unknown>} */
  const body = {};
  for (const [name, , kind] of EDITABLE) {
    const raw = /** @type {HTMLInputElement} */ (form.elements.namedItem(name)).value.trim();
    let value = raw === "" ? null : kind === "number" || name === "ptz_type" ? Number(raw) : raw;
    if (name === "status" && value === null) value = c.status;
    const before = c[name] === undefined ? null : c[name];
    if (value !== before) body[name] = value;
  }
  const lon = Number(/** @type {HTMLInputElement} */ (form.elements.namedItem("lon")).value);
  const lat = Number(/** @type {HTMLInputElement} */ (form.elements.namedItem("lat")).value);
  if (Math.abs(lon - c.lon) > 1e-7 || Math.abs(lat - c.lat) > 1e-7) Object.assign(body, { lon, lat });
  return body;
}

/**
 * @param {string} text
 * @param {"error" | "pending" | "ok"} kind
 */
function say(text, kind) {
  const box = $("edit-message");
  if (!box) return;
  box.hidden = !text;
  box.className = "action-message wide " + kind;
  box.textContent = text;
}

/** @param {HTMLFormElement} form */
function wireForm(form) {
  const move = $("e-move");
  move.addEventListener("click", () => {
    if (move.getAttribute("aria-pressed") === "true") {
      stopPicking();
      move.setAttribute("aria-pressed", "false");
      move.textContent = "移动 Move: click the map";
      $("e-lon").value = Number(current.lon).toFixed(7);
      $("e-lat").value = Number(current.lat).toFixed(7);
      return;
    }
    move.setAttribute("aria-pressed", "true");
    move.textContent = "取消移动 Cancel the move";
    say("点击地图上的新位置 click where it stands now, then 保存 Save", "pending");
    startPicking((at) => {
      $("e-lon").value = at.lng.toFixed(7);
      $("e-lat").value = at.lat.toFixed(7);
    }, () => {
      const button = $("e-move");
      if (!button) return;
      button.setAttribute("aria-pressed", "false");
      button.textContent = "移动 Move: click the map";
    });
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
    const body = changes(form, current);
    if (!Object.keys(body).length) {
      say("没有改动 nothing changed", "pending");
      return;
    }
    const id = current.id;
    $("e-save").disabled = true;
    say("保存中 saving…", "pending");
    try {
      const saved = await sendJson("PATCH", "/api/v1/cameras/" + id, body);
      stopPicking();
      render(saved);
      say("已保存，视域已重绘 saved; its view is drawn again", "ok");
      await untilRead(saved);
      if (current && current.id === id) $("detail").dataset.saved = "true";
      state.changed({ ids: [id] });
    } catch (err) {
      if (isQuiet(err)) return;
      const e = /** @type {any} */ (err);
      if (e instanceof ApiError && e.field) {
        const field = form.elements.namedItem(e.field);
        if (field) /** @type {HTMLElement} */ (field).setAttribute("aria-invalid", "true");
      }
      say((e.status ? e.status + ": " : "") + e.message, "error");
    } finally {
      const save = $("e-save");
      if (save) save.disabled = false;
    }
  });
}

/** The delete button: asked twice, then DELETE. */
function removeButtons() {
  const box = h("div", { class: "buttons remove" });
  const ask = h("button", { type: "button", class: "danger", id: "e-delete" }, "删除 Delete…");
  box.appendChild(ask);
  ask.addEventListener("click", () => {
    box.textContent = "";
    const yes = h("button", { type: "button", class: "danger", id: "e-delete-confirm" }, "确认删除 Delete for good");
    const no = h("button", { type: "button" }, "取消 Keep it");
    box.append(h("span", { class: "hint" }, "删除此档案？remove this record? "), yes, no);
    no.addEventListener("click", () => box.replaceWith(removeButtons()));
    yes.addEventListener("click", async () => {
      const id = current.id;
      const at = { lon: current.lon, lat: current.lat };
      yes.setAttribute("disabled", "");
      try {
        await request("DELETE", "/api/v1/cameras/" + id);
        closeDetail();
        await untilListed(near(at), [id], false);
        state.changed({ ids: [id] });
      } catch (err) {
        if (!isQuiet(err)) say(/** @type {any} */ (err).message, "error");
        yes.removeAttribute("disabled");
      }
    });
  });
  return box;
}

/** @param {any} c a camera as GET /api/v1/cameras/{id} gives it */
function render(c) {
  current = c;
  const panel = $("detail");
  panel.textContent = "";
  panel.hidden = false;
  Object.assign(panel.dataset, {
    id: String(c.id), direction: c.direction === null ? "" : String(c.direction), status: c.status,
    view: c.view ? "true" : "false", planned: String(Boolean(c.planned))
  });
  const close = h("button", { type: "button", class: "close", "aria-label": "关闭 close" }, "×");
  close.addEventListener("click", closeDetail);
  panel.append(
    close,
    h("h2", { class: "camera-title" }, [dash(c.name), " ", statusBadge(c.status), " ", plannedBadge(c.planned)]),
    h("p", { class: "code" }, "#" + c.id + " · " + dash(c.device_id)),
    facts(c),
    viewFacts(c),
    problemsOf(c.id) || "",
    h("h3", null, "更正档案 Correct the record"),
    editForm(c),
    removeButtons()
  );
  wireForm(/** @type {HTMLFormElement} */ ($("edit")));
  showSelected(c, false);
}

/**
 * Open a camera: read it, show it, ring it on the map (and go there with ``pan``).
 * @param {number} id
 * @param {{pan?: boolean}} [options]
 */
export async function openCamera(id, options = {}) {
  const mine = ++ticket;
  stopPicking();
  state.selected = id;
  markSelected();
  const panel = $("detail");
  panel.hidden = false;
  panel.dataset.loading = String(id);
  try {
    const camera = await getJson("/api/v1/cameras/" + id);
    if (mine !== ticket) return;
    render(camera);
    if (options.pan) showSelected(camera, true);
  } catch (err) {
    if (isQuiet(err) || mine !== ticket) return;
    panel.textContent = "";
    panel.append(h("p", { class: "error-box" }, "摄像机无法读取 the camera could not be read: " +
      /** @type {any} */ (err).message));
  } finally {
    if (mine === ticket) delete panel.dataset.loading;
  }
}

/** Read the open camera again (after a change elsewhere, e.g. a redraw of views). */
export function reopen() {
  if (state.selected !== null) openCamera(state.selected);
}

export function closeDetail() {
  ticket += 1;
  stopPicking();
  current = null;
  state.selected = null;
  const panel = $("detail");
  panel.hidden = true;
  panel.textContent = "";
  for (const key of Object.keys(panel.dataset)) delete panel.dataset[key];
  showSelected(null);
  markSelected();
}
