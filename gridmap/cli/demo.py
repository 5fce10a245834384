"""``gridmap demo``: the demo county, and generated cities for demos and benchmarks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from gridmap.cli.common import (
    clean_errors,
    console,
    progress_bar,
    scoped_transaction,
    transaction,
)
from gridmap.core.settings import get_settings
from gridmap.db import migrate
from gridmap.db.engine import database_running

demo_app = typer.Typer(
    help="The demo county, and generated cities for demos and benchmarks.",
    invoke_without_command=True,
)


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
    from gridmap.demo import county
    from gridmap.ingest.regions import load_regions

    with clean_errors(), database_running() as url:
        migrate.upgrade(url)
        with progress_bar("demo grids", None) as advance, transaction(url) as conn:
            load_regions(conn)
            counts = county.load_demo(conn, townships, grids, seed, advance)
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
    events: Annotated[
        int | None,
        typer.Option(help="events of the last year (default: 100,000 per 5 million residents)"),
    ] = None,
) -> None:
    """Write a generated city (grids, buildings, households, residents, places, things,
    organisations, grid staff, cameras, departments and a year of events) into files that `gridmap
    demo load` imports. Generated data, not real people or events."""
    from gridmap.demo import city
    from gridmap.demo.events import default_count

    wanted = default_count(residents) if events is None else events
    with clean_errors(), progress_bar("residents + events", residents + wanted) as advance:
        manifest = city.generate(
            out, region, grids, residents, seed, advance, wanted, advance, get_settings().cameras
        )
    console.print(", ".join(f"{k}: {v}" for k, v in manifest.items() if isinstance(v, int)))
    console.print(f"written to {out}")


@demo_app.command("load")
def demo_load(
    folder: Annotated[Path, typer.Argument(help="a folder written by `gridmap demo generate`")],
) -> None:
    """Load a generated city through the real import path, in one transaction (the cameras'
    views drawn after)."""
    from gridmap.demo import city
    from gridmap.services.cameras import draw_views

    with clean_errors(), database_running() as url:
        migrate.upgrade(url)
        with progress_bar("rows", None) as advance, scoped_transaction(url) as conn:
            counts = city.load(conn, folder, get_settings(), advance)
            counts["camera views"] = draw_views(conn, get_settings(), stale_only=True)["cameras"]
    console.print(json.dumps(counts, ensure_ascii=False))
