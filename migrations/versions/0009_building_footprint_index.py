"""Building footprints get a GiST index: what each camera sees is cut by the footprints near it,
found by their box (a city holds about a million).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX buildings_footprint_idx ON buildings USING gist (footprint)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS buildings_footprint_idx")
