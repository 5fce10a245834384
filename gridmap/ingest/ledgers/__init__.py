"""The ledgers (台账) of people, places, things, organisations, departments and events, one
spec per layer, by name.

``gridmap import residents|buildings|… FILE`` and the upload endpoints call ``import_ledger``;
``load_directory`` loads a folder of ledgers in dependency order (grid staff, buildings, then
households, residents and the rest, departments before the events dispatched to them), as
``gridmap demo load`` does with a generated city.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection

from gridmap.core.errors import InvalidInput
from gridmap.core.settings import Settings
from gridmap.db.sql import Progress
from gridmap.ingest.ledger import Ledger, run_ledger
from gridmap.ingest.ledgers.buildings import BUILDINGS, HOUSEHOLDS
from gridmap.ingest.ledgers.cameras import CAMERAS, NATURAL_VILLAGES
from gridmap.ingest.ledgers.departments import DEPARTMENTS
from gridmap.ingest.ledgers.events import EVENTS
from gridmap.ingest.ledgers.grid_workers import GRID_WORKERS
from gridmap.ingest.ledgers.places import ORGANISATIONS, PLACES, THINGS
from gridmap.ingest.ledgers.residents import RESIDENTS
from gridmap.ingest.report import ImportReport

# in dependency order: households name buildings, residents name households, events name
# departments (and may name buildings)
LEDGERS: dict[str, Ledger] = {
    "grid_workers": GRID_WORKERS,
    "buildings": BUILDINGS,
    "households": HOUSEHOLDS,
    "residents": RESIDENTS,
    "places": PLACES,
    "things": THINGS,
    "organisations": ORGANISATIONS,
    "natural_villages": NATURAL_VILLAGES,
    "cameras": CAMERAS,
    "departments": DEPARTMENTS,
    "events": EVENTS,
}
SUFFIXES = (".csv", ".xlsx", ".geojson", ".gpkg")


def ledger(layer: str) -> Ledger:
    try:
        return LEDGERS[layer.replace("-", "_")]
    except KeyError:
        raise InvalidInput(
            f"no ledger import for {layer!r} (layers: {', '.join(LEDGERS)})", field="layer"
        ) from None


def import_ledger(
    conn: Connection,
    layer: str,
    path: Path,
    settings: Settings,
    crs: str | None = None,
    on_progress: Progress | None = None,
    generated: bool = False,
) -> ImportReport:
    """Import one ledger file into ``layer`` in the caller's transaction."""
    return run_ledger(conn, ledger(layer), path, settings, crs, on_progress, generated)


def ledger_files(folder: Path) -> list[tuple[str, Path]]:
    """The ledger files of a folder (``<layer>.csv`` and the like), in dependency order."""
    found = []
    for layer in LEDGERS:
        for suffix in SUFFIXES:
            path = folder / f"{layer}{suffix}"
            if path.exists():
                found.append((layer, path))
                break
    if not found:
        raise InvalidInput(
            f"{folder} holds no ledger files (expected e.g. residents.csv, buildings.csv)"
        )
    return found


def load_directory(
    conn: Connection,
    folder: Path,
    settings: Settings,
    crs: str | None = None,
    on_progress: Progress | None = None,
    generated: bool = False,
) -> list[ImportReport]:
    """Import every ledger of ``folder`` in dependency order, in one transaction."""
    return [
        import_ledger(conn, layer, path, settings, crs, on_progress, generated)
        for layer, path in ledger_files(folder)
    ]
