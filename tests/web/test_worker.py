"""The grid worker's phone page (/worker) in a real headless Chromium at 360 × 740, with the
phone's position in the worker's grid: a report with a photo made offline waits in the phone's
outbox, goes once the connection returns, and the API has exactly one such event with its
photo — also when the first answer is lost and the report is sent again after a reload. A
patrol sends its GPS points; all safe; my tasks; and no horizontal scrolling at 360 px."""

import json
import time

import pytest
from playwright.sync_api import Browser, Page, Route

from tests.web.helpers import api, assert_clean, ok, open_signed_in, photo, worker_spot

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
# offline on purpose: the page's requests fail while the phone has no connection
OFFLINE_NOISE = ("ERR_INTERNET_DISCONNECTED", "ERR_FAILED")


def _open_phone(browser: Browser, base: str, spot: dict):
    return open_signed_in(
        browser,
        base,
        "/worker",
        "worker",
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        geolocation={"longitude": spot["lon"], "latitude": spot["lat"], "accuracy": 5},
        permissions=["geolocation"],
    )


def _no_horizontal_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _count(page: Page, n: int, timeout: float = 20_000) -> None:
    page.locator(f"#outbox-count[data-count='{n}']").wait_for(state="attached", timeout=timeout)


def test_an_offline_report_is_sent_once_with_its_photo(live_server: str, browser: Browser) -> None:
    base = live_server
    spot = worker_spot(base)
    worker = api(base, "worker")
    context, page, seen = _open_phone(browser, base, spot)
    page.locator("body[data-service-worker=ready]").wait_for(timeout=20_000)
    _no_horizontal_scroll(page)
    page.locator("#r-where[data-located=true]").wait_for(timeout=10_000)
    assert_clean(seen)  # loaded clean, before going offline

    # the first answer to the report is lost on its way back: the server has it, the phone not
    title = f"垃圾堆放 offline report {time.time_ns()}"
    posted: list[dict] = []

    def lose_first_answer(route: Route) -> None:
        request = route.request
        if request.method == "POST" and (request.post_data or "").find(title) >= 0:
            posted.append(json.loads(request.post_data or "{}"))
            if len(posted) == 1:
                route.fetch()  # taken in by the server …
                route.abort()  # … but the phone never hears so
                return
        route.continue_()

    # offline: the report (with a photo from the "camera") waits on the phone
    context.route("**/api/v1/events", lose_first_answer)
    context.set_offline(True)
    page.locator("#net[data-online=false]").wait_for(timeout=5_000)
    page.select_option("#r-category", "exposed_garbage")
    page.fill("#r-title", title)
    page.fill("#r-description", "路边有垃圾 rubbish by the road")
    assert page.locator("#r-photo").get_attribute("capture") == "environment"
    page.set_input_files("#r-photo", files=[photo()])
    page.click("#report-form button[type=submit]")
    _count(page, 1)
    assert page.locator("#outbox-items li[data-kind=report]").count() == 1
    assert title in page.locator("#outbox-items").inner_text()
    _no_horizontal_scroll(page)
    assert ok(worker.get("/api/v1/events", params={"q": title}))["total"] == 0

    # online again: it is sent; the answer is lost, so it stays queued …
    context.set_offline(False)
    deadline = time.monotonic() + 20
    while not posted and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert posted, "the report was not sent when the connection returned"
    assert posted[0]["source_ref"] and posted[0]["lon"] == pytest.approx(spot["lon"])

    # … and sent again (after a reload, or by the service worker): taken in once, photo once
    page.reload()
    page.locator("body[data-ready=true]").wait_for(timeout=20_000)
    _count(page, 0)
    assert len(posted) >= 2 and {p["source_ref"] for p in posted} == {posted[0]["source_ref"]}
    found = ok(worker.get("/api/v1/events", params={"q": title}))
    assert found["total"] == 1, found
    event = ok(worker.get(f"/api/v1/events/{found['events'][0]['id']}"))
    assert event["state"] == "registered" and event["grid_code"] == spot["grid"]
    assert event["source_ref"] == posted[0]["source_ref"]
    assert len(event["attachments"]) == 1 and event["attachments"][0]["uploaded_by"] == "worker"
    assert abs(event["lon"] - spot["lon"]) < 1e-6 and abs(event["lat"] - spot["lat"]) < 1e-6

    # nothing else waits, and a forced retry sends nothing more
    page.evaluate("document.getElementById('outbox-send').click()")
    page.wait_for_timeout(500)
    _count(page, 0)
    assert ok(worker.get("/api/v1/events", params={"q": title}))["total"] == 1
    _no_horizontal_scroll(page)
    assert_clean(seen, allowed_console=OFFLINE_NOISE)
    context.close()


