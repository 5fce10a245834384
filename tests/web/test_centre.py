"""The dispatch desk (/centre, 综治中心) in a real headless Chromium: a dispatcher finds an event
the grid worker reported in the live queue, opens it, meets a conflict (the event changed
meanwhile) and dispatches it to a unit through the page; the API agrees, the map draws it in
its new state, and the KPI panel shows the API's figures. The centre's own intake suggests the
open event nearby as a possible duplicate."""

import time

import pytest
from playwright.sync_api import Browser, Page

from tests.web.conftest import map_pixel
from tests.web.helpers import api, assert_clean, ok, open_signed_in, report, worker_spot

pytestmark = pytest.mark.browser

UNIT = "361126-CG"  # the county's urban management bureau: takes exposed garbage


def _value(page: Page, selector: str) -> str:
    value = page.locator(selector).get_attribute("data-value")
    assert value is not None, selector
    return value


def _same(shown: str, expected: float | int | None) -> bool:
    return shown == "" if expected is None else float(shown) == pytest.approx(expected)


def _assert_kpis(page: Page, kpis: dict) -> None:
    """Each group's counts, rates and composite are the API's, with the rates' labels."""
    assert page.locator("#kpis .kpi-group").count() == len(kpis["groups"])
    for group in kpis["groups"]:
        card = f"#kpis .kpi-group[data-group='{group['key']}']"
        assert group["label"] in page.locator(f"{card} summary").inner_text()
        assert _same(_value(page, f"{card} .composite"), group["composite"]), group["key"]
        for key in ("reported", "registered", "dispatched", "handled", "closed", "reworked"):
            assert _same(_value(page, f"{card} [data-count={key}]"), group[key]), key
        for key, label in kpis["rate_labels"].items():
            row = page.locator(f"{card} [data-rate={key}]")
            assert label in row.inner_text()
            assert _same(_value(page, f"{card} [data-rate={key}]"), group["rates"][key]), key


def test_a_dispatcher_dispatches_from_the_queue(live_server: str, browser: Browser) -> None:
    base = live_server
    spot = worker_spot(base)
    title = f"垃圾堆放 rubbish by the road {time.time_ns()}"
    event = report(base, spot, title)
    assert event["state"] == "registered"
    dispatcher = api(base, "dispatcher")

    # the staff map offers the dispatcher the desk
    context, page, seen = open_signed_in(browser, base, "/map", "dispatcher")
    page.click("#nav a[href='/centre']")
    page.wait_for_url(f"{base}/centre")
    page.locator("body[data-ready=true]").wait_for(timeout=20_000)

    # the queue lists it; opening it shows its details, timeline and the API's actions
    row = page.locator(f"#queue li.event-row[data-id='{event['id']}']")
    row.wait_for(timeout=10_000)
    assert title in row.inner_text()
    row.locator("button").click()
    page.locator(f"#detail[data-id='{event['id']}']").wait_for(timeout=10_000)
    assert row.get_attribute("aria-current") == "true"
    read = ok(dispatcher.get(f"/api/v1/events/{event['id']}"))
    shown = page.locator("#detail button.action")
    assert [shown.nth(i).get_attribute("data-action") for i in range(shown.count())] == read[
        "actions"
    ]
    assert page.locator("#detail .timeline li").count() == len(read["history"])

    # the dispatch form: the units taking the category; the event changes meanwhile (409)
    page.click("#detail button.action[data-action=dispatch]")
    unit = page.locator("form.action-form[data-action=dispatch] select[name=unit][data-ready]")
    unit.wait_for(timeout=10_000)
    units = ok(dispatcher.get("/api/v1/units", params={"category": "exposed_garbage"}))["units"]
    assert unit.locator("option[value]:not([value=''])").count() == len(units)
    unit.select_option(UNIT)
    for action in ("hold", "resume"):
        read = ok(
            dispatcher.post(
                f"/api/v1/events/{event['id']}/transitions",
                json={"action": action, "version": read["version"], "reason": "电话核实 checking"},
            )
        )
    page.click("form.action-form[data-action=dispatch] button[type=submit]")
    page.locator(f"#detail[data-version='{read['version']}'] .notice").wait_for(timeout=10_000)
    assert "409" in page.locator("#detail .notice").inner_text()

    # read again, dispatched at the second try
    page.click("#detail button.action[data-action=dispatch]")
    unit.wait_for(timeout=10_000)
    unit.select_option(UNIT)
    page.click("form.action-form[data-action=dispatch] button[type=submit]")
    page.locator("#detail[data-state=dispatched]").wait_for(timeout=10_000)
    after = ok(dispatcher.get(f"/api/v1/events/{event['id']}"))
    assert after["state"] == "dispatched" and after["department_code"] == UNIT
    assert [h["action"] for h in after["history"]][-1] == "dispatch"
    assert page.locator("#detail .timeline li").count() == len(after["history"])
    page.locator(f"#queue li.event-row[data-id='{event['id']}'][data-state=dispatched]").wait_for(
        timeout=10_000
    )

    # the map (zoomed to the event) draws it from the events' tiles, in its new state
    dot = page.locator(f"#map path.event-dot.event-{event['id']}.state-dispatched")
    dot.wait_for(timeout=15_000)
    assert page.locator("#map path.selected-ring").count() == 1

    # the workers' last positions are on the map, as many as the API says
    positions = ok(dispatcher.get("/api/v1/workers/positions"))["workers"]
    page.locator("#map[data-workers]").wait_for(state="attached", timeout=10_000)
    assert page.locator("#map").get_attribute("data-workers") == str(len(positions))

    # the KPIs of this year per township are the API's; CSV and XLSX download
    page.click("[data-tab=kpi-tab]")
    page.locator("#kpis[data-ready=true]").wait_for(timeout=10_000)
    kpis = ok(dispatcher.get("/api/v1/events/kpis", params={"group": "region"}))
    _assert_kpis(page, kpis)
    for link, kind in (("#kpi-csv", "text/csv"), ("#kpi-xlsx", "spreadsheetml")):
        href = page.locator(link).get_attribute("href")
        assert href.endswith("format=" + link[5:]) and "group=region" in href
        download = page.request.get(base + href)
        assert download.status == 200 and kind in download.headers["content-type"]

    assert_clean(seen, allowed_console=("status of 409",))  # the conflict met on purpose
    context.close()


