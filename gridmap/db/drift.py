"""Does the model (the layers' ``Table``s) describe the database the migrations build?

``comparison_options`` is what ``migrations/env.py`` gives Alembic, so ``alembic revision
--autogenerate`` compares the same way; ``differences`` is Alembic's comparison plus what Alembic
leaves out (constraint names, index methods, operator classes, partial-index conditions). An
empty answer means autogenerate would propose nothing.
"""

from __future__ import annotations

import warnings
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from geoalchemy2 import alembic_helpers
from sqlalchemy import (
    CheckConstraint,
    Connection,
    Double,
    Float,
    MetaData,
    UniqueConstraint,
    inspect,
)
from sqlalchemy.dialects.postgresql import DOUBLE_PRECISION, REAL

# tables that are not ours to migrate
POSTGIS_TABLES = {"spatial_ref_sys"}  # PostGIS's own (geometry_columns etc. are views)
ALEMBIC_TABLES = {"alembic_version"}  # Alembic's own (it skips it too; said here to be sure)
# schemas of PostGIS's optional extensions (postgis_tiger_geocoder, postgis_topology): only
# reflected if include_schemas=True is ever set, but never ours either way
POSTGIS_SCHEMAS = {"tiger", "tiger_data", "topology"}


def include_name(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
    """Filter by name, before reflection: skip what PostGIS and Alembic own."""
    if type_ == "schema":
        return name not in POSTGIS_SCHEMAS
    if type_ == "table":
        if parent_names.get("schema_name") in POSTGIS_SCHEMAS:
            return False
        return name not in POSTGIS_TABLES | ALEMBIC_TABLES
    return True


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Filter by object, after reflection: GeoAlchemy2's filter (spatial extensions' internal
    tables, by name) plus ours."""
    if not alembic_helpers.include_object(obj, name, type_, reflected, compare_to):
        return False
    if type_ == "table":
        schema = getattr(obj, "schema", None)
        return schema not in POSTGIS_SCHEMAS and name not in POSTGIS_TABLES | ALEMBIC_TABLES
    return True


def _float_bytes(type_: Any) -> int | None:
    """4 for real, 8 for double precision, None for a type that is not a float."""
    if not isinstance(type_, Float):
        return None
    if isinstance(type_, (Double, DOUBLE_PRECISION)):
        return 8
    if isinstance(type_, REAL):
        return 4
    # PostgreSQL: float(1..24) is real, float(25..53) and bare float are double precision
    return 4 if type_.precision is not None and type_.precision <= 24 else 8


def compare_type(
    context: Any,
    inspected_column: Any,
    metadata_column: Any,
    inspected_type: Any,
    metadata_type: Any,
) -> bool | None:
    """Alembic's type comparison (returns None: Alembic decides) made strict where it is lax:

    - collation: Alembic flags a collation only when both sides name one, so ``String(17)``
      against ``varchar(17) COLLATE "C"`` passes; gridmap's codes must be "C" (byte order keeps
      the prefix-range comparisons of the row-level security on the btree indexes);
    - float width: Alembic's PostgreSQL implementation takes FLOAT and DOUBLE PRECISION as
      synonyms, so ``Float(24)`` (real, 4 bytes) against double precision passes.
    """
    inspected_collation = getattr(inspected_type, "collation", None)
    metadata_collation = getattr(metadata_type, "collation", None)
    if inspected_collation != metadata_collation:
        return True
    if _float_bytes(inspected_type) != _float_bytes(metadata_type):
        return True
    return None


def comparison_options() -> dict[str, Any]:
    """Options for ``MigrationContext.configure(connection, opts=...)`` / ``context.configure``.

    - ``compare_type``: column types, with length, geometry type and SRID (Alembic's own
      comparison), and collation and float width (``compare_type`` above).
    - ``compare_server_default``: defaults, identity options and computed columns; every
      default in ``tables.py`` compares equal (PostgreSQL evaluates both sides when their text
      differs, e.g. ``''`` vs ``''::text``).
    - ``include_name``/``include_object``: skip PostGIS's and Alembic's own tables.
    - ``render_item``/``process_revision_directives``: GeoAlchemy2's Alembic helpers, so that
      generated scripts import ``Geometry`` and use its geospatial operations (no effect on
      the comparison itself).
    """
    return {
        "compare_type": compare_type,
        "compare_server_default": True,
        "include_name": include_name,
        "include_object": include_object,
        "render_item": alembic_helpers.render_item,
        "process_revision_directives": alembic_helpers.writer,
    }


def alembic_differences(connection: Any, metadata: MetaData) -> tuple[list[Any], list[str]]:
    """Alembic's diff list and the warnings it emitted while comparing (a warning means
    something it could not compare, e.g. a changed computed column)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        context = MigrationContext.configure(connection, opts=comparison_options())
        diffs = compare_metadata(context, metadata)
    return diffs, [f"{w.category.__name__}: {w.message}" for w in caught]


