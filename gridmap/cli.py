"""The ``gridmap`` command line.

Every command that needs the database uses the configured ``GRIDMAP_DATABASE_URL`` or, with
none, the embedded cluster in ``GRIDMAP_DATA_DIR``, started for the command's duration when it is
not already running (a running one is left running).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Connection

from gridmap import bootstrap
from gridmap.db import migrate
from gridmap.db.engine import database_running, embedded_cluster, engine_for
from gridmap.errors import GridmapError
from gridmap.settings import get_settings

app = typer.Typer(
    help="gridmap: city grid management (网格化服务管理) on PostGIS.", no_args_is_help=True
)
db_app = typer.Typer(help="The embedded PostgreSQL/PostGIS cluster.", no_args_is_help=True)
load_app = typer.Typer(help="Load packaged reference data.", no_args_is_help=True)
import_app = typer.Typer(help="Import vector files into a layer.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(load_app, name="load")
user_app = typer.Typer(help="User accounts (用户) and their roles.", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(user_app, name="user")

console = Console(stderr=True)


# -- shared plumbing ------------------------------------------------------------------------


@contextlib.contextmanager
def _transaction(url: str) -> Iterator[Connection]:
    with engine_for(get_settings(), url).begin() as conn:
        yield conn


@contextlib.contextmanager
def _scoped_transaction(url: str) -> Iterator[Connection]:
    """A transaction that tells the SQL the caller is the system (sees every jurisdiction)."""
    from gridmap.access import SYSTEM, apply_scope

    with _transaction(url) as conn:
        apply_scope(conn, SYSTEM)
        yield conn


@contextlib.contextmanager
def progress_bar(label: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr; yields the callback that advances it."""
    columns = [
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    ]
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def _fail(error: Exception) -> None:
    console.print(f"[red]error:[/red] {error}")
    raise typer.Exit(code=1)


@contextlib.contextmanager
def _clean_errors() -> Iterator[None]:
    try:
        yield
    except GridmapError as error:
        _fail(error)


# -- serve ----------------------------------------------------------------------------------


def _raise_on_sigterm() -> None:
    """Until uvicorn takes over signals, SIGTERM unwinds like Ctrl-C so the cluster stops."""

    def handler(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, handler)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "",
    port: Annotated[int, typer.Option(help="port to listen on")] = 0,
    demo: Annotated[bool, typer.Option(help="load the demo county into an empty database")] = True,
) -> None:
    """Run the web service: database (embedded unless configured), migrations, demo, web."""
    import uvicorn

    from gridmap.api.main import create_app

    settings = get_settings()
    host = host or settings.server.host
    port = port or settings.server.port
    _raise_on_sigterm()
    try:
        with _clean_errors(), database_running(settings):
            where = (
                "embedded cluster in " + str(settings.db.data_dir)
                if settings.db.embedded
                else "external database"
            )
            console.print(f"database: {where}")
            loaded = bootstrap.prepare(settings, demo)
            if loaded:
                console.print(f"empty database: loaded {json.dumps(loaded, ensure_ascii=False)}")
            if "users" in loaded:
                console.print(
                    f"demo accounts with their passwords: {loaded['users']} (only you can read it)"
                )
            console.print(f"gridmap on http://{host}:{port}/")
            config = uvicorn.Config(create_app(settings), host=host, port=port, log_level="info")
            uvicorn.Server(config).run()
    except KeyboardInterrupt:
        console.print("interrupted")
    console.print("stopped")


# -- database -------------------------------------------------------------------------------


def _embedded_only() -> None:
    if get_settings().db.database_url:
        _fail(GridmapError("GRIDMAP_DATABASE_URL is set: there is no embedded cluster to manage"))