def test_the_centre_takes_a_hotline_call_and_sees_the_duplicate(
    live_server: str, browser: Browser
) -> None:
    base = live_server
    spot = worker_spot(base)
    first = report(base, spot, f"路灯不亮 lamp out {time.time_ns()}", category="streetlight")
    context, page, seen = open_signed_in(browser, base, "/centre", "dispatcher")

    page.click("[data-tab=intake-tab]")
    page.select_option("#i-channel", "hotline_12345")
    page.select_option("#i-category", "streetlight")
    page.fill("#intake input[name=title]", "路灯坏了 a lamp is broken")
    page.fill("#intake input[name=reporter_phone]", "13900001111")
    page.evaluate(
        "([lat, lon]) => window.gridmapMap.setView([lat, lon], 17, {animate: false})",
        [spot["lat"], spot["lon"]],
    )
    # beside the first report's dot (a click on an event's dot opens that event instead)
    x, y = map_pixel(page, spot["lon"], spot["lat"])
    page.mouse.click(x + 14, y)
    page.wait_for_function("document.querySelector('#i-lon').value !== ''")
    assert abs(float(page.locator("#i-lon").input_value()) - spot["lon"]) < 3e-4
    with page.expect_response(lambda r: r.url.endswith("/api/v1/events")) as answer:
        page.click("#intake button[type=submit]")
    taken = answer.value.json()
    assert answer.value.status == 201 and taken["channel"] == "hotline_12345"
    assert taken["state"] == "reported"
    result = page.locator("#intake-result")
    result.locator(f".duplicates li[data-id='{first['id']}']").wait_for(timeout=10_000)
    assert f"#{taken['id']}" in result.inner_text()

    # a suggested duplicate opens in the details
    result.locator(f".duplicates li[data-id='{first['id']}'] button").click()
    page.locator(f"#detail[data-id='{first['id']}']").wait_for(timeout=10_000)
    assert_clean(seen)
    context.close()
