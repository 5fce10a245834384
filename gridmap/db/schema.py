"""The one ``MetaData`` every layer's tables are declared on (Alembic's ``target_metadata``),
and the column types and columns the layers' tables share.

Each layer module declares its own tables beside the queries that own them;
``gridmap.layers.schema`` imports them all, so the metadata is complete. Row-level security,
policies, triggers and functions are not modelled: they stay in the migrations. A test checks
that Alembic's autogenerate finds no difference between this model and the migrations.
"""

from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Identity,
    Integer,
    MetaData,
    String,
    Text,
    text,
)

metadata = MetaData()


def code_type(length: int) -> String:
    """A region/grid code column type: ``varchar(length) COLLATE "C"`` (byte order, so that
    range comparisons on code prefixes use the btree indexes)."""
    return String(length, collation="C")


def multipolygon() -> Geometry:
    """``geometry(MultiPolygon, 4326)``; GiST indexes are declared as ``Index`` objects."""
    return Geometry("MULTIPOLYGON", srid=4326, spatial_index=False)


def point() -> Geometry:
    """``geometry(Point, 4326)``; GiST indexes are declared as ``Index`` objects."""
    return Geometry("POINT", srid=4326, spatial_index=False)


def identity_id() -> Column:
    """``id bigint GENERATED ALWAYS AS IDENTITY`` (the primary key is declared by name)."""
    return Column("id", BigInteger, Identity(always=True), nullable=False)


def now_column(name: str) -> Column:
    """``<name> timestamptz NOT NULL DEFAULT now()``."""
    return Column(name, DateTime(timezone=True), nullable=False, server_default=text("now()"))


def flag(name: str, default: bool = False) -> Column:
    """``<name> boolean NOT NULL DEFAULT false`` (or true)."""
    return Column(name, Boolean, nullable=False, server_default=text(str(default).lower()))


def counter(name: str) -> Column:
    """``<name> integer NOT NULL DEFAULT 0``: a counter."""
    return Column(name, Integer, nullable=False, server_default=text("0"))


def actor(name: str) -> Column:
    """``<name> text NOT NULL DEFAULT gridmap_actor()``: who did it (see migration 0002)."""
    return Column(name, Text, nullable=False, server_default=text("gridmap_actor()"))
