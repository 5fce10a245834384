// @ts-check
/* The actions an event offers the signed-in user: a button for exactly each of the event's
   ``actions`` (the API's word on what this role may do now), each opening a small form for what
   it needs, then POST /api/v1/events/{id}/transitions with the version read. A 409 (changed
   meanwhile, or no longer allowed) is said and the event read again; a 400 naming a need the
   form lacks adds that field. */

import { ApiError, isQuiet, sendJson } from "./api.js";
import { h } from "./dom.js";
import { NEED_OF_FIELD, NEEDS, needField, noteField } from "./event-fields.js";
import { actionLabel } from "./events.js";

/**
 * @typedef {object} ActionHooks
 * @property {(event: any, action: string) => void} done the API's answer after an action
 * @property {(notice: string) => void} reload read the event again, saying ``notice``
 */

/**
 * @param {HTMLElement} box
 * @param {string} text
 * @param {string} kind ok, error
 */
function say(box, text, kind) {
  box.textContent = text;
  box.className = "action-message " + kind;
  box.hidden = !text;
}

/**
 * The form of one action.
 * @param {any} event
 * @param {string} action
 * @param {ActionHooks} hooks
 * @param {() => void} close
 */
function actionForm(event, action, hooks, close) {
  /** @type {import("./event-fields.js").Field[]} */
  const fields = [];
  const list = h("div", { class: "fields" });
  const message = h("p", { class: "action-message", role: "alert", hidden: true });
  /** @param {string} need */
  const add = (need) => {
    if (fields.some((f) => f.need === need)) return false;
    const field = needField(need, event);
    if (!field) return false;
    fields.push(field);
    list.appendChild(field.node);
    return true;
  };
  for (const need of NEEDS[action] || []) add(need);
  if (!fields.some((f) => f.need === "reason")) {
    const note = noteField();
    fields.push(note);
    list.appendChild(note.node);
  }
  const submit = /** @type {HTMLButtonElement} */ (h("button", { type: "submit", class: "primary" },
    "提交 Submit: " + actionLabel(action)));
  const cancel = h("button", { type: "button" }, "取消 Cancel");
  cancel.addEventListener("click", close);
  const form = /** @type {HTMLFormElement} */ (h("form", {
    class: "action-form", "data-action": action, autocomplete: "off"
  }, [h("h3", null, actionLabel(action)), list, message, h("div", { class: "buttons" }, [submit, cancel])]));

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    submit.disabled = true;
    form.dataset.state = "sending";
    say(message, "发送中 sending…", "pending");
    try {
      /** @type {Record<string, unknown>} */
      const body = { action, version: event.version };
      for (const field of fields) Object.assign(body, await field.read());
      const answer = await sendJson("POST", "/api/v1/events/" + event.id + "/transitions", body);
      form.dataset.state = "done";
      hooks.done(answer, action);
    } catch (err) {
      if (isQuiet(err)) return;
      form.dataset.state = "error";
      submit.disabled = false;
      const e = /** @type {any} */ (err);
      if (err instanceof ApiError && err.status === 409) {
        hooks.reload("冲突 conflict (409): " + err.detail + " — 已重新读取 read again");
        return;
      }
      const need = err instanceof ApiError && err.field ? NEED_OF_FIELD[err.field] : undefined;
      const added = need ? add(need) : false;
      say(message, (e.status ? "HTTP " + e.status + ": " : "") + (e.message || String(err)) +
        (added ? " — 请补充 please fill in the new field" : ""), "error");
    }
  });
  return form;
}

/**
 * The actions of an event: a button each, and the open action's form under them. ``notice``
 * (e.g. a conflict just met) is said above them.
 * @param {any} event as GET /api/v1/events/{id} answers (its ``actions`` and ``version``)
 * @param {ActionHooks} hooks
 * @param {string} [notice]
 * @returns {HTMLElement}
 */
export function actionPanel(event, hooks, notice) {
  const actions = /** @type {string[]} */ (event.actions || []);
  const formBox = h("div", { class: "action-form-box" });
  const buttons = actions.map((action) => {
    const button = h("button", { type: "button", class: "action", "data-action": action },
      actionLabel(action));
    button.addEventListener("click", () => {
      formBox.textContent = "";
      for (const other of box.querySelectorAll("button.action")) other.classList.remove("active");
      button.classList.add("active");
      formBox.appendChild(actionForm(event, action, hooks, () => {
        formBox.textContent = "";
        button.classList.remove("active");
      }));
      const first = formBox.querySelector("input, select, textarea");
      if (first) /** @type {HTMLElement} */ (first).focus();
    });
    return button;
  });
  const box = h("div", { class: "event-actions", "data-version": event.version }, [
    notice ? h("p", { class: "action-message error notice", role: "alert" }, notice) : null,
    h("h3", null, "操作 Actions"),
    buttons.length ? h("div", { class: "action-buttons" }, buttons)
      : h("p", { class: "none" }, "现在没有您可以执行的操作 · no action is yours to take now"),
    formBox
  ]);
  return box;
}

/**
 * Whether an action form is open (being filled in) inside ``root``: a refresh must not wipe it.
 * @param {ParentNode} root
 */
export function isEditing(root) {
  return Boolean(root.querySelector("form.action-form"));
}
