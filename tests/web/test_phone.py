"""The public pages on a phone (360 × 740, touch) in a real headless Chromium: the public map
(/) fits the screen (no horizontal scrolling, a one-line header, the legend folded, most of the
screen map), an address search shows its results in a bottom sheet that leaves the map visible,
a result, a tap on a grid or "where am I" (定位, the browser's position, asked for only on the
tap) outlines the grid and shows its card with a tel: link; the wide layout stays one line; and
/login, /profile and /report do not overflow. Screenshots go to /tmp/phone-shots/."""

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page
from sqlalchemy import text

from gridmap.db.engine import engine_for
from tests.conftest import PASSWORD, TOWNSHIP_A
from tests.web.conftest import watch
from tests.web.helpers import assert_clean

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
SHOTS = Path("/tmp/phone-shots")
# a lookup outside every grid is answered 404, which the browser logs
NOT_FOUND = ("status of 404",)

# How much of the screen the map shows: the #map element in the viewport, and what is left of it
# once the search bar, the results sheet and the legend over it are taken away.
MAP_SHARE = """() => {
  const screen = innerWidth * innerHeight;
  const clip = (r, c) => Math.max(0, Math.min(r.right, c.right) - Math.max(r.left, c.left)) *
    Math.max(0, Math.min(r.bottom, c.bottom) - Math.max(r.top, c.top));
  const view = {left: 0, top: 0, right: innerWidth, bottom: innerHeight};
  const map = document.getElementById("map").getBoundingClientRect();
  const shown = clip(map, view);
  let covered = 0;
  for (const sel of ["#find-form", "#find-results", ".legend"]) {
    const el = document.querySelector(sel);
    if (el && !el.hidden) covered += clip(el.getBoundingClientRect(), map);
  }
  return {map: shown / screen, visible: (shown - covered) / screen};
}"""


@pytest.fixture(scope="module")
def spot(database: str, settings, live_server: str) -> dict:
    """A grid of the demo county with a grid worker's service phone, from the database: its
    code, name and phone as the public API gives them, a point inside it, its bounds, and the
    address of one of its buildings."""
    with engine_for(settings, database).connect() as conn:
        row = conn.execute(
            text(
                """
                SELECT g.code, ST_X(p.pt) AS lon, ST_Y(p.pt) AS lat,
                       ST_XMin(g.boundary) AS minx, ST_YMin(g.boundary) AS miny,
                       ST_XMax(g.boundary) AS maxx, ST_YMax(g.boundary) AS maxy,
                       (SELECT b.address FROM buildings b
                         WHERE b.grid_code = g.code AND b.address IS NOT NULL
                         ORDER BY length(b.address) DESC, b.address LIMIT 1) AS address
                  FROM grids g
                 CROSS JOIN LATERAL (SELECT ST_PointOnSurface(g.boundary) AS pt) p
                 WHERE g.region_code = :township AND length(g.code) = 15
                   AND EXISTS (SELECT 1 FROM grid_workers w
                                WHERE w.grid_code = g.code AND w.service_phone <> '')
                   AND EXISTS (SELECT 1 FROM buildings b
                                WHERE b.grid_code = g.code AND b.address IS NOT NULL)
                 ORDER BY g.code LIMIT 1
                """
            ),
            {"township": TOWNSHIP_A},
        ).one()
    found = httpx.get(
        f"{live_server}/public/find", params={"lon": row.lon, "lat": row.lat}, timeout=30
    )
    assert found.status_code == 200, found.text
    answer = found.json()
    assert answer["grid"]["code"] == row.code
    assert (answer["worker"] or {}).get("service_phone"), f"grid {row.code} has no service phone"
    return {
        "code": row.code,
        "name": answer["grid"]["name"],
        "phone": answer["worker"]["service_phone"],
        "lon": row.lon,
        "lat": row.lat,
        "bounds": [[row.miny, row.minx], [row.maxy, row.maxx]],
        "address": row.address,
    }


def _phone(browser: Browser, **options) -> tuple[BrowserContext, Page, dict[str, list[str]]]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, **options)
    page = context.new_page()
    return context, page, watch(page)


