"""Layers: one module per layer, owning its tables, its row-level security and its queries.

Contributor rule: a table that holds rows bound to a jurisdiction gets its row-level security
policies in the same migration that creates it.
"""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base of every layer's GeoAlchemy2 models."""


# import the models so that Base.metadata knows every table (for Alembic's comparisons)
from gridmap.layers import audit, grids, regions, ties, users  # noqa: E402

metadata = Base.metadata

__all__ = ["Base", "audit", "grids", "metadata", "regions", "ties", "users"]
