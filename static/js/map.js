/* gridmap: the grid maps, public (/) and staff (/map). Vector tiles, so a city of 10,000 grids
   loads only what the view shows, simplified to the zoom. Leaflet and VectorGrid are vendored
   under /static. The page's <body> says which: data-mode and data-config. */
(function () {
  "use strict";

  var MODE = document.body.dataset.mode || "public";
  var CONFIG_URL = document.body.dataset.config || "/public/map/config";

  var cookie = window.gridmapCommon.cookie;

  var KIND = { ordinary: "普通网格 ordinary", dedicated: "专属网格 dedicated" };

  var escapeHtml = window.gridmapCommon.escapeHtml;

  function popupHtml(p, townshipName) {
    var rows = [["网格编码 code", p.code], ["名称 name", p.name]];
    if (p.kind !== undefined) rows.push(["类型 kind", KIND[p.kind] || p.kind]);
    if (p.area_km2 !== undefined) rows.push(["面积 area", Number(p.area_km2).toFixed(3) + " km²"]);
    rows.push(["乡镇 township", townshipName || p.township]);
    if (p.generated) rows.push(["", "generated geometry (demo) 生成的示意边界"]);
    var html = '<div class="popup"><table>' + rowsHtml(rows) + "</table>";
    if (MODE === "staff") {
      html += '<p class="popup-links"><a class="profile-link" href="/profile?code=' +
        encodeURIComponent(p.code) + '">网格画像 profile</a></p>';
    }
    return html + "</div>";
  }

  function rowsHtml(rows) {
    return rows.map(function (r) {
      return "<tr><th>" + escapeHtml(r[0]) + "</th><td>" + escapeHtml(r[1]) + "</td></tr>";
    }).join("");
  }

  // -- find my grid (找网格), public mode: a click or an address gives the grid and its worker --

  var NOT_IN_GRID = "不在任何网格内 not in any grid";

  /* The public popup: the grid's code and name, the worker's name and service phone only.
     Pending (the grid from the tile under the click, its worker still being looked up) or found. */
  function findPopupHtml(found, pending) {
    var rows = [["网格编码 code", found.grid.code], ["名称 name", found.grid.name]];
    var worker = found.worker;
    var waiting = "查询中 looking up…";
    rows.push(["网格员 grid worker", pending ? waiting : worker && worker.name ? worker.name : "—"]);
    var html = '<div class="popup find-popup ' + (pending ? "pending" : "found") + '"><table>' +
      rowsHtml(rows);
    var phone = worker && worker.service_phone;
    html += "<tr><th>服务电话 phone</th><td>" + (pending ? escapeHtml(waiting) : phone
      ? '<a class="phone" href="tel:' + escapeHtml(phone) + '">' + escapeHtml(phone) + "</a>"
      : "—") + "</td></tr>";
    return html + "</table></div>";
  }

  function messageHtml(text, kind) {
    return '<div class="popup find-popup ' + (kind || "") + '">' + escapeHtml(text) + "</div>";
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.text().then(function (text) {
          var data = null;
          try { data = text ? JSON.parse(text) : null; } catch (e) { data = { detail: text }; }
          return { status: r.status, ok: r.ok, data: data };
        });
      });
  }

  function detailOf(response) {
    var d = response.data && response.data.detail;
    if (typeof d === "string") return d;
    return "HTTP " + response.status;
  }

  /* tile = the grid's tile properties when the click was on a drawn grid (shown at once) */
  function findAt(map, latlng, tile) {
    var first = tile ? findPopupHtml({ grid: { code: tile.code, name: tile.name } }, true)
      : messageHtml("查询中 looking up…", "pending");
    var popup = L.popup().setLatLng(latlng).setContent(first).openOn(map);
    var url = "/public/find?lon=" + latlng.lng.toFixed(7) + "&lat=" + latlng.lat.toFixed(7);
    getJson(url).then(function (response) {
      if (response.status === 404) {
        popup.setContent(messageHtml(NOT_IN_GRID, "outside"));
      } else if (!response.ok) {
        popup.setContent(messageHtml(detailOf(response), "error"));
      } else {
        popup.setContent(findPopupHtml(response.data));
      }
    }).catch(function (err) {
      popup.setContent(messageHtml("查询失败 lookup failed: " + err.message, "error"));
    });
  }

  function findControl(map) {
    var form = document.getElementById("find-form");
    var input = document.getElementById("find-address");
    var results = document.getElementById("find-results");
    if (!form || !input || !results) return;
    L.DomEvent.disableClickPropagation(results);
    L.DomEvent.disableScrollPropagation(results);

    function show() {
      results.textContent = "";
      results.hidden = false;
      var close = document.createElement("button");
      close.type = "button";
      close.className = "close";
      close.setAttribute("aria-label", "关闭 close");
      close.textContent = "×";
      close.addEventListener("click", function () { results.hidden = true; });
      results.appendChild(close);
    }

    function say(text, kind) {
      show();
      var p = document.createElement("p");
      p.className = "find-message " + (kind || "");
      p.textContent = text;
      results.appendChild(p);
      results.dataset.state = kind || "message";
    }

    function open(match) {
      var latlng = L.latLng(match.lat, match.lon);
      var found = { grid: match.grid, worker: match.worker };
      map.once("moveend", function () {
        L.popup({ autoPan: false }).setLatLng(latlng).setContent(findPopupHtml(found)).openOn(map);
      });
      map.flyTo(latlng, Math.max(map.getZoom(), 16), { duration: 0.6 });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = input.value.trim();
      if (!text) return;
      results.dataset.state = "pending";
      getJson("/public/find?address=" + encodeURIComponent(text)).then(function (response) {
        var matches = response.ok && response.data ? response.data.matches || [] : [];
        if (response.status === 404 || (response.ok && !matches.length)) {
          say("没有找到 no address matches “" + text + "”", "empty");
          return;
        }
        if (!response.ok) { say(detailOf(response), "error"); return; }
        show();
        var list = document.createElement("ol");
        list.className = "matches";
        matches.forEach(function (m) {
          var li = document.createElement("li");
          var button = document.createElement("button");
          button.type = "button";
          button.className = "match";
          var address = document.createElement("span");
          address.className = "address";
          address.textContent = m.address;
          var grid = document.createElement("span");
          grid.className = "grid";
          grid.textContent = m.grid ? m.grid.code + " " + m.grid.name : NOT_IN_GRID;
          var phone = document.createElement("span");
          phone.className = "phone";
          phone.textContent = m.worker && m.worker.service_phone
            ? "☎ " + m.worker.service_phone : "";
          button.appendChild(address);
          button.appendChild(grid);
          button.appendChild(phone);
          if (m.grid && m.lat != null && m.lon != null) {
            button.addEventListener("click", function () { open(m); });
          } else {
            button.disabled = true;
          }
          li.appendChild(button);
          list.appendChild(li);
        });
        results.appendChild(list);
        results.dataset.state = "matches";
      }).catch(function (err) {
        say("查询失败 lookup failed: " + err.message, "error");
      });
    });
  }

  function legendControl(config) {
    var control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "legend");
      var html = "<h4>网格 by township 乡镇</h4>";
      config.legend.forEach(function (t) {
        html += '<div><i style="background:' + t.color + '"></i>' + escapeHtml(t.name) +
          ' <span class="count">(' + t.grids + ")</span></div>";
      });
      if (config.generated.grids || config.generated.regions) {
        html += '<div class="note">Township and grid boundaries are generated for the demo, ' +
          "not real boundaries. 乡镇与网格边界为演示生成。</div>";
      }
      div.innerHTML = html;
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    return control;
  }

  function start(config) {
    var map = L.map("map", { preferCanvas: false, zoomSnap: 0.5 });
    window.gridmapMap = map; // for tests and the console
    if (config.base_map && config.base_map.url) {
      L.tileLayer(config.base_map.url, { attribution: config.base_map.attribution, maxZoom: 19 }).addTo(map);
    }
    var colors = {}, names = {};
    config.legend.forEach(function (t) { colors[t.code] = t.color; names[t.code] = t.name; });

    var regions = L.vectorGrid.protobuf(config.tiles.regions, {
      rendererFactory: L.svg.tile,
      interactive: false,
      maxNativeZoom: 18,
      vectorTileLayerStyles: {
        regions: window.gridmapCommon.regionStyle
      }
    }).addTo(map);

    var grids = L.vectorGrid.protobuf(config.tiles.grids, {
      rendererFactory: L.svg.tile,
      interactive: true,
      minZoom: config.grid_min_zoom,
      maxNativeZoom: 18,
      getFeatureId: function (f) { return f.properties.code; },
      vectorTileLayerStyles: {
        grids: function (p) {
          return { weight: p.micro ? 0.5 : 0.8, color: "#333", fill: true, fillOpacity: 0.45,
                   fillColor: colors[p.township] || "#999" };
        }
      }
    }).addTo(map);
    if (MODE === "public") {
      // 找网格: any click on the map asks which grid is there and who serves it; a click on a
      // drawn grid reaches the grid layer first, so its code and name show while asking
      var hit = null;
      grids.on("click", function (e) { hit = { event: e.originalEvent, properties: e.layer.properties }; });
      map.on("click", function (e) {
        var tile = hit && hit.event === e.originalEvent ? hit.properties : null;
        hit = null;
        findAt(map, e.latlng, tile);
      });
      findControl(map);
    } else {
      grids.on("click", function (e) {
        L.popup().setLatLng(e.latlng)
          .setContent(popupHtml(e.layer.properties, names[e.layer.properties.township]))
          .openOn(map);
      });
    }
    regions.bringToFront && regions.bringToFront();

    L.control.scale({ imperial: false, maxWidth: 160 }).addTo(map);
    legendControl(config).addTo(map);
    if (config.generated.grids || config.generated.regions) {
      var note = document.getElementById("generated-note");
      note.textContent = "演示数据：边界为生成示意 · demo data: generated boundaries";
      note.hidden = false;
    }
    if (MODE === "staff" && config.user) {
      document.getElementById("user").textContent =
        config.user.username + " · " + config.user.role + " · " + config.user.jurisdiction;
    }
    var b = config.bounds;
    if (b) { map.fitBounds([[b[1], b[0]], [b[3], b[2]]]); } else { map.setView([35, 105], 4); }
    window.gridmapReady = true;
    document.body.dataset.ready = "true"; // tests wait on this (CSP forbids eval-based polling)
  }

  var logout = document.getElementById("logout");
  if (logout) {
    logout.addEventListener("click", function () {
      fetch("/api/v1/auth/logout", {
        method: "POST", credentials: "same-origin",
        headers: { "X-CSRF-Token": cookie("gridmap_csrf") }
      }).finally(function () { window.location.assign("/"); });
    });
  }

  fetch(CONFIG_URL, { credentials: "same-origin" })
    .then(function (r) {
      if (r.status === 401) { window.location.assign("/login?next=/map"); throw new Error("signed out"); }
      if (!r.ok) throw new Error("map config: HTTP " + r.status);
      return r.json();
    })
    .then(start)
    .catch(function (err) {
      document.getElementById("map").textContent = "The map could not load: " + err.message;
    });
})();
