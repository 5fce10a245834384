"""Where the next cameras go (选址): a plan for one grid's village of key places, its coverage
recomputed independently in PostGIS, never worse than the greedy baseline, and accepted as
planned cameras."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Connection, text

from gridmap.core.errors import InvalidInput
from gridmap.core.settings import Settings
from gridmap.layers import jobs
from gridmap.services import camera_planning

VILLAGE = "361126109231"  # an administrative village (行政村) made for these tests
GRID = VILLAGE + "001"


@pytest.fixture
def village(conn: Connection) -> dict:
    """A village of one 400 m grid, away from the demo's grids, holding twelve schools in three
    clusters 120 m apart (its only demand)."""
    conn.execute(
        text(
            "INSERT INTO regions (code, level, name, parent_code)"
            " VALUES (:v, 'village', '测试村', '361126109000')"
        ),
        {"v": VILLAGE},
    )
    conn.execute(
        text(
            "INSERT INTO grids (code, region_code, name, boundary) VALUES (:g, :v, '测试网格',"
            " ST_Multi(ST_MakeEnvelope(117.300, 28.100, 117.304, 28.1036, 4326)))"
        ),
        {"g": GRID, "v": VILLAGE},
    )
    conn.execute(
        text(
            """
            INSERT INTO places (code, name, kind, pt, grid_code)
            SELECT 'PLAN-' || c || '-' || i, 'school', 'school',
                   ST_Project(ST_SetSRID(ST_MakePoint(117.3005, 28.1005 + 0.0011 * c), 4326)
                              ::geography, 2 * i, radians(90 * i))::geometry, :g
              FROM generate_series(0, 2) c, generate_series(1, 4) i
            """
        ),
        {"g": GRID},
    )
    return {"grid": GRID, "village": VILLAGE}


def _covered_weight(conn: Connection, features: list[dict], key_weight: float) -> float:
    """Key-place weight inside the proposed views, counted by PostGIS from the GeoJSON."""
    return conn.execute(
        text(
            "SELECT count(DISTINCT p.id) * CAST(:w AS float8) FROM places p,"
            " json_array_elements(CAST(:f AS json)) f"
            " WHERE p.code LIKE 'PLAN-%'"
            " AND ST_Intersects(ST_SetSRID(ST_GeomFromGeoJSON(f -> 'geometry'), 4326), p.pt)"
        ),
        {"f": json.dumps(features), "w": key_weight},
    ).scalar_one()


def test_a_plan_covers_what_it_says_and_beats_or_ties_greedy(
    conn: Connection, settings: Settings, village: dict
) -> None:
    prefix = village["village"]
    plan = camera_planning.plan(conn, settings, prefix, budget=2, quotas=False)
    weight = settings.cameras.planning_key_place_weight
    features = plan["proposal"]["features"]
    assert 1 <= plan["used"] == len(features) <= 2
    assert plan["total_weight"] >= 12 * weight
    assert plan["covered_weight"] >= plan["greedy"]["covered_weight"] > 0
    assert plan["covered_weight"] == pytest.approx(_covered_weight(conn, features, weight))
    step = 360 / settings.cameras.planning_headings
    assert all(f["properties"]["heading"] % step == 0 for f in features)
    assert all(f["properties"]["village"] == prefix for f in features)

    accepted = camera_planning.accept(conn, settings, _job(conn, plan), ranks=[1])
    assert accepted["accepted"] == 1
    camera = conn.execute(
        text(
            "SELECT planned, direction, ptz_type, sector IS NOT NULL AS drawn, grid_code"
            " FROM cameras WHERE id = :i"
        ),
        {"i": accepted["cameras"][0]},
    ).one()
    assert camera.planned and camera.ptz_type == 3 and camera.drawn
    assert camera.direction == features[0]["properties"]["heading"]
    assert camera.grid_code.startswith(prefix)


def _job(conn: Connection, plan: dict) -> str:
    """The plan stored as a finished job's result, as the API's job would leave it."""
    job_id = jobs.create(conn, camera_planning.PLAN_JOB, "")
    jobs.update(conn, job_id, state="done", result=plan)
    return job_id


def test_quotas_beyond_the_budget_are_refused(
    conn: Connection, settings: Settings, village: dict
) -> None:
    # the village has no camera and a quota of 5: one new camera cannot meet it
    with pytest.raises(InvalidInput, match="quota"):
        camera_planning.plan(conn, settings, village["village"], budget=1, quotas=True)


def test_a_village_quota_places_cameras_coverage_alone_would_not(
    conn: Connection, settings: Settings, village: dict
) -> None:
    """Three clusters need three cameras; a quota of 5 makes the plan place five."""
    plan = camera_planning.plan(conn, settings, village["village"], budget=6, quotas=True)
    quota = next(q for q in plan["report"]["quotas"] if q["code"] == village["village"])
    assert quota["met"] and quota["existing"] + quota["new"] >= 5
    assert plan["used"] >= 5
