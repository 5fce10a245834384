"""People through the API: masking by role, audited unmasked reads, jurisdiction on every route,
the profile against counts computed here, find-my-grid, and a ledger upload as a job."""

import time
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import Connection, text

from gridmap.db.engine import engine_for
from tests.conftest import TOWNSHIP_A, TOWNSHIP_B


@pytest.fixture
def grid_a(conn: Connection) -> str:
    """The grid worker's grid (township A's first), which has generated residents."""
    return conn.execute(
        text("SELECT min(code) FROM grids WHERE region_code = :t AND length(code) = 15"),
        {"t": TOWNSHIP_A},
    ).scalar_one()


def test_the_demo_county_has_a_generated_population(conn: Connection, grid_a: str) -> None:
    residents = conn.execute(
        text(
            "SELECT count(*) FROM residents r JOIN buildings b ON b.id = r.building_id"
            " WHERE b.grid_code = :g AND r.generated"
        ),
        {"g": grid_a},
    ).scalar_one()
    assert residents > 0


def test_a_grid_worker_sees_their_grid_unmasked_and_the_read_is_audited(
    as_user, conn: Connection, grid_a: str
) -> None:
    worker = as_user("worker")
    body = worker.get(f"/api/v1/residents?grid={grid_a}&limit=5&purpose=home visit").json()
    assert body["masked"] is False and body["purpose"] == "home visit"
    assert (
        body["total"]
        == conn.execute(
            text(
                "SELECT count(*) FROM residents r JOIN buildings b ON b.id = r.building_id"
                " WHERE b.grid_code = :g"
            ),
            {"g": grid_a},
        ).scalar_one()
    )
    person = next(p for p in body["residents"] if p["id_number"])
    assert "*" not in person["id_number"] and len(person["id_number"]) == 18
    entry = conn.execute(
        text(
            "SELECT actor, detail FROM audit_log WHERE action = 'pii_read' ORDER BY id DESC LIMIT 1"
        )
    ).one()
    assert entry.actor == "worker" and entry.detail["purpose"] == "home visit"
    assert person["id"] in entry.detail["residents"]
    found = worker.get("/api/v1/residents", params={"id_number": person["id_number"]}).json()
    assert [p["id"] for p in found["residents"]] == [person["id"]]  # exact look-up by hash
    assert (
        as_user("town_b")
        .get("/api/v1/residents", params={"id_number": person["id_number"]})
        .json()["total"]
        == 0
    )
    masked = worker.get(f"/api/v1/residents?grid={grid_a}&limit=5&masked=true").json()
    assert masked["masked"] is True and all(
        "*" in p["id_number"] for p in masked["residents"] if p["id_number"]
    )


def test_a_dispatcher_sees_masked_numbers_and_a_viewer_masked_names(as_user, grid_a: str) -> None:
    dispatcher = as_user("dispatcher").get(f"/api/v1/residents?grid={grid_a}&limit=20").json()
    assert dispatcher["masked"] is True
    people = [p for p in dispatcher["residents"] if p["id_number"]]
    assert people and all(p["id_number"][6:14] == "********" for p in people)
    assert all("****" in p["phone"] for p in dispatcher["residents"] if p["phone"])
    viewer = as_user("viewer").get(f"/api/v1/residents?grid={grid_a}&limit=20").json()
    assert all(p["name"].endswith("*") and p["age"] is None for p in viewer["residents"])
    assert [p["id"] for p in viewer["residents"]] == [p["id"] for p in dispatcher["residents"]]


def test_another_townships_people_are_invisible_through_every_route(
    as_user, conn: Connection, grid_a: str
) -> None:
    town_b = as_user("town_b")
    assert town_b.get(f"/api/v1/residents?grid={grid_a}").json()["total"] == 0
    assert town_b.get(f"/api/v1/residents?region={TOWNSHIP_A}").json()["total"] == 0
    assert town_b.get(f"/api/v1/grids/{grid_a}/profile").status_code == 404
    assert town_b.get(f"/api/v1/grids/{grid_a}/buildings").json()["numberMatched"] == 0
    building, household = conn.execute(
        text(
            "SELECT h.building_id, h.id FROM households h JOIN buildings b ON b.id = h.building_id"
            " WHERE b.grid_code = :g LIMIT 1"
        ),
        {"g": grid_a},
    ).one()
    assert town_b.get(f"/api/v1/buildings/{building}").status_code == 404
    assert town_b.get(f"/api/v1/households/{household}").status_code == 404
    own = town_b.get(f"/api/v1/residents?region={TOWNSHIP_B}").json()
    assert own["total"] > 0 and all(
        p["grid_code"].startswith("361126101") for p in own["residents"]
    )


