"""Alembic environment: the URL comes from gridmap (``gridmap migrate``) or alembic.ini.

``target_metadata`` is the complete model of every table (``gridmap.layers.schema``), compared
the way ``gridmap.db.drift`` compares it, so ``alembic revision --autogenerate`` proposes only
real changes; RLS policies, triggers and functions are written by hand in the migrations.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from gridmap.db.drift import comparison_options
from gridmap.db.engine import owner_url
from gridmap.layers.schema import metadata

config = context.config
target_metadata = metadata


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or owner_url()


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection, target_metadata=target_metadata, **comparison_options()
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
