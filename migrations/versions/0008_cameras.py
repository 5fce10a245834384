"""Sharp Eyes cameras (雪亮工程): the archive of every camera (一机一档), what each one sees,
natural villages (自然村, for the quotas), and planned cameras.

A camera stands in a grid (tied in PostGIS, re-tied on grid edits) and belongs to a region: the
village or township of its grid, or, for a record that stands in no grid (a wrong position is a
problem to find, not a reason to lose the record), the county its GB/T 28181 ID names. Row-level
security is keyed on that region (and on the grid for a grid's worker) like every layer's.
``sector`` is what the camera sees: its view sector to the range that gives the configured
pixel density, minus what buildings hide; recomputed when the camera or the buildings change.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

APP = "gridmap_app"
IN_SCOPE = (
    "((region_code >= gridmap_scope_lo() AND region_code < gridmap_scope_hi())"
    " OR (grid_code >= gridmap_scope_lo() AND grid_code < gridmap_scope_hi()))"
)


def _policies(table: str, in_scope: str) -> None:
    read = f"({in_scope} AND gridmap_can('cameras:read'))"
    write = f"({in_scope} AND gridmap_can('cameras:write'))"
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP}")
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY {table}_read ON {table} FOR SELECT TO {APP} USING ({read})")
    op.execute(f"CREATE POLICY {table}_insert ON {table} FOR INSERT TO {APP} WITH CHECK ({write})")
    op.execute(
        f"CREATE POLICY {table}_update ON {table} FOR UPDATE TO {APP}"
        f" USING ({write}) WITH CHECK ({write})"
    )
    op.execute(f"CREATE POLICY {table}_delete ON {table} FOR DELETE TO {APP} USING ({write})")


_DEFINER = "SECURITY DEFINER SET search_path = public, pg_temp"
LOCATED = ("buildings", "places", "things", "organisations", "events", "cameras")


def _retie() -> None:
    """Re-tying, one layer at a time (``gridmap_retie_layer``), and ``gridmap_retie`` over every
    located layer: a new layer now only joins the list."""
    op.execute(
        f"""
        CREATE FUNCTION gridmap_retie_layer(t text, p_area geometry) RETURNS bigint
        LANGUAGE plpgsql {_DEFINER} AS $$
        DECLARE
          n bigint;
          area_filter text := CASE WHEN p_area IS NULL THEN 'p.pt IS NOT NULL'
                                   ELSE 'p.pt && $1 AND ST_Intersects($1, p.pt)' END;
          grid_filter text := CASE WHEN p_area IS NULL THEN 'true' ELSE 'g.boundary && $1' END;
        BEGIN
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
          RETURN n;
        END
        $$
        """
    )
    layers = ", ".join(f"'{t}'" for t in LOCATED)
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION gridmap_retie(p_area geometry)
        RETURNS TABLE (layer text, moved bigint) LANGUAGE sql {_DEFINER} AS $$
          SELECT t, gridmap_retie_layer(t, p_area) FROM unnest(ARRAY[{layers}]) AS t
        $$
        """
    )
    op.execute("REVOKE ALL ON FUNCTION gridmap_retie_layer(text, geometry) FROM PUBLIC")


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE cameras (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          device_id text COLLATE "C",
          osm_id bigint,
          source text NOT NULL,
          name text,
          manufacturer text,
          model text,
          owner text,
          address text,
          ptz_type smallint CHECK (ptz_type BETWEEN 1 AND 4),
          room_type smallint CHECK (room_type BETWEEN 1 AND 2),
          use smallint CHECK (use BETWEEN 1 AND 3),
          light smallint CHECK (light BETWEEN 1 AND 4),
          resolution_px integer,
          hfov real,
          direction real,
          tilt real,
          height real,
          status text NOT NULL DEFAULT 'online',
          checked_on date,
          declared_crs text,
          pt geometry(Point, 4326) NOT NULL,
          grid_code varchar(15) COLLATE "C",
          micro_code varchar(17) COLLATE "C",
          home_region varchar(12) COLLATE "C" NOT NULL,
          region_code varchar(12) COLLATE "C"
            GENERATED ALWAYS AS (coalesce(left(grid_code, 12), home_region)) STORED,
          sector geometry(Geometry, 4326),
          sector_area_m2 real,
          sector_range_m real,
          sector_defaults text[] NOT NULL DEFAULT '{}',
          sector_at timestamptz,
          planned boolean NOT NULL DEFAULT false,
          generated boolean NOT NULL DEFAULT false,
          imported_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute(
        "COMMENT ON TABLE cameras IS 'Sharp Eyes cameras (雪亮工程), one record each (一机一档)'"
    )
    op.execute("CREATE INDEX cameras_pt_idx ON cameras USING gist (pt)")
    op.execute("CREATE INDEX cameras_sector_idx ON cameras USING gist (sector)")
    op.execute("CREATE INDEX cameras_region_idx ON cameras (region_code)")
    op.execute("CREATE INDEX cameras_grid_idx ON cameras (grid_code)")
    op.execute("CREATE INDEX cameras_device_idx ON cameras (device_id)")
    op.execute("CREATE UNIQUE INDEX cameras_osm_key ON cameras (osm_id) WHERE osm_id IS NOT NULL")
    _policies("cameras", IN_SCOPE)
    # a camera follows grid edits like the other located records (its grid may be none)
    op.execute(
        "CREATE TRIGGER cameras_ties_insert AFTER INSERT ON cameras"
        " REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_ties()"
    )
    op.execute(
        "CREATE TRIGGER cameras_ties_update AFTER UPDATE ON cameras"
        " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION record_ties()"
    )
    op.execute(
        """
        CREATE TABLE natural_villages (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          code text COLLATE "C" NOT NULL UNIQUE CHECK (code <> ''),
          name text NOT NULL CHECK (name <> ''),
          region_code varchar(12) COLLATE "C" NOT NULL REFERENCES regions (code),
          geom geometry(Geometry, 4326) NOT NULL,
          generated boolean NOT NULL DEFAULT false
        )
        """
    )
    op.execute(
        "COMMENT ON TABLE natural_villages IS"
        " 'natural villages (自然村) within administrative villages, for camera quotas'"
    )
    op.execute("CREATE INDEX natural_villages_geom_idx ON natural_villages USING gist (geom)")
    op.execute("CREATE INDEX natural_villages_region_idx ON natural_villages (region_code)")
    _policies(
        "natural_villages",
        "(region_code >= gridmap_scope_lo() AND region_code < gridmap_scope_hi())",
    )
    _retie()


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS natural_villages, cameras CASCADE")
    # back to revision 0006's re-tying (its own migration writes it)
    op.execute("DROP FUNCTION IF EXISTS gridmap_retie(geometry)")
    op.execute("DROP FUNCTION IF EXISTS gridmap_retie_layer(text, geometry)")
    script = op.get_context().script
    assert script is not None, "downgrade 0008 runs from the migrations folder"
    previous = script.get_revision("0006").module
    previous._retie_events()
    op.execute("REVOKE ALL ON FUNCTION gridmap_retie(geometry) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION gridmap_retie(geometry) TO {APP}")
