"""Five-colour risk kept by month (五色管控 history): each grid's colour, score and reasons as last
computed in a month, so the centre sees which grids changed colour and why.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

APP = "gridmap_app"
IN_SCOPE = (
    "(grid_code >= (SELECT gridmap_scope_lo()) AND grid_code < (SELECT gridmap_scope_hi())"
    " AND (SELECT gridmap_can('analytics:read')))"
)


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE risk_history (
          grid_code varchar(15) COLLATE "C" NOT NULL,
          month date NOT NULL CHECK (extract(day FROM month) = 1),
          colour text NOT NULL,
          score real NOT NULL,
          reasons jsonb NOT NULL DEFAULT '[]',
          computed_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (grid_code, month)
        )
        """
    )
    op.execute("COMMENT ON TABLE risk_history IS 'five-colour risk by month (五色管控)'")
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON risk_history TO {APP}")
    op.execute("ALTER TABLE risk_history ENABLE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY risk_history_read ON risk_history FOR SELECT TO {APP} USING ({IN_SCOPE})"
    )
    op.execute(
        f"CREATE POLICY risk_history_insert ON risk_history FOR INSERT TO {APP}"
        f" WITH CHECK ({IN_SCOPE})"
    )
    op.execute(
        f"CREATE POLICY risk_history_update ON risk_history FOR UPDATE TO {APP}"
        f" USING ({IN_SCOPE}) WITH CHECK ({IN_SCOPE})"
    )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS risk_history")
