"""The ``gridmap`` command line, one module per command group (see ``gridmap --help``)."""

from __future__ import annotations

import sys

import typer

from gridmap.cli.analyze import analyze_app, report_app
from gridmap.cli.cameras import cameras_app
from gridmap.cli.data import export_app, import_app, load_app
from gridmap.cli.db import db_app, migrate_
from gridmap.cli.demo import demo_app
from gridmap.cli.planning import divide_cmd, merge_cmd
from gridmap.cli.serve import serve
from gridmap.cli.users import user_app

app = typer.Typer(
    help="gridmap: city grid management (网格化服务管理) on PostGIS.", no_args_is_help=True
)
app.command("serve")(serve)
app.command("migrate")(migrate_)
app.command("merge")(merge_cmd)
app.command("divide")(divide_cmd)
app.add_typer(db_app, name="db")
app.add_typer(load_app, name="load")
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
app.add_typer(demo_app, name="demo")
app.add_typer(user_app, name="user")
app.add_typer(cameras_app, name="cameras")
app.add_typer(analyze_app, name="analyze")
app.add_typer(report_app, name="report")


def main() -> None:  # pragma: no cover - console entry for `python -m gridmap`
    app(prog_name="gridmap")
    sys.exit(0)
