"""``gridmap cameras …``: the engineer's batch work on Sharp Eyes cameras (雪亮工程)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from gridmap.cli.common import clean_errors, console, progress_bar, scoped_transaction
from gridmap.core.codes import parse_region_code
from gridmap.core.settings import get_settings
from gridmap.db.engine import database_running

cameras_app = typer.Typer(help="Sharp Eyes cameras (雪亮工程).", no_args_is_help=True)

RegionOption = Annotated[
    str | None, typer.Option(help="12-digit code of the region (default: everywhere)")
]


@cameras_app.command("views")
def views_cmd(
    region: RegionOption = None,
    stale_only: Annotated[
        bool, typer.Option(help="only views never drawn or older than the buildings near them")
    ] = False,
) -> None:
    """Redraw what each camera sees: its sector to the DORI range, minus what buildings hide."""
    from gridmap.services import cameras

    with clean_errors(), database_running() as url, scoped_transaction(url) as conn:
        prefix = parse_region_code(region).prefix if region else None
        total = cameras.views_to_draw(conn, prefix, stale_only)
        with progress_bar("camera views", total) as advance:
            done = cameras.draw_views(
                conn, get_settings(), prefix, stale_only=stale_only, on_progress=advance
            )
    console.print(
        f"{done['cameras']} views drawn ({done['without_view']} cameras see nothing);"
        f" defaults used: {done['defaults_used'] or 'none'}"
    )


@cameras_app.command("plan")
def plan_cmd(
    region: Annotated[str, typer.Option(help="12-digit code of the region to plan")],
    budget: Annotated[int, typer.Option(help="most new cameras")],
    quotas: Annotated[bool, typer.Option(help="meet the villages' camera quotas")] = True,
    output: Annotated[
        Path | None, typer.Option("-o", help="write the plan here (GeoJSON: views, sites)")
    ] = None,
    accept: Annotated[bool, typer.Option(help="write the plan's cameras as planned")] = False,
) -> None:
    """Plan where the next cameras go (选址): maximal coverage with the existing cameras kept."""
    from gridmap.services import camera_planning

    with clean_errors(), database_running() as url, scoped_transaction(url) as conn:
        settings = get_settings()
        prefix = parse_region_code(region).prefix
        with progress_bar("planning", 4) as advance:
            plan = camera_planning.plan(
                conn, settings, prefix, budget, quotas=quotas, on_progress=advance
            )
        if accept:
            records = camera_planning.planned_cameras(settings, plan["proposal"]["features"])
            written = camera_planning.write_planned(conn, settings, records, "plan:cli")
            console.print(f"{len(written)} planned cameras written")
    total = plan["total_weight"] or 1
    before, after = plan["existing_weight"] / total, plan["covered_weight"] / total
    greedy = plan["greedy"]["covered_weight"] / total
    console.print(
        f"{plan['used']} new cameras: demand seen {before:.1%} → {after:.1%} (greedy {greedy:.1%})"
    )
    if output:
        output.write_text(json.dumps(plan["proposal"], ensure_ascii=False))
        console.print(f"plan: {output}")
