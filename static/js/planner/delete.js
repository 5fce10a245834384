// @ts-check
/* Delete (删除): the first selected grid goes, the others take its area. */

import { $ } from "../lib/dom.js";
import { edit, keptAndCreated } from "./edit.js";
import { codes, gridUrl, ifMatch, reason, state } from "./state.js";

function remove() {
  const grid = state.selected[0];
  const to = codes().slice(1);
  if (!window.confirm("删除网格 Delete grid " + grid.code + "？其面积归 its area goes to " +
      to.join(", "))) return;
  let url = gridUrl(grid.code) + "?to=" + encodeURIComponent(to.join(","));
  const why = reason();
  if (why) url += "&reason=" + encodeURIComponent(why);
  return edit("DELETE", url, undefined, ifMatch(grid), keptAndCreated);
}

export function init() {
  $("btn-delete").addEventListener("click", remove);
}
