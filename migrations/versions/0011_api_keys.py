"""Personal API keys (个人访问密钥): desktop GIS clients (QGIS, GDAL's OGR) sign in with a key
sent as a header or as the password of HTTP Basic, scoped exactly as its user.

A key is shown once; only its SHA-256 is kept. The application role sees its caller's keys
(and a user administrator those of the users they may see) without the hash, and checks a key
only through ``gridmap_api_key_check``, which answers with the user as a session check does and
notes when the key was last used (at most once a minute, so a map's tiles do not each write).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

APP = "gridmap_app"
_DEFINER = "SECURITY DEFINER SET search_path = public, pg_temp"


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE api_keys (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
          name text NOT NULL CHECK (name <> '' AND length(name) <= 100),
          prefix text NOT NULL UNIQUE CHECK (prefix ~ '^[0-9a-f]{8}$'),
          secret_hash bytea NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          expires_at timestamptz,
          last_used_at timestamptz,
          revoked_at timestamptz
        )
        """
    )
    op.execute("CREATE INDEX api_keys_user_idx ON api_keys (user_id)")
    op.execute("COMMENT ON TABLE api_keys IS 'personal API keys (个人访问密钥), hashed'")
    op.execute(
        f"GRANT SELECT (id, user_id, name, prefix, created_at, expires_at, last_used_at,"
        f" revoked_at), INSERT (user_id, name, prefix, secret_hash, expires_at),"
        f" UPDATE (revoked_at) ON api_keys TO {APP}"
    )
    op.execute("ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY")
    # who the caller is, whether or not their role may read the users table
    op.execute(
        f"""
        CREATE FUNCTION gridmap_user_id() RETURNS bigint LANGUAGE sql STABLE {_DEFINER} AS $$
          SELECT id FROM users WHERE username = current_setting('gridmap.user', true)
        $$
        """
    )
    op.execute(f"GRANT EXECUTE ON FUNCTION gridmap_user_id() TO {APP}")
    # the caller's own keys; a user administrator's: the keys of users in their jurisdiction
    mine = "user_id = gridmap_user_id()"
    administered = (
        "(gridmap_can('users:write') AND EXISTS (SELECT 1 FROM users u WHERE u.id = user_id"
        " AND u.scope >= gridmap_scope_lo() AND u.scope < gridmap_scope_hi()))"
    )
    op.execute(
        f"CREATE POLICY api_keys_read ON api_keys FOR SELECT TO {APP}"
        f" USING ({mine} OR {administered})"
    )
    op.execute(f"CREATE POLICY api_keys_insert ON api_keys FOR INSERT TO {APP} WITH CHECK ({mine})")
    op.execute(
        f"CREATE POLICY api_keys_revoke ON api_keys FOR UPDATE TO {APP}"
        f" USING ({mine} OR {administered}) WITH CHECK ({mine} OR {administered})"
    )
    op.execute(
        f"""
        CREATE FUNCTION gridmap_api_key_check(p_prefix text, p_hash bytea)
        RETURNS TABLE (id bigint, username text, role text, jurisdiction text, scope text,
                       kind text, expires_at timestamptz, department_id bigint)
        LANGUAGE plpgsql {_DEFINER} AS $$
        DECLARE
          key_id bigint;
          used timestamptz;
        BEGIN
          SELECT k.id, k.last_used_at INTO key_id, used FROM api_keys k JOIN users u
              ON u.id = k.user_id
           WHERE k.prefix = p_prefix AND k.secret_hash = p_hash AND k.revoked_at IS NULL
             AND (k.expires_at IS NULL OR k.expires_at > now()) AND NOT u.disabled;
          IF key_id IS NULL THEN
            RETURN;
          END IF;
          IF used IS NULL OR used < now() - interval '1 minute' THEN
            UPDATE api_keys SET last_used_at = now() WHERE api_keys.id = key_id;
          END IF;
          RETURN QUERY
            SELECT u.id, u.username::text, u.role::text, u.jurisdiction::text, u.scope::text,
                   'api_key'::text,
                   k.expires_at, u.department_id
              FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.id = key_id;
        END
        $$
        """
    )
    op.execute("REVOKE ALL ON FUNCTION gridmap_api_key_check(text, bytea) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION gridmap_api_key_check(text, bytea) TO {APP}")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS gridmap_api_key_check(text, bytea)")
    op.execute("DROP TABLE IF EXISTS api_keys")
    op.execute("DROP FUNCTION IF EXISTS gridmap_user_id()")
