"""``POST /api/v1/uploads/events``: a 12345 export imported as a job by the county's dispatcher
(``events:write``), its rejects report, and who may not upload. The accepted event is an old
petition (not public, long closed): it changes no list or KPI the other tests read."""

from __future__ import annotations

import time

from sqlalchemy import Connection, text

from tests.conftest import TOWNSHIP_C


def _wait(client, status: str) -> dict:
    for _ in range(200):
        job = client.get(status).json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {status} did not finish")


def test_upload_events_as_a_job(as_user, conn: Connection) -> None:
    x, y = conn.execute(
        text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(boundary) AS p FROM grids"
            " WHERE region_code = :t AND length(code) = 15 ORDER BY code LIMIT 1) g"
        ),
        {"t": TOWNSHIP_C},
    ).one()
    ref = f"UPL-{time.time_ns()}"
    body = (
        "工单编号,渠道,类别,标题,经度,纬度,受理时间,状态,来电号码\n"
        f"{ref},信访,土地纠纷,承包地边界纠纷,{x},{y},2020-05-06 10:00,不予立案,13812345678\n"
        f"{ref}-2,信访,土地纠纷,电话有误,{x},{y},2020-05-06 10:00,,12345\n"
    )
    dispatcher = as_user("dispatcher")
    started = dispatcher.post(
        "/api/v1/uploads/events", files={"file": ("12345.csv", body.encode(), "text/csv")}
    )
    assert started.status_code == 202, started.text
    job = _wait(dispatcher, started.json()["status"])
    assert job["state"] == "done", job
    assert (job["result"]["written"], job["result"]["rejected"]) == (1, 1)
    rejects = dispatcher.get(job["result"]["rejects"][0]).text
    assert ",*****," in rejects and "not a mobile number" in rejects  # the phone is masked
    event = conn.execute(
        text(
            "SELECT state, reporter, generated FROM events"
            " WHERE channel = 'petition' AND source_ref = :r"
        ),
        {"r": ref},
    ).one()
    assert tuple(event) == ("rejected", "dispatcher", False)
    refused = as_user("planner").post(
        "/api/v1/uploads/events", files={"file": ("e.csv", body.encode(), "text/csv")}
    )
    assert refused.status_code == 403
