/* gridmap: what the map pages share (loaded before map.js and planner.js). */
(function () {
  "use strict";

  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  function escapeHtml(value) {
    return String(value == null ? "" : value).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  /* Region outlines: counties and above heavy, townships light, generated ones dashed. */
  function regionStyle(p) {
    var county = p.level === "county" || p.level === "city" || p.level === "province";
    return { weight: county ? 3 : 1.5, color: county ? "#243447" : "#4a6078", fill: false,
             dashArray: p.generated ? "6 4" : null };
  }

  window.gridmapCommon = { cookie: cookie, escapeHtml: escapeHtml, regionStyle: regionStyle };
})();
