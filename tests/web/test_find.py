"""Find my grid (找网格) on the public map (/), signed out, in a real headless Chromium: a click
on the map or an address gives the grid's code and name and its worker's service phone, in the
grid card of the results sheet (#find-results)."""

from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from playwright.sync_api import Browser, Page
from shapely.geometry import shape

from tests.conftest import PASSWORD, TOWNSHIP_A
from tests.web.conftest import map_pixel, watch

pytestmark = pytest.mark.browser


def _staff(base: str) -> httpx.Client:
    """The staff API (to pick test data: a grid, a building's address)."""
    response = httpx.post(
        f"{base}/api/v1/auth/token", data={"username": "root", "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def _open_public_map(browser: Browser, base: str) -> tuple[Page, dict[str, list[str]]]:
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    seen = watch(page)
    page.goto(base + "/")
    page.locator("body[data-ready=true]").wait_for(timeout=20_000)
    page.wait_for_load_state("networkidle")
    return page, seen


def _assert_offline_and_clean(seen: dict[str, list[str]]) -> None:
    hosts = {urlparse(u).hostname for u in seen["requests"] if not u.startswith(("data:", "blob:"))}
    assert hosts == {"127.0.0.1"}, f"requests left the machine: {hosts}"
    assert seen["errors"] == [], seen["errors"]
    assert seen["csp"] == [], seen["csp"]


def _popup_rows(page: Page) -> dict[str, str]:
    popup = page.locator("#find-results .find-popup.found table")
    popup.wait_for(timeout=10_000)
    rows = popup.locator("tr")
    return {
        rows.nth(i).locator("th").inner_text(): rows.nth(i).locator("td").inner_text()
        for i in range(rows.count())
    }


def _assert_popup_is(rows: dict[str, str], found: dict) -> None:
    """The grid's code and name, the worker's name and service phone: nothing else."""
    worker = found["worker"] or {}
    assert rows == {
        "网格编码 code": found["grid"]["code"],
        "名称 name": found["grid"]["name"],
        "网格员 grid worker": worker.get("name") or "—",
        "服务电话 phone": worker.get("service_phone") or "—",
    }


def _click_at(page: Page, lon: float, lat: float) -> None:
    page.mouse.click(*map_pixel(page, lon, lat))


def test_a_click_in_a_grid_gives_its_code_and_worker_phone(
    live_server: str, browser: Browser
) -> None:
    with _staff(live_server) as staff:
        listing = staff.get("/api/v1/grids", params={"region": TOWNSHIP_A, "limit": 50}).json()
    public = httpx.Client(base_url=live_server, timeout=30)
    for feature in listing["features"]:
        if len(feature["id"]) != 15:
            continue
        point = shape(feature["geometry"]).representative_point()
        answer = public.get("/public/find", params={"lon": point.x, "lat": point.y})
        assert answer.status_code == 200, answer.text
        found = answer.json()
        if (found["worker"] or {}).get("service_phone"):
            break
    else:
        pytest.fail(f"no grid of {TOWNSHIP_A} has a grid worker with a service phone")
    assert found["grid"]["code"].startswith(feature["id"])  # the grid, or a micro-grid of it

    page, seen = _open_public_map(browser, live_server)
    # zoom to the grid, as a resident would, so that the click lands well inside it
    minx, miny, maxx, maxy = shape(feature["geometry"]).bounds
    page.evaluate(
        "b => window.gridmapMap.fitBounds(b, {padding: [120, 120], animate: false})",
        [[miny, minx], [maxy, maxx]],
    )
    with page.expect_response(lambda r: "/public/find?" in r.url) as asked:
        _click_at(page, point.x, point.y)
    query = parse_qs(urlparse(asked.value.url).query)
    assert abs(float(query["lon"][0]) - point.x) < 1e-3
    assert abs(float(query["lat"][0]) - point.y) < 1e-3
    assert asked.value.status == 200
    rows = _popup_rows(page)
    _assert_popup_is(rows, asked.value.json())
    assert rows["网格编码 code"] == found["grid"]["code"]
    phone = page.locator("#find-results a.phone")
    assert phone.get_attribute("href") == "tel:" + found["worker"]["service_phone"]
    text = page.locator("#find-results .find-popup").inner_text()
    assert "km²" not in text and "*" not in text  # no staff details, no personal data
    _assert_offline_and_clean(seen)
    public.close()
    page.close()


def test_a_click_outside_every_grid_says_so(live_server: str, browser: Browser) -> None:
    page, seen = _open_public_map(browser, live_server)
    page.evaluate("() => window.gridmapMap.setView([30.0, 100.0], 12, {animate: false})")
    with page.expect_response(lambda r: "/public/find?" in r.url) as asked:
        _click_at(page, 100.0, 30.0)
    assert asked.value.status == 404
    popup = page.locator("#find-results .find-popup.outside")
    popup.wait_for(timeout=10_000)
    assert "不在任何网格内" in popup.inner_text() and "not in any grid" in popup.inner_text()
    _assert_offline_and_clean(seen)
    page.close()


def test_an_address_search_lists_matches_and_opens_the_grid(
    live_server: str, browser: Browser
) -> None:
    with _staff(live_server) as staff:
        grids = staff.get("/api/v1/grids", params={"region": TOWNSHIP_A, "limit": 20}).json()
        address = None
        for feature in grids["features"]:
            buildings = staff.get(
                f"/api/v1/grids/{feature['id']}/buildings", params={"limit": 1}
            ).json()
            if buildings["features"]:
                address = buildings["features"][0]["properties"]["address"]
                break
    assert address, f"no building in the grids of {TOWNSHIP_A}"
    fragment = address[len(address) // 3 :].strip()  # a part of it, as a resident types it
    expected = httpx.get(f"{live_server}/public/find", params={"address": fragment}, timeout=30)
    assert expected.status_code == 200, expected.text
    matches = expected.json()["matches"]
    assert matches, f"the API finds nothing for {fragment!r} (from {address!r})"

    page, seen = _open_public_map(browser, live_server)
    page.fill("#find-address", fragment)
    page.click("#find-form button[type=submit]")
    page.locator("#find-results[data-state=matches]").wait_for(timeout=10_000)
    listed = page.locator("#find-results .match")
    assert listed.count() == len(matches)
    for i, match in enumerate(matches):
        item = listed.nth(i)
        assert item.locator(".address").inner_text() == match["address"]
        if match["grid"]:
            assert match["grid"]["code"] in item.locator(".grid").inner_text()
        phone = (match["worker"] or {}).get("service_phone")
        if phone:
            assert phone in item.locator(".phone").inner_text()

    # a match flies the map there and shows the same card as a click
    first = next(m for m in matches if m["grid"])
    listed.nth(matches.index(first)).click()
    _assert_popup_is(_popup_rows(page), first)
    page.locator("#find-results[data-view=still]").wait_for(timeout=10_000)  # the flight over
    centre = page.evaluate(
        "() => { const c = window.gridmapMap.getCenter(); return [c.lng, c.lat]; }"
    )
    assert abs(centre[0] - first["lon"]) < 1e-3 and abs(centre[1] - first["lat"]) < 1e-3

    # an address nowhere says so
    page.fill("#find-address", "没有这个地址 no such address 0xdeadbeef")
    page.click("#find-form button[type=submit]")
    page.locator("#find-results[data-state=empty]").wait_for(timeout=10_000)
    _assert_offline_and_clean(seen)
    page.close()
