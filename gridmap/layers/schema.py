"""Every layer's tables on one ``MetaData``: what Alembic compares the migrations with."""

from __future__ import annotations

from gridmap.db.schema import metadata
from gridmap.layers import audit, grids, regions, ties, users  # noqa: F401  (declare the tables)

__all__ = ["metadata"]
