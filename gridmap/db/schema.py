"""The one ``MetaData`` every layer's tables are declared on (Alembic's ``target_metadata``).

Each layer module declares its own tables beside the queries that own them;
``gridmap.layers.schema`` imports them all, so the metadata is complete.
"""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

metadata = MetaData()


class Base(DeclarativeBase):
    """Declarative base of the layers' GeoAlchemy2 models."""

    metadata = metadata
