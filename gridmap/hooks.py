"""Hooks run inside a grid edit's transaction, so records tied to grids follow their grid.

Later layers (people, places, events, cameras) register a function that re-ties their records
for the changed area; it runs in the same transaction as the edit, so either both commit or
neither does. A layer whose re-tying is too big for a request can queue a tracked job instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection


@dataclass(frozen=True)
class GridChange:
    """What an edit changed: the operation, the grids it touched, created and removed, and the
    area (WKB, EPSG:4326) whose records may now lie in another grid."""

    operation: str
    changed: list[str]
    created: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    area_wkb: bytes | None = None


GridHook = Callable[[Connection, GridChange], None]
_hooks: list[GridHook] = []


def on_grids_changed(hook: GridHook) -> GridHook:
    """Register a hook (use as a decorator in the layer that owns grid-tied records)."""
    _hooks.append(hook)
    return hook


def grids_changed(conn: Connection, change: GridChange) -> None:
    for hook in list(_hooks):
        hook(conn, change)
