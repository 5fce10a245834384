"""The centre's analysis (/analytics, 研判分析) in a real headless Chromium on the demo county,
checked against the API with the very queries the page sent: the dispatcher reaches it from
the desk; the hot-spot layer draws a polygon a grid in its Gi* class, with the seven classes'
legend at the configured confidence levels; a grid clicked on the map shows the API's z and
class; the hottest grids are ranked by z; the risk colours are the configured ones, with the
reasons and the colours by month of a clicked grid; the heatmap's PNG tiles load and paint;
a category, the slider and the period change the answer; a period without events is said in
the API's words while the grids stay; the forecast check shows the API's PAI; the exports
download as the API's files (CSV, XLSX, GeoPackage). The browser runs in another time zone
than the centre's: the page's days are the centre's. Nothing leaves the machine. Roles the
API refuses are told so, and a township's dispatcher sees only the township's grids."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import httpx
import pyogrio
import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page
from shapely.geometry import shape

from tests.conftest import PASSWORD, TOWNSHIP_A
from tests.web.conftest import map_pixel, watch
from tests.web.helpers import api, assert_clean, ok, open_signed_in

pytestmark = pytest.mark.browser

GI_BINS = {3, 2, 1, 0, -1, -2, -3}
TOP = 20  # rows of the ranking
BROWSER_ZONE = "America/New_York"  # not the centre's: the page must count the centre's days


def _asked(seen: dict[str, list[str]], path: str) -> str:
    """The path and query of the page's last request to ``path`` (to ask the API the same)."""
    asked = [u for u in seen["requests"] if urlparse(u).path == path]
    assert asked, f"the page never asked {path}"
    url = urlparse(asked[-1])
    return f"{url.path}?{url.query}"


def _query(seen: dict[str, list[str]], path: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(_asked(seen, path)).query).items()}


def _paths(page: Page) -> dict[str, dict[str, str | None]]:
    """The map's grid polygons: code → their class and fill colour."""
    return page.evaluate(
        """() => Object.fromEntries(Array.from(document.querySelectorAll('#map path.grid-shape'))
             .map((p) => [p.dataset.code,
                          {class: p.dataset.class, fill: p.getAttribute('fill')}]))"""
    )


def _legend(page: Page, layer: str) -> dict[str, dict[str, str]]:
    """The legend's rows of ``layer``: class → its count, swatch colour and words."""
    page.locator(f"#legend[data-layer={layer}] .legend-row").first.wait_for()
    return page.evaluate(
        """() => Object.fromEntries(Array.from(document.querySelectorAll('#legend .legend-row'))
             .map((r) => [r.dataset.class, {count: r.dataset.count, text: r.innerText,
                          colour: getComputedStyle(r.querySelector('i')).backgroundColor}]))"""
    )


def _rgb(page: Page, colour: str) -> str:
    """A colour as the browser computes it (rgb(…)), to compare fills with swatches."""
    return page.evaluate(
        "(c) => { const i = document.createElement('i'); i.style.color = c;"
        " document.body.appendChild(i); const v = getComputedStyle(i).color; i.remove();"
        " return v; }",
        colour,
    )


def _ready(page: Page, layer: str) -> None:
    page.locator(f"#map[data-layer={layer}][data-state=ready]").wait_for(timeout=30_000)


def _show(page: Page, layer: str) -> None:
    page.check(f"input[name=layer][value={layer}]")
    _ready(page, layer)


def _refreshed(page: Page, act) -> None:
    """Do ``act`` (a filter change) and wait for the hot spots it asks for to be drawn."""
    with page.expect_response(lambda r: "/api/v1/analytics/hotspots?" in r.url):
        act()
    page.locator("#map[data-state=loading]").wait_for(state="detached", timeout=30_000)


def _fit(page: Page, features: list[dict]) -> None:
    minx, miny, maxx, maxy = shape(
        {"type": "GeometryCollection", "geometries": [f["geometry"] for f in features]}
    ).bounds
    page.evaluate(
        "b => window.gridmapMap.fitBounds(b, {animate: false})", [[miny, minx], [maxy, maxx]]
    )


