"""``gridmap import cameras FILE``, ``gridmap cameras views`` and ``gridmap cameras plan`` on
the test run's cluster (committed for real: the cameras are removed afterwards)."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, text
from typer.testing import CliRunner

from gridmap.cli import app
from tests.conftest import TOWNSHIP_C

runner = CliRunner()


@pytest.fixture
def cleanup(conn: Connection, database: str) -> Iterator[None]:
    yield
    with conn.engine.begin() as other:
        other.execute(text("DELETE FROM cameras WHERE source LIKE '%cli-cameras.csv'"))


def test_import_draw_and_plan(tmp_path: Path, cleanup: None, conn: Connection) -> None:
    x, y = conn.execute(
        text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(boundary) AS p FROM grids"
            " WHERE region_code = :t AND length(code) = 15 ORDER BY code LIMIT 1) g"
        ),
        {"t": TOWNSHIP_C},
    ).one()
    path = tmp_path / "cli-cameras.csv"
    path.write_text(
        "device_id,name,lon,lat,direction,ptz_type,height,status\n"
        f"36112600011320099001,CLI gate,{x},{y},45,fixed,6,online\n"
        f"36112600011320099002,CLI bad,{x},{y},sideways,fixed,6,online\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["import", "cameras", str(path)])
    assert result.exit_code == 0, result.output
    assert "cameras: 2 rows read, 1 written, 1 rejected" in result.output
    drawn = conn.execute(
        text("SELECT sector IS NOT NULL FROM cameras WHERE device_id = '36112600011320099001'")
    ).scalar_one()
    assert drawn, "an imported camera's view is drawn in the import's transaction"

    result = runner.invoke(app, ["cameras", "views", "--region", TOWNSHIP_C])
    assert result.exit_code == 0, result.output
    assert "views drawn" in result.output

    plan = tmp_path / "plan.geojson"
    result = runner.invoke(
        app,
        [
            "cameras",
            "plan",
            "--region",
            TOWNSHIP_C,
            "--budget",
            "2",
            "--no-quotas",
            "-o",
            str(plan),
        ],
    )
    assert result.exit_code == 0, result.output
    proposal = json.loads(plan.read_text())
    assert proposal["type"] == "FeatureCollection" and 1 <= len(proposal["features"]) <= 2
    assert "new cameras: demand seen" in result.output
