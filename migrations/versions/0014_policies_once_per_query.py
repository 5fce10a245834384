"""Row-level security asks who the caller is once per query, not once per row.

Every policy calls the caller's functions (``gridmap_can('…')``, ``gridmap_scope_lo()``,
``gridmap_department()`` …), which read settings of the transaction. Called as they are, the
planner evaluates them for every row a scan reads (a million events: the policy doubled a
KPI's scan). Wrapped in a scalar subquery, each becomes an init plan evaluated once, and the
range comparisons against it can still use the indexes. The policies keep their meaning; this
rewrites each one's expressions in place.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# the caller's functions, as pg_policies shows them in a policy's expression
_CALL = r"(gridmap_(can|scope|scope_lo|scope_hi|department|user_id|actor)\([^()]*\))"


def _rewrite(pattern: str, replacement: str) -> None:
    op.execute(
        f"""
        DO $$
        DECLARE
          p record;
          using_expr text;
          check_expr text;
        BEGIN
          FOR p IN SELECT tablename, policyname, qual, with_check FROM pg_policies
                    WHERE schemaname = 'public' LOOP
            using_expr := regexp_replace(p.qual, '{pattern}', '{replacement}', 'g');
            check_expr := regexp_replace(p.with_check, '{pattern}', '{replacement}', 'g');
            IF using_expr IS DISTINCT FROM p.qual THEN
              EXECUTE format('ALTER POLICY %I ON %I USING (%s)', p.policyname, p.tablename,
                             using_expr);
            END IF;
            IF check_expr IS DISTINCT FROM p.with_check THEN
              EXECUTE format('ALTER POLICY %I ON %I WITH CHECK (%s)', p.policyname,
                             p.tablename, check_expr);
            END IF;
          END LOOP;
        END
        $$
        """
    )


def upgrade() -> None:
    _rewrite(_CALL, r"(SELECT \1)")


def downgrade() -> None:
    _rewrite(r"\(SELECT " + _CALL + r"\)", r"\1")
