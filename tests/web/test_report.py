"""The public report form (/report, 群众上报) in a real headless Chromium: no account, the
categories from Open311, the place from a click on the public map; the report goes to Open311,
which then shows it open, and the page shows its request id and a link to follow it."""

import time
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from playwright.sync_api import Browser

from tests.web.conftest import map_pixel, watch
from tests.web.helpers import assert_clean, photo, worker_spot

pytestmark = pytest.mark.browser


def test_a_resident_reports_a_problem(live_server: str, browser: Browser) -> None:
    base = live_server
    spot = worker_spot(base)
    services = httpx.get(f"{base}/open311/v2/services.json").json()
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    seen = watch(page)

    # the public map links to the form
    page.goto(base + "/")
    page.locator("body[data-ready=true]").wait_for(timeout=20_000)
    page.click("a.report-link")
    page.wait_for_url(f"{base}/report")
    page.locator("body[data-ready=true]").wait_for(timeout=20_000)
    options = page.locator("#service option:not([value=''])")
    assert options.count() == len(services)

    # missing the place: the form says so, nothing is sent
    description = f"路面塌陷 a hole in the road {time.time_ns()}"
    page.select_option("#service", "road_damage")
    page.fill("#description", description)
    page.click("#report-form button[type=submit]")
    assert "地图" in page.locator("#form-error").inner_text()

    page.evaluate(
        "([lat, lon]) => window.gridmapMap.setView([lat, lon], 16, {animate: false})",
        [spot["lat"], spot["lon"]],
    )
    page.wait_for_load_state("networkidle")
    page.mouse.click(*map_pixel(page, spot["lon"], spot["lat"]))
    page.locator("#where[data-located=true]").wait_for(timeout=15_000)
    page.fill("input[name=last_name]", "张")
    page.fill("input[name=first_name]", "伟")
    page.fill("input[name=phone]", "13812345678")
    page.set_input_files("#media", [photo((90, 140, 200))])
    with page.expect_response(lambda r: r.url.endswith("/open311/v2/requests.json")) as sent:
        page.click("#report-form button[type=submit]")
    assert sent.value.status == 200, sent.value.text()
    request_id = sent.value.json()[0]["service_request_id"]
    assert "multipart/form-data" in sent.value.request.headers["content-type"]

    # the page shows the request and where to follow it
    status = page.locator(f"#status[data-id='{request_id}'][data-status=open]")
    status.wait_for(timeout=20_000)
    assert parse_qs(urlparse(page.url).query)["id"] == [request_id]
    follow = status.locator("a.follow")
    assert follow.get_attribute("href") == f"/report?id={request_id}"

    # Open311 has it open, as reported, with the photo (and no one's name or phone)
    mine = httpx.get(f"{base}/open311/v2/requests/{request_id}.json").json()[0]
    assert mine["status"] == "open" and mine["service_code"] == "road_damage"
    assert mine["description"] == description and mine["media_url"]
    assert abs(mine["lat"] - spot["lat"]) < 1e-5 and abs(mine["long"] - spot["lon"]) < 1e-5
    assert "13812345678" not in str(mine) and "张伟" not in str(mine)

    # the follow link opens the status by itself
    with page.expect_navigation():
        follow.click()
    page.locator("body[data-ready=true]").wait_for(timeout=20_000)
    again = page.locator(f"#status[data-id='{request_id}'][data-status=open]")
    again.wait_for(timeout=20_000)
    assert "道路破损" in again.inner_text()
    again.locator("img.report-photo").wait_for(timeout=20_000)
    assert page.locator("#report-form").is_hidden()
    assert_clean(seen)
    page.close()
