"""Grid workers' field work (网格员巡查): patrols with their GPS tracks, "all safe" reports
(无事报平安), check-ins at must-visit points (必到点), and manual points (积分) from spot checks.

A patrol belongs to its worker and grid; its points come in batches from the phone, and the
track is built from them when the patrol stops. Row-level security is keyed on the grid, like
every layer's; a worker sees his own grid's, a township's centre its township's.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

APP = "gridmap_app"
IN_SCOPE = "(grid_code >= gridmap_scope_lo() AND grid_code < gridmap_scope_hi())"
READ = f"({IN_SCOPE} AND (gridmap_can('events:read') OR gridmap_can('patrols:write')))"
WRITE = f"({IN_SCOPE} AND gridmap_can('patrols:write'))"


def _policies(table: str, read: str, write: str, update: bool) -> None:
    grants = "SELECT, INSERT, UPDATE" if update else "SELECT, INSERT"
    op.execute(f"GRANT {grants} ON {table} TO {APP}")
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY {table}_read ON {table} FOR SELECT TO {APP} USING ({read})")
    op.execute(f"CREATE POLICY {table}_insert ON {table} FOR INSERT TO {APP} WITH CHECK ({write})")
    if update:
        op.execute(
            f"CREATE POLICY {table}_update ON {table} FOR UPDATE TO {APP}"
            f" USING ({write}) WITH CHECK ({write})"
        )


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE patrols (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          worker text NOT NULL,
          grid_code varchar(15) COLLATE "C" NOT NULL,
          started_at timestamptz NOT NULL,
          ended_at timestamptz,
          track geometry(LineString, 4326),
          length_m double precision,
          points integer NOT NULL DEFAULT 0,
          generated boolean NOT NULL DEFAULT false,
          CONSTRAINT patrols_ended_after_start CHECK (ended_at IS NULL OR ended_at >= started_at)
        )
        """
    )
    op.execute("COMMENT ON TABLE patrols IS 'patrols of grid workers (网格员巡查)'")
    op.execute("CREATE INDEX patrols_worker_idx ON patrols (worker, started_at DESC)")
    op.execute("CREATE INDEX patrols_grid_idx ON patrols (grid_code, started_at DESC)")
    op.execute("CREATE UNIQUE INDEX patrols_one_open ON patrols (worker) WHERE ended_at IS NULL")
    _policies("patrols", READ, WRITE, update=True)
    op.execute(
        """
        CREATE TABLE patrol_points (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          patrol_id bigint NOT NULL REFERENCES patrols (id) ON DELETE CASCADE,
          grid_code varchar(15) COLLATE "C" NOT NULL,
          at timestamptz NOT NULL,
          pt geometry(Point, 4326) NOT NULL,
          accuracy_m real,
          CONSTRAINT patrol_points_once UNIQUE (patrol_id, at)
        )
        """
    )
    op.execute("COMMENT ON TABLE patrol_points IS 'GPS points of patrols, as the phone sent them'")
    op.execute("CREATE INDEX patrol_points_pt_idx ON patrol_points USING gist (pt)")
    op.execute("CREATE INDEX patrol_points_latest_idx ON patrol_points (grid_code, at DESC)")
    _policies("patrol_points", READ, WRITE, update=False)
    op.execute(
        """
        CREATE TABLE all_safe (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          worker text NOT NULL,
          grid_code varchar(15) COLLATE "C" NOT NULL,
          day date NOT NULL,
          at timestamptz NOT NULL DEFAULT now(),
          note text,
          generated boolean NOT NULL DEFAULT false,
          CONSTRAINT all_safe_once_a_day UNIQUE (worker, day)
        )
        """
    )
    op.execute("COMMENT ON TABLE all_safe IS 'all-safe reports (无事报平安), one a worker a day'")
    op.execute("CREATE INDEX all_safe_grid_idx ON all_safe (grid_code, day)")
    _policies("all_safe", READ, WRITE, update=False)
    op.execute(
        """
        CREATE TABLE checkins (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          patrol_id bigint NOT NULL REFERENCES patrols (id) ON DELETE CASCADE,
          grid_code varchar(15) COLLATE "C" NOT NULL,
          kind text NOT NULL,
          record_id bigint NOT NULL,
          at timestamptz NOT NULL,
          distance_m real NOT NULL,
          CONSTRAINT checkins_once UNIQUE (patrol_id, kind, record_id)
        )
        """
    )
    op.execute("COMMENT ON TABLE checkins IS 'check-ins at must-visit points (必到点)'")
    op.execute("CREATE INDEX checkins_grid_idx ON checkins (grid_code, at)")
    _policies("checkins", READ, WRITE, update=False)
    op.execute(
        """
        CREATE TABLE point_adjustments (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          subject_kind text NOT NULL CHECK (subject_kind IN ('worker', 'department')),
          subject text NOT NULL,
          scope varchar(17) COLLATE "C" NOT NULL,
          month date NOT NULL CHECK (extract(day FROM month) = 1),
          points real NOT NULL,
          reason text NOT NULL CHECK (reason <> ''),
          actor text NOT NULL DEFAULT gridmap_actor(),
          at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute(
        "COMMENT ON TABLE point_adjustments IS"
        " 'manual points from spot checks (积分抽查), with why'"
    )
    op.execute("CREATE INDEX point_adjustments_month_idx ON point_adjustments (month, subject)")
    in_scope = "(scope >= gridmap_scope_lo() AND scope < gridmap_scope_hi())"
    _policies(
        "point_adjustments",
        f"({in_scope} AND gridmap_can('events:read'))",
        f"({in_scope} AND gridmap_can('points:write'))",
        update=False,
    )


def downgrade() -> None:
    op.execute(
        "DROP TABLE IF EXISTS point_adjustments, checkins, all_safe, patrol_points, patrols CASCADE"
    )
