"""CLI commands on the test run's cluster (already running, so left running)."""

from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, box
from sqlalchemy import Connection, text
from typer.testing import CliRunner

from gridmap.cli import app

runner = CliRunner()


@pytest.fixture
def cleanup(conn: Connection, database: str) -> Iterator[None]:
    yield
    # the CLI commits for real: put the region back as the suite expects it
    with conn.engine.begin() as other:
        other.execute(text("UPDATE regions SET boundary = NULL WHERE code = '110101000000'"))


def test_import_regions_reports_and_writes_rejects(
    tmp_path: Path, cleanup: None, conn: Connection
) -> None:
    frame = gpd.GeoDataFrame(
        {"code": ["110101000000", "110101999000"]},
        geometry=[box(116.38, 39.9, 116.42, 39.95), Point(116.4, 39.9)],
        crs="EPSG:4326",
    )
    path = tmp_path / "beijing.geojson"
    frame.to_file(path, engine="pyogrio")
    result = runner.invoke(app, ["import", "regions", str(path), "--code-field", "code"])
    assert result.exit_code == 0, result.output
    assert "2 features read, 1 boundaries written, 1 rejected" in result.output
    assert (tmp_path / "beijing.geojson.rejects.csv").exists()
    has = conn.execute(
        text("SELECT boundary IS NOT NULL FROM regions WHERE code = '110101000000'")
    ).scalar_one()
    assert has


def test_import_errors_are_one_clear_line(tmp_path: Path, database: str) -> None:
    frame = gpd.GeoDataFrame({"x": [1]}, geometry=[box(0, 0, 1, 1)], crs="EPSG:4326")
    path = tmp_path / "nocode.geojson"
    frame.to_file(path, engine="pyogrio")
    result = runner.invoke(app, ["import", "regions", str(path), "--code-field", "code"])
    assert result.exit_code == 1
    assert "has no field 'code'" in result.output
    assert "Traceback" not in result.output


def test_user_commands(client, database: str) -> None:
    name = "cli_user_" + __import__("uuid").uuid4().hex[:6]
    added = runner.invoke(
        app, ["user", "add", name, "--role", "planner", "--jurisdiction", "361126109000"]
    )
    assert added.exit_code == 0, added.output
    password = added.output.split("password: ", 1)[1].split()[0]
    token = client.post("/api/v1/auth/token", data={"username": name, "password": password})
    assert token.status_code == 200 and token.json()["role"] == "planner"

    again = runner.invoke(
        app, ["user", "add", name, "--role", "planner", "--jurisdiction", "361126109000"]
    )
    assert again.exit_code == 1 and "already exists" in again.output
    bad_role = runner.invoke(
        app, ["user", "add", name + "x", "--role", "mayor", "--jurisdiction", "361126109000"]
    )
    assert bad_role.exit_code == 1 and "'mayor' is not one of" in bad_role.output
    outside = runner.invoke(
        app, ["user", "add", name + "y", "--role", "viewer", "--jurisdiction", "361126999000"]
    )
    assert outside.exit_code == 1 and "not a loaded region" in outside.output

    changed = runner.invoke(
        app, ["user", "passwd", name, "--password-stdin"], input="a-new-long-password\n"
    )
    assert changed.exit_code == 0, changed.output
    assert (
        client.post(
            "/api/v1/auth/token", data={"username": name, "password": "a-new-long-password"}
        ).status_code
        == 200
    )

    listed = runner.invoke(app, ["user", "list"])
    assert f"{name}\tplanner\t361126109000\tactive" in listed.output
    assert runner.invoke(app, ["user", "disable", name]).exit_code == 0
    assert f"{name}\tplanner\t361126109000\tdisabled" in runner.invoke(app, ["user", "list"]).output
