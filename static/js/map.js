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
    return '<div class="popup"><table>' + rows.map(function (r) {
      return "<tr><th>" + escapeHtml(r[0]) + "</th><td>" + escapeHtml(r[1]) + "</td></tr>";
    }).join("") + "</table></div>";
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
    grids.on("click", function (e) {
      L.popup().setLatLng(e.latlng).setContent(popupHtml(e.layer.properties, names[e.layer.properties.township]))
        .openOn(map);
    });
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
