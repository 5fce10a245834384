"""Alembic environment: the URL comes from gridmap (``gridmap migrate``) or alembic.ini."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from gridmap.db.engine import owner_url
from gridmap.layers.schema import metadata

config = context.config
target_metadata = metadata


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or owner_url()


def _include_object(obj, name, type_, reflected, compare_to) -> bool:
    # PostGIS's own tables are not ours to migrate
    return not (type_ == "table" and name in {"spatial_ref_sys"})


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            include_object=_include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