def _click_grid(page: Page, feature: dict) -> None:
    """Bring a grid into view and click inside it on the map."""
    code = feature["properties"]["code"]
    outline = shape(feature["geometry"])
    minx, miny, maxx, maxy = outline.bounds
    page.evaluate(
        "b => window.gridmapMap.fitBounds(b, {padding: [140, 140], animate: false})",
        [[miny, minx], [maxy, maxx]],
    )
    inside = outline.representative_point()
    page.mouse.click(*map_pixel(page, inside.x, inside.y))
    page.locator(f"#detail[data-code='{code}']").wait_for(timeout=5_000)


def _field(page: Page, field: str) -> str:
    value = page.locator(f"#detail [data-field={field}]").get_attribute("data-value")
    assert value is not None, field
    return value


def _download(page: Page, button: str, folder: Path) -> tuple[str, Path]:
    """Click an export button: the file's name and where the browser saved it."""
    with page.expect_download(timeout=30_000) as saving:
        page.click(button)
    download = saving.value
    assert download.failure() is None, download.failure()
    path = folder / download.suggested_filename
    download.save_as(path)
    return download.suggested_filename, path


def _as_json(seen: dict[str, list[str]], path: str) -> tuple[str, dict[str, str]]:
    """The last request to ``path`` (an export) without its format: the same answer as JSON."""
    return path, {k: v for k, v in _query(seen, path).items() if k != "format"}


def _busy_group(dispatcher: httpx.Client, config: dict, query: dict[str, str]) -> str:
    """A category group with some but not all of the period's events."""
    total = ok(dispatcher.get("/api/v1/events", params={**query, "limit": 1}))["total"]
    for group in config["labels"]["event_groups"]:
        found = ok(
            dispatcher.get("/api/v1/events", params={**query, "category": group, "limit": 1})
        )
        if 0 < found["total"] < total:
            return group
    pytest.fail("no category group holds part of the events")


