"""A department's view (/department, 职能部门) in a real headless Chromium: the urban management
bureau's staff find an event dispatched to them, accept it and report back with a photo through
the page (the API then says handled, with the photo in the timeline); another they hand back
with a reason. The staff map links them to their page."""

import time

import pytest
from playwright.sync_api import Browser, Page

from tests.web.helpers import api, assert_clean, ok, open_signed_in, photo, report, worker_spot

pytestmark = pytest.mark.browser

UNIT = "361126-CG"


def _dispatched(base: str, spot: dict, title: str) -> dict:
    event = report(base, spot, title)
    centre = api(base, "town_a")
    return ok(
        centre.post(
            f"/api/v1/events/{event['id']}/transitions",
            json={"action": "dispatch", "version": event["version"], "unit": UNIT},
        )
    )


def _act(page: Page, action: str) -> None:
    page.click(f"#detail button.action[data-action={action}]")
    page.locator(f"form.action-form[data-action={action}]").wait_for(timeout=5_000)


def test_a_department_accepts_and_reports_back(live_server: str, browser: Browser) -> None:
    base = live_server
    spot = worker_spot(base)
    stamp = time.time_ns()
    event = _dispatched(base, spot, f"垃圾堆放 to clear {stamp}")
    other = _dispatched(base, spot, f"垃圾堆放 not ours {stamp}")
    dept = api(base, "dept_cg")

    context, page, seen = open_signed_in(browser, base, "/map", "dept_cg")
    page.click("#nav a[href='/department']")
    page.wait_for_url(f"{base}/department")
    page.locator("body[data-ready=true]").wait_for(timeout=20_000)

    # the to-do list has both; the event shows the actions the API offers the department
    row = page.locator(f"#todo li.event-row[data-id='{event['id']}']")
    row.wait_for(timeout=10_000)
    assert page.locator(f"#todo li.event-row[data-id='{other['id']}']").count() == 1
    row.locator("button").click()
    page.locator(f"#detail[data-id='{event['id']}']").wait_for(timeout=10_000)
    read = ok(dept.get(f"/api/v1/events/{event['id']}"))
    buttons = page.locator("#detail button.action")
    shown = [buttons.nth(i).get_attribute("data-action") for i in range(buttons.count())]
    assert shown == read["actions"] and "accept" in shown

    # accept, then report back with a photo and a note
    _act(page, "accept")
    page.click("form.action-form[data-action=accept] button[type=submit]")
    page.locator("#detail[data-state=accepted]").wait_for(timeout=10_000)
    _act(page, "report_back")
    page.set_input_files("form.action-form[data-action=report_back] input[name=photos]", [photo()])
    page.fill("form.action-form[data-action=report_back] input[name=note]", "已清运 cleared")
    page.click("form.action-form[data-action=report_back] button[type=submit]")
    page.locator("#detail[data-state=handled]").wait_for(timeout=15_000)

    done = ok(dept.get(f"/api/v1/events/{event['id']}"))
    assert done["state"] == "handled" and done["handled_at"]
    assert len(done["attachments"]) == 1
    step = done["history"][-1]
    assert step["action"] == "report_back" and step["actor"] == "dept_cg"
    assert step["attachments"] == [done["attachments"][0]["id"]]
    assert step["note"] == "已清运 cleared"
    # the timeline shows the step with its photo, fetched with the session
    back = page.locator("#detail .timeline li[data-action=report_back]")
    assert "已清运 cleared" in back.inner_text()
    back.locator("img.photo[data-loaded=true]").wait_for(timeout=10_000)
    assert back.locator("img.photo").get_attribute("src").startswith("blob:")

    # done: listed under 已办; the other one is handed back with a reason
    page.click("[data-tab=done-tab]")
    page.locator(f"#done li.event-row[data-id='{event['id']}']").wait_for(timeout=10_000)
    page.click("[data-tab=todo-tab]")
    page.locator(f"#todo li.event-row[data-id='{other['id']}'] button").click()
    page.locator(f"#detail[data-id='{other['id']}']").wait_for(timeout=10_000)
    _act(page, "return")
    page.click("form.action-form[data-action=return] button[type=submit]")  # no reason yet
    assert page.locator("#detail[data-state=dispatched]").count() == 1  # the form asks first
    page.fill("form.action-form[data-action=return] textarea[name=reason]", "非本部门职责 not ours")
    page.click("form.action-form[data-action=return] button[type=submit]")
    page.locator(f"#todo li.event-row[data-id='{other['id']}']").wait_for(
        state="detached", timeout=10_000
    )
    returned = ok(api(base, "town_a").get(f"/api/v1/events/{other['id']}"))
    assert returned["state"] == "registered" and returned["returns"] == 1
    assert returned["history"][-1]["note"] == "非本部门职责 not ours"

    assert_clean(seen)
    context.close()
