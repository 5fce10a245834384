"""``/docs`` (Swagger UI) and ``/redoc`` (ReDoc) in a real headless Chromium: offline, CSP-clean."""

from __future__ import annotations

from urllib.parse import urlparse

import httpx
import pytest
from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser


def visit(browser: Browser, url: str, ready: str) -> tuple[Page, list[str], list[str]]:
    """Open ``url``, wait for ``ready`` and for the network to settle; the requests and console."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    console: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    page.goto(url)
    page.wait_for_selector(ready, timeout=20_000)
    page.wait_for_load_state("networkidle")
    return page, requests, console


def assert_offline_and_csp_clean(page: Page, requests: list[str], console: list[str]) -> None:
    hosts = {urlparse(url).hostname for url in requests if not url.startswith(("data:", "blob:"))}
    assert hosts == {"127.0.0.1"}, f"requests left the machine: {hosts}"
    # Chromium says "Refused to …" or "… violates the following Content Security Policy …"
    blocked = [m for m in console if "Refused to" in m or "Content Security Policy" in m]
    assert blocked == []
    assert [m for m in console if m.startswith("pageerror")] == []
    assert page.locator("script:not([src])").count() == 0  # no inline script for the CSP to stop


def test_swagger_ui_renders_offline(live_server: str, browser: Browser) -> None:
    page, requests, console = visit(browser, live_server + "/docs", ".opblock")
    assert page.title() == "gridmap — API docs"
    assert page.locator(".opblock").count() > 3
    assert_offline_and_csp_clean(page, requests, console)
    assert any(url.endswith("/openapi.json") for url in requests)
    page.close()


def test_redoc_renders_offline(live_server: str, browser: Browser) -> None:
    page, requests, console = visit(browser, live_server + "/redoc", "#redoc h1")
    assert page.title() == "gridmap — API docs"
    assert "gridmap" in page.locator("#redoc h1").first.inner_text()
    assert_offline_and_csp_clean(page, requests, console)
    assert any(url.endswith("/openapi.json") for url in requests)
    page.close()


def test_oauth2_redirect_page_has_no_inline_script(live_server: str) -> None:
    html = httpx.get(live_server + "/docs/oauth2-redirect").text
    assert '<script src="/static/vendor/swagger-ui/oauth2-redirect.js">' in html
    assert "<script>" not in html
    assert httpx.get(live_server + "/static/vendor/swagger-ui/oauth2-redirect.js").is_success