def _open_map(page: Page, base: str) -> None:
    page.goto(base + "/")
    page.locator("body[data-ready=true]").wait_for(timeout=20_000)
    page.wait_for_load_state("networkidle")


def _fits_the_width(page: Page, width: int) -> None:
    """No horizontal scrolling, and the phone did not widen the layout to fit something."""
    scroll = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.body.scrollWidth, innerWidth]"
    )
    assert max(scroll) <= width, f"wider than {width} px: scrollWidth/innerWidth {scroll}"


def _card(page: Page) -> dict[str, str]:
    """The grid card's rows, once found."""
    card = page.locator("#find-results .grid-card.found table")
    card.wait_for(timeout=10_000)
    rows = card.locator("tr")
    return {
        rows.nth(i).locator("th").inner_text(): rows.nth(i).locator("td").inner_text()
        for i in range(rows.count())
    }


def _assert_card_is(page: Page, spot: dict) -> None:
    rows = _card(page)
    assert rows["网格编码 code"] == spot["code"]
    assert rows["名称 name"] == spot["name"]
    assert rows["服务电话 phone"].strip() == spot["phone"]
    phone = page.locator("#find-results .grid-card a.phone")
    assert phone.get_attribute("href") == "tel:" + spot["phone"]
    # the grid is outlined on the map, labelled with its code
    page.locator(f".leaflet-tooltip.grid-label:has-text('{spot['code']}')").wait_for(timeout=10_000)
    assert page.locator(".leaflet-overlay-pane path").count() >= 1


def _drag_sheet(context: BrowserContext, page: Page, dy: int) -> None:
    """Drag the results sheet by its head with a finger, ``dy`` px down (or up when negative)."""
    page.locator("#sheet-title").click(trial=True)  # waits until the sheet stands still
    box = page.locator("#sheet-title").bounding_box()
    assert box
    x, y = box["x"] + 40, box["y"] + box["height"] / 2
    cdp = context.new_cdp_session(page)
    touch = "Input.dispatchTouchEvent"
    cdp.send(touch, {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for step in range(1, 11):
        cdp.send(touch, {"type": "touchMove", "touchPoints": [{"x": x, "y": y + dy * step / 10}]})
    cdp.send(touch, {"type": "touchEnd", "touchPoints": []})
    cdp.detach()
    # Chromium takes a tap at once after a touch for the second of a double tap: let it pass
    page.wait_for_timeout(600)


def _shot(page: Page, name: str) -> None:
    page.wait_for_load_state("networkidle")  # the tiles of the new view drawn
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name))


def test_the_public_map_fits_a_phone(live_server: str, browser: Browser) -> None:
    context, page, seen = _phone(browser)
    _open_map(page, live_server)
    _shot(page, "phone-1-start.png")

    _fits_the_width(page, PHONE["width"])
    header = page.locator("header.bar").bounding_box()
    assert header and header["height"] <= 64, header
    # the legend is folded into a button; the map is most of the screen
    legend = page.locator("details.legend")
    assert legend.get_attribute("open") is None
    box = legend.bounding_box()
    assert box and box["height"] <= 48 and box["width"] <= 200, box
    share = page.evaluate(MAP_SHARE)
    assert share["map"] >= 0.85 and share["visible"] >= 0.75, share
    # the search: full width, within the screen, thumb-sized
    form = page.locator("#find-form").bounding_box()
    assert form and form["x"] >= 0 and form["x"] + form["width"] <= PHONE["width"], form
    assert form["width"] >= PHONE["width"] - 24, form
    for target in ("#find-address", "#find-form button[type=submit]", "#locate"):
        size = page.locator(target).bounding_box()
        assert size and size["height"] >= 40 and size["width"] >= 40, (target, size)
    # the legend unfolds with a tap, and folds again
    page.locator("details.legend > summary").tap()
    assert legend.get_attribute("open") is not None
    assert "(" in page.locator("details.legend .legend-rows").inner_text()
    page.locator("details.legend > summary").tap()
    assert legend.get_attribute("open") is None
    assert page.locator("#find-results").is_hidden()  # a tap on the legend asks nothing
    assert_clean(seen)
    context.close()


