"""The maps in a real headless Chromium, against the real app on loopback."""

from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Page

from tests.conftest import PASSWORD
from tests.web.conftest import watch

pytestmark = pytest.mark.browser


def _wait_drawn(page: Page) -> None:
    page.locator("body[data-ready=true]").wait_for(timeout=20_000)
    page.wait_for_load_state("networkidle")


def _popup_text(page: Page, where: str = ".leaflet-popup-content") -> str:
    """What a click on the map shows: a popup on the staff map, the grid card on the public one."""
    page.mouse.click(600, 430)  # the county fills the middle of the map: a grid is there
    popup = page.locator(where)
    popup.wait_for(timeout=5_000)
    return popup.inner_text()


def test_public_map_draws_grids_and_nothing_leaves_the_machine(
    live_server: str, browser: Browser
) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    seen = watch(page)
    page.goto(live_server + "/")
    _wait_drawn(page)

    assert page.locator("#map svg path").count() > 100  # the county's grids, from vector tiles
    assert page.locator(".legend").inner_text().count("(") >= 17  # a legend row a township
    assert "generated" in page.locator("#generated-note").inner_text()
    assert page.locator(".leaflet-control-scale").is_visible()
    assert page.locator("a.login").get_attribute("href").startswith("/login")

    hosts = {urlparse(u).hostname for u in seen["requests"] if not u.startswith(("data:", "blob:"))}
    assert hosts == {"127.0.0.1"}, f"requests left the machine: {hosts}"
    assert any("/public/tiles/grids/" in u for u in seen["requests"])
    assert seen["errors"] == [] and seen["csp"] == []

    text = _popup_text(page, "#find-results .grid-card.found")
    assert "361126" in text
    assert "km²" not in text  # the public sees code and name, not the staff's details
    page.close()


def _sign_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(base + "/map")
    page.wait_for_url("**/login?next=/map")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def test_staff_sign_in_map_and_sign_out(live_server: str, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    page = context.new_page()
    seen = watch(page)
    _sign_in(page, live_server, "planner", PASSWORD)
    page.wait_for_url("**/map")
    _wait_drawn(page)
    assert "planner" in page.locator("#user").inner_text()
    assert any("/tiles/grids/" in u and "/public/" not in u for u in seen["requests"])
    cookies = {c["name"]: c for c in context.cookies()}
    assert (
        cookies["gridmap_session"]["httpOnly"] and cookies["gridmap_session"]["sameSite"] == "Lax"
    )
    assert "km²" in _popup_text(page)
    assert seen["errors"] == [] and seen["csp"] == []

    page.click("#logout")
    page.wait_for_url(live_server + "/")
    page.goto(live_server + "/map")
    page.wait_for_url("**/login?next=/map")  # the session was revoked
    context.close()


def test_wrong_password_is_said_on_the_login_page(live_server: str, browser: Browser) -> None:
    page = browser.new_page()
    _sign_in(page, live_server, "viewer", "not-the-password")
    page.wait_for_url(lambda url: "/login?error=" in url)
    assert "wrong username or password" in page.locator(".error").inner_text()
    page.close()
