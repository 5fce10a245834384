"""Ledger imports (台账导入) with what follows them in the same transaction: cameras imported get
their views drawn, buildings imported redraw the views of the cameras near them (a new
footprint may hide part of what a camera sees), and events imported are counted into the KPIs
kept by month."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gridmap.core.settings import Settings
from gridmap.db.sql import Progress
from gridmap.ingest import ledgers
from gridmap.ingest.report import ImportReport
from gridmap.services import cameras
from gridmap.services import events as event_service

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
    camera views it made stale and count the months of events it wrote."""
    report = ledgers.import_ledger(conn, layer, path, settings, crs, on_progress, generated)
    redraw_views(conn, settings, [report])
    if layer == "events" and report.written:
        event_service.count_months(conn, settings)
    return report


def redraw_views(conn: Any, settings: Settings, reports: list[ImportReport]) -> None:
    """Redraw the camera views that the imports of ``reports`` made stale (also after a folder
    loaded through ``ledgers.load_directory``, such as a generated city)."""
    if any(r.layer.replace("-", "_") in _REDRAWS_VIEWS and r.written for r in reports):
        cameras.draw_views(conn, settings, stale_only=True)
