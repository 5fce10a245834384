"""Cameras over HTTP as an engineer uses them: the archive, bad records, coverage and blind
spots, each in the caller's jurisdiction."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from gridmap.db.engine import engine_for
from tests.conftest import TOWNSHIP_A, TOWNSHIP_B, finished_job


@pytest.fixture(scope="module")
def placed(database: str, settings) -> dict:
    """Two cameras in township A (one seeing 60 m round), one in B with a bad ID (committed)."""
    with engine_for(settings, database).begin() as conn:
        rows = conn.execute(
            text(
                "SELECT g.code, ST_X(ST_PointOnSurface(g.boundary)),"
                " ST_Y(ST_PointOnSurface(g.boundary)) FROM grids g WHERE length(g.code) = 15"
                " AND g.region_code IN (:a, :b) ORDER BY g.region_code DESC, g.code"
            ),
            {"a": TOWNSHIP_A, "b": TOWNSHIP_B},
        ).all()
        a = next(r for r in rows if r[0].startswith(TOWNSHIP_A[:9]))
        b = next(r for r in rows if r[0].startswith(TOWNSHIP_B[:9]))
        ids = {}
        for key, (grid, lon, lat), device, ptz in (
            ("seeing", a, "36112600011320000101", 1),
            ("faulty", (a[0], a[1] + 0.0003, a[2]), "36112600011320000102", 3),
            ("bad_id", b, "3611260001999", 3),
        ):
            ids[key] = conn.execute(
                text(
                    "INSERT INTO cameras (device_id, source, name, ptz_type, direction, pt,"
                    " grid_code, home_region, status) VALUES (:d, 'ledger', 'test', :p, 90,"
                    " ST_SetSRID(ST_MakePoint(:x, :y), 4326), :g, '361126000000', :s)"
                    " RETURNING id"
                ),
                {
                    "d": device,
                    "p": ptz,
                    "x": lon,
                    "y": lat,
                    "g": grid,
                    "s": "faulty" if key == "faulty" else "online",
                },
            ).scalar_one()
        conn.execute(
            text(
                "UPDATE cameras SET sector = ST_Buffer(pt::geography, 60)::geometry WHERE id = :i"
            ),
            {"i": ids["seeing"]},
        )
    return {"ids": ids, "grid_a": a[0]}


def test_the_archive_and_its_problems(as_user, placed: dict) -> None:
    engineer = as_user("engineer")
    listed = engineer.get("/api/v1/cameras", params={"region": TOWNSHIP_A}).json()
    assert {c["id"] for c in listed["cameras"]} >= {
        placed["ids"]["seeing"],
        placed["ids"]["faulty"],
    }
    one = engineer.get(f"/api/v1/cameras/{placed['ids']['seeing']}").json()
    assert one["view"]["type"] == "Polygon" and one["grid_code"] == placed["grid_a"]
    problems = engineer.get("/api/v1/cameras/problems").json()
    bad = [p for p in problems["problems"] if p["id"] == placed["ids"]["bad_id"]]
    assert any(p["problem"] == "malformed_id" for p in bad)
    csv = engineer.get("/api/v1/cameras/problems", params={"format": "csv"})
    assert csv.text.startswith("\ufeff记录 id,") and str(placed["ids"]["bad_id"]) in csv.text
    # a township's dispatcher has no camera rights; a planner neither
    assert as_user("town_a").get("/api/v1/cameras").status_code == 403


def test_coverage_and_blind_spots(as_user, placed: dict) -> None:
    engineer = as_user("engineer")
    coverage = engineer.get(
        "/api/v1/cameras/coverage", params={"region": TOWNSHIP_A, "group": "grid"}
    ).json()
    row = next(g for g in coverage["groups"] if g["key"] == placed["grid_a"])
    assert row["cameras"] >= 2 and row["working"] >= 1 and 0 < row["area_share"] < 1
    spots = engineer.get(
        "/api/v1/cameras/blind-spots", params={"region": TOWNSHIP_A, "limit": 50}
    ).json()
    assert spots["type"] == "FeatureCollection" and spots["features"]
    residents = [f["properties"]["residents"] for f in spots["features"]]
    assert residents == sorted(residents, reverse=True)
    assert all(f["properties"]["grid_code"].startswith(TOWNSHIP_A[:9]) for f in spots["features"])
    sheet = engineer.get(
        "/api/v1/cameras/coverage", params={"region": TOWNSHIP_A, "format": "xlsx"}
    )
    assert sheet.status_code == 200 and sheet.content[:2] == b"PK"


def test_register_correct_and_remove_a_camera(as_user, placed: dict) -> None:
    """An engineer registers a fixed camera with no field of view: it is tied to its grid and
    its view drawn with the defaults; turning it redraws the view; a bad value is refused with
    the field named; a township dispatcher may not register one."""
    engineer = as_user("engineer")
    grid = engineer.get(f"/api/v1/cameras/{placed['ids']['seeing']}").json()
    body = {
        "device_id": "36112600011320000199",
        "name": "弋江镇 test gate",
        "ptz_type": 3,
        "direction": 0,
        "lon": grid["lon"] + 0.0005,
        "lat": grid["lat"],
    }
    made = engineer.post("/api/v1/cameras", json=body)
    assert made.status_code == 201, made.text
    camera = made.json()
    assert camera["region_code"].startswith(TOWNSHIP_A[:9]) and camera["grid_code"]
    assert camera["view"]["type"] == "Polygon" and "hfov" in camera["sector_defaults"]
    north = max(y for _, y in camera["view"]["coordinates"][0])
    assert north > camera["lat"]  # facing north, it sees north of where it stands
    turned = engineer.patch(f"/api/v1/cameras/{camera['id']}", json={"direction": 180}).json()
    assert turned["direction"] == 180
    assert min(y for _, y in turned["view"]["coordinates"][0]) < camera["lat"]
    assert max(y for _, y in turned["view"]["coordinates"][0]) < north
    refused = engineer.patch(f"/api/v1/cameras/{camera['id']}", json={"status": "broken"})
    assert refused.status_code == 400 and "status" in refused.text
    half = engineer.patch(f"/api/v1/cameras/{camera['id']}", json={"lon": 117.0})
    assert half.status_code == 400 and "lon and lat" in half.text
    assert as_user("town_a").post("/api/v1/cameras", json=body).status_code == 403
    assert engineer.delete(f"/api/v1/cameras/{camera['id']}").status_code == 204
    assert engineer.get(f"/api/v1/cameras/{camera['id']}").status_code == 404


def test_views_redrawn_as_a_job_and_served_as_a_collection(as_user, placed: dict) -> None:
    engineer = as_user("engineer")
    started = engineer.post("/api/v1/cameras/views", json={"region": TOWNSHIP_A})
    assert started.status_code == 202, started.text
    assert started.json()["cameras"] >= 2
    job = finished_job(engineer, started.json()["status"])
    assert job["state"] == "done", job
    assert job["result"]["cameras"] == started.json()["cameras"] == job["total"]
    stale = engineer.post("/api/v1/cameras/views", json={"region": TOWNSHIP_A, "stale_only": True})
    assert stale.json()["cameras"] == 0  # nothing changed since
    item = engineer.get(f"/ogc/collections/camera_sectors/items/{placed['ids']['seeing']}")
    assert item.status_code == 200, item.text
    view = item.json()
    assert view["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert view["properties"]["range_m"] > 0 and view["properties"]["area_m2"] > 0
    listed = engineer.get("/ogc/collections/camera_sectors/items", params={"limit": 5}).json()
    assert listed["numberMatched"] >= 2


def test_plan_export_and_accept(as_user, placed: dict) -> None:
    """An engineer plans three new cameras for a township as a job, exports the plan and
    accepts its best camera as a planned one (once)."""
    engineer = as_user("engineer")
    started = engineer.post(
        "/api/v1/cameras/plans", json={"region": TOWNSHIP_A, "budget": 3, "quotas": False}
    )
    assert started.status_code == 202, started.text
    job = finished_job(engineer, started.json()["status"])
    assert job["state"] == "done", job
    plan = job["result"]
    assert 1 <= plan["used"] <= 3 and job["done"] == job["total"] == 4
    assert plan["covered_weight"] >= plan["greedy"]["covered_weight"]
    assert plan["covered_weight"] > plan["existing_weight"]
    job_id = started.json()["job"]
    views = engineer.get(f"/api/v1/cameras/plans/{job_id}").json()
    assert len(views["features"]) == plan["used"]
    sheet = engineer.get(f"/api/v1/cameras/plans/{job_id}", params={"format": "csv"})
    assert sheet.text.startswith("\ufeff序号 rank,") and sheet.text.count("\n") == plan["used"] + 1
    accepted = engineer.post(f"/api/v1/cameras/plans/{job_id}/accept", json={"ranks": [1]})
    assert accepted.status_code == 201, accepted.text
    camera = engineer.get(f"/api/v1/cameras/{accepted.json()['cameras'][0]}").json()
    assert (
        camera["planned"] and camera["direction"] == views["features"][0]["properties"]["heading"]
    )
    again = engineer.post(f"/api/v1/cameras/plans/{job_id}/accept", json={})
    assert again.status_code == 409 and "already accepted" in again.text
    assert as_user("town_a").get(f"/api/v1/cameras/plans/{job_id}").status_code == 403
    engineer.delete(f"/api/v1/cameras/{camera['id']}")


def test_upload_an_archive(as_user, placed: dict) -> None:
    """A county engineer uploads an archive: a camera in no grid is kept for the county, an
    unreadable one is refused with its reason, and the views are drawn."""
    engineer = as_user("engineer")
    seeing = engineer.get(f"/api/v1/cameras/{placed['ids']['seeing']}").json()
    body = (
        "设备编码,设备名称,经度,纬度,监控方向,摄像机类型\n"
        f"36112600011320088001,上传点位,{seeing['lon'] + 0.0004},{seeing['lat']},90,枪机\n"
        f"36112600011320088002,山外点位,{seeing['lon'] + 5},{seeing['lat']},90,枪机\n"
        f"36112600011320088003,坏类型,{seeing['lon']},{seeing['lat']},90,飞碟\n"
    )
    started = engineer.post(
        "/api/v1/uploads/cameras", files={"file": ("archive.csv", body.encode(), "text/csv")}
    )
    assert started.status_code == 202, started.text
    job = finished_job(engineer, started.json()["status"])
    assert job["state"] == "done", job
    assert (job["result"]["written"], job["result"]["rejected"]) == (2, 1)
    listed = engineer.get("/api/v1/cameras", params={"limit": 500}).json()["cameras"]
    mine = {
        c["device_id"]: c for c in listed if (c["device_id"] or "").startswith("361126000113200880")
    }
    assert mine["36112600011320088002"]["grid_code"] is None
    assert mine["36112600011320088002"]["region_code"] == "361126000000"
    uploaded = engineer.get(f"/api/v1/cameras/{mine['36112600011320088001']['id']}").json()
    assert uploaded["view"] is not None
    rejects = engineer.get(f"{started.json()['status']}/rejects.csv")
    assert "飞碟" in rejects.text
    for camera in mine.values():
        engineer.delete(f"/api/v1/cameras/{camera['id']}")
    assert (
        as_user("town_a")
        .post("/api/v1/uploads/cameras", files={"file": ("a.csv", body.encode(), "text/csv")})
        .status_code
        == 403
    )
