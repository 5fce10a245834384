"""The engineer's camera workbench (/cameras, 雪亮工程) in a real headless Chromium: an engineer
finds the cameras of a township on the map and in the archive, opens a bad record from the
problems list, turns the camera through the form (the API agrees), reads coverage, blind spots
and a redraw of views as the API gives them, and plans two new cameras, accepts them and sees
them on the map as planned ones. Others get no camera data. The cameras are made through the
API in township C (the API's camera tests count A and B) and removed afterwards."""

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page
from shapely.geometry import shape

from tests.conftest import TOWNSHIP_C
from tests.web.helpers import api, assert_clean, ok, open_signed_in

pytestmark = pytest.mark.browser

BAD_ID = "3611261234"  # 10 digits: a malformed GB/T 28181 ID


def _statuses(engineer: httpx.Client) -> tuple[str, str]:
    """A working status and one that is not, as the server is configured."""
    rules = ok(engineer.get("/api/v1/map/config"))["cameras"]
    working = rules["working_statuses"][0]
    return working, next(s for s in rules["statuses"] if s not in rules["working_statuses"])


def _planned_in_c(engineer: httpx.Client) -> list[int]:
    listed = ok(
        engineer.get(
            "/api/v1/cameras", params={"region": TOWNSHIP_C, "planned": True, "limit": 1000}
        )
    )
    return [c["id"] for c in listed["cameras"]]


@pytest.fixture(scope="module")
def placed(live_server: str) -> Iterator[dict]:
    """Three cameras in one grid of township C: a bad ID, a dome, a fixed one not working.
    Removed afterwards, with the planned cameras the tests accepted there."""
    engineer = api(live_server, "engineer")
    planned_before = set(_planned_in_c(engineer))
    working, idle = _statuses(engineer)
    grids = ok(engineer.get("/api/v1/grids", params={"region": TOWNSHIP_C, "limit": 1000}))
    grid = next(f for f in grids["features"] if len(f["id"]) == 15)
    spot = shape(grid["geometry"]).representative_point()
    bodies = {
        "bad": {"device_id": BAD_ID, "ptz_type": 3, "direction": 90, "status": working},
        "dome": {"device_id": "36112611001320000001", "ptz_type": 1, "status": working},
        "idle": {"device_id": "36112611001320000002", "ptz_type": 3, "direction": 200},
    }
    made: dict[str, dict] = {}
    try:
        for i, (key, body) in enumerate(bodies.items()):
            body = {"status": idle, **body, "name": f"测试 test {key}"}
            body.update(lon=spot.x + 0.0002 * i, lat=spot.y)
            made[key] = ok(engineer.post("/api/v1/cameras", json=body), 201)
        yield {"cameras": made, "grid": grid["id"], "lon": spot.x, "lat": spot.y}
    finally:
        accepted = set(_planned_in_c(engineer)) - planned_before
        for camera_id in [c["id"] for c in made.values()] + sorted(accepted):
            engineer.delete(f"/api/v1/cameras/{camera_id}")


def _choose_township_c(page: Page) -> None:
    """Choose township C above the tabs; the map has zoomed to it and the list is read."""
    page.select_option("#f-region", TOWNSHIP_C)
    page.locator(f"#map[data-zoomed='{TOWNSHIP_C}']").wait_for(state="attached", timeout=10_000)
    page.locator("#camera-list[data-state=ready]").wait_for(timeout=10_000)


def _zoom(page: Page, lon: float, lat: float, zoom: int = 18) -> None:
    page.evaluate(
        "([lat, lon, z]) => window.gridmapMap.setView([lat, lon], z, {animate: false})",
        [lat, lon, zoom],
    )


def _value(page: Page, selector: str) -> str | None:
    return page.locator(selector).get_attribute("data-value")


def _same(shown: str | None, expected: float | int | None) -> bool:
    """A cell's data-value is the API's value (numbers as JavaScript writes them)."""
    return shown == "" if expected is None else float(shown or "nan") == pytest.approx(expected)


def test_the_workbench_is_for_engineers(live_server: str, browser: Browser) -> None:
    base = live_server
    # a viewer: no link to it, and the page says why instead of showing camera data
    context, page, seen = open_signed_in(browser, base, "/map", "viewer")
    assert page.locator("#nav a[href='/cameras']").count() == 0
    page.goto(base + "/cameras")
    page.locator("body[data-ready=true]").wait_for(timeout=20_000)
    denied = page.locator("#denied")
    assert denied.is_visible() and "403" in denied.inner_text()
    assert denied.get_attribute("data-status") == "403"
    assert page.locator("#desk").is_hidden()
    assert not [u for u in seen["requests"] if "/tiles/camera" in u]
    assert_clean(seen, allowed_console=("status of 403",))
    context.close()

    # an engineer: the staff map links to it, and it loads clean
    context, page, seen = open_signed_in(browser, base, "/map", "engineer")
    page.click("#nav a[href='/cameras']")
    page.wait_for_url(f"{base}/cameras")
    page.locator("body[data-ready=true]").wait_for(timeout=20_000)
    assert page.locator("#denied").is_hidden()
    page.locator("#camera-list[data-state=ready]").wait_for(timeout=10_000)
    assert_clean(seen)
    context.close()


