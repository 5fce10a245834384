"""``gridmap import departments|events FILE`` on the test run's cluster (committed for real:
the department is removed afterwards; the events file is one whose rows are all refused, as
an event's history cannot be deleted)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, text
from typer.testing import CliRunner

from gridmap.cli import app

runner = CliRunner()


@pytest.fixture
def cleanup(conn: Connection, database: str) -> Iterator[None]:
    yield
    with conn.engine.begin() as other:
        other.execute(text("DELETE FROM departments WHERE code = 'CLI-TEST-1'"))


def test_import_departments_and_events_report_and_write_rejects(
    tmp_path: Path, cleanup: None, conn: Connection
) -> None:
    departments = tmp_path / "departments.csv"
    departments.write_text(
        "code,name,level,region_code,categories\n"
        "CLI-TEST-1,测试水务站,township,361126109000,flood\n"
        "CLI-TEST-2,未知区划,township,369999999000,\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["import", "departments", str(departments)])
    assert result.exit_code == 0, result.output
    assert "departments: 2 rows read, 1 written, 1 rejected" in result.output
    assert "region_code: unknown region …" in result.output
    name = conn.execute(text("SELECT name FROM departments WHERE code = 'CLI-TEST-1'")).scalar_one()
    assert name == "测试水务站"

    events = tmp_path / "events.csv"
    events.write_text(
        "工单编号,渠道,类别,标题,经度,纬度,受理时间\n"
        "CLI-E1,12345热线,独角兽,测试,117.4,28.4,2025-03-01 09:00\n"
        "CLI-E2,12345热线,暴露垃圾,测试,100.0,40.0,2025-03-01 09:00\n",
        encoding="gb18030",
    )
    result = runner.invoke(app, ["import", "events", str(events)])
    assert result.exit_code == 0, result.output
    assert "events: 2 rows read, 0 written, 2 rejected" in result.output
    assert "lon/lat: outside every grid" in result.output
    assert (tmp_path / "events.csv.rejects.csv").exists()
    missing = tmp_path / "no_title.csv"
    missing.write_text(
        "source_ref,channel,category,reported_at\nX,hotline_12345,manhole,2025-03-01\n"
    )
    result = runner.invoke(app, ["import", "events", str(missing)])
    assert result.exit_code == 1 and "required column(s) title missing" in result.output
