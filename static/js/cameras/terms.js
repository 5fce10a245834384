// @ts-check
/* Cameras' words and colours as the workbench shows them: the configured vocabularies (PTZ
   types, statuses, problems) with their codes, whether a status counts as working, the status
   and planned badges, and what each archive field is called. Nothing here hard-codes a
   deployment's vocabulary: it all comes from the configuration's ``cameras`` section. */

import { h } from "../lib/dom.js";
import { state } from "./state.js";

/** Colours: working, not working (faulty, offline …), planned, selected, proposed. */
export const COLORS = {
  working: "#2b8a3e",
  idle: "#e03131",
  planned: "#7048e8",
  selected: "#f08c00",
  proposal: "#ae3ec9",
  blind: "#c92a2a"
};

/**
 * "固定枪机 fixed bullet (3)": the configured label of a PTZ type and its code.
 * @param {number | string | null | undefined} code
 */
export function ptzLabel(code) {
  if (code === null || code === undefined || code === "") return "—";
  const label = state.rules.ptz_types[String(code)];
  return label ? label + " (" + code + ")" : String(code);
}

/**
 * "在线 online": the configured label of a status and its code.
 * @param {string | null | undefined} code
 */
export function statusLabel(code) {
  if (!code) return "—";
  const label = state.rules.statuses[code];
  return label && label !== code ? label + " " + code : code;
}

/**
 * The configured label of a problem code (it already carries its English words).
 * @param {string | null | undefined} code
 */
export function problemLabel(code) {
  if (!code) return "—";
  return state.rules.problems[code] || code;
}

/**
 * Whether a status counts as working (完好) for the working rate.
 * @param {string | null | undefined} status
 */
export function isWorking(status) {
  return Boolean(status) && state.rules.working_statuses.includes(String(status));
}

/**
 * A camera's colour on the map: planned ones apart, then working or not.
 * @param {{status?: string | null, planned?: boolean | null}} camera
 */
export function cameraColor(camera) {
  if (camera.planned) return COLORS.planned;
  return isWorking(camera.status) ? COLORS.working : COLORS.idle;
}

/**
 * A status badge, coloured as the map colours it.
 * @param {string | null | undefined} status
 */
export function statusBadge(status) {
  const kind = isWorking(status) ? "working" : "idle";
  return h("span", { class: "badge cam-status " + kind, "data-status": status || "" }, statusLabel(status));
}

/** @param {boolean | null | undefined} planned */
export function plannedBadge(planned) {
  return planned ? h("span", { class: "badge cam-planned" }, "规划 planned") : null;
}

/** The archive fields (一机一档) a camera's details show, and what they are called. */
export const FIELD_LABELS = /** @type {[string, string][]} */ ([
  ["device_id", "设备编码 device ID"],
  ["name", "设备名称 name"],
  ["ptz_type", "摄像机类型 PTZ type"],
  ["status", "状态 status"],
  ["direction", "监控方向 direction (°)"],
  ["hfov", "水平视场角 HFOV (°)"],
  ["height", "安装高度 height (m)"],
  ["tilt", "俯角 tilt (°)"],
  ["resolution_px", "水平像素 resolution (px)"],
  ["manufacturer", "厂商 manufacturer"],
  ["model", "型号 model"],
  ["owner", "权属单位 owner"],
  ["address", "地址 address"],
  ["room_type", "室内外 room type"],
  ["use", "用途 use"],
  ["light", "补光 light"],
  ["grid_code", "网格 grid"],
  ["micro_code", "微网格 micro-grid"],
  ["region_code", "区划 region"],
  ["checked_on", "核查日期 checked on"],
  ["source", "来源 source"],
  ["declared_crs", "坐标系 declared CRS"],
  ["imported_at", "登记时间 registered at"]
]);

/** What a view's defaults stand in for (sector_defaults names the fields whose default was used). */
export const DEFAULT_NAMES = /** @type {Record<string, string>} */ ({
  ptz_type: "类型 PTZ type",
  hfov: "视场角 HFOV",
  height: "安装高度 height",
  tilt: "俯角 tilt",
  resolution_px: "像素 resolution",
  direction: "方向 direction"
});
