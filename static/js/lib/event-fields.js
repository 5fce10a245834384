// @ts-check
/* The inputs an action of the workflow needs (reason, unit, photo, score, original, until) and
   an optional note: each a field that reads its part of the transition's body. A photo field
   uploads its files first (POST /api/v1/events/{id}/attachments) and gives their ids; a retry
   with the same files reuses them. */

import { getJson, upload } from "./api.js";
import { h } from "./dom.js";
import { previewFiles } from "./photos.js";

/**
 * What each action of the default workflow needs. The map configuration names the actions but
 * not their needs: an action configured to need more is answered 400 naming the field, and the
 * form then asks for it too (NEED_OF_FIELD).
 * @type {Record<string, string[]>}
 */
export const NEEDS = {
  reject: ["reason"], mark_duplicate: ["original"], dispatch: ["unit"], return: ["reason"],
  report_back: ["photo"], rework: ["reason"], evaluate: ["score"], escalate: ["reason"],
  extend: ["reason", "until"], hold: ["reason"]
};

/** The need behind a field the API names in a 400. @type {Record<string, string>} */
export const NEED_OF_FIELD = {
  reason: "reason", unit: "unit", attachments: "photo", score: "score", original: "original",
  until: "until"
};

/**
 * @typedef {object} Field
 * @property {string} need
 * @property {HTMLElement} node
 * @property {() => Promise<Record<string, unknown>>} read its part of the body
 */

/**
 * @param {string} text
 * @param {HTMLElement} input
 * @param {any} [extra]
 */
function labelled(text, input, extra) {
  return h("label", { class: "field" }, [h("span", null, text), input, extra]);
}

/** @returns {Field} */
function reasonField() {
  const input = /** @type {HTMLTextAreaElement} */ (h("textarea", {
    name: "reason", required: true, maxlength: 2000, rows: 2
  }));
  return {
    need: "reason", node: labelled("原因 Reason", input),
    read: async () => ({ reason: input.value.trim() })
  };
}

/** @returns {Field} */
export function noteField() {
  const input = /** @type {HTMLInputElement} */ (h("input", { name: "note", type: "text", maxlength: 2000 }));
  return {
    need: "note", node: labelled("备注 Note (可选 optional)", input),
    read: async () => (input.value.trim() ? { note: input.value.trim() } : {})
  };
}

/**
 * The departments taking the event's category (GET /api/v1/units?category=…).
 * @param {any} event
 * @returns {Field}
 */
function unitField(event) {
  const select = /** @type {HTMLSelectElement} */ (h("select", { name: "unit", required: true }, [
    h("option", { value: "" }, "加载中 loading…")
  ]));
  getJson("/api/v1/units?category=" + encodeURIComponent(event.category)).then((data) => {
    select.textContent = "";
    select.appendChild(h("option", { value: "" }, "选择部门 choose a unit"));
    for (const unit of data.units || []) {
      if (unit.active === false) continue;
      select.appendChild(h("option", { value: unit.code }, unit.name + " (" + unit.code + ")"));
    }
    select.dataset.ready = "true";
  }).catch((err) => {
    select.textContent = "";
    select.appendChild(h("option", { value: "" }, "部门无法加载 units could not load: " + err.message));
  });
  return {
    need: "unit", node: labelled("处置部门 Unit", select),
    read: async () => ({ unit: select.value })
  };
}

/**
 * Photos: chosen (or taken with the camera), uploaded to the event, then their ids.
 * @param {any} event
 * @returns {Field}
 */
function photoField(event) {
  const input = /** @type {HTMLInputElement} */ (h("input", {
    name: "photos", type: "file", accept: "image/jpeg,image/png,image/webp,image/*", multiple: true,
    required: true
  }));
  const previews = h("div", { class: "photos previews" });
  previewFiles(input, previews);
  /** @type {{key: string, ids: number[]} | null} */
  let sent = null;
  return {
    need: "photo", node: labelled("照片 Photos", input, previews),
    read: async () => {
      const files = Array.from(input.files || []);
      const key = files.map((f) => f.name + ":" + f.size + ":" + f.lastModified).join("|");
      if (!sent || sent.key !== key) {
        const form = new FormData();
        for (const file of files) form.append("files", file, file.name);
        const answer = await upload("/api/v1/events/" + event.id + "/attachments", form);
        sent = { key, ids: answer.attachments.map((/** @type {any} */ a) => a.id) };
      }
      return { attachments: sent.ids };
    }
  };
}

/** @returns {Field} */
function scoreField() {
  const select = /** @type {HTMLSelectElement} */ (h("select", { name: "score", required: true }, [
    h("option", { value: "" }, "评分 choose"),
    ...[5, 4, 3, 2, 1].map((n) => h("option", { value: n }, n + " " + "★".repeat(n)))
  ]));
  return {
    need: "score", node: labelled("满意度 Satisfaction (1–5)", select),
    read: async () => ({ score: Number(select.value) })
  };
}

/** @returns {Field} */
function originalField() {
  const input = /** @type {HTMLInputElement} */ (h("input", {
    name: "original", type: "number", min: 1, step: 1, required: true, inputmode: "numeric"
  }));
  return {
    need: "original", node: labelled("原件编号 Original event id", input),
    read: async () => ({ original: Number(input.value) })
  };
}

/** @returns {Field} */
function untilField() {
  const input = /** @type {HTMLInputElement} */ (h("input", {
    name: "until", type: "datetime-local", required: true
  }));
  return {
    need: "until", node: labelled("延至 Until", input),
    // the device's local time, sent with its zone (as UTC)
    read: async () => ({ until: new Date(input.value).toISOString() })
  };
}

/**
 * The field of a need.
 * @param {string} need
 * @param {any} event
 * @returns {Field | null}
 */
export function needField(need, event) {
  switch (need) {
    case "reason": return reasonField();
    case "unit": return unitField(event);
    case "photo": return photoField(event);
    case "score": return scoreField();
    case "original": return originalField();
    case "until": return untilField();
    default: return null;
  }
}