def test_the_centre_reads_hot_spots_risk_heatmap_and_forecast(
    live_server: str, browser: Browser, tmp_path: Path
) -> None:
    base = live_server
    dispatcher = api(base, "dispatcher")
    config = ok(dispatcher.get("/api/v1/map/config"))
    rules = config["analytics"]
    centre_today = datetime.now(ZoneInfo(rules["time_zone"])).date()

    # the desk offers the analysis to the centre (the browser in another zone than the centre)
    context, page, seen = open_signed_in(
        browser, base, "/centre", "dispatcher", timezone_id=BROWSER_ZONE, locale="zh-CN"
    )
    page.click("#nav a[href='/analytics']")
    page.wait_for_url(f"{base}/analytics")
    page.locator("body[data-ready=true]").wait_for(timeout=30_000)
    _ready(page, "gi_star")

    # the period is the centre's last year, counted in the centre's days and zone
    asked = _query(seen, "/api/v1/analytics/hotspots")
    offset = datetime.now(ZoneInfo(rules["time_zone"])).strftime("%z")
    offset = f"{offset[:3]}:{offset[3:]}"
    assert asked["since"] == f"{centre_today - timedelta(days=364)}T00:00:00{offset}"
    assert asked["until"] == f"{centre_today + timedelta(days=1)}T00:00:00{offset}"

    # hot spots: a polygon a grid of the API's answer, in its Gi* class
    hot = ok(dispatcher.get(_asked(seen, "/api/v1/analytics/hotspots")))
    assert hot["method"] == "gi_star" and hot["events"] > 0
    features = {f["properties"]["code"]: f for f in hot["features"]}
    paths = _paths(page)
    grids = int(page.locator("#map").get_attribute("data-grids"))
    assert len(paths) == len(hot["features"]) == grids
    assert set(paths) == set(features)
    assert {c: p["class"] for c, p in paths.items()} == {
        c: str(f["properties"]["gi_bin"]) for c, f in features.items()
    }
    # the legend has the seven classes at the configured confidence levels, each with the
    # API's number of grids and the colour its grids are filled with
    legend = _legend(page, "gi_star")
    assert set(legend) == {str(b) for b in GI_BINS}
    bins = Counter(str(f["properties"]["gi_bin"]) for f in hot["features"])
    assert {k: int(v["count"]) for k, v in legend.items()} == {b: bins[b] for b in legend}
    for code, drawn in paths.items():
        assert _rgb(page, drawn["fill"]) == legend[drawn["class"]]["colour"], code
    for level, bin_ in zip(
        sorted(rules["hotspots"]["levels"], reverse=True), (1, 2, 3), strict=True
    ):
        confidence = f"{round((1 - level) * 100, 1):g}%"
        assert confidence in legend[str(bin_)]["text"] and confidence in legend[str(-bin_)]["text"]
    assert f"{hot['events']:,} 件事件 events" in page.locator("#legend").inner_text()

    # at a glance, before any grid is chosen: the period's events and its hot-spot grids
    glance = page.locator("#overview")
    assert glance.locator("[data-field=events]").get_attribute("data-value") == str(hot["events"])
    hot_grids = sum(bins[str(b)] for b in (1, 2, 3))
    assert glance.locator("[data-field=hot]").get_attribute("data-value") == str(hot_grids)

    # the hottest grids, by z as the API computes it
    ranked = sorted(
        (f["properties"] for f in hot["features"] if f["properties"]["z"] is not None),
        key=lambda p: (-p["z"], p["code"]),
    )[:TOP]
    rows = page.locator("#ranking-body tr")
    assert rows.count() == len(ranked)
    assert [rows.nth(i).get_attribute("data-code") for i in range(rows.count())] == [
        p["code"] for p in ranked
    ]
    shown = [float(rows.nth(i).get_attribute("data-value")) for i in range(rows.count())]
    assert shown == pytest.approx([p["z"] for p in ranked])

    # a click on the hottest grid shows the API's figures
    top = features[ranked[0]["code"]]
    _click_grid(page, top)
    assert float(_field(page, "z")) == pytest.approx(top["properties"]["z"])
    assert int(_field(page, "gi_bin")) == top["properties"]["gi_bin"]
    assert float(_field(page, "count")) == top["properties"]["count"]
    assert float(_field(page, "p")) == pytest.approx(top["properties"]["p"])
    # a row of the ranking zooms to its grid and chooses it
    second = ranked[1]["code"]
    page.click(f"#ranking-body tr[data-code='{second}'] button")
    page.locator(f"#detail[data-code='{second}']").wait_for()
    assert page.locator(f"#ranking-body tr.chosen[data-code='{second}']").count() == 1
    centre = shape(features[second]["geometry"]).centroid
    assert page.evaluate("p => window.gridmapMap.getBounds().contains(p)", [centre.y, centre.x])

    # risk colours: each grid in the API's colour, filled with the configured colour
    _show(page, "risk")
    risk_query = _query(seen, "/api/v1/analytics/risk")
    # the period ends today: the colours now (kept as the month's), so asked again they have
    # faded by the seconds since: scores are compared to a hundredth
    assert "at" not in risk_query
    risk = ok(dispatcher.get(_asked(seen, "/api/v1/analytics/risk")))
    colours = {g["code"]: g["colour"] for g in risk["grids"]}
    paths = _paths(page)
    assert {c: p["class"] for c, p in paths.items()} == {c: colours[c] for c in paths}
    legend = _legend(page, "risk")
    assert {k: int(v["count"]) for k, v in legend.items()} == risk["colours"]
    configured = {c["key"]: c for c in rules["risk"]["colours"]}
    assert list(legend) == list(configured)  # most severe first, as configured
    for key, row in legend.items():
        assert row["colour"] == _rgb(page, configured[key]["colour"]), key
        least = configured[key]["min_score"]
        if least is not None:
            assert f"≥ {least:g}" in row["text"], row["text"]
    for grid in sorted(risk["grids"], key=lambda g: -g["score"])[:5]:
        path = page.locator(f"#map path.grid-shape[data-code='{grid['code']}']")
        fill = _rgb(page, path.get_attribute("fill"))
        assert fill == _rgb(page, configured[grid["colour"]]["colour"]), grid["code"]
    # ranked by risk score now, highest first
    assert page.locator("#ranking").get_attribute("data-by") == "score"
    scores = [
        float(v)
        for v in page.locator("#ranking-body tr").evaluate_all(
            "rows => rows.map((r) => r.dataset.value)"
        )
    ]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] == pytest.approx(max(g["score"] for g in risk["grids"]), abs=0.02)
    # the riskiest grid clicked on the map: its score, colour and reasons as the API says,
    # the factors that gave nothing named too, and its colours by month
    riskiest = max(risk["grids"], key=lambda g: (g["score"], g["code"]))
    _click_grid(page, features[riskiest["code"]])
    assert float(_field(page, "score")) == pytest.approx(riskiest["score"], abs=0.02)
    assert _field(page, "colour") == riskiest["colour"]
    assert page.locator("#detail [data-field=summary]").inner_text() == riskiest["summary"]
    reasons = page.locator("#detail table.reasons tbody tr")
    assert reasons.count() == len(riskiest["reasons"]) > 0
    for i, reason in enumerate(riskiest["reasons"]):
        row = reasons.nth(i)
        assert row.get_attribute("data-factor") == reason["factor"]
        assert float(row.get_attribute("data-points")) == pytest.approx(reason["points"], rel=1e-3)
        assert reason["label"] in row.inner_text()
    counted = {r["factor"] for r in riskiest["reasons"]}
    quiet = [f["label"] for n, f in rules["risk"]["factors"].items() if n not in counted]
    if quiet:
        said = page.locator("#detail [data-field=quiet]").inner_text()
        assert all(label in said for label in quiet)
    month = ok(dispatcher.get("/api/v1/analytics/risk/history", params={"grid": riskiest["code"]}))
    kept = month["months"][0]
    strip = page.locator(f"#detail-history li[data-month='{str(kept['month'])[:7]}']")
    strip.wait_for(timeout=10_000)
    assert strip.get_attribute("data-colour") == kept["colour"] == riskiest["colour"]

    # the heatmap over the county: PNG tiles that load and paint, the API's classes for the zoom
    tiles: list = []

    def heat_tile(response) -> None:
        if "/analytics/heatmap/" in response.url and ".png" in response.url:
            tiles.append(response)

    page.on("response", heat_tile)
    _fit(page, hot["features"])
    _show(page, "heatmap")
    page.locator("#map[data-heat=loaded]").wait_for(timeout=30_000)
    assert tiles, "no heatmap tiles were asked for"
    for tile in tiles:
        assert tile.status in (200, 304), tile.url
        if tile.status == 200:
            assert tile.headers["content-type"] == "image/png", tile.url
    drawn = page.locator(".heat-tiles img.leaflet-tile-loaded")
    assert drawn.count() >= 1
    assert drawn.evaluate_all("imgs => imgs.every((i) => i.complete && i.naturalWidth === 64)")
    painted = drawn.evaluate_all(
        """imgs => imgs.filter((img) => {
             const c = document.createElement('canvas'); c.width = c.height = 64;
             const g = c.getContext('2d'); g.drawImage(img, 0, 0);
             const d = g.getImageData(0, 0, 64, 64).data;
             for (let k = 3; k < d.length; k += 4) if (d[k] > 0) return true;
             return false; }).length"""
    )
    assert painted >= 1, "the heatmap's tiles are all empty"
    zoom = page.locator("#legend[data-layer=heatmap]").get_attribute("data-zoom")
    heat = ok(dispatcher.get(_asked(seen, "/api/v1/analytics/heatmap/legend")))
    assert str(heat["zoom"]) == zoom
    assert page.locator("#legend .legend-row").all_inner_texts() == [
        c["label"] for c in heat["classes"]
    ]
    assert "events/km²" in page.locator("#legend").inner_text()
    # the grids stay clickable over the heatmap
    assert page.locator("#map").get_attribute("data-grids") == str(len(features))

    # the forecast check: the API's hit rates and PAI for Gi* and KDE, and a verdict in words
    page.click("button[data-tab=forecast-tab]")
    page.fill("#fc-split", (centre_today - timedelta(days=120)).isoformat())
    page.click("#fc-run")
    page.locator("#forecast[data-state=ready]").wait_for(timeout=30_000)
    forecast = ok(dispatcher.get(_asked(seen, "/api/v1/analytics/forecast")))
    assert _query(seen, "/api/v1/analytics/forecast")["split"] == (
        f"{centre_today - timedelta(days=120)}T00:00:00{offset}"
    )
    rows = page.locator("#forecast tbody tr")
    assert rows.count() == len(forecast["comparisons"]) >= 4
    assert {c["method"] for c in forecast["comparisons"]} == {"gi_star", "kde"}
    for i, comparison in enumerate(forecast["comparisons"]):
        row = rows.nth(i)
        assert row.get_attribute("data-method") == comparison["method"]
        assert row.get_attribute("data-target") == comparison["target"]
        pai = row.locator("[data-field=pai]")
        assert float(pai.get_attribute("data-value")) == pytest.approx(comparison["pai"])
        assert pai.inner_text() == f"{comparison['pai']:.2f}"
        hit = float(row.locator("[data-field=hit_rate]").get_attribute("data-value"))
        assert hit == pytest.approx(comparison["hit_rate"])
    first = forecast["comparisons"][0]["target"]
    best = max((c for c in forecast["comparisons"] if c["target"] == first), key=lambda c: c["pai"])
    assert page.locator("#forecast .verdicts li").first.get_attribute("data-best") == best["method"]

    # a category group: the layers are asked again with it, and answer fewer events
    _show(page, "gi_star")
    period = {k: asked[k] for k in ("since", "until")}
    group = _busy_group(dispatcher, config, period)
    _refreshed(page, lambda: page.select_option("#f-category", group))
    _ready(page, "gi_star")
    asked = _query(seen, "/api/v1/analytics/hotspots")
    assert asked["category"] == group
    narrowed = ok(dispatcher.get(_asked(seen, "/api/v1/analytics/hotspots")))
    assert 0 < narrowed["events"] < hot["events"]
    assert f"{narrowed['events']:,} 件事件 events" in page.locator("#legend").inner_text()
    assert {c: p["class"] for c, p in _paths(page).items()} == {
        f["properties"]["code"]: str(f["properties"]["gi_bin"]) for f in narrowed["features"]
    }
    assert page.locator(".heat-tiles").count() == 0  # the heatmap went with its layer
    _refreshed(page, lambda: page.select_option("#f-category", ""))

    # the slider moves the year back three months, keeping its length
    _refreshed(page, lambda: page.fill("#f-slide", "-3"))
    _ready(page, "gi_star")
    moved = _query(seen, "/api/v1/analytics/hotspots")
    last = date.fromisoformat(moved["until"][:10]) - timedelta(days=1)
    first_day = date.fromisoformat(moved["since"][:10])
    assert (last - first_day).days == 364
    assert 88 <= (centre_today - last).days <= 93
    assert page.locator("#f-until").input_value() == last.isoformat()
    earlier = ok(dispatcher.get(_asked(seen, "/api/v1/analytics/hotspots")))
    assert earlier["events"] != hot["events"]

    # the last 30 days: fewer events
    _refreshed(page, lambda: page.click("#filters button[data-days='30']"))
    _ready(page, "gi_star")
    since = _query(seen, "/api/v1/analytics/hotspots")["since"]
    assert since.startswith((centre_today - timedelta(days=29)).isoformat()), since
    recent = ok(dispatcher.get(_asked(seen, "/api/v1/analytics/hotspots")))
    assert recent["events"] < hot["events"]
    assert f"{recent['events']:,} 件事件 events" in page.locator("#legend").inner_text()

    # exports: the API's files with the filters, saved by the browser under the server's names
    page.click("button[data-tab=export-tab]")
    name, saved = _download(page, "#x-risk-csv", tmp_path)
    assert name == "risk.csv"
    table = list(csv.reader(io.StringIO(saved.read_text("utf-8-sig"))))
    assert table[0][0] == "网格 grid" and len(table) == len(risk["grids"]) + 1
    assert {r[0] for r in table[1:]} == set(colours)
    name, saved = _download(page, "#x-risk-xlsx", tmp_path)
    assert name == "risk.xlsx"
    sheet = list(load_workbook(saved, read_only=True).active.iter_rows(values_only=True))
    assert sheet[0][0] == "网格 grid" and {r[0] for r in sheet[1:]} == set(colours)
    name, saved = _download(page, "#x-gi-gpkg", tmp_path)
    assert name == "hotspots.gpkg"
    layer = pyogrio.read_dataframe(saved)
    assert layer.crs.to_epsg() == 4326 and len(layer) == len(features)
    assert dict(zip(layer["code"], layer["gi_bin"], strict=True)) == {
        f["properties"]["code"]: f["properties"]["gi_bin"] for f in recent["features"]
    }
    name, saved = _download(page, "#x-risk-gpkg", tmp_path)
    assert name == "risk.gpkg"
    layer = pyogrio.read_dataframe(saved)
    assert dict(zip(layer["code"], layer["colour"], strict=True)) == colours
    assert {f"points_{f}" for f in rules["risk"]["factors"]} <= set(layer.columns)
    name, saved = _download(page, "#x-emerging-gpkg", tmp_path)
    path, query = _as_json(seen, "/api/v1/analytics/emerging")
    assert _query(seen, path)["format"] == "gpkg"
    emerging = ok(dispatcher.get(path, params=query))
    assert name == "emerging.gpkg"
    layer = pyogrio.read_dataframe(saved)
    assert dict(zip(layer["code"], layer["pattern"], strict=True)) == {
        f["properties"]["code"]: f["properties"]["pattern"] for f in emerging["features"]
    }
    name, saved = _download(page, "#x-gi-csv", tmp_path)
    assert name == "hotspots.csv" and saved.read_text("utf-8-sig").startswith("code,name,count")
    assert page.locator("#export-status").get_attribute("data-status") == "200"

    # a period without events: the API's words, the grids kept (grey), the risk still there
    page.fill("#f-since", "2000-01-01")
    page.fill("#f-until", "2000-01-31")
    with page.expect_response(lambda r: "/api/v1/analytics/hotspots?" in r.url) as answer:
        page.click("#f-apply")
    assert answer.value.status == 400
    message = page.locator("#message")
    message.wait_for(state="visible", timeout=30_000)
    words = answer.value.json()["detail"]
    assert words in message.inner_text() and "无法计算" in message.inner_text()
    assert message.get_attribute("data-status") == "400"
    assert page.locator("#map").get_attribute("data-state") == "error"
    assert set(_paths(page)) == set(features)
    assert {p["class"] for p in _paths(page).values()} == {"none"}
    page.click("#x-gi-csv")  # an export of it is refused in words too
    status = page.locator("#export-status[data-status='400']")
    status.wait_for(timeout=30_000)
    assert words in status.inner_text()
    _show(page, "risk")
    assert message.is_hidden()
    assert {p["class"] for p in _paths(page).values()} <= set(configured)
    # …and the heatmap of no event draws clear tiles and a legend, not errors
    tiles.clear()
    _show(page, "heatmap")
    page.locator("#map[data-heat=loaded]").wait_for(timeout=30_000)
    assert tiles and all(t.status in (200, 304) for t in tiles)
    assert page.locator("#legend[data-layer=heatmap] .legend-row").count() >= 1

    assert_clean(seen, allowed_console=("status of 400",))
    context.close()


