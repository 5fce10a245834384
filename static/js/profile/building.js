// @ts-check
/* Drill-down, first step: a building → its units → their households (a click opens one). */

import { getJson, isQuiet } from "../lib/api.js";
import { append, h, onActivate } from "../lib/dom.js";
import { dash, num, sum } from "../lib/format.js";
import { profileHref } from "./context.js";
import { closeHousehold, openHousehold, resetDrill } from "./household.js";
import { errorBox, useLabel } from "./widgets.js";

let buildingRequest = 0;

/**
 * Open a building (an answer for one opened before is forgotten); closes the household.
 * @param {string | number} id
 */
export async function openBuilding(id) {
  const ticket = ++buildingRequest;
  closeHousehold();
  const box = resetDrill("building", "加载楼栋 loading building…");
  try {
    const building = await getJson("/api/v1/buildings/" + encodeURIComponent(id));
    if (ticket === buildingRequest) drawBuilding(box, building);
  } catch (err) {
    if (ticket !== buildingRequest || isQuiet(err)) return;
    box.textContent = "";
    append(box, errorBox(err));
  }
}

/** @param {any} hh a household of the building */
function householdRow(hh) {
  const row = h("tr", { class: "pick household", tabindex: 0, "data-id": hh.id,
    "data-residents": hh.residents }, [
    h("td", null, dash(hh.room)),
    h("td", { class: "id" }, dash(hh.household_no)),
    h("td", null, hh.registered === true ? "是 yes" : hh.registered === false ? "否 no" : "—"),
    h("td", { class: "num" }, num(hh.residents))
  ]);
  onActivate(row, () => openHousehold(hh.id, row));
  return row;
}

/** @param {any} u a unit and its households */
function unitBlock(u) {
  const list = u.households || [];
  const name = u.unit === null || u.unit === undefined || u.unit === "" ? "单元 unit —" : "单元 unit " + u.unit;
  return h("div", { class: "unit", "data-unit": u.unit === null ? "" : u.unit }, [
    h("h3", null, name + " · " + list.length + " 户"),
    h("table", { class: "data households" }, [
      h("thead", null, h("tr", null, [h("th", null, "房号 room"), h("th", null, "户号 household no."),
        h("th", null, "户籍户 registered"), h("th", { class: "num" }, "人口 residents")])),
      h("tbody", null, list.map(householdRow))
    ])
  ]);
}

/**
 * @param {HTMLElement} box
 * @param {any} b the building
 */
function drawBuilding(box, b) {
  box.textContent = "";
  const units = b.units || [];
  const households = sum(units.map((/** @type {any} */ u) => (u.households || []).length));
  append(box, [
    h("h2", null, ["楼栋 Building", h("span", { class: "code" }, b.code)]),
    h("p", { class: "meta" }, [h("strong", null, dash(b.name || b.address)),
      b.name && b.address ? " · " + b.address : ""]),
    h("p", { class: "meta" }, [
      "用途 use ", useLabel(b.use), " · 层数 floors " + dash(b.floors),
      " · 网格 grid ", h("a", { href: profileHref(b.grid_code) }, dash(b.grid_code)),
      b.micro_code ? [" · 微网格 micro-grid ", h("a", { href: profileHref(b.micro_code) }, b.micro_code)] : null,
      " · " + num(households) + " 户 households"
    ])
  ]);
  if (!units.length) append(box, h("p", { class: "none" }, "无住户 no households"));
  for (const u of units) append(box, unitBlock(u));
  box.dataset.id = b.id;
  box.dataset.drill = "building";
  box.hidden = false;
}
