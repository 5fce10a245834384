// @ts-check
/* The age pyramid (年龄金字塔): one row a 5-year band, oldest on top; men to the left, women to
   the right. Every band has a bar on each side (zero-width when empty) with its count in a
   <title>; residents of unknown age or sex are counted beside it. */

import { fill, h, s, show } from "../lib/dom.js";
import { num, sum } from "../lib/format.js";

const WIDTH = 480;
const LABEL_W = 52;
const HEAD = 22;
const ROW_H = 14;
const FOOT = 18;

/**
 * @param {{bands?: string[], male?: number[], female?: number[]} | null} pyramid
 * @param {number} residents
 */
export function drawPyramid(pyramid, residents) {
  const bands = (pyramid && pyramid.bands) || [];
  const male = (pyramid && pyramid.male) || [];
  const female = (pyramid && pyramid.female) || [];
  const n = bands.length;
  const half = (WIDTH - LABEL_W) / 2;
  const cx = WIDTH / 2;
  const height = HEAD + n * ROW_H + FOOT;
  const max = Math.max(1, ...male, ...female);
  const totalM = sum(male);
  const totalF = sum(female);
  const svg = s("svg", {
    class: "pyramid", id: "pyramid-svg", viewBox: "0 0 " + WIDTH + " " + height,
    role: "img", "aria-label": "年龄金字塔 age pyramid", "data-total": totalM + totalF,
    "data-male": totalM, "data-female": totalF, "data-bands": n
  });
  svg.appendChild(s("text", { class: "head", x: cx - LABEL_W / 2 - 4, y: 14, "text-anchor": "end" },
    "男 male " + num(totalM)));
  svg.appendChild(s("text", { class: "head", x: cx + LABEL_W / 2 + 4, y: 14 },
    "女 female " + num(totalF)));
  for (let i = 0; i < n; i++) {
    const y = HEAD + (n - 1 - i) * ROW_H; // the youngest band at the bottom
    const m = Number(male[i]) || 0;
    const f = Number(female[i]) || 0;
    const wm = (half - 4) * m / max;
    const wf = (half - 4) * f / max;
    svg.appendChild(s("g", { class: "band-row", "data-band": bands[i] }, [
      s("rect", { class: "hit", x: 0, y, width: WIDTH, height: ROW_H },
        s("title", null, bands[i] + " 岁: 男 male " + m + " · 女 female " + f)),
      s("rect", { class: "male", x: (cx - LABEL_W / 2 - wm).toFixed(2), y: y + 1,
        width: wm.toFixed(2), height: ROW_H - 2, "data-band": bands[i], "data-count": m },
      s("title", null, "男 male " + bands[i] + " 岁: " + m)),
      s("rect", { class: "female", x: (cx + LABEL_W / 2).toFixed(2), y: y + 1,
        width: wf.toFixed(2), height: ROW_H - 2, "data-band": bands[i], "data-count": f },
      s("title", null, "女 female " + bands[i] + " 岁: " + f)),
      s("text", { class: "band", x: cx, y: y + ROW_H - 3 }, bands[i])
    ]));
  }
  const axisY = HEAD + n * ROW_H + 1;
  svg.appendChild(s("line", { class: "axis", x1: 0, x2: WIDTH, y1: axisY, y2: axisY }));
  svg.appendChild(s("text", { x: 0, y: axisY + 13 }, num(max)));
  svg.appendChild(s("text", { x: cx - LABEL_W / 2, y: axisY + 13, "text-anchor": "end" }, "0"));
  svg.appendChild(s("text", { x: cx + LABEL_W / 2, y: axisY + 13 }, "0"));
  svg.appendChild(s("text", { x: WIDTH, y: axisY + 13, "text-anchor": "end" }, num(max)));
  const unknown = (Number(residents) || 0) - totalM - totalF;
  fill("pyramid", [svg, unknown > 0
    ? h("p", { class: "pyramid-note", id: "pyramid-unknown", "data-count": unknown },
      "年龄或性别不详 age or sex unknown (no ID number): " + num(unknown))
    : null]);
  show("pyramid-box");
}
