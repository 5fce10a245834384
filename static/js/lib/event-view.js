// @ts-check
/* An event as the staff pages show it (GET /api/v1/events/{id}): its facts, photos and
   timeline (every transition: who, when, from, to, why); and an event as a row of a list. */

import {
  actionLabel, categoryLabel, channelLabel, levelLabel, overdueBadge, stateBadge, stateLabel,
  urgencyLabel
} from "./events.js";
import { h } from "./dom.js";
import { dash, formatTime } from "./format.js";
import { photo } from "./photos.js";

/**
 * @param {[string, unknown][]} rows label, value (nodes or text); empty values are left out
 */
function facts(rows) {
  return h("table", { class: "facts" }, rows
    .filter(([, value]) => value !== null && value !== undefined && value !== "")
    .map(([label, value]) => h("tr", null, [h("th", null, label), h("td", null, /** @type {any} */ (value))])));
}

/** @param {any} event */
function reporterText(event) {
  const who = event.reporter_contact;
  if (!who) return event.reporter || null;
  return [who.name, who.phone].filter(Boolean).join(" · ") + (who.masked ? " (已脱敏 masked)" : "");
}

/**
 * The event's heading: its number, title and badges.
 * @param {any} event
 */
export function eventHeading(event) {
  return h("h2", { class: "event-title" }, [
    h("span", { class: "event-id" }, "#" + event.id), " ", event.title, " ",
    stateBadge(event.state), " ", overdueBadge(event.overdue),
    event.on_hold ? h("span", { class: "badge hold" }, "挂账 on hold") : null
  ]);
}

/**
 * The facts of an event, its description and its photos.
 * @param {any} event
 */
export function eventFacts(event) {
  const place = event.lon !== null && event.lon !== undefined
    ? Number(event.lon).toFixed(6) + ", " + Number(event.lat).toFixed(6) : null;
  return [
    facts([
      ["类别 category", categoryLabel(event.category)],
      ["渠道 channel", channelLabel(event.channel)],
      ["紧急程度 urgency", urgencyLabel(event.urgency)],
      ["层级 level", levelLabel(event.level) + (event.tries ? " · 第 " + event.tries + " 次派遣 try " +
        event.tries : "")],
      ["网格 grid", event.micro_code || event.grid_code],
      ["地址 address", event.address],
      ["位置 location", place],
      ["处置部门 department", event.department ? event.department + (event.department_code
        ? " (" + event.department_code + ")" : "") : null],
      ["上报 reported", formatTime(event.reported_at)],
      ["时限 deadline", event.deadline ? formatTime(event.deadline) + (event.deadline_step
        ? " · " + event.deadline_step : "") : null],
      ["上报人 reporter", reporterText(event)],
      ["满意度 satisfaction", event.satisfaction],
      ["重复于 duplicate of", event.duplicate_of ? "#" + event.duplicate_of : null],
      ["版本 version", event.version]
    ]),
    event.description ? h("p", { class: "event-description" }, event.description) : null,
    event.attachments && event.attachments.length
      ? h("div", { class: "photos" }, event.attachments.map((/** @type {any} */ a) =>
        photo(a.url, "照片 photo " + a.id)))
      : null
  ];
}

/**
 * The timeline, oldest first; a step's photos are shown with it.
 * @param {any} event
 */
export function timeline(event) {
  /** @type {Record<string, string>} */
  const urls = {};
  for (const a of event.attachments || []) urls[a.id] = a.url;
  const steps = (event.history || []).map((/** @type {any} */ step) => {
    const detail = step.detail || {};
    const extra = [
      detail.unit ? "→ " + (step.department || detail.unit) : null,
      detail.score ? "评分 score " + detail.score : null,
      detail.original ? "原件 original #" + detail.original : null,
      detail.until ? "延至 until " + formatTime(detail.until) : null,
      detail.level ? "层级 level " + levelLabel(detail.level) : null,
      detail.channel ? channelLabel(detail.channel) : null
    ].filter(Boolean).join(" · ");
    return h("li", { "data-action": step.action }, [
      h("div", { class: "step-head" }, [
        h("strong", null, step.action === "report" ? "受理 report" : actionLabel(step.action)),
        step.to_state ? [" ", h("span", { class: "muted" }, (step.from_state
          ? stateLabel(step.from_state) + " → " : "→ ") + stateLabel(step.to_state))] : null
      ]),
      h("div", { class: "step-meta" }, formatTime(step.at) + " · " + dash(step.actor) +
        (step.role ? " (" + step.role + ")" : "")),
      extra ? h("div", { class: "step-detail" }, extra) : null,
      step.note ? h("div", { class: "step-note" }, step.note) : null,
      (step.attachments || []).length ? h("div", { class: "photos" }, step.attachments
        .filter((/** @type {number} */ id) => urls[id])
        .map((/** @type {number} */ id) => photo(urls[id], "照片 photo " + id))) : null
    ]);
  });
  return h("ol", { class: "timeline" }, steps);
}

/**
 * An event as a row of a list (a button inside, for keyboards): number, title, badges, where,
 * when. ``data-id``, ``data-state`` and ``data-version`` say which.
 * @param {any} event a list item of GET /api/v1/events
 * @param {(event: any) => void} onOpen
 */
export function eventRow(event, onOpen) {
  const button = h("button", { type: "button", class: "event-open" }, [
    h("span", { class: "row-head" }, [
      h("span", { class: "event-id" }, "#" + event.id), " ",
      h("span", { class: "event-row-title" }, event.title)
    ]),
    h("span", { class: "row-badges" }, [stateBadge(event.state), " ", overdueBadge(event.overdue),
      event.on_hold ? h("span", { class: "badge hold" }, "挂账 on hold") : null]),
    h("span", { class: "row-meta" }, [categoryLabel(event.category), " · ",
      event.grid_code || "—", " · ", formatTime(event.reported_at),
      event.department ? " · " + event.department : ""])
  ]);
  button.addEventListener("click", () => onOpen(event));
  return h("li", {
    class: "event-row", "data-id": event.id, "data-state": event.state, "data-version": event.version
  }, button);
}
