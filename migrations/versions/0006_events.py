"""Events (事件): departments and units that handle them, the events, their append-only history
and their photos.

An event is tied to the grid (and micro-grid) holding its point, or to the grid it names; its
row-level security is keyed on that grid like every layer's, so a village worker sees his
grid's events, a township dispatcher his township's. A department's staff (role ``department``)
see the events dispatched to their department instead: the session says which department
(``gridmap.department``, set from the user's ``department_id`` at every request). Residents
(Open311, the public form) may report, and read back only what is flagged public.

Milestones (when registered, dispatched, handled, closed; on time or not; how many dispatches,
reworks and returns) are kept on the event by the transitions, so the KPIs of a city-year are
one pass over ``events``; ``event_history`` keeps every transition with who, when, from, to and
why, and is append-only.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

APP = "gridmap_app"
_DEFINER = "SECURITY DEFINER SET search_path = public, pg_temp"
IN_SCOPE = (
    "((grid_code >= gridmap_scope_lo() AND grid_code < gridmap_scope_hi())"
    " OR (micro_code >= gridmap_scope_lo() AND micro_code < gridmap_scope_hi()))"
)
# a department's staff: the events dispatched to their department now (to act on), and every
# event ever dispatched to it (to see: it keeps sight of what it handed back or finished)
MY_DEPARTMENT = "(gridmap_can('events:handle') AND department_id = gridmap_department())"
OUR_DEPARTMENT = "(gridmap_can('events:handle') AND departments @> ARRAY[gridmap_department()])"
LOCATED = ("buildings", "places", "things", "organisations", "events")


def _session_department() -> None:
    op.execute("ALTER TABLE users ADD COLUMN department_id bigint")
    op.execute(
        """
        CREATE FUNCTION gridmap_department() RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE
        AS $$ SELECT nullif(current_setting('gridmap.department', true), '')::bigint $$
        """
    )
    # the session check returns the user's department too (a new column: drop and create)
    op.execute("DROP FUNCTION gridmap_auth_check(uuid)")
    op.execute(
        f"""
        CREATE FUNCTION gridmap_auth_check(p_jti uuid)
        RETURNS TABLE (id bigint, username text, role text, jurisdiction text, scope text,
                       kind text, expires_at timestamptz, department_id bigint)
        LANGUAGE sql STABLE {_DEFINER} AS $$
          SELECT u.id, u.username, u.role, u.jurisdiction, u.scope, s.kind, s.expires_at,
                 u.department_id
            FROM auth_sessions s JOIN users u ON u.id = s.user_id
           WHERE s.jti = p_jti AND s.revoked_at IS NULL AND s.expires_at > now()
             AND NOT u.disabled
        $$
        """
    )
    op.execute("DROP FUNCTION gridmap_auth_lookup(text)")
    op.execute(
        f"""
        CREATE FUNCTION gridmap_auth_lookup(p_username text)
        RETURNS TABLE (id bigint, username text, password_hash text, role text,
                       jurisdiction text, scope text, disabled boolean, failed_logins integer,
                       locked_until timestamptz, department_id bigint)
        LANGUAGE sql STABLE {_DEFINER} AS $$
          SELECT id, username, password_hash, role, jurisdiction, scope, disabled,
                 failed_logins, locked_until, department_id
            FROM users WHERE username = p_username
        $$
        """
    )
    for function in ("gridmap_auth_check(uuid)", "gridmap_auth_lookup(text)"):
        op.execute(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {function} TO {APP}")


def _departments() -> None:
    op.execute(
        """
        CREATE TABLE departments (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          code text COLLATE "C" NOT NULL UNIQUE CHECK (code <> ''),
          name text NOT NULL CHECK (name <> ''),
          level text NOT NULL,
          region_code varchar(12) COLLATE "C" NOT NULL REFERENCES regions (code),
          scope varchar(12) COLLATE "C" NOT NULL,
          categories text[] NOT NULL DEFAULT '{}',
          phone text,
          active boolean NOT NULL DEFAULT true,
          generated boolean NOT NULL DEFAULT false
        )
        """
    )
    op.execute(
        "COMMENT ON TABLE departments IS 'departments and units that handle events (职能部门)'"
    )
    op.execute(
        "ALTER TABLE users ADD CONSTRAINT users_department_id_fkey FOREIGN KEY (department_id)"
        " REFERENCES departments (id)"
    )
    op.execute("CREATE INDEX departments_scope_idx ON departments (scope)")
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON departments TO {APP}")
    op.execute("ALTER TABLE departments ENABLE ROW LEVEL SECURITY")
    # a department serving the caller's area, or one inside it, or the caller's own
    serves = (
        "(gridmap_scope() = '*' OR (scope >= gridmap_scope_lo() AND scope < gridmap_scope_hi())"
        " OR left(gridmap_scope(), length(scope)) = scope OR id = gridmap_department())"
    )
    inside = "(scope >= gridmap_scope_lo() AND scope < gridmap_scope_hi())"
    op.execute(
        f"CREATE POLICY departments_read ON departments FOR SELECT TO {APP} USING ({serves})"
    )
    write = f"({inside} AND gridmap_can('units:write'))"
    op.execute(
        f"CREATE POLICY departments_insert ON departments FOR INSERT TO {APP} WITH CHECK ({write})"
    )
    op.execute(
        f"CREATE POLICY departments_update ON departments FOR UPDATE TO {APP}"
        f" USING ({write}) WITH CHECK ({write})"
    )


def _events() -> None:
    op.execute(
        """
        CREATE TABLE events (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          channel text NOT NULL,
          category text NOT NULL,
          urgency text NOT NULL,
          title text NOT NULL CHECK (title <> ''),
          description text,
          address text,
          pt geometry(Point, 4326),
          grid_code varchar(15) COLLATE "C" NOT NULL,
          micro_code varchar(17) COLLATE "C",
          region_code varchar(12) COLLATE "C" GENERATED ALWAYS AS (left(grid_code, 12)) STORED,
          level text NOT NULL,
          tries integer NOT NULL DEFAULT 0,
          state text NOT NULL,
          on_hold boolean NOT NULL DEFAULT false,
          public boolean NOT NULL DEFAULT false,
          department_id bigint REFERENCES departments (id),
          departments bigint[] NOT NULL DEFAULT '{}',
          reporter text,
          reporter_name_cipher bytea,
          reporter_name_masked text,
          reporter_phone_hash bytea,
          reporter_phone_cipher bytea,
          reporter_phone_masked text,
          related jsonb NOT NULL DEFAULT '{}',
          source_ref text,
          duplicate_of bigint REFERENCES events (id),
          deadline timestamptz,
          amber_at timestamptz,
          deadline_step text,
          reported_at timestamptz NOT NULL DEFAULT now(),
          registered_at timestamptz,
          dispatched_at timestamptz,
          accepted_at timestamptz,
          handled_at timestamptz,
          closed_at timestamptz,
          evaluated_at timestamptz,
          handle_deadline timestamptz,
          handled_on_time boolean,
          closed_on_time boolean,
          dispatches integer NOT NULL DEFAULT 0,
          reworks integer NOT NULL DEFAULT 0,
          returns integer NOT NULL DEFAULT 0,
          escalations integer NOT NULL DEFAULT 0,
          max_level text NOT NULL,
          satisfaction smallint CHECK (satisfaction BETWEEN 1 AND 5),
          generated boolean NOT NULL DEFAULT false,
          updated_at timestamptz NOT NULL DEFAULT now(),
          version integer NOT NULL DEFAULT 1,
          CONSTRAINT events_source_ref_key UNIQUE (channel, source_ref),
          CONSTRAINT events_micro_in_grid
            CHECK (micro_code IS NULL OR left(micro_code, 15) = grid_code)
        )
        """
    )
    op.execute("COMMENT ON TABLE events IS 'events (事件): the six-step closed loop'")
    op.execute("CREATE INDEX events_pt_idx ON events USING gist (pt)")
    op.execute("CREATE INDEX events_grid_idx ON events (grid_code, reported_at DESC)")
    op.execute("CREATE INDEX events_micro_idx ON events (micro_code) WHERE micro_code IS NOT NULL")
    op.execute("CREATE INDEX events_reported_idx ON events (reported_at DESC)")
    op.execute("CREATE INDEX events_department_idx ON events (department_id, reported_at DESC)")
    op.execute("CREATE INDEX events_departments_idx ON events USING gin (departments)")
    op.execute(
        "CREATE INDEX events_open_idx ON events (deadline)"
        " WHERE state IN ('reported', 'registered', 'dispatched', 'accepted', 'handled')"
    )
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON events TO {APP}")
    op.execute("ALTER TABLE events ENABLE ROW LEVEL SECURITY")
    read = (
        f"(({IN_SCOPE}) AND gridmap_can('events:read')) OR {OUR_DEPARTMENT}"
        " OR (public AND gridmap_can('events:public'))"
    )
    write = f"(({IN_SCOPE}) AND gridmap_can('events:write')) OR {MY_DEPARTMENT}"
    # residents report (Open311, the public form): a new event, nothing else
    report = "(gridmap_can('events:report') AND state = 'reported' AND reporter IS NULL)"
    op.execute(f"CREATE POLICY events_read ON events FOR SELECT TO {APP} USING ({read})")
    op.execute(
        f"CREATE POLICY events_insert ON events FOR INSERT TO {APP}"
        f" WITH CHECK ({write} OR {report})"
    )
    # a department acts on what is dispatched to it now; handing it back (回退) it keeps sight
    op.execute(
        f"CREATE POLICY events_update ON events FOR UPDATE TO {APP}"
        f" USING ({write}) WITH CHECK ({write} OR {OUR_DEPARTMENT})"
    )
    # ties made and changed are kept like those of the other located layers
    op.execute(
        "CREATE TRIGGER events_ties_insert AFTER INSERT ON events"
        " REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_ties()"
    )
    op.execute(
        "CREATE TRIGGER events_ties_update AFTER UPDATE ON events"
        " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION record_ties()"
    )


def _history() -> None:
    op.execute(
        """
        CREATE TABLE event_history (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          event_id bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
          at timestamptz NOT NULL DEFAULT clock_timestamp(),
          actor text NOT NULL DEFAULT gridmap_actor(),
          role text,
          action text NOT NULL,
          from_state text,
          to_state text NOT NULL,
          level text,
          department_id bigint,
          note text,
          attachments bigint[] NOT NULL DEFAULT '{}',
          detail jsonb
        )
        """
    )
    op.execute("COMMENT ON TABLE event_history IS 'every transition of an event (append-only)'")
    op.execute("CREATE INDEX event_history_event_idx ON event_history (event_id, at)")
    op.execute(
        """
        CREATE TABLE event_attachments (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          event_id bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
          media_type text NOT NULL,
          bytes integer NOT NULL,
          sha256 text NOT NULL,
          path text NOT NULL,
          public_path text NOT NULL,
          width integer,
          height integer,
          uploaded_by text NOT NULL DEFAULT gridmap_actor(),
          uploaded_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute("COMMENT ON TABLE event_attachments IS 'photos of events, kept outside static/'")
    op.execute("CREATE INDEX event_attachments_event_idx ON event_attachments (event_id)")
    visible = "EXISTS (SELECT 1 FROM events e WHERE e.id = event_id)"
    for table in ("event_history", "event_attachments"):
        op.execute(f"GRANT SELECT, INSERT ON {table} TO {APP}")
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {table}_read ON {table} FOR SELECT TO {APP} USING ({visible})")
        op.execute(
            f"CREATE POLICY {table}_insert ON {table} FOR INSERT TO {APP} WITH CHECK ({visible})"
        )
    op.execute(
        """
        CREATE FUNCTION event_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'event_history is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER event_history_append_only BEFORE UPDATE OR DELETE OR TRUNCATE"
        " ON event_history FOR EACH STATEMENT EXECUTE FUNCTION event_history_append_only()"
    )


def _retie_events() -> None:
    """Events follow grid edits like the other located layers: ``gridmap_retie`` gets them
    (those with a point; an event placed by naming its grid keeps it)."""
    layers = ", ".join(f"'{t}'" for t in LOCATED)
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION gridmap_retie(p_area geometry)
        RETURNS TABLE (layer text, moved bigint) LANGUAGE plpgsql {_DEFINER} AS $$
        DECLARE
          t text;
          n bigint;
          area_filter text := CASE WHEN p_area IS NULL THEN 'p.pt IS NOT NULL'
                                   ELSE 'p.pt && $1 AND ST_Intersects($1, p.pt)' END;
          grid_filter text := CASE WHEN p_area IS NULL THEN 'true' ELSE 'g.boundary && $1' END;
        BEGIN
          FOREACH t IN ARRAY ARRAY[{layers}] LOOP
            EXECUTE format($q$
              WITH grid_hit AS (
                SELECT DISTINCT ON (p.id) p.id, g.code FROM grids g
                 CROSS JOIN LATERAL (SELECT p.id FROM %1$I p
                                      WHERE ST_Intersects(g.boundary, p.pt) AND %2$s) p
                 WHERE length(g.code) = 15 AND %3$s ORDER BY p.id, g.code),
              micro_hit AS (
                SELECT DISTINCT ON (p.id) p.id, g.code FROM grids g
                 CROSS JOIN LATERAL (SELECT p.id FROM %1$I p
                                      WHERE ST_Intersects(g.boundary, p.pt) AND %2$s) p
                 WHERE length(g.code) = 17 AND %3$s ORDER BY p.id, g.code),
              tie AS (
                SELECT gh.id, gh.code AS grid_code, mh.code AS micro_code
                  FROM grid_hit gh LEFT JOIN micro_hit mh
                    ON mh.id = gh.id AND left(mh.code, 15) = gh.code),
              moved AS (
                UPDATE %1$I r SET grid_code = tie.grid_code, micro_code = tie.micro_code
                  FROM tie WHERE r.id = tie.id
                   AND (r.grid_code, r.micro_code) IS DISTINCT FROM (tie.grid_code, tie.micro_code)
                RETURNING r.id)
              SELECT count(*) FROM moved
            $q$, t, area_filter, grid_filter) INTO n USING p_area;
            layer := t; moved := n; RETURN NEXT;
          END LOOP;
        END
        $$
        """
    )


def upgrade() -> None:
    _session_department()
    _departments()
    _events()
    _history()
    _retie_events()


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS event_attachments, event_history, events CASCADE")
    op.execute("ALTER TABLE users DROP CONSTRAINT IF EXISTS users_department_id_fkey")
    op.execute("DROP TABLE IF EXISTS departments CASCADE")
    op.execute("DROP FUNCTION IF EXISTS event_history_append_only()")