@db_app.command("start")
def db_start() -> None:
    """Start the embedded cluster (initialising it the first time) and leave it running."""
    _embedded_only()
    cluster = embedded_cluster()
    with _clean_errors():
        started = cluster.start()
    console.print(("started: " if started else "already running: ") + cluster.status())


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded cluster."""
    _embedded_only()
    with _clean_errors():
        stopped = embedded_cluster().stop()
    console.print("stopped" if stopped else "was not running")


@db_app.command("status")
def db_status() -> None:
    """Say whether the embedded cluster runs (exit 0) or not (exit 3)."""
    settings = get_settings()
    if settings.db.database_url:
        console.print("external database (GRIDMAP_DATABASE_URL)")
        return
    cluster = embedded_cluster(settings)
    typer.echo(cluster.status())
    if not cluster.running:
        raise typer.Exit(code=3)


@db_app.command("psql", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def db_psql(ctx: typer.Context) -> None:
    """Open psql on the database (extra arguments go to psql)."""
    settings = get_settings()
    if settings.db.database_url:
        url = settings.db.database_url.replace("postgresql+psycopg://", "postgresql://")
        os.execvp("psql", ["psql", url, *ctx.args])
    with _clean_errors(), database_running(settings):
        import subprocess

        code = subprocess.call(embedded_cluster(settings).psql_argv(*ctx.args))
    raise typer.Exit(code=code)


@app.command()
def migrate_(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Run the database migrations (to head by default)."""
    with _clean_errors(), database_running() as url:
        migrate.upgrade(url, revision)
        with _transaction(url) as conn:
            console.print(f"database at revision {migrate.current_revision_of(conn)}")


app.registered_commands[-1].name = "migrate"


# -- data -----------------------------------------------------------------------------------


@load_app.command("regions")
def load_regions() -> None:
    """Load the national region codes (province → township, NBS 2023), in one transaction."""
    from gridmap.layers import regions

    with _clean_errors(), database_running() as url:
        migrate.upgrade(url)
        frame = regions.read_code_lists()
        with progress_bar("regions", len(frame)) as advance, _transaction(url) as conn:
            counts = regions.load_code_lists(conn, frame, advance)
    console.print(
        f"regions: {counts['rows']} read, {counts['inserted']} new, {counts['updated']} changed"
    )


@import_app.command("regions")
def import_regions(
    file: Annotated[Path, typer.Argument(help="GeoJSON, GeoPackage or zipped Shapefile")],
    code_field: Annotated[str, typer.Option(help="field holding the 12-digit region code")],
    crs: Annotated[str | None, typer.Option(help="the file's CRS (EPSG:…, GCJ-02, BD-09)")] = None,
) -> None:
    """Attach boundaries to regions by code; rejects go to FILE.rejects.csv/.geojson."""
    from gridmap import loaders

    with _clean_errors(), database_running() as url:
        migrate.upgrade(url)
        with (
            progress_bar(f"boundaries from {file.name}", None) as advance,
            _transaction(url) as conn,
        ):
            report = loaders.import_region_boundaries(conn, file, code_field, crs, advance)
    console.print(
        f"{report.read} features read, {report.written} boundaries written,"
        f" {report.rejected} rejected"
    )
    for path in report.rejects_files:
        console.print(f"  rejects: {path}")


@import_app.command("grids")
def import_grids(
    file: Annotated[Path, typer.Argument(help="GeoJSON, GeoPackage or zipped Shapefile")],
    department: Annotated[str, typer.Option(help="the department whose grids these are")],
    crs: Annotated[
        str | None, typer.Option(help="the file's CRS (EPSG:…, GCJ-02, BD-09); else its own")
    ] = None,
    code_field: Annotated[str | None, typer.Option(help="the department's grid code")] = None,
    name_field: Annotated[str | None, typer.Option(help="the grid's name")] = None,
) -> None:
    """Import one department's grid layer (部门网格); rejects go to FILE.rejects.csv/.geojson."""
    from gridmap import loaders

    with _clean_errors(), database_running() as url:
        migrate.upgrade(url)
        with progress_bar(f"{department} grids", None) as advance, _transaction(url) as conn:
            report = loaders.import_department_grids(
                conn, file, department, crs, code_field, name_field, on_progress=advance
            )
    console.print(
        f"{department}: {report.read} features read, {report.written} grids written"
        f" ({report.details['repaired']} repaired), {report.rejected} rejected;"
        f" source {report.details['source_id']}"
    )
    for path in report.rejects_files:
        console.print(f"  rejects: {path}")


