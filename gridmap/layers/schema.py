"""Every layer's tables on one ``MetaData``: what Alembic compares the migrations with."""

from __future__ import annotations

from gridmap.db.schema import metadata
from gridmap.layers import (  # noqa: F401  (importing them declares their tables)
    analytics,
    api_keys,
    audit,
    buildings,
    cameras,
    changes,
    events,
    fieldwork,
    grid_history,
    grid_workers,
    grids,
    jobs,
    merges,
    places,
    regions,
    residents,
    sources,
    ties,
    users,
)

__all__ = ["metadata"]
