"""What the event pages' browser tests share: the API as a test user, a point in the grid
worker's grid, a photo, and the checks that a page stayed clean and on this machine."""

from __future__ import annotations

import io
from urllib.parse import urlparse

import httpx
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page
from shapely.geometry import shape

from tests.conftest import PASSWORD
from tests.web.conftest import watch


def api(base: str, username: str) -> httpx.Client:
    """The API as a test user, with a bearer token (the same rows as the user's pages see)."""
    response = httpx.post(
        f"{base}/api/v1/auth/token", data={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def ok(response: httpx.Response, status: int = 200) -> dict:
    assert response.status_code == status, f"{response.request.url}: {response.text}"
    return response.json()


def worker_spot(base: str) -> dict:
    """A point inside the ``worker`` test user's grid: {grid, lon, lat}."""
    worker = api(base, "worker")
    grid = ok(worker.get("/api/v1/auth/me"))["jurisdiction"]
    inside = shape(ok(worker.get(f"/api/v1/grids/{grid}"))["geometry"]).representative_point()
    return {"grid": grid, "lon": inside.x, "lat": inside.y}


def report(base: str, spot: dict, title: str, category: str = "exposed_garbage") -> dict:
    """An event reported through the API by the grid worker (registered on intake)."""
    body = {
        "channel": "grid_worker",
        "category": category,
        "title": title,
        "lon": spot["lon"],
        "lat": spot["lat"],
    }
    return ok(api(base, "worker").post("/api/v1/events", json=body), 201)


def photo(color: tuple[int, int, int] = (200, 120, 40)) -> dict:
    """A small JPEG as Playwright's set_input_files takes it."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, format="JPEG")
    return {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def open_signed_in(
    browser: Browser, base: str, path: str, username: str, **context_options
) -> tuple[BrowserContext, Page, dict[str, list[str]]]:
    """A new context (``context_options``: viewport, geolocation …) signed in through /login on
    its way to ``path``; returns once the page says it is ready."""
    options = {"viewport": {"width": 1280, "height": 860}, **context_options}
    context = browser.new_context(**options)
    page = context.new_page()
    seen = watch(page)
    page.goto(base + path)
    page.wait_for_url(lambda url: urlparse(url).path == "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: urlparse(url).path == urlparse(base + path).path)
    page.locator("body[data-ready=true]").wait_for(timeout=20_000)
    return context, page, seen


def assert_clean(seen: dict[str, list[str]], allowed_console: tuple[str, ...] = ()) -> None:
    """No script errors, CSP violations or console errors (but ``allowed_console``), and no
    request left 127.0.0.1."""
    hosts = {urlparse(u).hostname for u in seen["requests"] if not u.startswith(("data:", "blob:"))}
    assert hosts == {"127.0.0.1"}, f"requests left the machine: {hosts}"
    assert seen["errors"] == [], seen["errors"]
    assert seen["csp"] == [], seen["csp"]
    console = [m for m in seen["console"] if not any(a in m for a in allowed_console)]
    assert console == [], console
