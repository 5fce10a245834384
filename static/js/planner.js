/* gridmap: the planner's workbench (/planner, 规划工作台). Select grids on the vector tiles, edit
   them through /api/v1/grids (split, merge, delete, reshape, draw, rename, re-code, kind, restore),
   import department layers and read the merge report. Leaflet, VectorGrid and Leaflet-Geoman are
   vendored under /static; the CSP allows no inline script, so everything is wired up here. */
(function () {
  "use strict";

  var CONFIG_URL = document.body.dataset.config || "/api/v1/map/config";
  var LOGIN_URL = "/login?next=/planner";
  var KIND = { ordinary: "普通网格 ordinary", dedicated: "专属网格 dedicated" };
  var OPERATION = {
    split: "拆分 split", merge: "合并 merge", "delete": "删除 delete", reshape: "调整边界 reshape",
    draw: "绘制 draw", update: "修改 update", recode: "改编码 re-code", restore: "恢复 restore"
  };
  var DEPARTMENT_COLORS = ["#e8590c", "#2f9e44", "#ae3ec9", "#1971c2", "#c2255c", "#f08c00", "#0c8599"];
  var SELECTED_STYLE = [
    { color: "#d9480f", weight: 3, fillColor: "#ffa94d", fillOpacity: 0.35 },
    { color: "#1864ab", weight: 3, fillColor: "#74c0fc", fillOpacity: 0.3 }
  ];

  var state = {
    config: null,
    map: null,
    grids: null,          // the unified grids (VectorGrid)
    tileVersion: 0,       // cache-busting query for the grid tiles after an edit
    selected: [],         // [{code, name, version, kind, purpose, feature, layer}], in click order
    selectionLayer: null, // the selected grids as L.geoJSON, above the tiles
    problemsLayer: null,  // a refused edit's invalid edges, in red
    layersControl: null,
    departments: {},      // department -> {layer, source}
    mode: null,           // "split" | "draw" | "reshape" while Geoman is drawing or editing
    busy: false,
    divide: {             // the division tool: a previewed proposal, until accepted or discarded
      layer: null,        // the proposal drawn as L.geoJSON (dashed)
      proposal: null,     // its FeatureCollection, sent back as is on accept
      region: null,       // the region it divides
      ticket: 0,          // bumped to forget a job still being polled
      busy: false
    }
  };

  // -- helpers -----------------------------------------------------------------------------

  function $(id) { return document.getElementById(id); }

  var cookie = window.gridmapCommon.cookie;

  var escapeHtml = window.gridmapCommon.escapeHtml;

  function signedOut() {
    window.location.assign(LOGIN_URL);
    var error = new Error("signed out");
    error.signedOut = true;
    return error;
  }

  /* One request: JSON in and out, the session cookie, and the CSRF header on unsafe methods.
     Resolves to {status, ok, data, headers}; 401 goes to the login page. */
  function api(method, url, body, headers) {
    var options = { method: method, credentials: "same-origin", headers: { Accept: "application/json" } };
    Object.keys(headers || {}).forEach(function (k) { options.headers[k] = headers[k]; });
    if (method !== "GET" && method !== "HEAD") options.headers["X-CSRF-Token"] = cookie("gridmap_csrf");
    if (body instanceof FormData) {
      options.body = body;
    } else if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      if (response.status === 401) throw signedOut();
      return response.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = { detail: text }; }
        return { status: response.status, ok: response.ok, data: data, headers: response.headers };
      });
    });
  }

  function gridUrl(code) { return "/api/v1/grids/" + encodeURIComponent(code); }

  function ifMatch(grid) { return { "If-Match": '"' + grid.version + '"' }; }

  function reason() { return $("reason").value.trim() || undefined; }

  function withReason(body) {
    var r = reason();
    if (r) body.reason = r;
    return body;
  }

  function list(codes) {
    return codes && codes.length ? codes.map(escapeHtml).join(", ") : "—";
  }

  function formatTime(value) {
    if (!value) return "";
    var d = new Date(value);
    return isNaN(d) ? String(value) : d.toLocaleString("zh-CN", { hour12: false });
  }

  // -- messages ------------------------------------------------------------------------------

  function say(html, kind) {
    var box = $("result");
    box.className = "result " + (kind || "");
    box.innerHTML = html;
  }

  function sayError(err) {
    if (err && err.signedOut) return;
    say("<p>请求失败 the request failed: " + escapeHtml(err && err.message ? err.message : err) + "</p>", "error");
  }

  function clearProblems() { state.problemsLayer.clearLayers(); }

  function showOutcome(result) {
    var versions = Object.keys(result.versions || {}).map(function (c) {
      return escapeHtml(c) + " v" + escapeHtml(result.versions[c]);
    });
    say(
      '<p class="ok-title">✓ ' + escapeHtml(OPERATION[result.operation] || result.operation) + "</p>" +
      '<table class="figures">' +
      "<tr><th>新建 created</th><td>" + list(result.created) + "</td></tr>" +
      "<tr><th>变更 changed</th><td>" + list(result.changed) + "</td></tr>" +
      "<tr><th>移除 removed</th><td>" + list(result.removed) + "</td></tr>" +
      "<tr><th>版本 versions</th><td>" + (versions.length ? versions.join(", ") : "—") + "</td></tr>" +
      "</table>",
      "ok"
    );
    $("result").dataset.operation = result.operation;
  }

  /* A refused, stale or forbidden edit: say why, draw the offending edges, reload if stale. */
  function showRefusal(response) {
    var data = response.data || {};
    var detail = escapeHtml(data.detail || "HTTP " + response.status);
    if (response.status === 400 && data.problems) {
      say("<p>编辑被拒绝 the edit was refused:</p><ul class=\"problems\">" +
        data.problems.map(function (p) { return "<li>" + escapeHtml(p) + "</li>"; }).join("") +
        "</ul>" + (data.invalid_edges ? '<p class="hint">红线为问题边界 the red lines are the offending edges</p>' : ""),
        "error");
      if (data.invalid_edges) {
        var edges = L.geoJSON(data.invalid_edges, {
          pmIgnore: true, interactive: false,
          style: { color: "#e03131", weight: 5, opacity: 0.9 },
          pointToLayer: function (f, latlng) {
            return L.circleMarker(latlng, { pmIgnore: true, radius: 6, color: "#e03131" });
          }
        });
        state.problemsLayer.addLayer(edges);
      }
    } else if (response.status === 409 && !data.current) {
      say("<p>冲突 conflict: " + detail + "</p>", "error"); // e.g. a code in use or used before
    } else if (response.status === 409) {
      say("<p>网格已被他人修改，已重新加载选中网格，请重试 · the grid changed since you read it; the " +
        "selection was reloaded, try again.</p><p class=\"hint\">" + detail + "</p>", "error");
      refreshTiles();
      loadSelection(codes());
    } else if (response.status === 403) {
      say("<p>您的角色不能编辑网格 your role may not edit grids.</p><p class=\"hint\">" + detail + "</p>", "error");
    } else if (response.status === 404) {
      say("<p>找不到 not found: " + detail + "</p>", "error");
    } else {
      say("<p>" + detail + "</p>", "error");
    }
  }

  // -- the map and its layers ----------------------------------------------------------------

  function gridTilesUrl() {
    var url = state.config.tiles.grids;
    return state.tileVersion ? url + (url.indexOf("?") < 0 ? "?" : "&") + "v=" + state.tileVersion : url;
  }

  /* New tiles after an edit. Not setUrl()'s redraw: Leaflet's GridLayer.redraw() asks for tiles at
     the map's unrounded zoom (13.5 with zoomSnap 0.5); adding the layer again rounds it. */
  function refreshTiles() {
    state.tileVersion += 1;
    state.grids.setUrl(gridTilesUrl(), true);
    if (state.map.hasLayer(state.grids)) {
      state.map.removeLayer(state.grids);
      state.map.addLayer(state.grids);
    }
  }

  function departmentColor(name) {
    var h = 0;
    for (var i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
    return DEPARTMENT_COLORS[h % DEPARTMENT_COLORS.length];
  }

  function departmentLayer(name, sourceId) {
    var color = departmentColor(name);
    return L.vectorGrid.protobuf(
      "/tiles/source_grids/{z}/{x}/{y}.mvt?department=" + encodeURIComponent(name) + "&v=" + encodeURIComponent(sourceId),
      {
        rendererFactory: L.svg.tile,
        interactive: false,
        pmIgnore: true,
        maxNativeZoom: 18,
        zIndex: 2,
        vectorTileLayerStyles: {
          source_grids: function () {
            return { weight: 2, color: color, opacity: 0.9, fill: false, dashArray: "5 4" };
          }
        }
      }
    );
  }

  /* The department layers (newest import of each) as overlays in the layers control. */
  function loadSources() {
    return api("GET", "/api/v1/sources").then(function (response) {
      var box = $("sources");
      if (!response.ok) {
        box.innerHTML = "<li class=\"hint\">无法读取部门图层 cannot list the department layers: " +
          escapeHtml((response.data || {}).detail || response.status) + "</li>";
        return;
      }
      var newest = {};
      (response.data.sources || []).forEach(function (s) {
        if (!newest[s.department]) newest[s.department] = s;
      });
      var names = Object.keys(newest).sort();
      box.innerHTML = names.length ? names.map(function (name) {
        var s = newest[name];
        return '<li><i style="border-color:' + departmentColor(name) + '"></i>' + escapeHtml(name) +
          ' <span class="hint">' + escapeHtml(s.file_name) + " · " + escapeHtml(s.features_written) +
          " 个网格 grids · " + escapeHtml(formatTime(s.imported_at)) + "</span></li>";
      }).join("") : '<li class="hint">尚未导入 none imported yet</li>';
      names.forEach(function (name) {
        var s = newest[name], known = state.departments[name];
        if (known && known.source === s.id) return;
        var shown = false;
        if (known) {
          shown = state.map.hasLayer(known.layer);
          state.layersControl.removeLayer(known.layer);
          state.map.removeLayer(known.layer);
        }
        var layer = departmentLayer(name, s.id);
        state.departments[name] = { layer: layer, source: s.id };
        state.layersControl.addOverlay(layer, '<span class="dept-swatch" style="border-color:' +
          departmentColor(name) + '"></span>部门 ' + escapeHtml(name) + " (" + escapeHtml(s.features_written) + ")");
        if (shown) layer.addTo(state.map);
      });
    });
  }

  // -- selection -----------------------------------------------------------------------------

  function codes() { return state.selected.map(function (g) { return g.code; }); }

  function fetchGrid(code) {
    return api("GET", gridUrl(code)).then(function (response) {
      if (!response.ok) return null;
      var feature = response.data, p = feature.properties || {};
      var etag = (response.headers.get("ETag") || "").replace(/^W\//, "").replace(/"/g, "");
      return {
        code: feature.id || p.code, name: p.name, kind: p.kind, purpose: p.purpose,
        version: etag ? Number(etag) : p.version, area: p.area_km2, feature: feature, layer: null
      };
    });
  }

  var selectionRequest = 0;

  function loadSelection(wanted) {
    var ticket = ++selectionRequest;
    return Promise.all(wanted.map(fetchGrid)).then(function (grids) {
      if (ticket !== selectionRequest) return;
      state.selected = grids.filter(Boolean);
      drawSelection();
      renderSelection();
    });
  }

  function drawSelection() {
    state.selectionLayer.clearLayers();
    state.selected.forEach(function (grid, i) {
      grid.layer = L.geoJSON(grid.feature, {
        interactive: false,
        style: SELECTED_STYLE[i === 0 ? 0 : 1]
      });
      grid.layer.bindTooltip(grid.code + " " + (grid.name || ""), {
        permanent: true, direction: "center", className: "grid-label"
      });
      state.selectionLayer.addLayer(grid.layer);
    });
  }

  function renderSelection() {
    var box = $("selection");
    box.innerHTML = state.selected.length ? state.selected.map(function (g, i) {
      return '<li class="' + (i === 0 ? "first" : "") + '"><span class="code">' + escapeHtml(g.code) +
        "</span> " + escapeHtml(g.name) + ' <span class="hint">v' + escapeHtml(g.version) + " · " +
        escapeHtml(KIND[g.kind] || g.kind || "") + (g.purpose ? " (" + escapeHtml(g.purpose) + ")" : "") +
        (g.area != null ? " · " + Number(g.area).toFixed(3) + " km²" : "") + "</span></li>";
    }).join("") : '<li class="hint">未选择 nothing selected</li>';
    var first = state.selected[0];
    $("f-name").value = first ? first.name || "" : "";
    $("f-code").value = first ? first.code : "";
    $("f-kind").value = first && first.kind ? first.kind : "ordinary";
    $("f-purpose").value = first && first.purpose ? first.purpose : "";
    updateButtons();
  }

  function onGridClick(e) {
    if (state.mode || state.busy) return; // drawing: the click is Geoman's
    var code = e.layer && e.layer.properties && e.layer.properties.code;
    if (!code) return;
    var add = e.originalEvent && e.originalEvent.shiftKey;
    var next;
    if (add) {
      next = codes();
      var at = next.indexOf(code);
      if (at >= 0) next.splice(at, 1); else next.push(code);
    } else {
      next = [code];
    }
    clearProblems();
    loadSelection(next).catch(sayError);
  }

  function updateButtons() {
    var n = state.selected.length, idle = !state.mode && !state.busy;
    var rules = {
      "btn-split": n === 1, "btn-merge": n >= 2, "btn-delete": n >= 2, "btn-reshape": n === 2,
      "btn-history": n === 1, "btn-rename": n === 1, "btn-recode": n === 1, "btn-kind": n === 1,
      "btn-draw": true, "clear-selection": n > 0
    };
    Object.keys(rules).forEach(function (id) { $(id).disabled = !(idle && rules[id]); });
    $("btn-cancel").hidden = !state.mode;
    $("btn-save-shape").hidden = state.mode !== "reshape";
    $("btn-save-shape").disabled = state.busy;
  }

  // -- edits ---------------------------------------------------------------------------------

  /* Send an edit; on success show it, refresh the tiles and select what ``next`` picks. */
  function edit(method, url, body, headers, next) {
    clearProblems();
    state.busy = true;
    updateButtons();
    say('<p class="hint">处理中 working…</p>');
    return api(method, url, body, headers).then(function (response) {
      state.busy = false;
      if (!response.ok) {
        updateButtons();
        if (response.status !== 409) drawSelection(); // a refused reshape goes back to the shape read
        showRefusal(response);
        return;
      }
      var result = response.data;
      showOutcome(result);
      refreshTiles();
      if (!$("history-box").hidden && state.selected.length === 1) loadHistory(state.selected[0].code);
      return loadSelection(next(result));
    }).catch(function (err) {
      state.busy = false;
      updateButtons();
      sayError(err);
    });
  }

  /* After an edit: what was selected and still stands, plus what was created. */
  function keptAndCreated(result) {
    var now = (result.changed || []).concat(result.created || []);
    var kept = codes().filter(function (c) { return now.indexOf(c) >= 0; });
    (result.created || []).forEach(function (c) { if (kept.indexOf(c) < 0) kept.push(c); });
    return kept;
  }

  function split(line) {
    var grid = state.selected[0];
    return edit("POST", gridUrl(grid.code) + "/split", withReason({ line: line }), ifMatch(grid), keptAndCreated);
  }

  function merge() {
    var versions = {};
    state.selected.forEach(function (g) { versions[g.code] = g.version; });
    return edit("POST", "/api/v1/grids/merge", withReason({ codes: codes(), versions: versions }), {}, keptAndCreated);
  }

  function remove() {
    var grid = state.selected[0], to = codes().slice(1);
    if (!window.confirm("删除网格 Delete grid " + grid.code + "？其面积归 its area goes to " + to.join(", "))) return;
    var url = gridUrl(grid.code) + "?to=" + encodeURIComponent(to.join(","));
    if (reason()) url += "&reason=" + encodeURIComponent(reason());
    return edit("DELETE", url, undefined, ifMatch(grid), keptAndCreated);
  }

  function update(fields) {
    var grid = state.selected[0];
    return edit("PATCH", gridUrl(grid.code), withReason(fields), ifMatch(grid), function (result) {
      return result.changed || [];
    });
  }

  function draw(geometry) {
    var name = $("draw-name").value.trim();
    return edit("POST", "/api/v1/grids", withReason({ geometry: geometry, name: name }), {}, function (result) {
      return result.created || [];
    });
  }

  function reshape() {
    var a = state.selected[0], b = state.selected[1];
    var polygon = a.layer.getLayers()[0];
    var geometry = polygon.toGeoJSON(false).geometry; // no rounding of the vertices
    var versions = {};
    versions[a.code] = a.version;
    versions[b.code] = b.version;
    a.layer.pm.disable();
    endMode();
    return edit("POST", gridUrl(a.code) + "/reshape",
      withReason({ geometry: geometry, neighbour: b.code, versions: versions }), {}, keptAndCreated);
  }

  // -- Geoman modes --------------------------------------------------------------------------

  var HINTS = {
    split: "在地图上画一条穿过网格的线，再次单击最后一点完成 · draw a line across the grid; click its last point again to finish",
    draw: "画出新网格，单击第一个点闭合 · draw the new grid; click its first point to close it",
    reshape: "拖动橙色网格的顶点（可吸附到邻居），然后保存 · drag the orange grid's vertices (they snap to the neighbour), then save"
  };

  function startMode(mode) {
    state.mode = mode;
    clearProblems();
    $("mode-hint").textContent = HINTS[mode] + " · Esc 取消 cancels";
    $("mode-hint").hidden = false;
    state.map.getContainer().classList.add("pm-drawing");
    updateButtons();
  }

  function endMode() {
    state.mode = null;
    $("mode-hint").hidden = true;
    state.map.getContainer().classList.remove("pm-drawing");
    updateButtons();
  }

  function cancelMode() {
    var mode = state.mode;
    if (!mode) return;
    if (mode === "reshape") {
      state.selected.forEach(function (g) { if (g.layer && g.layer.pm) g.layer.pm.disable(); });
      drawSelection(); // back to the shape as read
    } else {
      state.map.pm.disableDraw();
    }
    endMode();
  }

  function startSplit() {
    if (state.selected.length !== 1) return;
    startMode("split");
    state.map.pm.enableDraw("Line", { snappable: true, snapDistance: 15 });
  }

  function startDraw() {
    if (!$("draw-name").value.trim()) {
      say("<p>请先填写新网格名称 · enter the new grid's name first.</p>", "error");
      $("draw-name").focus();
      return;
    }
    startMode("draw");
    state.map.pm.enableDraw("Polygon", { snappable: true, snapDistance: 15, allowSelfIntersection: false });
  }

  function startReshape() {
    if (state.selected.length !== 2) return;
    startMode("reshape");
    state.selected[0].layer.pm.enable({ snappable: true, snapDistance: 20, allowSelfIntersection: false });
  }

  function onCreate(e) {
    var geometry = e.layer.toGeoJSON(false).geometry;
    state.map.removeLayer(e.layer);
    var mode = state.mode;
    endMode();
    if (mode === "split" && e.shape === "Line") split(geometry);
    else if (mode === "draw" && e.shape === "Polygon") draw(geometry);
  }

  // -- history -------------------------------------------------------------------------------

  function loadHistory(code) {
    $("history-box").hidden = false;
    $("history-code").textContent = code;
    var box = $("history");
    box.innerHTML = '<li class="hint">读取中 loading…</li>';
    return api("GET", gridUrl(code) + "/history").then(function (response) {
      if (!response.ok) {
        box.innerHTML = "<li>" + escapeHtml((response.data || {}).detail || response.status) + "</li>";
        return;
      }
      var versions = response.data.versions || [];
      box.innerHTML = versions.slice().reverse().map(function (v) {
        var current = !v.valid_to;
        return "<li><strong>v" + escapeHtml(v.version) + "</strong> " +
          escapeHtml(OPERATION[v.operation] || v.operation || "") + " · " + escapeHtml(v.changed_by || "") +
          (current ? ' <span class="current">当前 current</span>' : "") +
          '<div class="hint">' + escapeHtml(formatTime(v.valid_from)) + " → " +
          escapeHtml(current ? "" : formatTime(v.valid_to)) + " · " + escapeHtml(v.name) +
          (v.area_km2 != null ? " · " + escapeHtml(v.area_km2) + " km²" : "") + "</div>" +
          (v.reason ? '<div>原因 why: ' + escapeHtml(v.reason) + "</div>" : "") +
          (v.lineage && v.lineage.length ? "<div>来自 from: " + list(v.lineage) + "</div>" : "") +
          (current ? "" : '<button type="button" class="small restore" data-code="' + escapeHtml(code) +
            '" data-version="' + escapeHtml(v.version) + '">恢复到此版本 Restore</button>') +
          "</li>";
      }).join("") || '<li class="hint">无 none</li>';
    }).catch(sayError);
  }

  function restore(code, version) {
    if (!window.confirm("恢复 Restore " + code + " v" + version + "?")) return;
    return edit("POST", gridUrl(code) + "/restore", withReason({ version: version }), {}, function (result) {
      var now = (result.changed || []).concat(result.created || []);
      return now.indexOf(code) >= 0 ? [code] : [];
    });
  }

  // -- import --------------------------------------------------------------------------------

  function importLayer(event) {
    event.preventDefault();
    var form = $("import-form"), data = new FormData();
    ["file", "department", "crs", "code_field", "name_field"].forEach(function (name) {
      var input = form.elements[name];
      if (name === "file") {
        if (input.files[0]) data.append("file", input.files[0]);
      } else if (input.value.trim()) {
        data.append(name, input.value.trim());
      }
    });
    $("import-dialog").close();
    var status = $("import-status");
    status.className = "result";
    status.innerHTML = '<p class="hint">上传中 uploading…</p>';
    api("POST", "/api/v1/uploads/grids", data).then(function (response) {
      if (!response.ok) {
        status.className = "result error";
        status.innerHTML = "<p>导入被拒绝 the import was refused: " +
          escapeHtml((response.data || {}).detail || response.status) + "</p>";
        return;
      }
      pollJob(response.data.status);
    }).catch(function (err) {
      if (err && err.signedOut) return;
      status.className = "result error";
      status.textContent = "上传失败 the upload failed: " + err.message;
    });
  }

  function pollJob(url) {
    var status = $("import-status");
    api("GET", url).then(function (response) {
      var job = response.data || {};
      if (!response.ok) {
        status.className = "result error";
        status.innerHTML = "<p>" + escapeHtml(job.detail || response.status) + "</p>";
        return;
      }
      if (job.state === "done") {
        var r = job.result || {};
        status.className = "result ok";
        status.innerHTML = '<p class="ok-title">✓ 导入完成 imported</p><table class="figures">' +
          "<tr><th>读取 read</th><td>" + escapeHtml(r.read) + "</td></tr>" +
          "<tr><th>写入 written</th><td>" + escapeHtml(r.written) + "</td></tr>" +
          "<tr><th>拒绝 rejected</th><td>" + escapeHtml(r.rejected) + "</td></tr></table>" +
          ((r.rejects || []).length ? "<p>拒绝报告 rejects: " + r.rejects.map(function (href) {
            var kind = /\.geojson$/.test(href) ? "GeoJSON" : /\.csv$/.test(href) ? "CSV" : href;
            return '<a href="' + escapeHtml(href) + '" download>' + escapeHtml(kind) + "</a>";
          }).join(" · ") + "</p>" : "");
        loadSources().catch(sayError);
      } else if (job.state === "failed") {
        status.className = "result error";
        status.innerHTML = "<p>导入失败 the import failed: " + escapeHtml(job.message || "") + "</p>";
      } else {
        status.className = "result";
        status.innerHTML = '<p class="hint">' + escapeHtml(job.state === "queued" ? "排队中 queued" : "导入中 importing") +
          (job.total ? " " + escapeHtml(job.done || 0) + " / " + escapeHtml(job.total) : "") + "…</p>";
        window.setTimeout(function () { pollJob(url); }, 1000);
      }
    }).catch(function (err) {
      if (err && err.signedOut) return;
      status.className = "result error";
      status.textContent = "无法读取任务 cannot read the job: " + err.message;
    });
  }

  // -- divide (网格划分) -----------------------------------------------------------------------

  var DIVIDE_STYLE = { color: "#7048e8", weight: 2.5, opacity: 0.95, dashArray: "8 6",
                       fillColor: "#9775fa", fillOpacity: 0.08 };

  function isTownship(code) { return /^\d{6}(?!000)\d{3}000$/.test(code || ""); }

  /* An error body's detail as text (FastAPI's 422 detail is a list of {loc, msg}). */
  function detailText(response) {
    var d = (response.data || {}).detail;
    if (Array.isArray(d)) {
      return d.map(function (e) {
        var loc = (e.loc || []).filter(function (p) { return p !== "body"; }).join(".");
        return (loc ? loc + ": " : "") + (e.msg || JSON.stringify(e));
      }).join("; ");
    }
    return d == null ? "HTTP " + response.status : String(d);
  }

  function divideSay(html, kind) {
    var box = $("divide-result");
    box.className = "result " + (kind || "");
    box.innerHTML = html;
  }

  function divideButtons() {
    var d = state.divide;
    $("btn-divide-preview").disabled = d.busy;
    $("divide-actions").hidden = !d.proposal;
    $("btn-divide-accept").disabled = d.busy || !d.proposal;
    $("btn-divide-discard").disabled = d.busy;
  }

  function removeProposal() {
    var d = state.divide;
    d.ticket += 1; // a job still polled is forgotten
    if (d.layer) state.map.removeLayer(d.layer);
    d.layer = null;
    d.proposal = null;
    d.region = null;
  }

  function divideRefused(response, what) {
    if (response.status === 403) {
      divideSay("<p>您的角色不能" + what[0] + " · your role may not " + what[1] + ".</p><p class=\"hint\">" +
        escapeHtml(detailText(response)) + "</p>", "error");
    } else {
      divideSay("<p>" + escapeHtml(detailText(response)) + "</p>", "error");
    }
  }

  function formatLoad(value) {
    var n = Number(value);
    if (!isFinite(n)) return escapeHtml(value);
    return Math.abs(n) >= 100 || n === Math.round(n) ? String(Math.round(n)) : n.toFixed(1);
  }

  function readPoints(file) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () {
        var data;
        try { data = JSON.parse(reader.result); } catch (e) {
          reject(new Error("不是 JSON · not JSON: " + e.message));
          return;
        }
        if (!data || data.type !== "FeatureCollection" || !Array.isArray(data.features)) {
          reject(new Error("需要 GeoJSON FeatureCollection · a GeoJSON FeatureCollection is needed"));
          return;
        }
        resolve(data);
      };
      reader.onerror = function () { reject(new Error("无法读取文件 cannot read the file")); };
      reader.readAsText(file);
    });
  }

  function previewDivision(event) {
    event.preventDefault();
    if (state.divide.busy) return;
    var region = $("d-region").value.trim();
    var grids = Number($("d-grids").value);
    var file = $("d-points").files[0];
    var weight = $("d-weight").value.trim();
    var block = $("d-block").value.trim() === "" ? 300 : Number($("d-block").value);
    var problem = !/^\d{12}$/.test(region) ? "区划编码应为 12 位数字 · the region code has 12 digits" :
      !(grids >= 1 && grids <= 999 && grids === Math.floor(grids)) ? "网格数应为 1–999 · the number of grids is 1 to 999" :
      !file ? "请选择权重点文件 · choose the file of weighted points" :
      !(block > 0) ? "街块大小应大于 0 · the block size must be above 0" : null;
    if (problem) {
      divideSay("<p>" + escapeHtml(problem) + "</p>", "error");
      return;
    }
    removeProposal();
    var d = state.divide, ticket = d.ticket;
    d.busy = true;
    divideButtons();
    divideSay('<p class="hint">读取文件 reading the file…</p>');
    readPoints(file).then(function (points) {
      if (ticket !== d.ticket) return;
      divideSay('<p class="hint">提交中 submitting ' + escapeHtml(points.features.length) + " 个点 points…</p>");
      return api("POST", "/api/v1/divide/preview", {
        region: region, grids: grids, points: points, weight: weight || null,
        block_size_m: block, method: "azp"
      }).then(function (response) {
        if (ticket !== d.ticket) return;
        if (!response.ok) {
          d.busy = false;
          divideButtons();
          divideRefused(response, ["预览划分", "preview a division"]);
          return;
        }
        pollDivision(response.data.status, region, ticket);
      });
    }).catch(function (err) {
      if (ticket !== d.ticket) return;
      d.busy = false;
      divideButtons();
      if (err && err.signedOut) return;
      divideSay("<p>预览失败 the preview failed: " + escapeHtml(err && err.message ? err.message : err) + "</p>", "error");
    });
  }

  function pollDivision(url, region, ticket) {
    var d = state.divide;
    api("GET", url).then(function (response) {
      if (ticket !== d.ticket) return; // discarded, or previewed again
      var job = response.data || {};
      if (!response.ok) {
        d.busy = false;
        divideButtons();
        divideSay("<p>无法读取任务 cannot read the job: " + escapeHtml(detailText(response)) + "</p>", "error");
        return;
      }
      if (job.state === "done") {
        d.busy = false;
        showProposal(region, job.result || {});
      } else if (job.state === "failed") {
        d.busy = false;
        divideButtons();
        divideSay("<p>划分失败 the division failed: " + escapeHtml(job.message || "") + "</p>", "error");
      } else {
        divideSay('<p class="hint">' + (job.state === "queued" ? "排队中 queued" : "计算中 dividing") + "…</p>");
        window.setTimeout(function () { pollDivision(url, region, ticket); }, 1000);
      }
    }).catch(function (err) {
      if (ticket !== d.ticket) return;
      d.busy = false;
      divideButtons();
      if (err && err.signedOut) return;
      divideSay("<p>无法读取任务 cannot read the job: " + escapeHtml(err.message) + "</p>", "error");
    });
  }

  function showProposal(region, result) {
    var d = state.divide, proposal = result.proposal, r = result.report || {};
    if (!proposal || !proposal.features || !proposal.features.length) {
      divideButtons();
      divideSay("<p>划分结果为空 the division proposed no grids.</p>", "error");
      return;
    }
    d.proposal = proposal;
    d.region = region;
    d.layer = L.geoJSON(proposal, {
      pmIgnore: true,
      interactive: false,
      className: "divide-proposal", // on each path: tests and the stylesheet find the proposal
      style: DIVIDE_STYLE,
      onEachFeature: function (feature, layer) {
        var p = feature.properties || {};
        layer.bindTooltip("负荷 load " + formatLoad(p.load), {
          permanent: true, direction: "center", className: "divide-label"
        });
      }
    });
    d.layer.addTo(state.map);
    var bounds = d.layer.getBounds();
    if (bounds.isValid()) state.map.fitBounds(bounds, { padding: [24, 24] });
    var cv = Number(r.cv);
    var rows = [
      ["区划 region", escapeHtml(region)],
      ["网格数 grids (n)", escapeHtml(r.n != null ? r.n : proposal.features.length)],
      ["负荷 load min / mean / max", formatLoad(r.min) + " / " + formatLoad(r.mean) + " / " + formatLoad(r.max)],
      ["离散系数 cv", isFinite(cv) && r.cv != null ? (cv * 100).toFixed(1) + "%" : "—"]
    ];
    divideSay('<p class="ok-title">预览 Preview · 虚线为建议网格 the dashed outlines are the proposal</p>' +
      '<table class="figures divide-report">' + rows.map(function (row) {
        return "<tr><th>" + row[0] + "</th><td>" + row[1] + "</td></tr>";
      }).join("") + "</table>", "");
    divideButtons();
  }

  function acceptDivision() {
    var d = state.divide;
    if (!d.proposal || d.busy) return;
    d.busy = true;
    divideButtons();
    var body = { region: d.region, proposal: d.proposal };
    var r = reason();
    if (r) body.reason = r;
    var ticket = d.ticket;
    api("POST", "/api/v1/divide/accept", body).then(function (response) {
      if (ticket !== d.ticket) return;
      d.busy = false;
      if (!response.ok) {
        divideButtons();
        divideRefused(response, ["采用划分", "accept a division"]);
        return;
      }
      var c = response.data || {};
      removeProposal();
      divideButtons();
      refreshTiles();
      clearProblems();
      loadSelection(codes()).catch(sayError); // a selected grid may be gone, or changed
      divideSay('<p class="ok-title">✓ 已采用 accepted</p><table class="figures divide-counts">' +
        "<tr><th>网格 grids</th><td>" + escapeHtml(c.grids) + "</td></tr>" +
        "<tr><th>新增 inserted</th><td>" + escapeHtml(c.inserted) + "</td></tr>" +
        "<tr><th>更新 updated</th><td>" + escapeHtml(c.updated) + "</td></tr>" +
        "<tr><th>移除 removed</th><td>" + escapeHtml(c.removed) + "</td></tr>" +
        "<tr><th>未变 unchanged</th><td>" + escapeHtml(c.unchanged) + "</td></tr></table>", "ok");
      $("divide-result").dataset.accepted = "true";
    }).catch(function (err) {
      if (ticket !== d.ticket) return;
      d.busy = false;
      divideButtons();
      if (err && err.signedOut) return;
      divideSay("<p>请求失败 the request failed: " + escapeHtml(err.message) + "</p>", "error");
    });
  }

  function discardDivision() {
    state.divide.busy = false;
    removeProposal();
    divideButtons();
    divideSay('<p class="hint">已放弃 discarded</p>');
  }

  // -- merge report --------------------------------------------------------------------------

  function figure(value) {
    if (value == null) return "—";
    if (Array.isArray(value)) return String(value.length);
    if (typeof value === "object") {
      if ("count" in value) {
        return escapeHtml(value.count) + (value.area_m2 != null ? " (" + Math.round(value.area_m2) + " m²)" : "");
      }
      return Object.keys(value).map(function (k) { return escapeHtml(k) + ": " + escapeHtml(value[k]); }).join(", ");
    }
    if (typeof value === "boolean") return value ? "✓ 是 yes" : "✗ 否 no";
    return escapeHtml(value);
  }

  function loadMergeReport(region) {
    if (!/^\d{12}$/.test(region || "")) return Promise.resolve();
    return api("GET", "/api/v1/merges?region=" + encodeURIComponent(region)).then(function (response) {
      if (!response.ok) return; // 404: no merge endpoint (yet), or nothing to show: stay hidden
      var merges = (response.data && response.data.merges) || [];
      $("merge-box").hidden = false;
      $("merge-region").textContent = region;
      if (!merges.length) {
        $("merge-report").innerHTML = '<p class="hint">尚无合并 no merge yet</p>';
        return;
      }
      var m = merges.slice().sort(function (a, b) {
        return String(b.merged_at).localeCompare(String(a.merged_at));
      })[0];
      var r = m.report || {};
      var rows = [
        ["基准部门 base department", escapeHtml(m.base_department)],
        ["合并时间 merged at", escapeHtml(formatTime(m.merged_at))],
        ["输入网格 grids in", figure(r.grids_in)],
        ["输出网格 grids out", figure(r.grids_out)],
        ["修复重叠 overlaps fixed", figure(r.overlaps_fixed)],
        ["修复缝隙 gaps fixed", figure(r.gaps_fixed)],
        ["消除碎片 slivers dissolved", figure(r.slivers_dissolved)],
        ["未匹配 unmatched", figure(r.unmatched)],
        ["有效 valid", figure(r.valid)]
      ];
      $("merge-report").innerHTML = '<table class="figures">' + rows.map(function (row) {
        return "<tr><th>" + row[0] + "</th><td>" + row[1] + "</td></tr>";
      }).join("") + "</table>";
    }).catch(function (err) { if (!(err && err.signedOut)) $("merge-box").hidden = true; });
  }

  // -- start ---------------------------------------------------------------------------------

  function setUpGeoman(map) {
    map.pm.setLang("zh_en", {
      tooltips: {
        firstVertex: "单击放置第一个点 · click to place the first point",
        continueLine: "单击继续 · click to continue",
        finishLine: "单击任一已放置的点完成 · click any placed point to finish",
        finishPoly: "单击第一个点闭合 · click the first point to finish"
      },
      actions: { finish: "完成 Finish", cancel: "取消 Cancel", removeLastVertex: "撤销上一点 Undo last point" }
    }, "en");
    map.pm.setGlobalOptions({
      snappable: true,
      snapDistance: 15,
      pathOptions: { color: "#d9480f", weight: 3 },
      templineStyle: { color: "#d9480f" },
      hintlineStyle: { color: "#d9480f", dashArray: "5 5" }
    });
    map.on("pm:create", onCreate);
    map.on("pm:drawend", function () { if (state.mode === "split" || state.mode === "draw") endMode(); });
  }

  function start(config) {
    state.config = config;
    var map = L.map("map", { preferCanvas: false, zoomSnap: 0.5, boxZoom: false });
    state.map = map;
    window.gridmapMap = map; // for tests and the console
    if (config.base_map && config.base_map.url) {
      L.tileLayer(config.base_map.url, { attribution: config.base_map.attribution, maxZoom: 19 }).addTo(map);
    }
    var colors = {};
    config.legend.forEach(function (t) { colors[t.code] = t.color; });

    var regions = L.vectorGrid.protobuf(config.tiles.regions, {
      rendererFactory: L.svg.tile,
      interactive: false,
      pmIgnore: true,
      maxNativeZoom: 18,
      zIndex: 3,
      vectorTileLayerStyles: {
        regions: window.gridmapCommon.regionStyle
      }
    }).addTo(map);

    state.grids = L.vectorGrid.protobuf(gridTilesUrl(), {
      rendererFactory: L.svg.tile,
      interactive: true,
      pmIgnore: true,
      minZoom: config.grid_min_zoom,
      maxNativeZoom: 18,
      zIndex: 1,
      getFeatureId: function (f) { return f.properties.code; },
      vectorTileLayerStyles: {
        grids: function (p) {
          return { weight: p.micro ? 0.5 : 0.8, color: "#333", fill: true, fillOpacity: 0.35,
                   fillColor: colors[p.township] || "#999" };
        }
      }
    }).addTo(map);
    state.grids.on("click", onGridClick);

    state.selectionLayer = L.featureGroup().addTo(map);
    state.problemsLayer = L.featureGroup([], { pmIgnore: true }).addTo(map);

    var overlays = { "统一网格 unified grids": state.grids, "区划 regions": regions };
    state.layersControl = L.control.layers(null, overlays, { collapsed: false, position: "topright" }).addTo(map);
    L.control.scale({ imperial: false, maxWidth: 160 }).addTo(map);
    setUpGeoman(map);

    if (config.generated && (config.generated.grids || config.generated.regions)) {
      var note = $("generated-note");
      note.textContent = "演示数据：边界为生成示意 · demo data: generated boundaries";
      note.hidden = false;
    }
    if (config.user) {
      $("user").textContent = config.user.username + " · " + config.user.role + " · " + config.user.jurisdiction;
    }
    var b = config.bounds;
    if (b) { map.fitBounds([[b[1], b[0]], [b[3], b[2]]]); } else { map.setView([35, 105], 4); }
    renderSelection();
    var jurisdiction = config.user && config.user.jurisdiction;
    if (isTownship(jurisdiction) && !$("d-region").value) $("d-region").value = jurisdiction;
    divideButtons();

    loadSources().catch(sayError);
    loadMergeReport(config.user && config.user.jurisdiction);
    window.gridmapReady = true;
    document.body.dataset.ready = "true"; // tests wait on this (CSP forbids eval-based polling)
  }

  function wire() {
    $("logout").addEventListener("click", function () {
      fetch("/api/v1/auth/logout", {
        method: "POST", credentials: "same-origin",
        headers: { "X-CSRF-Token": cookie("gridmap_csrf") }
      }).finally(function () { window.location.assign("/"); });
    });
    $("clear-selection").addEventListener("click", function () {
      clearProblems();
      loadSelection([]);
    });
    $("btn-split").addEventListener("click", startSplit);
    $("btn-merge").addEventListener("click", merge);
    $("btn-delete").addEventListener("click", remove);
    $("btn-reshape").addEventListener("click", startReshape);
    $("btn-save-shape").addEventListener("click", reshape);
    $("btn-cancel").addEventListener("click", cancelMode);
    $("btn-draw").addEventListener("click", startDraw);
    $("btn-history").addEventListener("click", function () {
      if (state.selected.length === 1) loadHistory(state.selected[0].code);
    });
    $("history").addEventListener("click", function (e) {
      var button = e.target.closest("button.restore");
      if (button) restore(button.dataset.code, Number(button.dataset.version));
    });
    $("btn-rename").addEventListener("click", function () {
      var name = $("f-name").value.trim();
      if (name) update({ name: name });
    });
    $("btn-recode").addEventListener("click", function () {
      var code = $("f-code").value.trim();
      if (code && code !== state.selected[0].code) update({ code: code });
    });
    $("btn-kind").addEventListener("click", function () {
      var kind = $("f-kind").value, purpose = $("f-purpose").value.trim();
      update(kind === "dedicated" ? { kind: kind, purpose: purpose || null } : { kind: kind });
    });
    $("attr-form").addEventListener("submit", function (e) { e.preventDefault(); });
    $("btn-import").addEventListener("click", function () { $("import-dialog").showModal(); });
    $("import-cancel").addEventListener("click", function () { $("import-dialog").close(); });
    $("import-form").addEventListener("submit", importLayer);
    $("divide-form").addEventListener("submit", previewDivision);
    $("btn-divide-accept").addEventListener("click", acceptDivision);
    $("btn-divide-discard").addEventListener("click", discardDivision);
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && state.mode) cancelMode();
    });
  }

  wire();
  fetch(CONFIG_URL, { credentials: "same-origin" })
    .then(function (r) {
      if (r.status === 401) throw signedOut();
      if (!r.ok) throw new Error("map config: HTTP " + r.status);
      return r.json();
    })
    .then(start)
    .catch(function (err) {
      if (err && err.signedOut) return;
      $("map").textContent = "地图无法加载 the map could not load: " + err.message;
    });
})();
