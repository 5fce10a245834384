// @ts-check
/* Grid workers (网格力量): name, duty (configured label and code) and service phone. */

import { labelOf } from "../lib/config.js";
import { fill, h, show } from "../lib/dom.js";
import { dash } from "../lib/format.js";
import { labelWithCode, none } from "./widgets.js";

/** @param {any[]} workers */
export function drawWorkers(workers) {
  if (!workers || !workers.length) {
    fill("workers", none());
  } else {
    fill("workers", h("table", { class: "data workers" }, [
      h("thead", null, h("tr", null, [h("th", null, "姓名 name"), h("th", null, "职务 duty"),
        h("th", null, "服务电话 service phone")])),
      h("tbody", null, workers.map((w) => h("tr", { "data-duty": w.duty }, [
        h("td", null, dash(w.name)),
        h("td", null, labelWithCode(labelOf("duties", w.duty, w.duty_label), w.duty)),
        h("td", null, w.service_phone ? h("a", { href: "tel:" + w.service_phone }, w.service_phone) : "—")
      ])))
    ]));
  }
  show("workers-box");
}
