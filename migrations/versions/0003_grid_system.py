"""The merged grid system (多网合一): department layers, history, crosswalk, merges and jobs.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

APP = "gridmap_app"
IN_SCOPE = "({col} >= gridmap_scope_lo() AND {col} < gridmap_scope_hi())"


def _scoped(table: str, column: str, write_permission: str | None) -> None:
    """RLS on a table keyed on a code column; writes need ``write_permission`` too."""
    condition = IN_SCOPE.format(col=column)
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY {table}_read ON {table} FOR SELECT TO {APP} USING ({condition})")
    if write_permission:
        write = f"{condition} AND gridmap_can('{write_permission}')"
        op.execute(
            f"CREATE POLICY {table}_insert ON {table} FOR INSERT TO {APP} WITH CHECK ({write})"
        )
        op.execute(
            f"CREATE POLICY {table}_update ON {table} FOR UPDATE TO {APP}"
            f" USING ({write}) WITH CHECK ({write})"
        )
        op.execute(f"CREATE POLICY {table}_delete ON {table} FOR DELETE TO {APP} USING ({write})")


def _sources() -> None:
    op.execute(
        """
        CREATE TABLE sources (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          department text NOT NULL CHECK (department <> ''),
          scope varchar(17) COLLATE "C" NOT NULL,
          file_name text NOT NULL,
          crs text NOT NULL,
          code_field text,
          name_field text,
          features_read integer NOT NULL DEFAULT 0,
          features_written integer NOT NULL DEFAULT 0,
          features_rejected integer NOT NULL DEFAULT 0,
          imported_at timestamptz NOT NULL DEFAULT now(),
          imported_by text NOT NULL DEFAULT gridmap_actor()
        )
        """
    )
    op.execute("COMMENT ON TABLE sources IS 'department grid layers as imported (部门网格)'")
    op.execute(
        """
        CREATE TABLE source_grids (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          source_id bigint NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
          department text NOT NULL,
          feature_index integer NOT NULL,
          source_code text NOT NULL,
          name text,
          region_code varchar(12) COLLATE "C" NOT NULL REFERENCES regions (code),
          boundary geometry(MultiPolygon, 4326) NOT NULL
                CHECK (ST_IsValid(boundary) AND NOT ST_IsEmpty(boundary)),
          repaired boolean NOT NULL DEFAULT false,
          UNIQUE (source_id, feature_index),
          UNIQUE (source_id, source_code)
        )
        """
    )
    op.execute("CREATE INDEX source_grids_boundary_idx ON source_grids USING gist (boundary)")
    op.execute("CREATE INDEX source_grids_region_idx ON source_grids (region_code)")
    op.execute(f"GRANT SELECT, INSERT, DELETE ON sources, source_grids TO {APP}")
    # a layer is visible to those whose scope holds where it was imported, or holds them
    op.execute("ALTER TABLE sources ENABLE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY sources_read ON sources FOR SELECT TO {APP} USING ("
        f"{IN_SCOPE.format(col='scope')} OR gridmap_scope() LIKE scope || '%' OR scope = '*')"
    )
    op.execute(
        f"CREATE POLICY sources_write ON sources FOR INSERT TO {APP}"
        " WITH CHECK (gridmap_can('grids:write') AND scope = gridmap_scope())"
    )
    op.execute(
        f"CREATE POLICY sources_delete ON sources FOR DELETE TO {APP}"
        " USING (gridmap_can('grids:write') AND scope = gridmap_scope())"
    )
    _scoped("source_grids", "region_code", "grids:write")


def _history() -> None:
    """Every version of every grid, kept by a trigger, with who, why and lineage."""
    op.execute(
        """
        CREATE TABLE grid_versions (
          code varchar(17) COLLATE "C" NOT NULL,
          version integer NOT NULL,
          region_code varchar(12) COLLATE "C" NOT NULL,
          parent_grid_code varchar(15) COLLATE "C",
          name text NOT NULL,
          kind text NOT NULL,
          purpose text,
          boundary geometry(MultiPolygon, 4326) NOT NULL,
          area_km2 double precision NOT NULL,
          valid_from timestamptz NOT NULL,
          valid_to timestamptz,
          operation text NOT NULL,
          changed_by text NOT NULL,
          reason text,
          lineage text[] NOT NULL DEFAULT '{}',
          PRIMARY KEY (code, version),
          CHECK (valid_to IS NULL OR valid_to >= valid_from)
        )
        """
    )
    op.execute("CREATE INDEX grid_versions_boundary_idx ON grid_versions USING gist (boundary)")
    op.execute("CREATE INDEX grid_versions_time_idx ON grid_versions (valid_from, valid_to)")
    op.execute("CREATE INDEX grid_versions_lineage_idx ON grid_versions USING gin (lineage)")
    op.execute(
        "COMMENT ON TABLE grid_versions IS 'history of grids: valid_from/to, who, why, lineage'"
    )
    op.execute(
        """
        CREATE FUNCTION grids_history() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
          at timestamptz := clock_timestamp();
          why text := nullif(current_setting('gridmap.reason', true), '');
          came_from text[] := coalesce(string_to_array(
                                nullif(current_setting('gridmap.lineage', true), ''), ','), '{}');
          op text := coalesce(nullif(current_setting('gridmap.operation', true), ''),
                              lower(TG_OP));
        BEGIN
          IF TG_OP IN ('UPDATE', 'DELETE') THEN
            UPDATE grid_versions SET valid_to = at
             WHERE (code, version) IN (SELECT o.code, o.version FROM old_rows o)
               AND valid_to IS NULL;
          END IF;
          IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO grid_versions (code, version, region_code, parent_grid_code, name, kind,
                                       purpose, boundary, area_km2, valid_from, operation,
                                       changed_by, reason, lineage)
            SELECT n.code, n.version, n.region_code, n.parent_grid_code, n.name, n.kind,
                   n.purpose, n.boundary, n.area_km2, at, op, gridmap_actor(), why, came_from
              FROM new_rows n;
          END IF;
          RETURN NULL;
        END
        $$
        """
    )
    for event, refs in (
        ("INSERT", "NEW TABLE AS new_rows"),
        ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ("DELETE", "OLD TABLE AS old_rows"),
    ):
        op.execute(
            f"CREATE TRIGGER grids_history_{event.lower()} AFTER {event} ON grids"
            f" REFERENCING {refs} FOR EACH STATEMENT EXECUTE FUNCTION grids_history()"
        )
    # the grids that exist already get their first version now
    op.execute(
        """
        INSERT INTO grid_versions (code, version, region_code, parent_grid_code, name, kind,
                                   purpose, boundary, area_km2, valid_from, operation, changed_by)
        SELECT code, version, region_code, parent_grid_code, name, kind, purpose, boundary,
               area_km2, created_at, 'insert', 'migration 0003' FROM grids
        """
    )
    # a code that comes back (a reload, a restore) continues its history: next version number
    op.execute(
        """
        CREATE OR REPLACE FUNCTION grids_maintain() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'INSERT' OR NEW.boundary IS DISTINCT FROM OLD.boundary THEN
            NEW.area_km2 := gridmap_area_km2(NEW.boundary);
          END IF;
          IF TG_OP = 'INSERT' THEN
            NEW.version := coalesce((SELECT max(version) FROM grid_versions
                                      WHERE code = NEW.code), 0) + 1;
          ELSE
            NEW.updated_at := now();
            NEW.version := OLD.version + 1;
          END IF;
          RETURN NEW;
        END
        $$
        """
    )
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON grid_versions TO {APP}")
    _scoped("grid_versions", "code", None)
    op.execute(
        f"CREATE POLICY grid_versions_write ON grid_versions FOR INSERT TO {APP}"
        f" WITH CHECK ({IN_SCOPE.format(col='code')} AND gridmap_can('grids:write'))"
    )
    op.execute(
        f"CREATE POLICY grid_versions_close ON grid_versions FOR UPDATE TO {APP}"
        f" USING ({IN_SCOPE.format(col='code')} AND gridmap_can('grids:write'))"
    )


def _crosswalk_and_merges() -> None:
    op.execute(
        """
        CREATE TABLE merges (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          region_code varchar(12) COLLATE "C" NOT NULL REFERENCES regions (code),
          base_department text NOT NULL,
          options jsonb NOT NULL DEFAULT '{}',
          report jsonb NOT NULL,
          merged_at timestamptz NOT NULL DEFAULT now(),
          merged_by text NOT NULL DEFAULT gridmap_actor()
        )
        """
    )
    op.execute(
        """
        CREATE TABLE grid_crosswalk (
          merge_id bigint NOT NULL REFERENCES merges (id) ON DELETE CASCADE,
          source_grid_id bigint NOT NULL REFERENCES source_grids (id) ON DELETE CASCADE,
          department text NOT NULL,
          source_code text NOT NULL,
          grid_code varchar(17) COLLATE "C" NOT NULL,
          shared_area_m2 double precision NOT NULL,
          share_of_source double precision NOT NULL,
          share_of_grid double precision NOT NULL,
          PRIMARY KEY (merge_id, source_grid_id, grid_code)
        )
        """
    )
    op.execute("CREATE INDEX grid_crosswalk_grid_idx ON grid_crosswalk (grid_code)")
    op.execute("CREATE INDEX grid_crosswalk_source_idx ON grid_crosswalk (department, source_code)")
    op.execute(
        "COMMENT ON TABLE grid_crosswalk IS"
        " 'department grid <-> unified grid: shared area and its share of both'"
    )
    op.execute(f"GRANT SELECT, INSERT ON merges, grid_crosswalk TO {APP}")
    _scoped("merges", "region_code", "grids:write")
    _scoped("grid_crosswalk", "grid_code", "grids:write")


def _jobs() -> None:
    """Long work (imports, merges, divisions): a status resource the API can poll."""
    op.execute(
        """
        CREATE TABLE jobs (
          id uuid PRIMARY KEY,
          kind text NOT NULL,
          state text NOT NULL DEFAULT 'queued'
                CHECK (state IN ('queued', 'running', 'done', 'failed')),
          done integer NOT NULL DEFAULT 0,
          total integer,
          message text,
          result jsonb,
          scope varchar(17) COLLATE "C" NOT NULL,
          created_by text NOT NULL DEFAULT gridmap_actor(),
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON jobs TO {APP}")
    op.execute("ALTER TABLE jobs ENABLE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY jobs_own ON jobs FOR ALL TO {APP}"
        " USING (created_by = gridmap_actor()) WITH CHECK (created_by = gridmap_actor())"
    )


def upgrade() -> None:
    _sources()
    _history()
    _crosswalk_and_merges()
    _jobs()


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS jobs, grid_crosswalk, merges, grid_versions CASCADE")
    for event in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS grids_history_{event} ON grids")
    op.execute("DROP FUNCTION IF EXISTS grids_history()")
    op.execute("DROP TABLE IF EXISTS source_grids, sources CASCADE")
