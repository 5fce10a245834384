"""Indexes that serve the centre's queue in the order it is read, at city scale (a million
events, a few per cent of them open):

- ``events_open_reported_idx`` (``reported_at DESC, id DESC``, open events): a page of the open
  events in a state, newest first, reads its own rows, not every open event sorted (a city
  dispatcher's ``state=registered``, offset 100: 726 ms → 11 ms);
- ``events_deadline_idx`` (``deadline, id``): the queue sorted by deadline (``sort=deadline``)
  reads the first rows in order instead of sorting a million (1.1 s → 8 ms).

The duplicates suggested at intake still take ``events_open_pt_idx`` (checked with EXPLAIN on
the benchmark's million events; 0013 said why that matters).

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

OPEN = "state IN ('reported', 'registered', 'dispatched', 'accepted', 'handled')"


def upgrade() -> None:
    op.execute(
        f"CREATE INDEX events_open_reported_idx ON events (reported_at DESC, id DESC) WHERE {OPEN}"
    )
    op.execute("CREATE INDEX events_deadline_idx ON events (deadline, id)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS events_open_reported_idx, events_deadline_idx")