def test_patrol_all_safe_and_tasks(live_server: str, browser: Browser) -> None:
    base = live_server
    spot = worker_spot(base)
    worker = api(base, "worker")
    context, page, seen = _open_phone(browser, base, spot)

    # a patrol: start, walk east, stop; the API has its points, the centre its last position
    page.click("[data-tab=patrol-tab]")
    _no_horizontal_scroll(page)
    page.click("#patrol-start")
    patrol = page.locator("#patrol-tab[data-patrol]:not([data-patrol=''])")
    patrol.wait_for(state="attached", timeout=10_000)
    patrol_id = int(patrol.get_attribute("data-patrol"))
    current = ok(worker.get("/api/v1/patrols/current"))["patrol"]
    assert current["id"] == patrol_id

    def recorded() -> int:
        return int(page.locator("#patrol-tab").get_attribute("data-recorded") or 0)

    page.wait_for_function(
        "() => Number(document.getElementById('patrol-tab').dataset.recorded) >= 1"
    )
    last = spot["lon"]
    for step in (1, 2):
        before = recorded()
        page.wait_for_timeout(1_100)  # fixes a second apart
        last = spot["lon"] + step * 0.0002
        context.set_geolocation({"longitude": last, "latitude": spot["lat"], "accuracy": 5})
        page.wait_for_function(
            f"() => Number(document.getElementById('patrol-tab').dataset.recorded) > {before}"
        )
    page.click("#patrol-stop")
    page.locator(f"#patrol-tab[data-ended='{patrol_id}']").wait_for(
        state="attached", timeout=20_000
    )
    _count(page, 0)
    stopped = ok(worker.post(f"/api/v1/patrols/{patrol_id}/stop"))  # already ended: read back
    assert stopped["ended_at"] and stopped["points"] >= 3
    assert stopped["track"]["type"] == "LineString"
    assert ok(worker.get("/api/v1/patrols/current"))["patrol"] is None
    mine = next(
        w
        for w in ok(api(base, "dispatcher").get("/api/v1/workers/positions"))["workers"]
        if w["worker"] == "worker"
    )
    assert abs(mine["lon"] - last) < 1e-6 and mine["patrolling"] is False

    # all safe today (once a day: a second time says so)
    page.click("#safe-form button[type=submit]")
    page.locator("#safe-result.ok").wait_for(timeout=10_000)
    assert spot["grid"] in page.locator("#safe-result").inner_text()

    # my tasks: the grid's events waiting on someone, with what the worker may do
    page.click("[data-tab=tasks-tab]")
    page.locator("#tasks[data-state=ready]").wait_for(timeout=20_000)
    waiting = {"state": "reported,handled,accepted,dispatched", "sort": "deadline", "limit": 50}
    listed = ok(worker.get("/api/v1/events", params=waiting))["events"]
    actionable = [e["id"] for e in listed if ok(worker.get(f"/api/v1/events/{e['id']}"))["actions"]]
    assert page.locator("#tasks li.task").count() == len(actionable)
    for event_id in actionable:
        card = page.locator(f"#tasks li.task[data-id='{event_id}']")
        actions = ok(worker.get(f"/api/v1/events/{event_id}"))["actions"]
        assert card.locator("button.action").count() == len(actions)
    _no_horizontal_scroll(page)
    assert_clean(seen)
    context.close()


def test_the_service_worker_sends_when_the_page_is_gone(live_server: str, browser: Browser) -> None:
    """Background Sync: a report queued offline is sent by the service worker alone (the page
    has been left), when the browser fires the outbox's sync (here through DevTools)."""
    base = live_server
    spot = worker_spot(base)
    worker = api(base, "worker")
    context, page, seen = _open_phone(browser, base, spot)
    page.locator("body[data-service-worker=ready]").wait_for(timeout=20_000)
    assert page.evaluate("navigator.serviceWorker.ready.then(r => 'sync' in r)")
    devtools = context.new_cdp_session(page)
    registrations: list[dict] = []
    devtools.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda e: registrations.extend(e["registrations"]),
    )
    devtools.send("ServiceWorker.enable")

    title = f"垃圾堆放 sent by the service worker {time.time_ns()}"
    context.set_offline(True)
    page.select_option("#r-category", "exposed_garbage")
    page.fill("#r-title", title)
    page.set_input_files("#r-photo", files=[photo((30, 160, 90))])
    page.click("#report-form button[type=submit]")
    _count(page, 1)
    page.goto("about:blank")  # no page of ours is left to send it
    context.set_offline(False)

    page.wait_for_timeout(500)
    registration = next(r for r in registrations if r["scopeURL"] == f"{base}/worker")
    devtools.send(
        "ServiceWorker.dispatchSyncEvent",
        {
            "origin": base,
            "registrationId": registration["registrationId"],
            "tag": "gridmap-worker-outbox",
            "lastChance": False,
        },
    )
    deadline = time.monotonic() + 20
    event = None
    while time.monotonic() < deadline:
        found = ok(worker.get("/api/v1/events", params={"q": title}))["events"]
        assert len(found) <= 1, found
        if found:
            event = ok(worker.get(f"/api/v1/events/{found[0]['id']}"))
            if event["attachments"]:
                break
        time.sleep(0.5)
    assert event is not None and len(event["attachments"]) == 1, event

    # back on the page: nothing waits any more
    page.goto(base + "/worker")
    page.locator("body[data-ready=true]").wait_for(timeout=20_000)
    _count(page, 0)
    assert ok(worker.get("/api/v1/events", params={"q": title}))["total"] == 1
    assert_clean(seen, allowed_console=OFFLINE_NOISE)
    context.close()
