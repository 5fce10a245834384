"""``gridmap serve``: database (embedded unless configured), migrations, demo, web."""

from __future__ import annotations

import json
import os
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


def _workers(wanted: int) -> int:
    """Worker processes: as asked, or one per CPU core the process may use."""
    return wanted or max(1, len(os.sched_getaffinity(0)))


def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "",
    port: Annotated[int, typer.Option(help="port to listen on")] = 0,
    demo: Annotated[bool, typer.Option(help="load the demo county into an empty database")] = True,
    workers: Annotated[
        int, typer.Option(help="worker processes (0: one per CPU core; GRIDMAP_WORKERS)")
    ] = -1,
    access_log: Annotated[
        bool | None, typer.Option(help="log a line per request (GRIDMAP_ACCESS_LOG)")
    ] = None,
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
            count = _workers(workers if workers >= 0 else settings.server.workers)
            console.print(f"gridmap on http://{host}:{port}/ ({count} workers)")
            logged = settings.server.access_log if access_log is None else access_log
            if count == 1:
                app = create_app(settings)
                config = uvicorn.Config(
                    app, host=host, port=port, log_level="info", access_log=logged
                )
                uvicorn.Server(config).run()
            else:  # each worker builds the app from the same settings (the environment)
                uvicorn.run(
                    "gridmap.api.main:create_app",
                    factory=True,
                    host=host,
                    port=port,
                    workers=count,
                    log_level="info",
                    access_log=logged,
                )
    except KeyboardInterrupt:
        console.print("interrupted")
    console.print("stopped")
