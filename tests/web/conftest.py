"""Browser fixtures: the real app on a loopback port, and headless Chromium (Debian's)."""

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def serve(app) -> Iterator[str]:
    """An app served by uvicorn in a thread, on a free loopback port: its base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def live_server(app) -> Iterator[str]:
    """The app served by uvicorn in a thread, on a free loopback port."""
    with serve(app) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def watch(page: Page) -> dict[str, list[str]]:
    """Record a page's requests, script errors, CSP violations and console errors (for the
    offline checks)."""
    seen: dict[str, list[str]] = {"requests": [], "errors": [], "csp": [], "console": []}
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))

    def console(message) -> None:
        if "Content Security Policy" in message.text:
            seen["csp"].append(message.text)
        if message.type == "error":
            seen["console"].append(message.text)

    page.on("console", console)
    return seen


def sign_in(browser: Browser, base: str, page_path: str, username: str, password: str):
    """A new browser context signed in through the /login form, on ``page_path`` once drawn.

    Returns (context, page, what the page was seen doing).
    """
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    seen = watch(page)
    page.goto(base + page_path)
    page.wait_for_url(f"**/login?next={page_path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{page_path}")
    page.locator("body[data-ready=true]").wait_for(timeout=20_000)
    return context, page, seen


def map_pixel(page: Page, lon: float, lat: float) -> tuple[float, float]:
    """Where a point is on the page (the map's container point plus the map's offset); the
    point must be in view."""
    x, y = page.evaluate(
        "([lat, lon]) => { const p = window.gridmapMap.latLngToContainerPoint([lat, lon]);"
        " return [p.x, p.y]; }",
        [lat, lon],
    )
    box = page.locator("#map").bounding_box()
    assert box is not None
    assert 0 < x < box["width"] and 0 < y < box["height"], (x, y, box)
    return box["x"] + x, box["y"] + y
