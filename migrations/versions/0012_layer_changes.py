"""Where each map layer changed (图层变更): every write to a table that vector tiles draw notes the
box it touched, so a cached tile stays valid until a change reaches its own area (an edit
invalidates exactly the tiles it touched), and a client's ETag with it.

A statement-level trigger per table and kind of write notes one row per statement: the table,
the envelope of the rows written (before and after, for updates; none for tables without
geometry: everywhere). Rows are never rewritten; the id orders them (a layer's version).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

APP = "gridmap_app"
_DEFINER = "SECURITY DEFINER SET search_path = public, pg_temp"
# the tables tiles draw, and their geometry columns
TRACKED = {
    "grids": ("boundary",),
    "regions": ("boundary",),
    "sources": (),
    "source_grids": ("boundary",),
    "events": ("pt",),
    "cameras": ("pt", "sector"),
}
_WRITES = {
    "insert": ("INSERT", "NEW TABLE AS new_rows"),
    "update": ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    "delete": ("DELETE", "OLD TABLE AS old_rows"),
}


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE layer_changes (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          layer text NOT NULL,
          box geometry(Polygon, 4326),
          changed_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute("CREATE INDEX layer_changes_layer_idx ON layer_changes (layer, id)")
    op.execute("COMMENT ON TABLE layer_changes IS 'where each map layer changed (图层变更)'")
    op.execute(f"GRANT SELECT ON layer_changes TO {APP}")
    # TG_ARGV: the geometry columns; the rows the statement wrote are its transition tables
    op.execute(
        f"""
        CREATE FUNCTION gridmap_note_change() RETURNS trigger LANGUAGE plpgsql {_DEFINER} AS $$
        DECLARE
          parts text[] := '{{}}';
          column_name text;
          box geometry;
        BEGIN
          FOREACH column_name IN ARRAY coalesce(TG_ARGV, '{{}}') LOOP
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
              parts := parts || format('SELECT %I AS g FROM new_rows', column_name);
            END IF;
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
              parts := parts || format('SELECT %I AS g FROM old_rows', column_name);
            END IF;
          END LOOP;
          IF cardinality(parts) > 0 THEN
            EXECUTE 'SELECT ST_SetSRID(ST_Extent(g)::geometry, 4326) FROM ('
                    || array_to_string(parts, ' UNION ALL ') || ') t' INTO box;
            IF box IS NULL THEN  -- nothing written, or rows without geometry
              RETURN NULL;
            END IF;
            box := ST_Envelope(ST_Expand(box, 1e-7));  -- a point's box is a polygon too
          END IF;
          INSERT INTO layer_changes (layer, box) VALUES (TG_TABLE_NAME, box);
          RETURN NULL;
        END
        $$
        """
    )
    for table, columns in TRACKED.items():
        arguments = ", ".join(f"'{c}'" for c in columns)
        for name, (event, referencing) in _WRITES.items():
            op.execute(
                f"CREATE TRIGGER {table}_changes_{name} AFTER {event} ON {table}"
                f" REFERENCING {referencing} FOR EACH STATEMENT"
                f" EXECUTE FUNCTION gridmap_note_change({arguments})"
            )


def downgrade() -> None:
    for table in TRACKED:
        for name in _WRITES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_changes_{name} ON {table}")
    op.execute("DROP FUNCTION IF EXISTS gridmap_note_change()")
    op.execute("DROP TABLE IF EXISTS layer_changes")