def extra_differences(connection: Any, metadata: MetaData) -> list[tuple[str, ...]]:
    """What Alembic does not compare but tables.py declares: constraint names (check, primary
    key, foreign key, unique), index methods, operator classes and partial-index conditions."""
    out: list[tuple[str, ...]] = []
    inspector = inspect(connection)
    existing = set(inspector.get_table_names())
    for table in metadata.sorted_tables:
        name = table.name
        if name not in existing:
            continue  # Alembic reports it
        # check constraints: names (their text is PostgreSQL's rewrite, so not compared)
        db_checks = {c["name"] for c in inspector.get_check_constraints(name)}
        md_checks = {c.name for c in table.constraints if isinstance(c, CheckConstraint)}
        for missing in sorted(db_checks - md_checks):
            out.append(("check_constraint_missing_in_metadata", name, missing))
        for extra in sorted(md_checks - db_checks):
            out.append(("check_constraint_missing_in_database", name, str(extra)))
        # primary key name and columns
        pk = inspector.get_pk_constraint(name)
        md_pk = (table.primary_key.name, [c.name for c in table.primary_key.columns])
        if (pk["name"], pk["constrained_columns"]) != md_pk:
            out.append(("primary_key", name, repr(pk), repr(md_pk)))
        # foreign key and unique constraint names
        db_fks = {fk["name"] for fk in inspector.get_foreign_keys(name)}
        md_fks = {fk.name for fk in table.foreign_key_constraints}
        if db_fks != md_fks:
            out.append(("foreign_key_names", name, repr(sorted(db_fks)), repr(sorted(md_fks))))
        db_uqs = {uq["name"] for uq in inspector.get_unique_constraints(name)}
        md_uqs = {c.name for c in table.constraints if isinstance(c, UniqueConstraint)}
        if db_uqs != md_uqs:
            out.append(("unique_names", name, repr(sorted(db_uqs)), repr(sorted(md_uqs))))
        # index method, operator classes, partial-index condition
        db_indexes = {ix["name"]: ix for ix in inspector.get_indexes(name)}
        for index in table.indexes:
            reflected = db_indexes.get(index.name)
            if reflected is None:
                continue  # Alembic reports it
            options = reflected.get("dialect_options", {})
            db = (
                options.get("postgresql_using", "btree"),
                options.get("postgresql_ops", {}),
                _normalize_where(options.get("postgresql_where")),
            )
            where = index.dialect_options["postgresql"]["where"]
            md = (
                index.dialect_options["postgresql"]["using"] or "btree",
                index.dialect_options["postgresql"]["ops"] or {},
                _normalize_where(None if where is None else str(where)),
            )
            if db != md:
                out.append(("index_options", name, index.name, repr(db), repr(md)))
    return out


def _normalize_where(where: str | None) -> str | None:
    if where is None:
        return None
    return where.replace("(", "").replace(")", "").replace(" ", "").lower()


def differences(connection: Connection, metadata: MetaData) -> list[Any]:
    """Everything that differs between ``metadata`` and the database (empty: nothing)."""
    diffs, caught = alembic_differences(connection, metadata)
    return [*diffs, *caught, *extra_differences(connection, metadata)]
