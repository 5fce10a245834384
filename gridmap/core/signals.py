"""Grid changes (网格变更): what an edit or merge changed, told to the layers tied to grids.

Layers whose records are tied to grids (people, places, events, cameras) give the catalogue
(``gridmap.catalog``) a hook that re-ties their records for the changed area; the grid edit's
service calls every hook in its own transaction, so either the edit and the re-tie both commit
or neither does. A layer whose re-tying is too big for a request can queue a tracked job.
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
