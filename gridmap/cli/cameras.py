"""``gridmap cameras …``: the engineer's batch work on Sharp Eyes cameras (雪亮工程)."""

from __future__ import annotations

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
