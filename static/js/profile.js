/* gridmap: the grid profile (网格画像) of /profile?code=CODE — a grid (15 digits), a micro-grid
   (17) or a region (12) at a glance: its workers, population by kind, an age pyramid by sex,
   key populations, places, organisations and facilities; and a map of the grid's buildings with
   drill-down building → units → households → residents. Everything is drawn as the API sends
   it: ID numbers and phones arrive masked or not, the page never unmasks anything.
   Tests wait on body[data-ready=true] (the figures) and [data-drill=building|household]. */
(function () {
  "use strict";

  var common = window.gridmapCommon;
  var cookie = common.cookie;
  var SVG_NS = "http://www.w3.org/2000/svg";

  var LEVELS = {
    grid: "网格 grid", micro_grid: "微网格 micro-grid", village: "村/社区 village",
    township: "乡镇/街道 township", county: "县/区 county", city: "市 city", province: "省 province"
  };
  var KIND_EN = { registered: "registered", resident: "resident", floating: "floating", foreign: "foreign" };
  var CARE_LEVEL = { care: "关爱 care", attention: "关注 attention" };
  var PLACE_GROUPS = [
    ["key", "重点场所 key places"], ["nine_small", "九小场所 nine small places"], ["public", "公共场所 public places"]
  ];
  var USES = {
    residential: "住宅 residential", commercial: "商业 commercial", mixed: "商住 mixed",
    "public": "公共建筑 public", industrial: "工业 industrial", rural_house: "农村自建房 rural house"
  };
  var SEX = { M: "男 M", F: "女 F" };
  var USE_COLORS = {
    residential: "#1864ab", rural_house: "#2b8a3e", commercial: "#c2711c", mixed: "#9c36b5",
    "public": "#0b7285", industrial: "#5f3dc4"
  };

  // -- helpers -----------------------------------------------------------------------------

  function $(id) { return document.getElementById(id); }

  /* An element: h("td", {class: "num", "data-x": 1}, [child, "text", …]). */
  function h(tag, attrs, children) {
    var node = document.createElement(tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }

  function s(tag, attrs, children) {
    var node = document.createElementNS(SVG_NS, tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }

  function setAttrs(node, attrs) {
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      node.setAttribute(k, v === true ? "" : String(v));
    });
  }

  function append(node, children) {
    if (children === null || children === undefined) return;
    if (!Array.isArray(children)) children = [children];
    children.forEach(function (c) {
      if (c === null || c === undefined || c === false) return;
      if (Array.isArray(c)) { append(node, c); return; }
      node.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
    });
  }

  function fill(id, children) {
    var node = $(id);
    node.textContent = "";
    append(node, children);
    return node;
  }

  function show(id) { $(id).hidden = false; }

  function num(value) {
    return value === null || value === undefined ? "—" : Number(value).toLocaleString("zh-CN");
  }

  function dash(value) {
    return value === null || value === undefined || value === "" ? "—" : value;
  }

  function sum(list) {
    return (list || []).reduce(function (a, b) { return a + (Number(b) || 0); }, 0);
  }

  function profileHref(code) { return "/profile?code=" + encodeURIComponent(code); }

  function loginUrl() {
    return "/login?next=" + encodeURIComponent(window.location.pathname + window.location.search);
  }

  /* GET JSON with the session cookie. 401 goes to the login page (and back here after);
     other errors carry the API's own words (its "detail") and the status. */
  function api(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 401) {
          window.location.assign(loginUrl());
          var out = new Error("signed out 已退出登录");
          out.signedOut = true;
          throw out;
        }
        return response.text().then(function (text) {
          var data = null;
          try { data = text ? JSON.parse(text) : null; } catch (e) { data = { detail: text }; }
          if (!response.ok) {
            var detail = data && data.detail;
            if (typeof detail !== "string") detail = detail ? JSON.stringify(detail) : "HTTP " + response.status;
            var error = new Error(detail);
            error.status = response.status;
            throw error;
          }
          return data;
        });
      });
  }

  function errorBox(err) {
    var box = h("div", { class: "error-box", role: "alert", "data-status": err.status || "" }, [
      err.status ? h("span", { class: "status" }, "HTTP " + err.status) : null,
      h("span", { class: "detail" }, err.message)
    ]);
    return box;
  }

  function none() { return h("p", { class: "none" }, "无 none"); }

  /* A list of labelled bars, widths relative to the largest count. */
  function bars(items, extraClass, label) {
    if (!items || !items.length) return none();
    var max = Math.max.apply(null, items.map(function (i) { return Number(i.count) || 0; }).concat([1]));
    return h("ul", { class: "bars " + (extraClass || "") }, items.map(function (item) {
      var fillBar = h("div", { class: "fill" });
      fillBar.style.width = (100 * (Number(item.count) || 0) / max).toFixed(1) + "%";
      return h("li", { "data-key": item.key, "data-count": item.count }, [
        h("span", { class: "label", title: item.title || "" }, label(item)),
        h("div", { class: "track" }, fillBar),
        h("span", { class: "count" }, num(item.count))
      ]);
    }));
  }

  function labelWithCode(main, code) {
    return [main || code, main && code && main !== code ? h("span", { class: "en" }, code) : null];
  }

  // -- the page's code ---------------------------------------------------------------------

  var CODE = (new URLSearchParams(window.location.search).get("code") || "").trim();
  var IS_REGION = /^\d{12}$/.test(CODE);
  var IS_GRID = /^(\d{15}|\d{17})$/.test(CODE);

  /* County › township › village › grid above the code (links to their own profiles). */
  function crumbs(code) {
    var chain = [];
    function add(c, label) {
      if (c !== code && chain.every(function (x) { return x[0] !== c; })) chain.push([c, label]);
    }
    add(code.slice(0, 6) + "000000", "县 county");
    if (code.slice(6, 9) !== "000") add(code.slice(0, 9) + "000", "乡镇 township");
    if (code.length > 12 && code.slice(9, 12) !== "000") add(code.slice(0, 12), "村社区 village");
    if (code.length === 17) add(code.slice(0, 15), "网格 grid");
    var parts = [];
    chain.forEach(function (c, i) {
      if (i) parts.push(h("span", { class: "sep" }, "›"));
      parts.push(h("a", { href: profileHref(c[0]), title: c[0] }, c[1] + " " + c[0]));
    });
    return parts;
  }

  // -- the figures -------------------------------------------------------------------------

  function drawSummary(p) {
    fill("crumbs", crumbs(p.code));
    fill("fig-name", p.name || p.code);
    fill("fig-level", LEVELS[p.level] || p.level);
    fill("fig-code", "编码 code " + p.code);
    var area = p.area_km2 === null || p.area_km2 === undefined ? "—" : Number(p.area_km2).toFixed(3) + " km²";
    fill("fig-area", area).dataset.value = p.area_km2 === null || p.area_km2 === undefined ? "" : p.area_km2;
    [["fig-buildings", p.buildings], ["fig-households", p.households], ["fig-residents", p.residents],
     ["fig-must-visit", p.must_visit]].forEach(function (pair) {
      fill(pair[0], num(pair[1])).dataset.value = pair[1] === undefined || pair[1] === null ? "" : pair[1];
    });
    document.title = "gridmap · 网格画像 " + (p.name || p.code);
    if (p.generated) {
      var note = $("generated-note");
      note.textContent = "演示数据 generated · demo data, not real people";
      note.hidden = false;
    }
    show("summary");
  }

  function drawWorkers(workers) {
    if (!workers || !workers.length) {
      fill("workers", none());
    } else {
      fill("workers", h("table", { class: "data workers" }, [
        h("thead", null, h("tr", null, [h("th", null, "姓名 name"), h("th", null, "职务 duty"),
          h("th", null, "服务电话 service phone")])),
        h("tbody", null, workers.map(function (w) {
          return h("tr", { "data-duty": w.duty }, [
            h("td", null, dash(w.name)),
            h("td", null, labelWithCode(w.duty_label, w.duty)),
            h("td", null, w.service_phone
              ? h("a", { href: "tel:" + w.service_phone }, w.service_phone) : "—")
          ]);
        }))
      ]));
    }
    show("workers-box");
  }

  function drawKinds(list) {
    fill("kinds", bars((list || []).map(function (k) {
      return { key: k.kind, count: k.count, label: k.label, code: KIND_EN[k.kind] || k.kind };
    }), "kinds", function (i) { return labelWithCode(i.label, i.code); }));
    show("kinds-box");
  }

  /* The age pyramid: one row a 5-year band, oldest on top; men to the left, women to the right.
     Every band has a bar on each side (zero-width when empty) with its count in a <title>. */
  function drawPyramid(pyramid, residents) {
    var bands = (pyramid && pyramid.bands) || [];
    var male = (pyramid && pyramid.male) || [];
    var female = (pyramid && pyramid.female) || [];
    var n = bands.length;
    var width = 480, labelW = 52, head = 22, rowH = 14, foot = 18;
    var half = (width - labelW) / 2;
    var cx = width / 2;
    var height = head + n * rowH + foot;
    var max = Math.max.apply(null, male.concat(female).concat([1]));
    var totalM = sum(male), totalF = sum(female);
    var svg = s("svg", {
      class: "pyramid", id: "pyramid-svg", viewBox: "0 0 " + width + " " + height,
      role: "img", "aria-label": "年龄金字塔 age pyramid", "data-total": totalM + totalF,
      "data-male": totalM, "data-female": totalF, "data-bands": n
    });
    svg.appendChild(s("text", { class: "head", x: cx - labelW / 2 - 4, y: 14, "text-anchor": "end" },
      "男 male " + num(totalM)));
    svg.appendChild(s("text", { class: "head", x: cx + labelW / 2 + 4, y: 14 },
      "女 female " + num(totalF)));
    for (var i = 0; i < n; i++) {
      var y = head + (n - 1 - i) * rowH; // the youngest band at the bottom
      var m = Number(male[i]) || 0, f = Number(female[i]) || 0;
      var wm = (half - 4) * m / max, wf = (half - 4) * f / max;
      var row = s("g", { class: "band-row", "data-band": bands[i] });
      row.appendChild(s("rect", { class: "hit", x: 0, y: y, width: width, height: rowH },
        s("title", null, bands[i] + " 岁: 男 male " + m + " · 女 female " + f)));
      row.appendChild(s("rect", { class: "male", x: (cx - labelW / 2 - wm).toFixed(2), y: y + 1,
        width: wm.toFixed(2), height: rowH - 2, "data-band": bands[i], "data-count": m },
        s("title", null, "男 male " + bands[i] + " 岁: " + m)));
      row.appendChild(s("rect", { class: "female", x: (cx + labelW / 2).toFixed(2), y: y + 1,
        width: wf.toFixed(2), height: rowH - 2, "data-band": bands[i], "data-count": f },
        s("title", null, "女 female " + bands[i] + " 岁: " + f)));
      row.appendChild(s("text", { class: "band", x: cx, y: y + rowH - 3 }, bands[i]));
      svg.appendChild(row);
    }
    var axisY = head + n * rowH + 1;
    svg.appendChild(s("line", { class: "axis", x1: 0, x2: width, y1: axisY, y2: axisY }));
    svg.appendChild(s("text", { x: 0, y: axisY + 13 }, num(max)));
    svg.appendChild(s("text", { x: cx - labelW / 2, y: axisY + 13, "text-anchor": "end" }, "0"));
    svg.appendChild(s("text", { x: cx + labelW / 2, y: axisY + 13 }, "0"));
    svg.appendChild(s("text", { x: width, y: axisY + 13, "text-anchor": "end" }, num(max)));
    var children = [svg];
    var unknown = (Number(residents) || 0) - totalM - totalF;
    if (unknown > 0) {
      children.push(h("p", { class: "pyramid-note", id: "pyramid-unknown", "data-count": unknown },
        "年龄或性别不详 age or sex unknown (no ID number): " + num(unknown)));
    }
    fill("pyramid", children);
    show("pyramid-box");
  }

  function drawKeyGroups(list) {
    if (!list || !list.length) {
      fill("key-groups", none());
    } else {
      fill("key-groups", h("table", { class: "data key-groups" }, [
        h("thead", null, h("tr", null, [h("th", null, "人群 group"), h("th", null, "级别 level"),
          h("th", { class: "num" }, "人数 count")])),
        h("tbody", null, list.map(function (g) {
          return h("tr", { "data-tag": g.tag, "data-count": g.count }, [
            h("td", null, labelWithCode(g.label, g.tag)),
            h("td", null, h("span", { class: "badge " + (g.level || "") }, CARE_LEVEL[g.level] || dash(g.level))),
            h("td", { class: "num" }, num(g.count))
          ]);
        }))
      ]));
    }
    show("key-groups-box");
  }

  function drawPlaces(list, mustVisit) {
    var must = $("must-visit");
    must.textContent = "必访 must visit " + num(mustVisit || 0);
    must.dataset.value = mustVisit || 0;
    list = list || [];
    var parts = [];
    var known = PLACE_GROUPS.map(function (g) { return g[0]; });
    var groups = PLACE_GROUPS.concat(list.filter(function (p) {
      return known.indexOf(p.group) < 0;
    }).map(function (p) { return [p.group, p.group || "其他 other"]; }).filter(function (g, i, all) {
      return all.map(function (x) { return x[0]; }).indexOf(g[0]) === i;
    }));
    groups.forEach(function (g) {
      var items = list.filter(function (p) { return p.group === g[0]; });
      if (!items.length) return;
      parts.push(h("h3", null, [h("span", { class: "badge " + g[0] }, g[1]), " ",
        h("span", { class: "hint" }, num(sum(items.map(function (p) { return p.count; }))))]));
      parts.push(bars(items.map(function (p) {
        return { key: p.kind, count: p.count, label: p.label, code: p.kind };
      }), "places", function (i) { return labelWithCode(i.label, i.code); }));
    });
    fill("places", parts.length ? parts : none());
    show("places-box");
  }

  function drawSimple(id, list, keyName, extraClass) {
    fill(id, bars((list || []).map(function (o) {
      return { key: o[keyName], count: o.count, label: o.label, code: o[keyName] };
    }), extraClass, function (i) { return labelWithCode(i.label, i.code); }));
    show(id + "-box");
  }

  function drawChildren(list) {
    if (!IS_REGION) return;
    if (!list || !list.length) {
      fill("children", none());
    } else {
      fill("children", h("table", { class: "data children" }, [
        h("thead", null, h("tr", null, [h("th", null, "编码 code"), h("th", null, "名称 name"),
          h("th", { class: "num" }, "户 households"), h("th", { class: "num" }, "人口 residents")])),
        h("tbody", null, list.map(function (c) {
          return h("tr", { "data-code": c.code }, [
            h("td", { class: "id" }, h("a", { href: profileHref(c.code) }, c.code)),
            h("td", null, h("a", { href: profileHref(c.code) }, dash(c.name))),
            h("td", { class: "num" }, num(c.households)),
            h("td", { class: "num" }, num(c.residents))
          ]);
        })),
        h("tfoot", null, h("tr", null, [h("th", null, "合计 total"), h("th", null, list.length + " 个 units"),
          h("th", { class: "num" }, num(sum(list.map(function (c) { return c.households; })))),
          h("th", { class: "num" }, num(sum(list.map(function (c) { return c.residents; }))))]))
      ]));
    }
    show("children-box");
  }

  function drawProfile(p) {
    $("loading").hidden = true;
    drawSummary(p);
    if (IS_GRID || (p.workers && p.workers.length)) drawWorkers(p.workers);
    drawKinds(p.population_by_kind);
    drawPyramid(p.age_pyramid, p.residents);
    drawKeyGroups(p.key_groups);
    drawPlaces(p.places_by_kind, p.must_visit);
    drawSimple("organisations", p.organisations_by_kind, "kind", "organisations");
    drawSimple("facilities", p.facilities_by_category, "category", "facilities");
    drawChildren(p.children);
    document.body.dataset.ready = "true"; // tests wait on this (CSP forbids eval-based polling)
  }

  function fail(err) {
    if (err && err.signedOut) return;
    $("loading").hidden = true;
    var box = $("error");
    box.textContent = "";
    append(box, [err.status ? h("span", { class: "status" }, "HTTP " + err.status) : null,
      h("span", { class: "detail" }, err.message)]);
    box.dataset.status = err.status || "";
    box.hidden = false;
    document.body.dataset.ready = "error";
  }

  // -- the map -----------------------------------------------------------------------------

  var map = null, markers = {}, selectedId = null;

  function startMap(config) {
    map = L.map("map", { zoomSnap: 0.5 });
    window.gridmapMap = map; // for tests and the console
    if (config && config.base_map && config.base_map.url) {
      L.tileLayer(config.base_map.url, { attribution: config.base_map.attribution, maxZoom: 19 }).addTo(map);
    }
    L.control.scale({ imperial: false, maxWidth: 140 }).addTo(map);
    var b = config && config.bounds;
    if (b) { map.fitBounds([[b[1], b[0]], [b[3], b[2]]]); } else { map.setView([35, 105], 4); }
    return map;
  }

  function fitTo(layer) {
    var bounds = layer.getBounds && layer.getBounds();
    // at once, not animated: the markers are where they will stay when the page says ready
    if (bounds && bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16], maxZoom: 18, animate: false });
  }

  function drawOutline(feature, style) {
    if (!feature || !feature.geometry) return null;
    var layer = L.geoJSON(feature, { style: style, interactive: false }).addTo(map);
    fitTo(layer);
    return layer;
  }

  /* A grid: its outline and its buildings (circle markers, and a list beside). */
  function loadGridMap() {
    var base = "/api/v1/grids/" + encodeURIComponent(CODE);
    api(base).then(function (feature) {
      drawOutline(feature, { color: "#243447", weight: 2.5, fillColor: "#4a78a8", fillOpacity: 0.08 });
      $("map").dataset.outline = "true";
    }).catch(mapNote);
    api(base + "/buildings?limit=1000").then(drawBuildings).catch(function (err) {
      if (err.signedOut) return;
      show("buildings-box");
      fill("buildings", errorBox(err));
    });
  }

  /* A region: its outline and its grids (each a link to its own profile). */
  function loadRegionMap() {
    api("/api/v1/regions/" + encodeURIComponent(CODE)).then(function (feature) {
      drawOutline(feature, { color: "#243447", weight: 3, fill: false });
      $("map").dataset.outline = "true";
    }).catch(mapNote);
    api("/api/v1/grids?region=" + encodeURIComponent(CODE) + "&limit=1000").then(function (fc) {
      var layer = L.geoJSON(fc, {
        style: function (f) {
          var micro = String(f.id || f.properties.code).length === 17;
          return { color: "#4a6078", weight: micro ? 0.6 : 1, fillColor: "#4a78a8", fillOpacity: 0.12 };
        },
        onEachFeature: function (f, l) {
          var code = f.properties.code || f.id;
          var div = h("div", { class: "popup" }, [
            h("strong", null, dash(f.properties.name)), h("br"), h("span", { class: "code" }, code), h("br"),
            h("a", { class: "profile-link", href: profileHref(code) }, "网格画像 profile")
          ]);
          l.bindPopup(div);
        }
      }).addTo(map);
      if (!$("map").dataset.outline) fitTo(layer);
    }).catch(mapNote);
  }

  function mapNote(err) {
    if (!err || err.signedOut || !map) return;
    var control = L.control({ position: "topright" });
    control.onAdd = function () {
      return h("div", { class: "legend map-error" }, "地图 map: " + err.message);
    };
    control.addTo(map);
  }

  function markerStyle(p, selected) {
    var r = 4 + Math.min(6, Math.sqrt(Number(p.residents) || 0));
    return { radius: selected ? r + 3 : r, color: selected ? "#d9480f" : "#fff", weight: selected ? 3 : 1,
      fillColor: USE_COLORS[p.use] || "#495057", fillOpacity: 0.9 };
  }

  function drawBuildings(fc) {
    var features = (fc && fc.features) || [];
    var total = fc && fc.numberMatched !== undefined ? fc.numberMatched : features.length;
    fill("buildings-count", features.length < total
      ? "显示 " + num(features.length) + " / " + num(total) + " shown"
      : num(total));
    var group = L.featureGroup().addTo(map);
    var rows = features.map(function (f) {
      var p = f.properties || {};
      var id = p.id !== undefined ? p.id : f.id;
      if (f.geometry && f.geometry.type === "Point") {
        var c = f.geometry.coordinates;
        var marker = L.circleMarker([c[1], c[0]], markerStyle(p, false));
        marker.bindTooltip(dash(p.name || p.address) + " · " + num(p.residents) + " 人");
        marker.on("click", function () { openBuilding(id); });
        marker.feature = f;
        markers[id] = marker;
        group.addLayer(marker);
      }
      var row = h("tr", { class: "pick", tabindex: 0, "data-id": id, "data-residents": p.residents,
        "data-households": p.households }, [
        h("td", null, [dash(p.name || p.address), p.name && p.address ? h("div", { class: "hint" }, p.address) : null]),
        h("td", null, USES[p.use] || dash(p.use)),
        h("td", { class: "num" }, dash(p.floors)),
        h("td", { class: "num" }, num(p.households)),
        h("td", { class: "num" }, num(p.residents))
      ]);
      row.addEventListener("click", function () { openBuilding(id); });
      row.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); openBuilding(id); }
      });
      return row;
    });
    fill("buildings", features.length ? h("table", { class: "data buildings" }, [
      h("thead", null, h("tr", null, [h("th", null, "地址 address"), h("th", null, "用途 use"),
        h("th", { class: "num" }, "层 floors"), h("th", { class: "num" }, "户 households"),
        h("th", { class: "num" }, "人 residents")])),
      h("tbody", null, rows)
    ]) : none());
    show("buildings-box");
    var box = $("buildings");
    box.dataset.count = features.length;
    box.dataset.ready = "true";
    if (!$("map").dataset.outline && features.length) fitTo(group);
  }

  function select(id) {
    if (selectedId !== null && markers[selectedId]) {
      markers[selectedId].setStyle(markerStyle(markers[selectedId].feature.properties, false));
    }
    selectedId = id;
    if (markers[id]) {
      markers[id].setStyle(markerStyle(markers[id].feature.properties, true));
      markers[id].bringToFront();
    }
    Array.prototype.forEach.call(document.querySelectorAll("#buildings tr.pick"), function (tr) {
      tr.classList.toggle("selected", String(tr.dataset.id) === String(id));
    });
  }

  // -- drill-down: building → units → households → residents --------------------------------

  function resetDrill(id, text) {
    var box = $(id);
    delete box.dataset.drill;
    delete box.dataset.id;
    box.textContent = "";
    if (text) append(box, h("p", { class: "hint" }, text));
    box.hidden = !text;
    return box;
  }

  var buildingRequest = 0, householdRequest = 0;

  function openBuilding(id) {
    select(id);
    var ticket = ++buildingRequest;
    householdRequest++;
    resetDrill("household");
    var box = resetDrill("building", "加载楼栋 loading building…");
    api("/api/v1/buildings/" + encodeURIComponent(id)).then(function (b) {
      if (ticket !== buildingRequest) return;
      drawBuilding(box, b);
    }).catch(function (err) {
      if (ticket !== buildingRequest || err.signedOut) return;
      box.textContent = "";
      append(box, errorBox(err));
    });
  }

  function drawBuilding(box, b) {
    box.textContent = "";
    var units = b.units || [];
    var households = sum(units.map(function (u) { return (u.households || []).length; }));
    append(box, [
      h("h2", null, ["楼栋 Building", h("span", { class: "code" }, b.code)]),
      h("p", { class: "meta" }, [h("strong", null, dash(b.name || b.address)),
        b.name && b.address ? " · " + b.address : ""]),
      h("p", { class: "meta" }, [
        "用途 use " + (USES[b.use] || dash(b.use)), " · 层数 floors " + dash(b.floors),
        " · 网格 grid ", h("a", { href: profileHref(b.grid_code) }, dash(b.grid_code)),
        b.micro_code ? [" · 微网格 micro-grid ", h("a", { href: profileHref(b.micro_code) }, b.micro_code)] : null,
        " · " + num(households) + " 户 households"
      ])
    ]);
    if (!units.length) append(box, h("p", { class: "none" }, "无住户 no households"));
    units.forEach(function (u) {
      var list = u.households || [];
      append(box, h("div", { class: "unit", "data-unit": u.unit === null ? "" : u.unit }, [
        h("h3", null, (u.unit === null || u.unit === undefined || u.unit === "" ? "单元 unit —" : "单元 unit " + u.unit) +
          " · " + list.length + " 户"),
        h("table", { class: "data households" }, [
          h("thead", null, h("tr", null, [h("th", null, "房号 room"), h("th", null, "户号 household no."),
            h("th", null, "户籍户 registered"), h("th", { class: "num" }, "人口 residents")])),
          h("tbody", null, list.map(function (hh) {
            var row = h("tr", { class: "pick household", tabindex: 0, "data-id": hh.id,
              "data-residents": hh.residents }, [
              h("td", null, dash(hh.room)),
              h("td", { class: "id" }, dash(hh.household_no)),
              h("td", null, hh.registered === true ? "是 yes" : hh.registered === false ? "否 no" : "—"),
              h("td", { class: "num" }, num(hh.residents))
            ]);
            row.addEventListener("click", function () { openHousehold(hh.id, row); });
            row.addEventListener("keydown", function (e) {
              if (e.key === "Enter" || e.key === " ") { e.preventDefault(); openHousehold(hh.id, row); }
            });
            return row;
          }))
        ])
      ]));
    });
    box.dataset.id = b.id;
    box.dataset.drill = "building";
    box.hidden = false;
  }

  function openHousehold(id, row) {
    Array.prototype.forEach.call(document.querySelectorAll("#building tr.household"), function (tr) {
      tr.classList.toggle("selected", tr === row);
    });
    var ticket = ++householdRequest;
    var box = resetDrill("household", "加载住户 loading household…");
    api("/api/v1/households/" + encodeURIComponent(id)).then(function (hh) {
      if (ticket !== householdRequest) return;
      drawHousehold(box, hh);
      box.scrollIntoView({ block: "nearest" });
    }).catch(function (err) {
      if (ticket !== householdRequest || err.signedOut) return;
      box.textContent = "";
      append(box, errorBox(err));
    });
  }

  function drawHousehold(box, hh) {
    box.textContent = "";
    var residents = hh.residents || [];
    var masked = hh.masked !== false;
    append(box, [
      h("h2", null, ["住户 Household", h("span", { class: "code" }, hh.household_no),
        h("span", { id: "masked-flag", class: "badge " + (masked ? "masked" : "unmasked"),
          "data-masked": masked ? "true" : "false",
          title: masked ? "身份证号与电话已脱敏 ID numbers and phones are masked"
            : "明文查看已记入审计日志 this read of unmasked data is logged" },
        masked ? "已脱敏 masked" : "明文 unmasked, read logged")]),
      h("p", { class: "meta" }, [dash(hh.address),
        " · 单元 unit " + dash(hh.unit) + " · 房号 room " + dash(hh.room),
        " · " + (hh.registered === true ? "户籍户 registered" : hh.registered === false ? "非户籍 not registered" : ""),
        " · " + residents.length + " 人 residents"])
    ]);
    if (!residents.length) {
      append(box, h("p", { class: "none" }, "无人口 no residents"));
    } else {
      append(box, h("table", { class: "data residents" }, [
        h("thead", null, h("tr", null, [h("th", null, "姓名 name"), h("th", null, "身份证号 ID number"),
          h("th", null, "电话 phone"), h("th", null, "性别 sex"), h("th", { class: "num" }, "年龄 age"),
          h("th", null, "类型 kind"), h("th", null, "重点人群 tags")])),
        h("tbody", null, residents.map(function (r) {
          return h("tr", { "data-id": r.id }, [
            h("td", { class: "name" }, dash(r.name)),
            h("td", { class: "id id-number" }, dash(r.id_number)),
            h("td", { class: "id phone" }, dash(r.phone)),
            h("td", { class: "sex" }, SEX[r.sex] || dash(r.sex)),
            h("td", { class: "num age" }, dash(r.age)),
            h("td", { class: "kind" }, dash(r.kind_label || r.kind)),
            h("td", { class: "tags" }, (r.tags || []).map(function (t) {
              return h("span", { class: "badge " + (t.level || ""), title: CARE_LEVEL[t.level] || "" },
                t.label || t.tag);
            }))
          ]);
        }))
      ]));
    }
    box.dataset.id = hh.id;
    box.dataset.drill = "household";
    box.hidden = false;
  }

  // -- start -------------------------------------------------------------------------------

  var logout = $("logout");
  logout.addEventListener("click", function () {
    fetch("/api/v1/auth/logout", {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRF-Token": cookie("gridmap_csrf") }
    }).finally(function () { window.location.assign("/"); });
  });

  $("open-code").value = CODE;
  $("open-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var value = $("open-code").value.trim();
    if (/^(\d{12}|\d{15}|\d{17})$/.test(value)) window.location.assign(profileHref(value));
  });

  if (!IS_REGION && !IS_GRID) {
    fail(new Error("?code= 需要 12 位区划编码或 15/17 位网格编码 · give a 12-digit region code or a " +
      "15- or 17-digit grid code, e.g. /profile?code=361126109000"));
    $("map").hidden = true;
    return;
  }

  var profileUrl = (IS_REGION ? "/api/v1/regions/" : "/api/v1/grids/") + encodeURIComponent(CODE) + "/profile";
  api(profileUrl).then(drawProfile).catch(fail);

  api(document.body.dataset.config || "/api/v1/map/config").then(function (config) {
    if (config.user) {
      var who = config.user.username + " · " + config.user.role + " · " + config.user.jurisdiction;
      $("user").textContent = who;
      $("user").title = who;
    }
    return config;
  }, function (err) {
    if (err.signedOut) throw err;
    return null; // no configuration: a map without a base map still shows the grid
  }).then(function (config) {
    startMap(config);
    if (IS_GRID) { loadGridMap(); } else { loadRegionMap(); }
  }).catch(function () { /* signed out: on the way to the login page */ });
})();
