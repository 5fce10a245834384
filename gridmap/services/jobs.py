"""Running long work in the background for a caller, with its progress in the ``jobs`` table."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine

from gridmap.core.access import Principal
from gridmap.core.errors import GridmapError
from gridmap.db.scope import apply_scope
from gridmap.db.sql import bulk_work
from gridmap.layers import jobs

log = logging.getLogger("gridmap.jobs")

Work = Callable[[Connection, Callable[[int], None]], dict[str, Any]]


def start(engine: Engine, principal: Principal, kind: str, total: int | None = None) -> str:
    """Create a queued job owned by the caller (``total``: the units of work, when known);
    returns its id."""
    with engine.begin() as conn:
        apply_scope(conn, principal)
        return jobs.create(conn, kind, principal.scope, total)


def run(engine: Engine, principal: Principal, job_id: str, work: Work) -> None:
    """Run ``work(conn, advance)`` in one transaction as the caller; progress and the outcome go
    to the job in transactions of their own. A failure rolls the work back, and says why."""
    done = 0

    def status(**fields: Any) -> None:
        with engine.begin() as conn:
            apply_scope(conn, principal)
            jobs.update(conn, job_id, **fields)

    def advance(n: int) -> None:
        nonlocal done
        done += n
        status(done=done)

    status(state="running")
    try:
        with engine.begin() as conn:
            apply_scope(conn, principal)
            bulk_work(conn)
            result = work(conn, advance)
    except GridmapError as error:
        status(state="failed", message=str(error))
        return
    except Exception:  # the job must end in a state, whatever happened
        log.exception("job %s failed", job_id)
        status(state="failed", message="internal error: the work could not be completed")
        return
    status(state="done", result=result, message="done")
