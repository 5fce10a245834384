"""The grid profile (/profile, 网格画像) in a real headless Chromium: the figures are the API's,
the age pyramid has its 21 bands a side, and the drill-down goes building → household →
residents, masked as the API sends them. Sign-in comes back to the same ``?code=``."""

from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.conftest import PASSWORD, TOWNSHIP_A, TOWNSHIP_B
from tests.web.conftest import sign_in, watch

pytestmark = pytest.mark.browser


def _api(base: str, username: str) -> httpx.Client:
    """The API as a user, with a bearer token (the same rows as the user's page sees)."""
    response = httpx.post(
        f"{base}/api/v1/auth/token", data={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def _get(client: httpx.Client, path: str, **params) -> dict:
    response = client.get(path, params=params)
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text}"
    return response.json()


def _grid_with_residents(client: httpx.Client) -> tuple[str, dict]:
    """A grid of township A whose profile counts residents, and that profile."""
    listing = _get(client, "/api/v1/grids", region=TOWNSHIP_A, limit=200)
    for feature in listing["features"]:
        code = feature["id"]
        if len(code) != 15:
            continue
        profile = _get(client, f"/api/v1/grids/{code}/profile")
        if profile["residents"] > 0:
            return code, profile
    pytest.fail(f"no grid of township {TOWNSHIP_A} has residents in the demo data")


def _open_signed_in(
    browser: Browser, base: str, path: str, username: str
) -> tuple[BrowserContext, Page, dict[str, list[str]]]:
    """Open a profile signed out: /login keeps ``?code=`` in ``next`` and comes back to it."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    seen = watch(page)
    page.goto(base + path)
    page.wait_for_url(lambda url: urlparse(url).path == "/login")
    query = parse_qs(urlparse(page.url).query)
    assert query["next"] == [path], page.url  # the query string survived, URL-encoded
    assert page.locator("input[name=next]").get_attribute("value") == path
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + path)
    page.locator("body[data-ready]").wait_for(timeout=20_000)
    return context, page, seen


def _assert_offline_and_clean(seen: dict[str, list[str]]) -> None:
    hosts = {urlparse(u).hostname for u in seen["requests"] if not u.startswith(("data:", "blob:"))}
    assert hosts == {"127.0.0.1"}, f"requests left the machine: {hosts}"
    assert seen["errors"] == [], seen["errors"]
    assert seen["csp"] == [], seen["csp"]


def _value(page: Page, selector: str) -> str:
    value = page.locator(selector).get_attribute("data-value")
    assert value is not None, selector
    return value


def _assert_figures(page: Page, profile: dict) -> None:
    """What the page shows is the API's profile."""
    assert page.locator("body").get_attribute("data-ready") == "true"
    assert profile["code"] in page.locator("#fig-code").inner_text()
    assert page.locator("#fig-name").inner_text() == (profile["name"] or profile["code"])
    for key in ("residents", "households", "buildings", "must_visit"):
        assert int(_value(page, f"#fig-{key.replace('_', '-')}")) == profile[key], key
    if profile["area_km2"] is not None:
        assert page.locator("#fig-area").inner_text() == f"{profile['area_km2']:.3f} km²"
    assert page.locator("#generated-note").is_visible() == bool(profile["generated"])

    # population by kind: a bar a kind, with the API's count
    kinds = page.locator("#kinds li")
    assert kinds.count() == len(profile["population_by_kind"])
    for item in profile["population_by_kind"]:
        row = page.locator(f"#kinds li[data-key='{item['kind']}']")
        assert row.get_attribute("data-count") == str(item["count"])
        assert item["label"] in row.inner_text()

    # the age pyramid: 21 five-year bands a side, the API's counts, summing to the residents
    pyramid = profile["age_pyramid"]
    assert len(pyramid["bands"]) == 21 and pyramid["bands"][-1] == "100+"
    for sex in ("male", "female"):
        bars = page.locator(f"#pyramid-svg rect.{sex}")
        assert bars.count() == 21
        shown = [int(bars.nth(i).get_attribute("data-count")) for i in range(21)]
        assert shown == pyramid[sex], sex
        assert bars.nth(0).locator("title").text_content().endswith(f": {pyramid[sex][0]}")
    assert page.locator("#pyramid-svg text.band").all_text_contents() == pyramid["bands"]
    total = int(page.locator("#pyramid-svg").get_attribute("data-total"))
    assert total == sum(pyramid["male"]) + sum(pyramid["female"])
    # residents without an ID number (foreign residents may have none) have no age or sex:
    # the page counts them beside the pyramid, so pyramid + unknown = residents
    unknown = page.locator("#pyramid-unknown")
    missing = int(unknown.get_attribute("data-count")) if unknown.count() else 0
    assert total + missing == profile["residents"]

    assert page.locator("#workers tbody tr").count() == len(profile["workers"]) or (
        not profile["workers"] and page.locator("#workers .none").count() == 1
    )
    for worker in profile["workers"]:
        assert worker["name"] in page.locator("#workers").inner_text()
    assert page.locator("#key-groups tbody tr").count() == len(profile["key_groups"])
    for group in profile["key_groups"]:
        row = page.locator(f"#key-groups tr[data-tag='{group['tag']}']")
        assert row.get_attribute("data-count") == str(group["count"])
        assert ("关爱 care" if group["level"] == "care" else "关注 attention") in row.inner_text()
    assert page.locator("#places li").count() == len(profile["places_by_kind"])
    assert page.locator("#organisations li").count() == len(profile["organisations_by_kind"])
    assert page.locator("#facilities li").count() == len(profile["facilities_by_category"])


@pytest.mark.parametrize("username", ["town_a", "worker"])
def test_grid_profile_shows_the_api_figures_and_drills_down_to_residents(
    live_server: str, browser: Browser, username: str
) -> None:
    client = _api(live_server, username)
    code, profile = _grid_with_residents(client)
    context, page, seen = _open_signed_in(browser, live_server, f"/profile?code={code}", username)
    _assert_figures(page, profile)
    assert page.locator("#children-box").is_hidden()  # a grid has no sub-units

    # the map: the grid's outline and its buildings, a circle marker each
    buildings = _get(client, f"/api/v1/grids/{code}/buildings", limit=1000)
    page.locator("#buildings[data-ready=true]").wait_for(timeout=10_000)
    page.locator("#map[data-outline=true]").wait_for(timeout=10_000)
    assert page.locator("#buildings tr.pick").count() == len(buildings["features"])
    markers = page.locator("#map .leaflet-overlay-pane path.leaflet-interactive")
    assert markers.count() == len(buildings["features"])

    # a real click on a building's marker opens that building (or one drawn over it)
    lived = [f for f in buildings["features"] if f["properties"]["residents"] > 0]
    assert lived, "the grid has residents, so a building with residents"
    box = page.locator("#map").bounding_box()
    assert box is not None
    pixels = page.evaluate(
        "points => points.map(([lon, lat]) => {"
        " const p = window.gridmapMap.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; })",
        [f["geometry"]["coordinates"] for f in lived],
    )
    centre = (box["width"] / 2, box["height"] / 2)  # away from the controls in the corners
    x, y = min(pixels, key=lambda p: (p[0] - centre[0]) ** 2 + (p[1] - centre[1]) ** 2)
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.locator("#building[data-drill=building]").wait_for(timeout=10_000)

    # drill down from the list: building → units → households
    building_id = lived[0]["properties"]["id"]
    page.click(f"#buildings tr.pick[data-id='{building_id}']")
    page.locator(f"#building[data-drill=building][data-id='{building_id}']").wait_for(
        timeout=10_000
    )
    building = _get(client, f"/api/v1/buildings/{building_id}")
    assert building["code"] in page.locator("#building h2").inner_text()
    households = [h for unit in building["units"] for h in unit["households"]]
    assert page.locator("#building tr.household").count() == len(households)
    assert page.locator("#building .unit").count() == len(building["units"])

    # → a household → its residents, exactly as the API returns them
    household_id = next(h["id"] for h in households if h["residents"] > 0)
    page.click(f"#building tr.household[data-id='{household_id}']")
    page.locator(f"#household[data-drill=household][data-id='{household_id}']").wait_for(
        timeout=10_000
    )
    household = _get(client, f"/api/v1/households/{household_id}")
    rows = page.locator("#household table.residents tbody tr")
    assert rows.count() == len(household["residents"]) > 0
    for i, resident in enumerate(household["residents"]):
        row = rows.nth(i)
        assert row.locator(".name").inner_text() == resident["name"]
        assert row.locator(".id-number").inner_text() == (resident["id_number"] or "—")
        assert row.locator(".phone").inner_text() == (resident["phone"] or "—")
        if resident["age"] is not None:
            assert row.locator(".age").inner_text() == str(resident["age"])
        assert row.locator(".kind").inner_text() == (resident["kind_label"] or resident["kind"])
        for tag in resident["tags"]:
            assert tag["label"] in row.locator(".tags").inner_text()
    flag = page.locator("#masked-flag")
    assert flag.get_attribute("data-masked") == ("true" if household["masked"] else "false")
    if username == "town_a":  # a dispatcher sees ID numbers masked
        assert household["masked"] is True
        assert "已脱敏 masked" in flag.inner_text()
        ids = [r["id_number"] for r in household["residents"] if r["id_number"]]
        assert ids and all("*" in i for i in ids)
        assert all("*" in t for t in rows.locator(".id-number").all_inner_texts() if t != "—")
    else:  # a grid worker sees the grid's people in clear, and the read is audited
        assert household["masked"] is False
        assert "明文 unmasked, read logged" in flag.inner_text()
        assert not any("*" in t for t in rows.locator(".id-number").all_inner_texts())

    # another building closes the household
    other = next((f for f in buildings["features"] if f["properties"]["id"] != building_id), None)
    if other is not None:
        page.click(f"#buildings tr.pick[data-id='{other['properties']['id']}']")
        page.locator(f"#building[data-id='{other['properties']['id']}']").wait_for(timeout=10_000)
        assert page.locator("#household").is_hidden()

    page.wait_for_load_state("networkidle")
    _assert_offline_and_clean(seen)
    client.close()
    context.close()


def test_region_profile_lists_its_sub_units(live_server: str, browser: Browser) -> None:
    client = _api(live_server, "county_admin")
    profile = _get(client, f"/api/v1/regions/{TOWNSHIP_A}/profile")
    assert profile["level"] == "township" and profile["children"]
    context, page, seen = _open_signed_in(
        browser, live_server, f"/profile?code={TOWNSHIP_A}", "county_admin"
    )
    _assert_figures(page, profile)
    assert page.locator("#children-box").is_visible()
    rows = page.locator("#children tbody tr")
    assert rows.count() == len(profile["children"])
    for i, child in enumerate(profile["children"]):
        row = rows.nth(i)
        assert row.get_attribute("data-code") == child["code"]
        assert row.locator("a").first.get_attribute("href") == f"/profile?code={child['code']}"
        assert row.locator("td").nth(2).inner_text() == f"{child['households']:,}"
        assert row.locator("td").nth(3).inner_text() == f"{child['residents']:,}"
    assert sum(c["residents"] for c in profile["children"]) == profile["residents"]
    assert page.locator("#buildings-box").is_hidden()  # buildings are a grid's

    # a sub-unit's link opens its own profile
    child = next(c for c in profile["children"] if c["residents"] > 0)
    page.click(f"#children tr[data-code='{child['code']}'] a >> nth=0")
    page.wait_for_url(f"**/profile?code={child['code']}")
    page.locator("body[data-ready=true]").wait_for(timeout=20_000)
    assert int(_value(page, "#fig-residents")) == child["residents"]
    assert TOWNSHIP_A in page.locator("#crumbs").inner_text()  # and back up to the township
    page.wait_for_load_state("networkidle")
    _assert_offline_and_clean(seen)
    client.close()
    context.close()


def test_profile_outside_the_jurisdiction_says_what_the_api_says(
    live_server: str, browser: Browser
) -> None:
    with _api(live_server, "county_admin") as client:
        code, _ = _grid_with_residents(client)
    context, page, seen = _open_signed_in(browser, live_server, f"/profile?code={code}", "town_b")
    page.locator("body[data-ready=error]").wait_for(timeout=20_000)
    answer = page.request.get(f"{live_server}/api/v1/grids/{code}/profile")
    assert answer.status in (403, 404)
    error = page.locator("#error")
    assert error.is_visible()
    assert error.get_attribute("data-status") == str(answer.status)
    assert answer.json()["detail"] in error.inner_text()
    assert page.locator("#summary").is_hidden()
    _assert_offline_and_clean(seen)
    context.close()


def test_staff_map_popup_links_to_the_grid_profile(live_server: str, browser: Browser) -> None:
    context, page, seen = sign_in(browser, live_server, "/map", "county_admin", PASSWORD)
    page.wait_for_load_state("networkidle")
    page.mouse.click(600, 430)  # the county fills the middle of the map: a grid is there
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5_000)
    link = popup.locator("a.profile-link")
    assert "网格画像 profile" in link.inner_text()
    code = parse_qs(urlparse(link.get_attribute("href")).query)["code"][0]
    assert code in popup.inner_text()
    link.click()
    page.wait_for_url(f"**/profile?code={code}")
    page.locator("body[data-ready=true]").wait_for(timeout=20_000)
    assert code in page.locator("#fig-code").inner_text()
    _assert_offline_and_clean(seen)
    context.close()


def test_profile_page_needs_a_session(live_server: str, browser: Browser) -> None:
    page = browser.new_page()
    page.goto(f"{live_server}/profile?code={TOWNSHIP_B}")
    page.wait_for_url(lambda url: urlparse(url).path == "/login")
    assert parse_qs(urlparse(page.url).query)["next"] == [f"/profile?code={TOWNSHIP_B}"]
    page.close()
