"""Ledger imports (台账导入) with what follows them in the same transaction: cameras imported get
their views drawn, and buildings imported redraw the views of the cameras near them (a new
footprint may hide part of what a camera sees)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gridmap.core.settings import Settings
from gridmap.db.sql import Progress
from gridmap.ingest import ledgers
from gridmap.ingest.report import ImportReport
from gridmap.services import cameras

# layers whose import changes what cameras see
_REDRAWS_VIEWS = ("cameras", "buildings")


def import_ledger(
    conn: Any,
    settings: Settings,
    layer: str,
    path: Path,
    crs: str | None = None,
    on_progress: Progress | None = None,
    generated: bool = False,
) -> ImportReport:
    """Import one ledger file into ``layer`` in the caller's transaction, then redraw the
    camera views it made stale."""
    report = ledgers.import_ledger(conn, layer, path, settings, crs, on_progress, generated)
    redraw_views(conn, settings, [report])
    return report


def redraw_views(conn: Any, settings: Settings, reports: list[ImportReport]) -> None:
    """Redraw the camera views that the imports of ``reports`` made stale (also after a folder
    loaded through ``ledgers.load_directory``, such as a generated city)."""
    if any(r.layer.replace("-", "_") in _REDRAWS_VIEWS and r.written for r in reports):
        cameras.draw_views(conn, settings, stale_only=True)
