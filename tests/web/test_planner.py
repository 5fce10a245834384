"""The planner's workbench (/planner) in a real headless Chromium: select a grid, split it with a
line drawn by real mouse clicks (Leaflet-Geoman), and see the grid system change."""

from urllib.parse import urlparse

import pytest
import shapely
from playwright.sync_api import Browser, Page
from shapely.geometry import LineString, shape
from shapely.ops import split

from tests.conftest import PASSWORD, TOWNSHIP_C
from tests.web.conftest import map_pixel, sign_in

pytestmark = pytest.mark.browser


def _count(page: Page, base: str) -> int:
    response = page.request.get(f"{base}/api/v1/grids", params={"region": TOWNSHIP_C, "limit": 1})
    assert response.ok, response.text()
    return response.json()["numberMatched"]


def _grid_and_line(features: list[dict]) -> tuple[dict, shapely.Point, LineString]:
    """A large grid that a horizontal line through an inner point cuts in exactly two, and
    that line (reaching well beyond the grid on both sides)."""
    for feature in sorted(features, key=lambda f: -shape(f["geometry"]).area):
        grid = shape(feature["geometry"])
        if len(feature["id"]) != 15:
            continue
        point = grid.representative_point()
        minx, miny, maxx, maxy = grid.bounds
        margin = 0.2 * (maxx - minx)
        lines = [
            LineString([(minx - margin, point.y + dy), (maxx + margin, point.y + dy)])
            for dy in (-0.02 * (maxy - miny), 0, 0.02 * (maxy - miny))
        ]
        if all(len(split(grid, line).geoms) == 2 for line in lines):
            return feature, point, lines[1]
    pytest.fail(f"no grid of {TOWNSHIP_C} is cut in two by a horizontal line")


def test_planner_splits_a_grid_along_a_drawn_line(live_server: str, browser: Browser) -> None:
    context, page, seen = sign_in(browser, live_server, "/planner", "planner_c", PASSWORD)
    page.wait_for_load_state("networkidle")
    assert "planner_c" in page.locator("#user").inner_text()
    assert page.locator("#map svg path").count() > 10  # township C's grids, from vector tiles
    assert page.locator(".leaflet-control-layers").is_visible()

    before = _count(page, live_server)
    listing = page.request.get(
        f"{live_server}/api/v1/grids", params={"region": TOWNSHIP_C, "limit": 1000}
    ).json()
    feature, inside, line = _grid_and_line(listing["features"])
    code = feature["id"]

    # zoom to the grid, as a planner would, and wait for the tiles there
    minx, miny, maxx, maxy = shape(feature["geometry"]).bounds
    with page.expect_response(lambda r: "/tiles/grids/" in r.url):
        page.evaluate(
            "b => window.gridmapMap.fitBounds(b, {padding: [140, 140], animate: false})",
            [[miny, minx], [maxy, maxx]],
        )
    page.wait_for_load_state("networkidle")

    # select it: a click on the grid's tile fetches the grid (with its version)
    for _attempt in range(5):
        try:
            with page.expect_response(
                lambda r: r.url.endswith(f"/api/v1/grids/{code}"), timeout=3_000
            ) as selected:
                page.mouse.click(*map_pixel(page, inside.x, inside.y))
            break
        except Exception:  # the tile under the point was not drawn yet
            page.wait_for_timeout(500)
    else:
        pytest.fail(f"clicking grid {code} did not select it")
    assert selected.value.ok and selected.value.headers["etag"].strip('"').isdigit()
    page.locator(f"#selection li:has-text('{code}')").wait_for(timeout=5_000)

    # split: draw the line with real clicks; a click on its last vertex finishes it
    page.click("#btn-split")
    assert page.locator("#mode-hint").is_visible()
    (x0, y0), (x1, y1) = line.coords
    start, end = map_pixel(page, x0, y0), map_pixel(page, x1, y1)
    page.mouse.click(*start)
    page.mouse.click(*end)
    with (
        page.expect_response(
            lambda r: r.url.endswith(f"/api/v1/grids/{code}/split") and r.request.method == "POST"
        ) as splitting,
        page.expect_response(lambda r: "/tiles/grids/" in r.url and "v=1" in r.url),
    ):
        page.mouse.click(*end)
    response = splitting.value
    assert response.status == 200, response.text()
    assert response.request.headers["if-match"] == selected.value.headers["etag"]
    sent = response.request.post_data_json["line"]
    assert sent["type"] == "LineString" and len(sent["coordinates"]) == 2
    result = response.json()
    assert result["operation"] == "split" and len(result["created"]) == 1
    new = result["created"][0]

    # the panel says so, and selects both pieces; the grid system has one grid more
    page.locator(f"#result:has-text('{new}')").wait_for(timeout=5_000)
    assert "split" in page.locator("#result").inner_text()
    page.locator(f"#selection li:has-text('{new}')").wait_for(timeout=5_000)
    assert page.locator("#selection li").count() == 2
    assert _count(page, live_server) == before + 1
    page.wait_for_timeout(400)  # the new tiles fade in
    page.screenshot(path="/tmp/planner.png")

    hosts = {urlparse(u).hostname for u in seen["requests"] if not u.startswith(("data:", "blob:"))}
    assert hosts == {"127.0.0.1"}, f"requests left the machine: {hosts}"
    assert seen["errors"] == [] and seen["csp"] == []
    context.close()


def test_planner_page_needs_a_session(live_server: str, browser: Browser) -> None:
    page = browser.new_page()
    page.goto(live_server + "/planner")
    page.wait_for_url("**/login?next=/planner")
    page.close()
