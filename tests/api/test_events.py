"""Events over HTTP, as the people of a centre use them: a grid worker reports, a dispatcher
registers and dispatches, a department handles and reports back with a photo, the grid closes,
the dispatcher evaluates; everyone sees only what is theirs, and refusals say why."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import Connection, text

from tests.conftest import TOWNSHIP_A, TOWNSHIP_B

Client = Callable[[str], TestClient]


@pytest.fixture
def spot(conn: Connection) -> dict:
    """A point inside the grid worker's grid, and that grid."""
    row = conn.execute(
        text(
            "SELECT g.code, ST_X(ST_PointOnSurface(g.boundary)) AS lon,"
            " ST_Y(ST_PointOnSurface(g.boundary)) AS lat FROM grids g"
            " JOIN users u ON u.jurisdiction = g.code WHERE u.username = 'worker'"
        )
    ).one()
    return {"grid": row.code, "lon": row.lon, "lat": row.lat}


def _photo(fmt: str = "JPEG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, format=fmt)
    return buffer.getvalue()


def _report(client: TestClient, spot: dict, **extra) -> dict:
    body = {
        "channel": "grid_worker",
        "category": "exposed_garbage",
        "title": "垃圾堆放 rubbish piled by the road",
        "lon": spot["lon"],
        "lat": spot["lat"],
        **extra,
    }
    response = client.post("/api/v1/events", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def _act(client: TestClient, event: dict, action: str, **given) -> dict:
    response = client.post(
        f"/api/v1/events/{event['id']}/transitions",
        json={"action": action, "version": event["version"], **given},
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_the_closed_loop_over_http(as_user: Client, spot: dict) -> None:
    worker, dispatcher, department = as_user("worker"), as_user("town_a"), as_user("dept_cg")
    event = _report(worker, spot)
    # a grid worker's own report is registered on intake (seen on site)
    assert event["state"] == "registered" and event["grid_code"] == spot["grid"]
    assert [h["action"] for h in event["history"]] == ["report", "register"]
    assert event["deadline_step"] == "dispatch" and event["deadline"] > event["reported_at"]
    assert event["labels"]["category"] == "暴露垃圾" and event["level"] == "village"
    # the worker may not dispatch: 409 names what they may do
    refused = worker.post(
        f"/api/v1/events/{event['id']}/transitions",
        json={"action": "dispatch", "unit": "361126-CG"},
    )
    assert refused.status_code == 409
    assert "dispatch is not allowed now" in refused.json()["detail"]
    assert "escalate" in refused.json()["allowed"]
    # the township dispatcher dispatches to the county's urban management bureau
    event = dispatcher.get(f"/api/v1/events/{event['id']}").json()
    assert "dispatch" in event["actions"]
    event = _act(dispatcher, event, "dispatch", unit="361126-CG")
    assert event["state"] == "dispatched" and event["department_code"] == "361126-CG"
    assert event["tries"] == 1 and event["deadline_step"] == "accept"
    # the department sees it in its queue, accepts, reports back with a photo
    queue = department.get("/api/v1/events?state=dispatched").json()
    assert event["id"] in [e["id"] for e in queue["events"]]
    event = _act(department, department.get(f"/api/v1/events/{event['id']}").json(), "accept")
    no_photo = department.post(
        f"/api/v1/events/{event['id']}/transitions",
        json={"action": "report_back", "version": event["version"], "note": "cleared"},
    )
    assert no_photo.status_code == 400 and no_photo.json()["field"] == "attachments"
    upload = department.post(
        f"/api/v1/events/{event['id']}/attachments",
        files=[("files", ("after.jpg", _photo(), "image/jpeg"))],
    )
    assert upload.status_code == 201, upload.text
    photo = upload.json()["attachments"][0]
    # the phone lost the answer and sends the same photo again: no second copy
    again = department.post(
        f"/api/v1/events/{event['id']}/attachments",
        files=[("files", ("after.jpg", _photo(), "image/jpeg"))],
    )
    assert again.json()["attachments"][0]["id"] == photo["id"]
    event = _act(department, event, "report_back", attachments=[photo["id"]], note="cleared")
    assert event["state"] == "handled" and event["handled_on_time"] is True
    served = department.get(photo["url"])
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    # the grid checks it was really done and closes; the dispatcher records the evaluation
    event = _act(worker, worker.get(f"/api/v1/events/{event['id']}").json(), "close")
    event = _act(
        dispatcher, dispatcher.get(f"/api/v1/events/{event['id']}").json(), "evaluate", score=5
    )
    assert event["state"] == "evaluated" and event["satisfaction"] == 5
    assert event["deadline"] is None and event["actions"] == []
    steps = [(h["action"], h["from_state"], h["to_state"], h["actor"]) for h in event["history"]]
    assert steps == [
        ("report", None, "reported", "worker"),
        ("register", "reported", "registered", "worker"),
        ("dispatch", "registered", "dispatched", "town_a"),
        ("accept", "dispatched", "accepted", "dept_cg"),
        ("report_back", "accepted", "handled", "dept_cg"),
        ("close", "handled", "closed", "worker"),
        ("evaluate", "closed", "evaluated", "town_a"),
    ]
    assert event["history"][4]["attachments"] == [photo["id"]]


def test_each_sees_only_their_own(as_user: Client, spot: dict) -> None:
    event = _report(as_user("worker"), spot)
    url = f"/api/v1/events/{event['id']}"
    assert as_user("town_a").get(url).status_code == 200
    assert as_user("dispatcher").get(url).status_code == 200  # the county
    assert as_user("town_b").get(url).status_code == 404
    assert as_user("dept_cg").get(url).status_code == 404  # not dispatched to it yet
    event = _act(as_user("town_a"), as_user("town_a").get(url).json(), "dispatch", unit="361126-CG")
    assert as_user("dept_cg").get(url).status_code == 200
    assert as_user("dept_ga").get(url).status_code == 404
    assert as_user("engineer").get(url).status_code == 403
    listed = as_user("town_b").get("/api/v1/events?limit=1000").json()
    assert all(e["grid_code"].startswith(TOWNSHIP_B[:9]) for e in listed["events"])


def test_stale_versions_and_three_tries_per_level(as_user: Client, spot: dict) -> None:
    dispatcher, department = as_user("town_a"), as_user("dept_cg")
    event = _report(as_user("worker"), spot)
    stale = dispatcher.post(
        f"/api/v1/events/{event['id']}/transitions",
        json={"action": "dispatch", "unit": "361126-CG", "version": event["version"] - 1},
    )
    assert stale.status_code == 409 and stale.json()["version"] == event["version"]
    for _ in range(3):
        event = _act(dispatcher, event, "dispatch", unit="361126-CG")
        event = _act(
            department,
            department.get(f"/api/v1/events/{event['id']}").json(),
            "return",
            reason="not ours",
        )
        event = dispatcher.get(f"/api/v1/events/{event['id']}").json()
    assert event["tries"] == 3 and event["returns"] == 3
    fourth = dispatcher.post(
        f"/api/v1/events/{event['id']}/transitions",
        json={"action": "dispatch", "unit": "361126-CG", "version": event["version"]},
    )
    assert fourth.status_code == 409 and "escalate" in fourth.json()["detail"]
    event = _act(dispatcher, event, "escalate", reason="three tries at village level")
    assert event["level"] == "township" and event["tries"] == 0 and event["state"] == "registered"
    event = _act(dispatcher, event, "dispatch", unit=f"{TOWNSHIP_A[:9]}-CJ")
    assert event["department_code"] == f"{TOWNSHIP_A[:9]}-CJ"


def test_bad_input_names_the_field(as_user: Client, spot: dict, conn: Connection) -> None:
    worker = as_user("worker")

    def refused(body: dict, field: str, words: str) -> None:
        response = worker.post("/api/v1/events", json=body)
        assert response.status_code == 400, response.text
        assert response.json()["field"] == field and words in response.json()["detail"]

    base = {"channel": "grid_worker", "category": "exposed_garbage", "title": "x", **spot}
    base.pop("grid")
    refused({**base, "category": "ufo"}, "category", "unknown category 'ufo' (known:")
    refused({**base, "channel": "pigeon"}, "channel", "unknown channel 'pigeon'")
    other = conn.execute(
        text(
            "SELECT ST_X(ST_PointOnSurface(boundary)), ST_Y(ST_PointOnSurface(boundary)), code"
            " FROM grids WHERE region_code = :t AND length(code) = 15 ORDER BY code LIMIT 1"
        ),
        {"t": TOWNSHIP_B},
    ).one()
    refused(
        {**base, "lon": other[0], "lat": other[1]},
        "lon",
        f"outside your jurisdiction (in grid {other[2]})",
    )
    refused({**base, "lon": 100.0, "lat": 10.0}, "lon", "outside every grid")
    refused({k: v for k, v in base.items() if k not in ("lon", "lat")}, "lon", "where is it?")
    event = _report(worker, spot)
    fake = worker.post(
        f"/api/v1/events/{event['id']}/attachments",
        files=[("files", ("photo.jpg", b"<html>not an image</html>", "image/jpeg"))],
    )
    assert fake.status_code == 400 and "not a JPEG, PNG or WebP image" in fake.json()["detail"]
    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, format="GIF")
    wrong = worker.post(
        f"/api/v1/events/{event['id']}/attachments",
        files=[("files", ("photo.png", gif.getvalue(), "image/png"))],
    )
    assert wrong.status_code == 400 and "GIF" in wrong.json()["detail"]
    unknown = worker.post(f"/api/v1/events/{event['id']}/transitions", json={"action": "teleport"})
    assert unknown.status_code == 400 and unknown.json()["field"] == "action"


def test_a_retry_of_the_same_report_is_not_taken_in_twice(as_user: Client, spot: dict) -> None:
    worker = as_user("worker")
    first = _report(worker, spot, source_ref="phone-7f3a-0001")
    again = worker.post(
        "/api/v1/events",
        json={
            "channel": "grid_worker",
            "category": "exposed_garbage",
            "title": "垃圾堆放 rubbish piled by the road",
            "lon": spot["lon"],
            "lat": spot["lat"],
            "source_ref": "phone-7f3a-0001",
        },
    )
    assert again.status_code == 200 and again.json()["id"] == first["id"]
    assert again.json()["repeated"] is True


def test_duplicates_are_suggested_nearest_first(as_user: Client, spot: dict) -> None:
    worker, dispatcher = as_user("worker"), as_user("town_a")
    first = _report(worker, spot, category="streetlight", title="路灯不亮")
    # the same lamp through the 12345 hotline: taken in as reported, the first suggested
    second = _report(
        dispatcher,
        spot,
        channel="hotline_12345",
        category="streetlight",
        title="路灯坏了",
        reporter_phone="13900001111",
    )
    assert second["state"] == "reported"
    assert first["id"] in [d["id"] for d in second["possible_duplicates"]]
    near = worker.get(
        "/api/v1/events/duplicates",
        params={"category": "streetlight", "lon": spot["lon"], "lat": spot["lat"]},
    ).json()["events"]
    assert {first["id"], second["id"]} <= {e["id"] for e in near}
    assert [e["distance_m"] for e in near] == sorted(e["distance_m"] for e in near)
    marked = _act(dispatcher, second, "mark_duplicate", original=first["id"])
    assert marked["state"] == "duplicate" and marked["duplicate_of"] == first["id"]
    assert marked["reporter_contact"]["phone"] == "139****1111"


def test_units_are_listed_with_what_they_take(as_user: Client) -> None:
    units = as_user("town_a").get("/api/v1/units", params={"category": "exposed_garbage"})
    codes = {u["code"] for u in units.json()["units"]}
    assert "361126-CG" in codes and "361126-GA" not in codes
    assert f"{TOWNSHIP_A[:9]}-CJ" in codes and f"{TOWNSHIP_B[:9]}-CJ" not in codes


def test_the_queue_counts_exactly_up_to_the_cap(
    as_user: Client, spot: dict, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above the configured cap the queue says "more than" instead of counting every event,
    and still links to the next page."""
    exact = as_user("dispatcher").get("/api/v1/events?limit=5").json()
    assert exact["total"] > 10 and exact["more_than"] is None
    monkeypatch.setattr(settings.server, "api_count_cap", 10)
    capped = as_user("dispatcher").get("/api/v1/events?limit=5").json()
    assert capped["total"] is None and capped["more_than"] == 10
    assert [e["id"] for e in capped["events"]] == [e["id"] for e in exact["events"]]
    assert any(link["rel"] == "next" for link in capped["links"])
    _report(as_user("worker"), spot, title="计数上限 count cap")
    few = as_user("dispatcher").get("/api/v1/events", params={"q": "count cap"}).json()
    assert few["total"] == 1 and few["more_than"] is None  # below the cap: exact