def test_a_role_without_analytics_is_told(live_server: str, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    seen = watch(page)
    page.goto(f"{live_server}/analytics")
    page.wait_for_url("**/login?next=/analytics")
    page.fill("input[name=username]", "engineer")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/analytics")
    page.locator("body[data-ready=error]").wait_for(timeout=20_000)

    denied = page.locator("#denied")
    assert denied.is_visible()
    assert denied.get_attribute("data-status") == "403"
    assert "analytics:read" in denied.inner_text() and "无权" in denied.inner_text()
    assert page.locator("#study").is_hidden()  # no map, no filters, no figures
    assert page.locator("#nav a[href='/analytics']").count() == 0  # not offered either
    assert_clean(seen, allowed_console=("status of 403",))
    context.close()


def test_a_township_and_a_viewer_see_their_own(
    live_server: str, browser: Browser, tmp_path: Path
) -> None:
    # a township's dispatcher: the township's grids only, and its exports too
    context, page, seen = open_signed_in(browser, live_server, "/analytics", "town_a")
    _ready(page, "gi_star")
    mine = ok(api(live_server, "town_a").get(_asked(seen, "/api/v1/analytics/hotspots")))
    codes = set(_paths(page))
    assert codes == {f["properties"]["code"] for f in mine["features"]}
    assert codes and all(c.startswith(TOWNSHIP_A[:9]) for c in codes)
    page.click("button[data-tab=export-tab]")
    _name, saved = _download(page, "#x-risk-csv", tmp_path)
    table = list(csv.reader(io.StringIO(saved.read_text("utf-8-sig"))))
    assert {r[0] for r in table[1:]} == codes
    assert_clean(seen)
    context.close()

    # a viewer (read-only) may read the analysis too: offered from the staff map
    context, page, seen = open_signed_in(browser, live_server, "/map", "viewer")
    page.click("#nav a[href='/analytics']")
    page.locator("body[data-ready=true]").wait_for(timeout=30_000)
    _show(page, "risk")
    assert page.locator("#legend[data-layer=risk] .legend-row").count() == 5
    assert_clean(seen)
    context.close()
