"""What every command shares: the console, transactions, a progress bar and clean errors.

Every command that needs the database uses the configured ``GRIDMAP_DATABASE_URL`` or, with
none, the embedded cluster in ``GRIDMAP_DATA_DIR``, started for the command's duration when it
is not already running (a running one is left running).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Connection

from gridmap.core.access import SYSTEM
from gridmap.core.errors import GridmapError
from gridmap.core.settings import get_settings
from gridmap.db.engine import engine_for
from gridmap.db.scope import apply_scope

console = Console(stderr=True)


@contextlib.contextmanager
def transaction(url: str) -> Iterator[Connection]:
    with engine_for(get_settings(), url).begin() as conn:
        yield conn


@contextlib.contextmanager
def scoped_transaction(url: str) -> Iterator[Connection]:
    """A transaction that tells the SQL the caller is the system (sees every jurisdiction)."""
    with transaction(url) as conn:
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


def fail(error: Exception) -> None:
    console.print(f"[red]error:[/red] {error}")
    raise typer.Exit(code=1)


@contextlib.contextmanager
def clean_errors() -> Iterator[None]:
    try:
        yield
    except GridmapError as error:
        fail(error)