export_app = typer.Typer(help="Export layers to files.", no_args_is_help=True)
app.add_typer(export_app, name="export")


@export_app.command("crosswalk")
def export_crosswalk(
    region: Annotated[str, typer.Option(help="the region of the merge")],
    output: Annotated[Path, typer.Option("-o", "--output", help="a .csv file")],
) -> None:
    """Export the newest merge's crosswalk: department grid ↔ unified grid, shared area."""
    from gridmap import planning

    with _clean_errors(), database_running() as url, _transaction(url) as conn:
        runs = planning.merges(conn, region)
        if not runs:
            raise GridmapError(f"region {region} has not been merged yet (gridmap merge)")
        frame = planning.crosswalk_frame(conn, runs[0]["id"])
    frame.to_csv(output, index=False, encoding="utf-8-sig")
    console.print(f"{len(frame)} crosswalk rows of merge {runs[0]['id']} written to {output}")


@export_app.command("grids")
def export_grids(
    output: Annotated[Path, typer.Option("-o", "--output", help=".gpkg .geojson .shp.zip .csv")],
    region: Annotated[str | None, typer.Option(help="region code (default: all)")] = None,
    encoding: Annotated[str, typer.Option(help="Shapefile encoding: UTF-8 or GBK")] = "UTF-8",
) -> None:
    """Export the unified grid system (format from the file's suffix)."""
    from gridmap.codes import parse_region_code
    from gridmap.layers import grids
    from gridmap.ops.vector_io import export_format, write_vector

    with _clean_errors():
        export_format(output)
        prefix = parse_region_code(region).prefix if region else None
        with database_running() as url, _transaction(url) as conn:
            frame = grids.export_frame(conn, prefix)
        write_vector(frame, output, encoding)
    console.print(f"{len(frame)} grids written to {output}")


@app.command("merge")
def merge_cmd(
    region: Annotated[str, typer.Option(help="the region whose grid system to build")],
    base: Annotated[str, typer.Option(help="the department whose grids win overlaps")],
    reason: Annotated[str | None, typer.Option(help="why (kept in the history)")] = None,
    report: Annotated[Path | None, typer.Option(help="write the merge report (JSON) here")] = None,
) -> None:
    """Merge the departments' newest grid layers into one coded, gap-free grid system."""
    from gridmap import planning

    with (
        _clean_errors(),
        database_running() as url,
        _transaction(url) as conn,
        console.status(f"merging the department layers of {region}…"),
    ):
        result = planning.merge_region(conn, get_settings(), region, base, reason)
    written = result["written"]
    console.print(
        f"merge {result['merge_id']}: {written['grids']} grids ({written['inserted']} new,"
        f" {written['updated']} changed, {written['unchanged']} unchanged,"
        f" {written['removed']} removed); valid coverage: {result.get('valid')}"
    )
    if report:
        report.write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str))
        console.print(f"report: {report}")


@app.command("divide")
def divide_cmd(
    region: Annotated[str, typer.Option(help="the region to re-divide")],
    grids: Annotated[int, typer.Option(help="how many grids")],
    points: Annotated[Path, typer.Option(help="point file whose weight the grids balance")],
    weight: Annotated[
        str | None, typer.Option(help="the weight field (default: 1 a point)")
    ] = None,
    crs: Annotated[
        str | None, typer.Option(help="the point file's CRS if it declares none")
    ] = None,
    method: Annotated[str, typer.Option(help="azp, bisect or skater")] = "azp",
    block_size: Annotated[float, typer.Option(help="block side, m")] = 150.0,
    output: Annotated[Path | None, typer.Option("-o", help="write the proposal here")] = None,
    accept: Annotated[bool, typer.Option(help="replace the region's grids with it")] = False,
) -> None:
    """Propose (and with --accept apply) N balanced, contiguous, gap-free grids for a region."""
    from gridmap import planning
    from gridmap.ops.balance import DivideOptions
    from gridmap.ops.vector_io import read_vector, write_vector

    with _clean_errors(), database_running() as url, _transaction(url) as conn:
        frame = read_vector(points, crs)
        with console.status(f"dividing {region} into {grids} grids…"):
            plan = planning.propose_division(
                conn,
                get_settings(),
                region,
                grids,
                frame,
                weight,
                DivideOptions(block_size_m=block_size, method=method),
            )
        report = plan.report
        console.print(
            f"{report['n']} grids, load min {report['min']:.0f} / mean {report['mean']:.0f} /"
            f" max {report['max']:.0f}, cv {report['cv']:.3f}"
        )
        if output:
            write_vector(plan.grids, output)
            console.print(f"proposal: {output}")
        if accept:
            written = planning.apply_plan(conn, plan, "divide", f"divided into {grids}")
            console.print(f"accepted: {written}")


