"""The pages are native ES modules (no bundler, no inline script) in a real headless Chromium:
each page loads clean under the CSP, and the one API client takes the CSRF cookie's name from
the map configuration, so a server whose cookie is renamed still accepts the pages' writes."""

from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, BrowserContext, Page
from shapely.geometry import shape

from gridmap.api.main import create_app
from tests.conftest import PASSWORD, TOWNSHIP_A, TOWNSHIP_C
from tests.web.conftest import map_pixel, serve, watch

pytestmark = pytest.mark.browser

OTHER_CSRF = "other_csrf"


def _open(browser: Browser, base: str, path: str, username: str | None):
    """A new context on ``path``, signed in through /login first when ``username`` is given;
    returns (context, page, what the page was seen doing) once the page says it is ready."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    seen = watch(page)
    page.goto(base + path)
    if username:
        page.wait_for_url(lambda url: urlparse(url).path == "/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(base + path)
    page.locator("body[data-ready=true]").wait_for(timeout=20_000)
    page.wait_for_load_state("networkidle")
    return context, page, seen


@pytest.mark.parametrize(
    ("path", "username"),
    [
        ("/", None),
        ("/map", "county_admin"),
        ("/planner", "planner_c"),
        (f"/profile?code={TOWNSHIP_A}", "county_admin"),
        ("/centre", "dispatcher"),
        ("/analytics", "dispatcher"),
        ("/cameras", "engineer"),
        ("/report", None),
    ],
)
def test_each_page_is_es_modules_and_loads_clean(
    live_server: str, browser: Browser, path: str, username: str | None
) -> None:
    context, page, seen = _open(browser, live_server, path, username)

    own = page.locator("script[src^='/static/js/']")
    assert own.count() >= 1
    for i in range(own.count()):
        assert own.nth(i).get_attribute("type") == "module", own.nth(i).get_attribute("src")
    # Leaflet and its plugins stay classic scripts, loaded before the module
    vendored = page.locator("script[src^='/static/vendor/']")
    assert vendored.count() >= 1
    assert all(vendored.nth(i).get_attribute("type") is None for i in range(vendored.count()))
    assert page.locator("script:not([src])").count() == 0  # nothing inline for the CSP to stop
    # the shared modules were fetched by the browser itself (no bundle)
    fetched = {urlparse(u).path for u in seen["requests"]}
    assert {"/static/js/lib/api.js", "/static/js/lib/config.js", "/static/js/lib/map.js"} <= fetched
    assert not fetched & {"/static/js/common.js", "/static/js/planner.js", "/static/js/profile.js"}

    hosts = {urlparse(u).hostname for u in seen["requests"] if not u.startswith(("data:", "blob:"))}
    assert hosts == {"127.0.0.1"}, f"requests left the machine: {hosts}"
    assert seen["errors"] == [], seen["errors"]
    assert seen["csp"] == [], seen["csp"]
    assert seen["console"] == [], seen["console"]
    context.close()


@pytest.fixture(scope="module")
def other_csrf_server(database: str, settings) -> Iterator[str]:
    """A second live server whose CSRF cookie is named by GRIDMAP_AUTH_CSRF_COOKIE_NAME."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GRIDMAP_AUTH_CSRF_COOKIE_NAME", OTHER_CSRF)
        other = type(settings)()  # read from the environment, as `gridmap serve` does
    assert other.auth.csrf_cookie_name == OTHER_CSRF
    with serve(create_app(other)) as base:
        yield base


def _select(page: Page, feature: dict) -> None:
    """Select a grid as a planner does: zoom to it and click inside it."""
    code = feature["id"]
    inside = shape(feature["geometry"]).representative_point()
    minx, miny, maxx, maxy = shape(feature["geometry"]).bounds
    page.evaluate(
        "b => window.gridmapMap.fitBounds(b, {padding: [140, 140], animate: false})",
        [[miny, minx], [maxy, maxx]],
    )
    page.wait_for_load_state("networkidle")
    for _attempt in range(5):
        try:
            with page.expect_response(
                lambda r: r.url.endswith(f"/api/v1/grids/{code}"), timeout=3_000
            ):
                page.mouse.click(*map_pixel(page, inside.x, inside.y))
            break
        except Exception:  # the tile under the point was not drawn yet
            page.wait_for_timeout(500)
    else:
        pytest.fail(f"clicking grid {code} did not select it")
    page.locator(f"#selection li:has-text('{code}')").wait_for(timeout=5_000)
    assert page.locator("#btn-rename").is_enabled()


def _rename(page: Page, context: BrowserContext, code: str, name: str) -> dict:
    """Rename the selected grid from the panel; the PATCH must pass the CSRF check."""
    page.fill("#f-name", name)
    with page.expect_response(
        lambda r: r.url.endswith(f"/api/v1/grids/{code}") and r.request.method == "PATCH"
    ) as patching:
        page.click("#btn-rename")
    response = patching.value
    cookies = {c["name"]: c["value"] for c in context.cookies()}
    assert response.request.headers.get("x-csrf-token") == cookies[OTHER_CSRF]
    assert response.status == 200, response.text()  # a 403 when the page reads the wrong cookie
    result = response.json()
    # the panel says so, and reads the grid again with its new version
    page.locator("#result[data-operation=update]").wait_for(timeout=5_000)
    version = result["versions"][code]
    page.locator(f"#selection li:has-text('v{version} ·')").wait_for(timeout=5_000)
    page.locator("#btn-rename:enabled").wait_for(timeout=5_000)
    return result


def test_a_write_passes_the_csrf_check_when_the_cookie_is_renamed(
    other_csrf_server: str, browser: Browser
) -> None:
    base = other_csrf_server
    context, page, seen = _open(browser, base, "/planner", "planner_c")
    cookies = {c["name"]: c for c in context.cookies()}
    assert OTHER_CSRF in cookies and "gridmap_csrf" not in cookies
    config = page.request.get(f"{base}/api/v1/map/config").json()
    assert config["csrf_cookie"] == OTHER_CSRF

    listing = page.request.get(
        f"{base}/api/v1/grids", params={"region": TOWNSHIP_C, "limit": 1000}
    ).json()
    grids = [f for f in listing["features"] if len(f["id"]) == 15]
    feature = max(grids, key=lambda f: shape(f["geometry"]).area)
    code, name = feature["id"], feature["properties"]["name"]
    _select(page, feature)

    # rename the grid from the page, and back again: two writes, both accepted
    result = _rename(page, context, code, f"{name} 改名")
    assert result["operation"] == "update" and code in result["changed"]
    grid = page.request.get(f"{base}/api/v1/grids/{code}").json()
    assert grid["properties"]["name"] == f"{name} 改名"
    assert page.locator("#f-name").input_value() == f"{name} 改名"
    _rename(page, context, code, name)
    grid = page.request.get(f"{base}/api/v1/grids/{code}").json()
    assert grid["properties"]["name"] == name

    # logging out (a POST too) revokes the session
    with page.expect_response(lambda r: r.url.endswith("/api/v1/auth/logout")) as leaving:
        page.click("#logout")
    assert leaving.value.status == 200, leaving.value.text()
    page.wait_for_url(base + "/")
    page.goto(base + "/planner")
    page.wait_for_url("**/login?next=/planner")

    assert seen["errors"] == [] and seen["csp"] == []
    context.close()