def test_an_engineer_finds_checks_and_corrects_cameras(
    live_server: str, browser: Browser, placed: dict
) -> None:
    base = live_server
    engineer = api(base, "engineer")
    cams = placed["cameras"]
    bad, dome = cams["bad"], cams["dome"]
    context, page, seen = open_signed_in(browser, base, "/cameras", "engineer")
    _choose_township_c(page)

    # the archive lists the township's cameras as the API does, a page at a time
    listed = ok(engineer.get("/api/v1/cameras", params={"region": TOWNSHIP_C, "limit": 1000}))
    assert {c["id"] for c in cams.values()} <= {c["id"] for c in listed["cameras"]}
    assert page.locator("#camera-list").get_attribute("data-total") == str(listed["total"])
    rows = page.locator("#camera-list tbody tr[data-id]")
    shown = [int(rows.nth(i).get_attribute("data-id") or 0) for i in range(rows.count())]
    assert shown == [c["id"] for c in listed["cameras"][:50]]

    # the map draws each camera from the tiles, and the views of those that see something
    _zoom(page, placed["lon"] + 0.0002, placed["lat"])
    for camera in cams.values():
        page.locator(f"#map path.camera-dot.camera-{camera['id']}").first.wait_for(timeout=15_000)
        if camera["view"]:
            page.locator(f"#map path.camera-sector.sector-{camera['id']}").first.wait_for(
                timeout=15_000
            )
    idle = page.locator(f"#map path.camera-dot.camera-{cams['idle']['id']}").first
    assert "status-" + cams["idle"]["status"] in (idle.get_attribute("class") or "")

    # the problems list has the bad ID with its label and reason; it opens the camera
    rules = ok(engineer.get("/api/v1/map/config"))["cameras"]
    problems = ok(engineer.get("/api/v1/cameras/problems", params={"region": TOWNSHIP_C}))
    page.click("[data-tab=problems-tab]")
    page.locator("#problems[data-ready=true]").wait_for(timeout=10_000)
    assert page.locator("#problems").get_attribute("data-total") == str(problems["total"])
    reason = next(
        p["reason"]
        for p in problems["problems"]
        if p["id"] == bad["id"] and p["problem"] == "malformed_id"
    )
    row = page.locator(
        f"#problems li.problem-row[data-id='{bad['id']}'][data-problem='malformed_id']"
    )
    assert reason in row.inner_text()
    assert rules["problems"]["malformed_id"] in row.locator("xpath=../..").inner_text()
    row.locator("button.locate").click()
    detail = page.locator(f"#detail[data-id='{bad['id']}']")
    detail.wait_for(timeout=10_000)
    assert detail.get_attribute("data-view") == "true"
    assert BAD_ID in detail.inner_text()
    assert page.locator("#detail .defaults").get_attribute("data-defaults") == ",".join(
        bad["sector_defaults"]
    )
    page.locator("#map path.selected-view").wait_for(timeout=5_000)
    assert page.locator("#map path.selected-view").count() == 1

    # turn it through the form: the API has the new direction and a view drawn again
    page.fill("#e-direction", "180")
    with page.expect_response(
        lambda r: r.url.endswith(f"/api/v1/cameras/{bad['id']}") and r.request.method == "PATCH"
    ) as patched:
        page.click("#e-save")
    assert patched.value.status == 200, patched.value.text()
    assert patched.value.request.post_data_json == {"direction": 180}
    page.locator(f"#detail[data-id='{bad['id']}'][data-direction='180'][data-saved=true]").wait_for(
        timeout=10_000
    )
    turned = ok(engineer.get(f"/api/v1/cameras/{bad['id']}"))
    assert turned["direction"] == 180 and turned["view"] != bad["view"]

    # the problem filter leaves on the map only the cameras with that problem
    with_problem = {p["id"] for p in problems["problems"] if p["problem"] == "malformed_id"}
    page.select_option("#f-problem", "malformed_id")
    page.locator(f"#filters[data-allowed='{len(with_problem)}']").wait_for(
        state="attached", timeout=10_000
    )
    page.locator(f"#map path.camera-dot.camera-{dome['id']}").first.wait_for(
        state="detached", timeout=10_000
    )
    page.locator(f"#map path.camera-dot.camera-{bad['id']}").first.wait_for(timeout=10_000)
    page.select_option("#f-problem", "")
    page.locator(f"#map path.camera-dot.camera-{dome['id']}").first.wait_for(timeout=10_000)

    # coverage per grid, then per township, is the API's, with the quota and rate colours
    page.click("#detail button.close")
    page.click("[data-tab=coverage-tab]")
    for group in ("grid", "township"):
        if group != "grid":
            page.check(f"input[name=cov-group][value={group}]")
        page.locator(f"#coverage[data-ready=true][data-group={group}]").wait_for(timeout=20_000)
        coverage = ok(
            engineer.get("/api/v1/cameras/coverage", params={"region": TOWNSHIP_C, "group": group})
        )
        assert page.locator("#coverage tbody tr[data-key]").count() == len(coverage["groups"])
        for unit in coverage["groups"]:
            tr = f"#coverage tr[data-key='{unit['key']}']"
            for col in ("cameras", "working", "working_rate", "quota", "resident_share"):
                assert _same(_value(page, f"{tr} td[data-col={col}]"), unit[col]), (unit, col)
            tone = {True: "tone-met", False: "tone-short", None: ""}[unit["working_met"]]
            classes = page.locator(f"{tr} td[data-col=working_rate]").get_attribute("class")
            assert tone in (classes or "")
    township = coverage["groups"][0]
    existing = ok(engineer.get("/api/v1/cameras", params={"region": TOWNSHIP_C, "planned": False}))
    assert township["key"] == TOWNSHIP_C and township["cameras"] == existing["total"] >= 3
    csv = page.request.get(base + (page.locator("#cov-csv").get_attribute("href") or ""))
    assert csv.status == 200 and "text/csv" in csv.headers["content-type"]
    assert "group=township" in page.locator("#cov-csv").get_attribute("href")

    # blind spots: as many drawn and listed as the API finds
    page.click("[data-tab=blind-tab]")
    page.locator("#blind[data-ready=true]").wait_for(timeout=20_000)
    spots = ok(
        engineer.get(
            "/api/v1/cameras/blind-spots",
            params={"region": TOWNSHIP_C, "limit": 50, "min_area_m2": 500},
        )
    )
    count = len(spots["features"])
    assert page.locator("#blind").get_attribute("data-count") == str(count)
    assert page.locator("#blind tbody tr[data-rank]").count() == count
    assert page.locator("#map path.blind-spot").count() == count

    # redraw the township's views: the job's progress, then as many drawn as it covered
    page.click("[data-tab=archive-tab]")
    page.click("#views-box summary")
    page.uncheck("#v-stale")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/cameras/views")) as started:
        page.click("#v-start")
    assert started.value.status == 202
    assert started.value.request.post_data_json == {"stale_only": False, "region": TOWNSHIP_C}
    page.locator("#views-result[data-state=done]").wait_for(timeout=20_000)
    total = started.value.json()["cameras"]
    assert page.locator("#views-result").get_attribute("data-cameras") == str(total)

    assert_clean(seen)
    context.close()