demo_app = typer.Typer(
    help="The demo county, and generated cities for demos and benchmarks.",
    invoke_without_command=True,
)
app.add_typer(demo_app, name="demo")


@demo_app.callback()
def demo_cmd(
    ctx: typer.Context,
    townships: Annotated[
        Path | None, typer.Option(help="township polygons with a `name` field (else generated)")
    ] = None,
    grids: Annotated[int, typer.Option(help="about how many grids to generate")] = 240,
    seed: Annotated[int, typer.Option(help="random seed of the generated geometry")] = 2026,
) -> None:
    """(Re)load the demo county 弋阳县 with generated grids (without a subcommand)."""
    if ctx.invoked_subcommand is not None:
        return
    from gridmap import demo, loaders

    with _clean_errors(), database_running() as url:
        migrate.upgrade(url)
        with progress_bar("demo grids", None) as advance, _transaction(url) as conn:
            loaders.load_regions(conn)
            counts = demo.load_demo(conn, townships, grids, seed, advance)
    console.print(f"demo county 361126: {counts['townships']} townships, {counts['grids']} grids")


@demo_app.command("generate")
def demo_generate(
    out: Annotated[Path, typer.Option("-o", "--out", help="folder to write the city into")],
    grids: Annotated[int, typer.Option(help="about how many grids")] = 10_000,
    residents: Annotated[int, typer.Option(help="about how many residents")] = 5_000_000,
    seed: Annotated[int, typer.Option(help="random seed")] = 1,
    region: Annotated[
        str, typer.Option(help="city or county whose township codes are used (12 digits)")
    ] = "361100000000",
) -> None:
    """Write a generated city (grids, buildings, households, residents, places, things,
    organisations, grid staff) into files that `gridmap demo load` imports. Generated data,
    not real people."""
    from gridmap import city

    with _clean_errors(), progress_bar("residents", residents) as advance:
        manifest = city.generate(out, region, grids, residents, seed, advance)
    console.print(", ".join(f"{k}: {v}" for k, v in manifest.items() if isinstance(v, int)))
    console.print(f"written to {out}")


@demo_app.command("load")
def demo_load(
    folder: Annotated[Path, typer.Argument(help="a folder written by `gridmap demo generate`")],
) -> None:
    """Load a generated city through the real import path, in one transaction."""
    from gridmap import city

    with _clean_errors(), database_running() as url:
        migrate.upgrade(url)
        with progress_bar("rows", None) as advance, _scoped_transaction(url) as conn:
            counts = city.load(conn, folder, get_settings(), advance)
    console.print(json.dumps(counts, ensure_ascii=False))


