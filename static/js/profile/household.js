// @ts-check
/* Drill-down, second step: a household → its residents, masked or not as the API sends them
   (the page never unmasks anything). */

import { getJson, isQuiet } from "../lib/api.js";
import { labelOf } from "../lib/config.js";
import { $, append, h } from "../lib/dom.js";
import { dash } from "../lib/format.js";
import { CARE_LEVEL, SEX } from "../lib/labels.js";
import { levelOf } from "./key-groups.js";
import { errorBox } from "./widgets.js";

let householdRequest = 0;

/**
 * Empty a drill-down card; with ``text``, show it (loading …), else hide the card.
 * @param {string} id building or household
 * @param {string} [text]
 * @returns {HTMLElement}
 */
export function resetDrill(id, text) {
  const box = $(id);
  delete box.dataset.drill;
  delete box.dataset.id;
  box.textContent = "";
  if (text) append(box, h("p", { class: "hint" }, text));
  box.hidden = !text;
  return box;
}

/** Close the household card (an answer still on its way is forgotten). */
export function closeHousehold() {
  householdRequest++;
  resetDrill("household");
}

/**
 * @param {string | number} id
 * @param {HTMLElement} row its row in the building's table
 */
export async function openHousehold(id, row) {
  for (const tr of document.querySelectorAll("#building tr.household")) {
    tr.classList.toggle("selected", tr === row);
  }
  const ticket = ++householdRequest;
  const box = resetDrill("household", "加载住户 loading household…");
  try {
    const household = await getJson("/api/v1/households/" + encodeURIComponent(id));
    if (ticket !== householdRequest) return;
    drawHousehold(box, household);
    box.scrollIntoView({ block: "nearest" });
  } catch (err) {
    if (ticket !== householdRequest || isQuiet(err)) return;
    box.textContent = "";
    append(box, errorBox(err));
  }
}

/** @param {any} r a resident */
function residentRow(r) {
  return h("tr", { "data-id": r.id }, [
    h("td", { class: "name" }, dash(r.name)),
    h("td", { class: "id id-number" }, dash(r.id_number)),
    h("td", { class: "id phone" }, dash(r.phone)),
    h("td", { class: "sex" }, SEX[r.sex] || dash(r.sex)),
    h("td", { class: "num age" }, dash(r.age)),
    h("td", { class: "kind" }, dash(r.kind_label || labelOf("resident_kinds", r.kind) || r.kind)),
    h("td", { class: "tags" }, (r.tags || []).map((/** @type {any} */ t) => {
      const level = levelOf(t.tag, t.level);
      return h("span", { class: "badge " + level, title: CARE_LEVEL[level] || "" },
        t.label || labelOf("key_groups", t.tag) || t.tag);
    }))
  ]);
}

/**
 * @param {HTMLElement} box
 * @param {any} hh the household and its residents
 */
function drawHousehold(box, hh) {
  box.textContent = "";
  const residents = hh.residents || [];
  const masked = hh.masked !== false;
  append(box, [
    h("h2", null, ["住户 Household", h("span", { class: "code" }, hh.household_no),
      h("span", { id: "masked-flag", class: "badge " + (masked ? "masked" : "unmasked"),
        "data-masked": masked ? "true" : "false",
        title: masked ? "身份证号与电话已脱敏 ID numbers and phones are masked"
          : "明文查看已记入审计日志 this read of unmasked data is logged" },
      masked ? "已脱敏 masked" : "明文 unmasked, read logged")]),
    h("p", { class: "meta" }, [dash(hh.address),
      " · 单元 unit " + dash(hh.unit) + " · 房号 room " + dash(hh.room),
      " · " + (hh.registered === true ? "户籍户 registered"
        : hh.registered === false ? "非户籍 not registered" : ""),
      " · " + residents.length + " 人 residents"])
  ]);
  if (!residents.length) {
    append(box, h("p", { class: "none" }, "无人口 no residents"));
  } else {
    append(box, h("table", { class: "data residents" }, [
      h("thead", null, h("tr", null, [h("th", null, "姓名 name"), h("th", null, "身份证号 ID number"),
        h("th", null, "电话 phone"), h("th", null, "性别 sex"), h("th", { class: "num" }, "年龄 age"),
        h("th", null, "类型 kind"), h("th", null, "重点人群 tags")])),
      h("tbody", null, residents.map(residentRow))
    ]));
  }
  box.dataset.id = hh.id;
  box.dataset.drill = "household";
  box.hidden = false;
}