def test_the_grid_profile_matches_counts_made_here(as_user, conn: Connection, grid_a: str) -> None:
    profile = as_user("dispatcher").get(f"/api/v1/grids/{grid_a}/profile").json()
    people = conn.execute(
        text(
            "SELECT r.kind, r.sex, r.birth_date, r.tags FROM residents r"
            " JOIN buildings b ON b.id = r.building_id WHERE b.grid_code = :g"
        ),
        {"g": grid_a},
    ).all()
    households = conn.execute(
        text(
            "SELECT count(*) FROM households h JOIN buildings b ON b.id = h.building_id"
            " WHERE b.grid_code = :g"
        ),
        {"g": grid_a},
    ).scalar_one()
    assert profile["residents"] == len(people) and profile["households"] == households
    assert {k["kind"]: k["count"] for k in profile["population_by_kind"]} == Counter(
        p.kind for p in people
    )
    today = date.today()
    bands: Counter = Counter()
    for p in people:
        if p.birth_date:
            age = (
                today.year
                - p.birth_date.year
                - ((today.month, today.day) < (p.birth_date.month, p.birth_date.day))
            )
            bands[(p.sex, min(age // 5, 20))] += 1
    pyramid = profile["age_pyramid"]
    assert len(pyramid["bands"]) == 21 and pyramid["bands"][-1] == "100+"
    for i in range(21):
        assert pyramid["male"][i] == bands[("M", i)] and pyramid["female"][i] == bands[("F", i)]
    tags = Counter(t for p in people for t in p.tags)
    assert {g["tag"]: g["count"] for g in profile["key_groups"]} == tags
    places = dict(
        conn.execute(
            text("SELECT kind, count(*) FROM places WHERE grid_code = :g GROUP BY 1"), {"g": grid_a}
        ).all()
    )
    assert {p["kind"]: p["count"] for p in profile["places_by_kind"]} == places
    assert profile["workers"] and profile["workers"][0]["duty"] == "worker"


def test_a_township_profile_rolls_up_its_grids(as_user, conn: Connection) -> None:
    profile = as_user("county_admin").get(f"/api/v1/regions/{TOWNSHIP_A}/profile").json()
    residents = conn.execute(
        text(
            "SELECT count(*) FROM residents r JOIN buildings b ON b.id = r.building_id"
            " WHERE b.grid_code LIKE :p"
        ),
        {"p": "361126109%"},
    ).scalar_one()
    assert profile["residents"] == residents > 0
    assert sum(c["residents"] for c in profile["children"]) == residents
    assert sum(profile["age_pyramid"]["male"]) + sum(profile["age_pyramid"]["female"]) <= residents


def test_drill_down_from_grid_to_residents(as_user, grid_a: str) -> None:
    client = as_user("dispatcher")
    buildings = client.get(f"/api/v1/grids/{grid_a}/buildings?limit=50").json()
    feature = next(f for f in buildings["features"] if f["properties"]["residents"])
    building = client.get(f"/api/v1/buildings/{feature['id']}").json()
    assert building["ties"][0]["grid_code"] == grid_a and building["ties"][0]["operation"]
    households = [h for u in building["units"] for h in u["households"] if h["residents"]]
    household = client.get(f"/api/v1/households/{households[0]['id']}").json()
    assert len(household["residents"]) == households[0]["residents"] and household["masked"]


def test_find_my_grid_gives_the_grid_and_its_workers_phone_only(
    client, conn: Connection, grid_a: str
) -> None:
    x, y, address = conn.execute(
        text("SELECT ST_X(pt), ST_Y(pt), address FROM buildings WHERE grid_code = :g LIMIT 1"),
        {"g": grid_a},
    ).one()
    found = client.get(f"/public/find?lon={x}&lat={y}").json()
    assert found["grid"]["code"] == grid_a and found["worker"]["service_phone"]
    assert set(found) == {"grid", "worker"} and set(found["worker"]) == {
        "name",
        "duty",
        "service_phone",
    }
    matches = client.get("/public/find", params={"address": address}).json()["matches"]
    assert any(m["address"] == address and m["grid"]["code"] == grid_a for m in matches)
    assert client.get("/public/find?lon=100&lat=10").status_code == 404


def test_a_ledger_upload_runs_as_a_job_with_a_rejects_report(
    as_user, conn: Connection, database: str, settings
) -> None:
    x, y = conn.execute(
        text(
            "SELECT ST_X(ST_PointOnSurface(boundary)), ST_Y(ST_PointOnSurface(boundary))"
            " FROM grids WHERE region_code = '361126110000' AND length(code) = 15 LIMIT 1"
        )
    ).one()
    body = f"code,name,category,lon,lat\nUPL-T1,消防栓,0110,{x},{y}\nUPL-T2,?,9999,{x},{y}\n"
    client = as_user("planner_c")
    started = client.post(
        "/api/v1/uploads/things", files={"file": ("things.csv", body.encode(), "text/csv")}
    )
    assert started.status_code == 202, started.text
    status = started.json()["status"]
    for _ in range(100):
        job = client.get(status).json()
        if job["state"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert job["state"] == "done", job
    assert job["result"]["written"] == 1 and job["result"]["rejected"] == 1
    rejects = client.get(job["result"]["rejects"][0]).text
    assert "unknown category 9999" in rejects
    with engine_for(settings, database).begin() as cleanup:
        cleanup.execute(text("DELETE FROM things WHERE code = 'UPL-T1'"))
