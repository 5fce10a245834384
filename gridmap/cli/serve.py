"""``gridmap serve``: database (embedded unless configured), migrations, demo, web."""

from __future__ import annotations

import json
import signal
from typing import Annotated

import typer

from gridmap.cli.common import (
    clean_errors,
    console,
)
from gridmap.core.settings import get_settings
from gridmap.db.engine import database_running


def _raise_on_sigterm() -> None:
    """Until uvicorn takes over signals, SIGTERM unwinds like Ctrl-C so the cluster stops."""

    def handler(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, handler)


def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "",
    port: Annotated[int, typer.Option(help="port to listen on")] = 0,
    demo: Annotated[bool, typer.Option(help="load the demo county into an empty database")] = True,
) -> None:
    """Run the web service: database (embedded unless configured), migrations, demo, web."""
    import uvicorn

    from gridmap.api.main import create_app
    from gridmap.services import bootstrap

    settings = get_settings()
    host = host or settings.server.host
    port = port or settings.server.port
    _raise_on_sigterm()
    try:
        with clean_errors(), database_running(settings):
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