def test_an_address_search_on_a_phone_shows_a_bottom_sheet(
    live_server: str, browser: Browser, spot: dict
) -> None:
    context, page, seen = _phone(browser)
    _open_map(page, live_server)
    page.fill("#find-address", spot["address"])
    page.locator("#find-form button[type=submit]").tap()
    sheet = page.locator("#find-results[data-state=matches]")
    sheet.wait_for(timeout=10_000)
    _shot(page, "phone-2-search.png")

    _fits_the_width(page, PHONE["width"])
    box = sheet.bounding_box()
    assert box and box["y"] + box["height"] >= PHONE["height"] - 1  # at the bottom
    assert box["height"] <= 0.45 * PHONE["height"], box
    share = page.evaluate(MAP_SHARE)
    assert share["visible"] >= 0.5, share
    # the handle folds the sheet to its head, and opens it again (a tap)
    page.locator("#sheet-handle").tap()
    page.locator("#find-results[data-folded=true]").wait_for()
    folded = page.locator("#find-results").bounding_box()
    assert folded and folded["height"] <= 80, folded
    page.locator("#sheet-handle").tap()
    page.locator("#find-results[data-folded=false]").wait_for()
    # and a finger drags it down to fold it, up to open it
    _drag_sheet(context, page, 120)
    page.locator("#find-results[data-folded=true]").wait_for()
    _drag_sheet(context, page, -120)
    page.locator("#find-results[data-folded=false]").wait_for()

    # choosing the building: its grid outlined, its card with the worker's phone to call
    match = page.locator("#find-results .match").filter(
        has=page.locator(".address", has_text=spot["address"])
    )
    match.first.tap()
    page.locator("#find-results[data-state=found][data-view=still]").wait_for(timeout=10_000)
    _assert_card_is(page, spot)
    assert page.locator("#find-results").get_attribute("data-grid") == spot["code"]
    share = page.evaluate(MAP_SHARE)
    assert share["visible"] >= 0.5, share
    _fits_the_width(page, PHONE["width"])
    _shot(page, "phone-3-chosen.png")

    # back to the results
    page.locator("#sheet-back").tap()
    page.locator("#find-results[data-state=matches]").wait_for()
    assert_clean(seen)
    context.close()


def test_a_tap_on_a_grid_shows_its_card(live_server: str, browser: Browser, spot: dict) -> None:
    context, page, seen = _phone(browser)
    _open_map(page, live_server)
    # the grid in the part of the map the search bar and the legend button leave free
    page.evaluate(
        "b => window.gridmapMap.fitBounds(b, {paddingTopLeft: [40, 100],"
        " paddingBottomRight: [40, 90], animate: false})",
        spot["bounds"],
    )
    page.wait_for_load_state("networkidle")
    x, y = page.evaluate(
        "([lat, lon]) => { const p = window.gridmapMap.latLngToContainerPoint([lat, lon]);"
        " const m = document.getElementById('map').getBoundingClientRect();"
        " return [m.left + p.x, m.top + p.y]; }",
        [spot["lat"], spot["lon"]],
    )
    with page.expect_response(lambda r: "/public/find?" in r.url) as asked:
        page.touchscreen.tap(x, y)
    assert asked.value.status == 200
    _assert_card_is(page, spot)
    page.locator("#find-results[data-state=found]").wait_for()
    share = page.evaluate(MAP_SHARE)
    assert share["visible"] >= 0.5, share
    _fits_the_width(page, PHONE["width"])
    _shot(page, "phone-4-tap.png")
    assert_clean(seen)
    context.close()


# counts the page's requests for the position (it must ask only when "where am I" is tapped)
COUNT_POSITION_ASKS = """(() => {
  const geo = navigator.geolocation;
  if (!geo) return;
  const ask = geo.getCurrentPosition.bind(geo);
  window.positionAsks = 0;
  geo.getCurrentPosition = (...args) => { window.positionAsks += 1; return ask(...args); };
})();"""


