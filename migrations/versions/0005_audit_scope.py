"""Audit entries in the jurisdiction they are about, so its admins see them.

Until now reads of personal data (``pii_read``), sign-ins and account changes were written
without a ``scope``, which only a whole-system admin could read. From now on each entry carries
the jurisdiction of what it is about (the grid of the residents read; the user's jurisdiction
for a sign-in); this migration gives the existing entries theirs:

- a read of residents: the longest code prefix their grids share (one grid: that grid);
- sign-ins, sign-outs, failed attempts and account changes: the account's jurisdiction;
- ledger and grid imports: the jurisdiction of who imported.

Entries about the whole system (code lists, a whole-system user) keep no scope.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# the longest prefix two codes share: that of the lowest and highest code of a set is the
# prefix the whole set shares
_COMMON_PREFIX = """
    nullif(left(r.lo, (SELECT coalesce(min(i) - 1, length(r.lo))
                         FROM generate_series(1, length(r.lo)) i
                        WHERE substr(r.lo, i, 1) IS DISTINCT FROM substr(r.hi, i, 1))), '')
"""

ACCOUNT_ACTIONS = (
    "('login', 'login_failed', 'logout', 'user_passwd', 'user_disable', 'user_enable')"
)


def upgrade() -> None:
    # append-only for everyone, the owner too: lifted only while the scopes are filled in
    op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    op.execute(
        f"""
        WITH reads AS (
          SELECT a.id, min(b.grid_code) AS lo, max(b.grid_code) AS hi
            FROM audit_log a
           CROSS JOIN LATERAL jsonb_array_elements_text(a.detail -> 'residents') AS r(id)
            JOIN residents p ON p.id = r.id::bigint
            JOIN buildings b ON b.id = p.building_id
           WHERE a.action = 'pii_read' AND a.scope IS NULL
           GROUP BY a.id)
        UPDATE audit_log a SET scope = {_COMMON_PREFIX}
          FROM reads r WHERE a.id = r.id
        """
    )
    op.execute(
        f"""
        UPDATE audit_log a SET scope = nullif(u.scope, '*')
          FROM users u
         WHERE a.scope IS NULL AND a.action IN {ACCOUNT_ACTIONS}
           AND u.username = coalesce(a.object_id, a.actor)
        """
    )
    op.execute(
        """
        UPDATE audit_log a SET scope = nullif(u.scope, '*')
          FROM users u
         WHERE a.scope IS NULL AND a.action LIKE '%import' AND u.username = a.actor
        """
    )
    op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")


def downgrade() -> None:
    # the scopes filled in stay: they are true, and the log is append-only
    pass
