"""Regions (区划) and grids (网格): the first two layers.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")

    # The metric CRS for areas and lengths: GRIDMAP_METRIC_SRID (set per connection as
    # gridmap.metric_srid), else the CGCS2000 3-degree Gauss-Krüger zone (EPSG:4534-4554) of the
    # geometry's longitude inside China, else its UTM zone.
    op.execute(
        """
        CREATE FUNCTION gridmap_metric_srid(g geometry) RETURNS integer
        LANGUAGE sql STABLE PARALLEL SAFE AS $$
          WITH c AS (
            SELECT coalesce(nullif(current_setting('gridmap.metric_srid', true), ''), '0')::int
                     AS configured,
                   (ST_XMin(g) + ST_XMax(g)) / 2 AS lon, (ST_YMin(g) + ST_YMax(g)) / 2 AS lat)
          SELECT CASE
                   WHEN configured > 0 THEN configured
                   WHEN lon BETWEEN 73.5 AND 136.5 AND lat BETWEEN 0 AND 56
                     THEN 4534 + greatest(0, least(20, round((lon - 75) / 3)::int))
                   ELSE (CASE WHEN lat >= 0 THEN 32600 ELSE 32700 END)
                        + least(60, floor((lon + 180) / 6)::int + 1)
                 END
            FROM c
        $$
        """
    )
    op.execute(
        """
        CREATE FUNCTION gridmap_area_km2(g geometry) RETURNS double precision
        LANGUAGE sql STABLE PARALLEL SAFE AS $$
          SELECT ST_Area(ST_Transform(g, gridmap_metric_srid(g))) / 1e6
        $$
        """
    )

    op.execute(
        """
        CREATE TABLE regions (
          code varchar(12) COLLATE "C" PRIMARY KEY CHECK (code ~ '^[0-9]{12}$'),
          level text NOT NULL
                CHECK (level IN ('province', 'city', 'county', 'township', 'village')),
          name text NOT NULL CHECK (name <> ''),
          parent_code varchar(12) COLLATE "C"
                REFERENCES regions (code) DEFERRABLE INITIALLY DEFERRED,
          boundary geometry(MultiPolygon, 4326)
                CHECK (boundary IS NULL OR (ST_IsValid(boundary) AND NOT ST_IsEmpty(boundary))),
          boundary_source text,
          generated boolean NOT NULL DEFAULT false,
          updated_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute("CREATE INDEX regions_parent_code_idx ON regions (parent_code)")
    op.execute("CREATE INDEX regions_boundary_idx ON regions USING gist (boundary)")
    op.execute("COMMENT ON TABLE regions IS 'administrative divisions (区划), 12-digit codes'")

    op.execute(
        """
        CREATE TABLE grids (
          code varchar(17) COLLATE "C" PRIMARY KEY CHECK (code ~ '^[0-9]{15}([0-9]{2})?$'),
          region_code varchar(12) COLLATE "C" NOT NULL REFERENCES regions (code),
          parent_grid_code varchar(15) COLLATE "C" REFERENCES grids (code),
          name text NOT NULL CHECK (name <> ''),
          kind text NOT NULL DEFAULT 'ordinary',
          purpose text,
          boundary geometry(MultiPolygon, 4326) NOT NULL
                CHECK (ST_IsValid(boundary) AND NOT ST_IsEmpty(boundary)),
          area_km2 double precision NOT NULL,
          generated boolean NOT NULL DEFAULT false,
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now(),
          version integer NOT NULL DEFAULT 1,
          CONSTRAINT grids_code_in_region CHECK (left(code, 12) = region_code),
          CONSTRAINT grids_micro_has_parent
                CHECK ((length(code) = 17) = (parent_grid_code IS NOT NULL)),
          CONSTRAINT grids_micro_prefix
                CHECK (parent_grid_code IS NULL OR left(code, 15) = parent_grid_code),
          CONSTRAINT grids_sequence_nonzero
                CHECK (substr(code, 13, 3) <> '000'
                       AND (length(code) = 15 OR substr(code, 16, 2) <> '00'))
        )
        """
    )
    op.execute("CREATE INDEX grids_region_code_idx ON grids (region_code)")
    op.execute("CREATE INDEX grids_parent_grid_code_idx ON grids (parent_grid_code)")
    op.execute("CREATE INDEX grids_boundary_idx ON grids USING gist (boundary)")
    op.execute("COMMENT ON TABLE grids IS 'the merged grid system (网格, 多网合一)'")

    # area, timestamps and version are kept by the database, so no writer can forget them
    op.execute(
        """
        CREATE FUNCTION grids_maintain() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'INSERT' OR NEW.boundary IS DISTINCT FROM OLD.boundary THEN
            NEW.area_km2 := gridmap_area_km2(NEW.boundary);
          END IF;
          IF TG_OP = 'UPDATE' THEN
            NEW.updated_at := now();
            NEW.version := OLD.version + 1;
          END IF;
          RETURN NEW;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER grids_maintain BEFORE INSERT OR UPDATE ON grids"
        " FOR EACH ROW EXECUTE FUNCTION grids_maintain()"
    )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS grids")
    op.execute("DROP FUNCTION IF EXISTS grids_maintain()")
    op.execute("DROP TABLE IF EXISTS regions")
    op.execute("DROP FUNCTION IF EXISTS gridmap_area_km2(geometry)")
    op.execute("DROP FUNCTION IF EXISTS gridmap_metric_srid(geometry)")