def test_an_engineer_plans_and_accepts_new_cameras(
    live_server: str, browser: Browser, placed: dict
) -> None:
    base = live_server
    engineer = api(base, "engineer")
    before = set(_planned_in_c(engineer))
    context, page, seen = open_signed_in(browser, base, f"/cameras?region={TOWNSHIP_C}", "engineer")
    page.click("[data-tab=plan-tab]")
    assert page.locator("#p-region").input_value() == TOWNSHIP_C

    # plan two cameras, quotas off: the job's progress, then the summary and the proposal
    page.fill("#p-budget", "2")
    page.uncheck("#p-quotas")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/cameras/plans")) as started:
        page.click("#p-start")
    assert started.value.request.post_data_json == {
        "region": TOWNSHIP_C,
        "budget": 2,
        "quotas": False,
    }
    plan = page.locator("#plan[data-state=done]")
    plan.wait_for(timeout=60_000)
    job = plan.get_attribute("data-job")
    result = ok(engineer.get(f"/api/v1/jobs/{job}"))["result"]
    used = result["used"]
    assert 1 <= used <= 2 and plan.get_attribute("data-used") == str(used)
    assert page.locator("#map path.plan-sector").count() == used
    assert page.locator("#map .plan-site").count() == used
    assert f"2 / {used}" in page.locator("#plan tr[data-row=budget]").inner_text()
    assert "village quotas off" in page.locator("#plan").inner_text()
    for fmt in ("geojson", "csv", "xlsx"):
        href = page.locator(f"#plan a[data-format={fmt}]").get_attribute("href")
        assert page.request.get(base + (href or "")).status == 200

    # accept them all: planned cameras, facing the plan's headings, drawn on the map
    page.click("#p-accept-all")
    accepted = page.locator("#plan-accepted[data-count]")
    accepted.wait_for(timeout=20_000)
    ids = [int(i) for i in (accepted.get_attribute("data-ids") or "").split(",")]
    assert len(ids) == used
    assert set(_planned_in_c(engineer)) - before == set(ids)
    headings = sorted(f["properties"]["heading"] for f in result["proposal"]["features"])
    written = [ok(engineer.get(f"/api/v1/cameras/{i}")) for i in ids]
    assert all(c["planned"] for c in written)
    assert sorted(c["direction"] for c in written) == headings
    assert page.locator("#p-accept-all").is_disabled()
    _zoom(page, written[0]["lon"], written[0]["lat"])
    page.locator(f"#map path.camera-dot.camera-{ids[0]}.planned").first.wait_for(timeout=15_000)
    again = engineer.post(f"/api/v1/cameras/plans/{job}/accept", json={})
    assert again.status_code == 409 and "already accepted" in again.text

    assert_clean(seen)
    context.close()
