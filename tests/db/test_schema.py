"""The model of every table (``gridmap.layers.schema``) is the database the migrations build:
Alembic's autogenerate finds nothing to add, drop or alter, and a change to the model shows."""

from __future__ import annotations

from sqlalchemy import Column, Connection, Index, MetaData, Text

from gridmap.db import drift
from gridmap.layers.schema import metadata


def _copy() -> MetaData:
    copy = MetaData()
    for table in metadata.sorted_tables:
        table.to_metadata(copy)
    return copy


def test_the_model_has_every_table(conn: Connection) -> None:
    tables = set(
        conn.exec_driver_sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            " AND tablename NOT IN ('spatial_ref_sys', 'alembic_version')"
        ).scalars()
    )
    assert tables == set(metadata.tables)


def test_autogenerate_finds_no_difference(conn: Connection) -> None:
    assert drift.differences(conn, metadata) == []


def test_a_change_to_the_model_is_found(conn: Connection) -> None:
    changed = _copy()
    grids = changed.tables["grids"]
    grids.append_column(Column("colour", Text))
    for index in list(changed.tables["buildings"].indexes):
        if index.name == "buildings_pt_idx":
            changed.tables["buildings"].indexes.remove(index)
    Index("grids_name_idx", grids.c.name)
    found = [str(d) for d in drift.differences(conn, changed)]
    assert any("add_column" in d and "colour" in d for d in found), found
    assert any("remove_index" in d and "buildings_pt_idx" in d for d in found), found
    assert any("add_index" in d and "grids_name_idx" in d for d in found), found