def test_where_am_i_finds_the_grid_at_the_phones_position(
    live_server: str, browser: Browser, spot: dict
) -> None:
    context, page, seen = _phone(browser)
    context.add_init_script(COUNT_POSITION_ASKS)
    context.grant_permissions(["geolocation"], origin=live_server)
    context.set_geolocation({"latitude": spot["lat"], "longitude": spot["lon"], "accuracy": 20})
    _open_map(page, live_server)
    assert page.evaluate("() => window.positionAsks") == 0  # nothing asked before the tap

    page.locator("#locate").tap()
    page.locator("#find-results[data-state=found][data-view=still]").wait_for(timeout=15_000)
    assert page.evaluate("() => window.positionAsks") == 1
    _assert_card_is(page, spot)
    assert "±20 m" in page.locator("#find-results .where-note").inner_text()
    # the position is shown on the map, in the middle of what the sheet leaves visible
    centre = page.evaluate(
        "([lat, lon]) => { const p = window.gridmapMap.latLngToContainerPoint([lat, lon]);"
        " const m = document.getElementById('map').getBoundingClientRect();"
        " return [m.left + p.x, m.top + p.y]; }",
        [spot["lat"], spot["lon"]],
    )
    sheet = page.locator("#find-results").bounding_box()
    assert sheet and 0 < centre[0] < PHONE["width"] and 100 < centre[1] < sheet["y"], centre
    _fits_the_width(page, PHONE["width"])
    _shot(page, "phone-5-where-am-i.png")

    # somewhere outside every grid: said so
    context.set_geolocation({"latitude": 30.0, "longitude": 100.0, "accuracy": 20})
    page.locator("#locate").tap()
    page.locator("#find-results[data-state=outside]").wait_for(timeout=15_000)
    assert "not inside any grid" in page.locator("#find-results").inner_text()
    assert_clean(seen, allowed_console=NOT_FOUND)
    context.close()


def test_where_am_i_says_so_when_the_position_is_refused(
    live_server: str, browser: Browser
) -> None:
    context, page, seen = _phone(browser)
    context.clear_permissions()  # headless: the prompt cannot be answered, so it is refused
    _open_map(page, live_server)
    page.locator("#locate").tap()
    page.locator("#find-results[data-state=denied]").wait_for(timeout=15_000)
    said = page.locator("#find-results").inner_text()
    assert "permission was refused" in said and "search your address" in said
    assert page.locator("#locate").get_attribute("aria-busy") is None  # ready to try again
    assert_clean(seen)
    context.close()


def test_the_wide_layout_keeps_its_one_line_header_and_open_legend(
    live_server: str, browser: Browser
) -> None:
    page = browser.new_page(viewport=DESKTOP)
    seen = watch(page)
    _open_map(page, live_server)
    _fits_the_width(page, DESKTOP["width"])
    header = page.locator("header.bar").bounding_box()
    assert header and header["height"] <= 44, header
    # everything in the header on the one line: the search, the locate button, the links
    for target in ("#find-address", "#locate", "a.report-link", "a.login", ".brand"):
        box = page.locator(target).bounding_box()
        assert box and box["y"] >= header["y"] and box["y"] + box["height"] <= header["height"] + 1
    legend = page.locator("details.legend")
    assert legend.get_attribute("open") is not None
    assert legend.inner_text().count("(") >= 17  # a row a township
    assert page.locator("#find-results").is_hidden()
    _shot(page, "desktop.png")
    assert_clean(seen)
    page.close()


def test_login_profile_and_report_fit_a_phone(live_server: str, browser: Browser) -> None:
    context, page, seen = _phone(browser)
    page.goto(live_server + "/report")
    page.locator("body[data-ready=true]").wait_for(timeout=20_000)
    _fits_the_width(page, PHONE["width"])

    target = f"/profile?code={TOWNSHIP_A}"
    page.goto(live_server + target)
    page.wait_for_url("**/login?next=**")
    _fits_the_width(page, PHONE["width"])
    for field in ("input[name=username]", "input[name=password]", "button[type=submit]"):
        box = page.locator(field).bounding_box()
        assert box and box["height"] >= 40 and box["x"] + box["width"] <= PHONE["width"], box
    page.fill("input[name=username]", "county_admin")
    page.fill("input[name=password]", PASSWORD)
    page.locator("button[type=submit]").tap()
    page.wait_for_url(f"**{target}")
    page.locator("body[data-ready=true]").wait_for(timeout=20_000)
    page.wait_for_load_state("networkidle")
    _fits_the_width(page, PHONE["width"])
    _shot(page, "phone-profile.png")
    assert_clean(seen)
    context.close()