def _import_ledger(layer: str) -> Callable[..., None]:
    def command(
        file: Annotated[
            Path, typer.Argument(help="CSV, .xlsx, or GeoJSON/GPKG for located layers")
        ],
        crs: Annotated[
            str | None, typer.Option(help="coordinates' CRS: EPSG:…, GCJ-02, BD-09 (else WGS84)")
        ] = None,
    ) -> None:
        from gridmap import imports

        with _clean_errors(), database_running() as url:
            migrate.upgrade(url)
            with progress_bar(f"{layer} rows", None) as advance, _scoped_transaction(url) as conn:
                report = imports.import_ledger(conn, layer, file, get_settings(), crs, advance)
        console.print(
            f"{layer}: {report.read} rows read, {report.written} written,"
            f" {report.rejected} rejected"
        )
        for reason, count in report.reasons.items():
            console.print(f"  {count} × {reason}")
        for path in report.rejects_files:
            console.print(f"  rejects: {path}")

    command.__doc__ = (
        f"Import a {layer.replace('_', ' ')} ledger (台账); rows are checked in SQL, rejects go"
        " to FILE.rejects.csv, and a file that fails half-way changes nothing."
    )
    return command


for _layer in ("residents", "households", "buildings", "places", "things", "organisations"):
    import_app.command(_layer)(_import_ledger(_layer))
import_app.command("grid-workers")(_import_ledger("grid_workers"))


# -- users ----------------------------------------------------------------------------------


def _read_password(from_stdin: bool, prompt: str = "new password") -> tuple[str, bool]:
    """The password from stdin, or a generated one; True when generated (to print once)."""
    from gridmap import auth

    if from_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    return auth.generate_password(), True


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="username")],
    role: Annotated[
        str, typer.Option(help="admin, planner, dispatcher, engineer, grid_worker, viewer")
    ],
    jurisdiction: Annotated[str, typer.Option(help="region code (12 digits) or grid code")],
    display_name: Annotated[str, typer.Option(help="a person's name")] = "",
    password_stdin: Annotated[bool, typer.Option(help="read the password from stdin")] = False,
) -> None:
    """Add a user; prints a generated password once (or reads one with --password-stdin)."""
    from gridmap import accounts

    password, generated = _read_password(password_stdin)
    with _clean_errors(), database_running() as url:
        migrate.upgrade(url)
        with _transaction(url) as conn:
            accounts.add_user(
                conn, get_settings(), name, role, jurisdiction, password, display_name
            )
    console.print(f"user {name} added: role {role}, jurisdiction {jurisdiction}")
    if generated:
        typer.echo(f"password: {password}")


@user_app.command("passwd")
def user_passwd(
    name: Annotated[str, typer.Argument(help="username")],
    password_stdin: Annotated[bool, typer.Option(help="read the password from stdin")] = False,
) -> None:
    """Set a new password (generated and printed once, or read with --password-stdin)."""
    from gridmap import accounts

    password, generated = _read_password(password_stdin)
    with _clean_errors(), database_running() as url, _transaction(url) as conn:
        accounts.change_password(conn, name, password)
    console.print(f"password of {name} changed; failed-login lock cleared")
    if generated:
        typer.echo(f"password: {password}")


@user_app.command("list")
def user_list() -> None:
    """List users: name, role, jurisdiction, state."""
    from gridmap.layers import users

    with _clean_errors(), database_running() as url, _transaction(url) as conn:
        rows = users.list_users(conn)
    for row in rows:
        state = "disabled" if row["disabled"] else "active"
        typer.echo(f"{row['username']}\t{row['role']}\t{row['jurisdiction']}\t{state}")


def _set_disabled(name: str, disabled: bool) -> None:
    from gridmap.layers import audit, users

    with _clean_errors(), database_running() as url, _transaction(url) as conn:
        users.set_disabled(conn, name, disabled)
        audit.record(
            conn, "user_disable" if disabled else "user_enable", object_type="user", object_id=name
        )
    console.print(f"user {name} {'disabled' if disabled else 'enabled'}")


@user_app.command("disable")
def user_disable(name: Annotated[str, typer.Argument(help="username")]) -> None:
    """Disable a user: their sessions stop working at once."""
    _set_disabled(name, True)


@user_app.command("enable")
def user_enable(name: Annotated[str, typer.Argument(help="username")]) -> None:
    """Enable a disabled user again."""
    _set_disabled(name, False)


def main() -> None:  # pragma: no cover - console entry for `python -m gridmap`
    app(prog_name="gridmap")
    sys.exit(0)
