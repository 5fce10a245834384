"""KPIs kept by month (考核指标月度汇总): each complete month's KPI counts per township and group,
so that a city-year's KPIs add up twelve months' rows instead of counting a million events.

- ``event_kpi_months``: the counts ``gridmap.ops.kpi`` defines for one UTC month (each cohort by
  its own date in the month) of the events of one township (``left(grid_code, 9)``), per group
  of one kind (total, region, grid, department, category), with the sums and counts the means
  are made of and the intake per channel. ``fingerprint`` names the configuration they were
  counted under (time zone, dispute categories, local levels): rows of another are recounted.
- ``event_kpi_stale``: the (month, township) pairs written since they were counted. A trigger
  on ``events`` notes every month an inserted, updated or deleted event counts in (the months
  of its reported, registered and dispatched dates, before and after), for the township it lay
  in. Counting a pair removes the notes it saw; a note written meanwhile stays (one row per
  note, never merged), so no write is lost. A pair with no note is counted, or has no events.

Both are scoped by the township code (row-level security) like the events they count. Existing
events are noted stale here; ``gridmap import events`` counts what it imported.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

APP = "gridmap_app"
_DEFINER = "SECURITY DEFINER SET search_path = public, pg_temp"
IN_SCOPE = (
    "(township >= (SELECT gridmap_scope_lo()) AND township < (SELECT gridmap_scope_hi())"
    " AND (SELECT gridmap_can('events:read')))"
)
COUNTS = (
    "reported",
    "registered",
    "closed",
    "closed_on_time",
    "closed_local",
    "disputes_closed",
    "disputes_closed_local",
    "dispatched",
    "handled",
    "handled_on_time",
    "reworked",
    "returned",
    "same_day",
    "evaluated",
    "satisfied",
    "satisfaction_sum",
    "satisfaction_n",
)
STEPS = ("register", "dispatch", "accept", "handle", "close")
# the months an event counts in (UTC), and its township
_NOTED = """
    SELECT DISTINCT m.month, left(r.grid_code, 9) AS township
      FROM {rows} r,
           LATERAL (VALUES (r.reported_at), (r.registered_at), (r.dispatched_at)) d(at),
           LATERAL (SELECT date_trunc('month', d.at AT TIME ZONE 'UTC')::date AS month) m
     WHERE d.at IS NOT NULL
"""
_WRITES = {
    "insert": ("INSERT", "NEW TABLE AS new_rows"),
    "update": ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    "delete": ("DELETE", "OLD TABLE AS old_rows"),
}


def upgrade() -> None:
    op.execute("CREATE INDEX events_registered_idx ON events (registered_at)")
    op.execute("CREATE INDEX events_dispatched_idx ON events (dispatched_at)")
    columns = ",\n".join(
        [f"{name} bigint NOT NULL DEFAULT 0" for name in COUNTS]
        + [f"{s}_s double precision NOT NULL DEFAULT 0" for s in STEPS]
        + [f"{s}_n bigint NOT NULL DEFAULT 0" for s in STEPS]
    )
    op.execute(
        f"""
        CREATE TABLE event_kpi_months (
          month date NOT NULL CHECK (extract(day FROM month) = 1),
          township varchar(9) COLLATE "C" NOT NULL,
          kind text NOT NULL,
          key text NOT NULL,
          fingerprint text NOT NULL,
          {columns},
          intake jsonb NOT NULL DEFAULT '{{}}',
          PRIMARY KEY (month, township, kind, key)
        )
        """
    )
    # every (month, township) counted has a total row: where the fingerprint is checked
    op.execute(
        "CREATE INDEX event_kpi_months_total_idx ON event_kpi_months (month, township)"
        " INCLUDE (fingerprint) WHERE kind = 'total'"
    )
    op.execute(
        """
        CREATE TABLE event_kpi_stale (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          month date NOT NULL,
          township varchar(9) COLLATE "C" NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX event_kpi_stale_month_idx ON event_kpi_stale (month, township)")
    op.execute("COMMENT ON TABLE event_kpi_months IS 'KPI counts by month (考核指标月度汇总)'")
    op.execute("COMMENT ON TABLE event_kpi_stale IS 'KPI months written since counted'")
    for table in ("event_kpi_months", "event_kpi_stale"):
        op.execute(f"GRANT SELECT, INSERT, DELETE ON {table} TO {APP}")
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {table}_read ON {table} FOR SELECT TO {APP} USING ({IN_SCOPE})")
        op.execute(
            f"CREATE POLICY {table}_insert ON {table} FOR INSERT TO {APP} WITH CHECK ({IN_SCOPE})"
        )
        op.execute(
            f"CREATE POLICY {table}_delete ON {table} FOR DELETE TO {APP} USING ({IN_SCOPE})"
        )
    for name, (event, referencing) in _WRITES.items():
        tables = [t for t in ("new_rows", "old_rows") if t in referencing]
        noted = " UNION ".join(_NOTED.format(rows=t) for t in tables)
        op.execute(
            f"""
            CREATE FUNCTION gridmap_kpi_note_{name}() RETURNS trigger LANGUAGE plpgsql
            {_DEFINER} AS $$
            BEGIN
              INSERT INTO event_kpi_stale (month, township) {noted};
              RETURN NULL;
            END
            $$
            """
        )
        op.execute(
            f"CREATE TRIGGER events_kpi_{name} AFTER {event} ON events"
            f" REFERENCING {referencing} FOR EACH STATEMENT"
            f" EXECUTE FUNCTION gridmap_kpi_note_{name}()"
        )
    op.execute(f"INSERT INTO event_kpi_stale (month, township) {_NOTED.format(rows='events')}")


def downgrade() -> None:
    for name in _WRITES:
        op.execute(f"DROP TRIGGER IF EXISTS events_kpi_{name} ON events")
        op.execute(f"DROP FUNCTION IF EXISTS gridmap_kpi_note_{name}()")
    op.execute("DROP TABLE IF EXISTS event_kpi_months, event_kpi_stale")
    op.execute("DROP INDEX IF EXISTS events_registered_idx, events_dispatched_idx")
