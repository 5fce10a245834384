"""The map page in a real headless Chromium, against a live server on loopback."""

import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
import uvicorn
from playwright.sync_api import Browser, sync_playwright

from gridmap.api.main import create_app
from gridmap.settings import Settings

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="module")
def live_server(database: str, settings: Settings) -> Iterator[str]:
    """The app served by uvicorn in a thread, on a free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def test_map_draws_grids_and_nothing_leaves_the_machine(live_server: str, browser: Browser) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_server + "/")
    page.wait_for_function("window.gridmapReady === true", timeout=20_000)
    page.wait_for_load_state("networkidle")

    shapes = page.locator("#map .leaflet-tile-container path, #map svg path")
    assert shapes.count() > 100  # the county's grids, drawn from vector tiles
    assert page.locator(".legend").inner_text().count("(") >= 17  # one legend row a township
    assert "generated" in page.locator("#generated-note").inner_text()
    assert page.locator(".leaflet-control-scale").is_visible()

    hosts = {urlparse(url).hostname for url in requests if not url.startswith(("data:", "blob:"))}
    assert hosts == {"127.0.0.1"}, f"requests left the machine: {hosts}"
    assert any("/tiles/grids/" in url for url in requests)
    assert errors == []


def test_click_on_a_grid_opens_its_popup(live_server: str, browser: Browser) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    page.goto(live_server + "/")
    page.wait_for_function("window.gridmapReady === true", timeout=20_000)
    page.wait_for_load_state("networkidle")
    # click the middle of the map: the county fills it, so a grid is there
    page.mouse.click(600, 430)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5_000)
    text = popup.inner_text()
    assert "361126" in text and "km²" in text
