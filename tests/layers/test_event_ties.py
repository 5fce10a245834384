"""Events follow grid edits like every located layer: re-tied in PostGIS with their history."""

from __future__ import annotations

from sqlalchemy import Connection, text

from gridmap import catalog
from gridmap.core.signals import GridChange


def test_an_event_is_re_tied_when_its_grid_changes(conn: Connection) -> None:
    grid, other, lon, lat = conn.execute(
        text(
            "SELECT a.code, b.code, ST_X(ST_PointOnSurface(a.boundary)),"
            " ST_Y(ST_PointOnSurface(a.boundary)) FROM grids a, grids b"
            " WHERE length(a.code) = 15 AND length(b.code) = 15 AND a.code < b.code"
            " ORDER BY a.code, b.code LIMIT 1"
        )
    ).one()
    event = conn.execute(
        text(
            "INSERT INTO events (channel, category, urgency, title, pt, grid_code, level, state,"
            " max_level) VALUES ('walk_in', 'fire', 'normal', 'smoke',"
            " ST_SetSRID(ST_MakePoint(:x, :y), 4326), :other, 'village', 'reported', 'village')"
            " RETURNING id"
        ),
        {"x": lon, "y": lat, "other": other},
    ).scalar_one()
    area = conn.execute(
        text("SELECT ST_AsBinary(boundary) FROM grids WHERE code = :g"), {"g": grid}
    ).scalar_one()
    catalog.grids_changed(conn, GridChange("test", [grid], area_wkb=bytes(area)))
    tied = conn.execute(text("SELECT grid_code FROM events WHERE id = :id"), {"id": event})
    assert tied.scalar_one() == grid
    history = (
        conn.execute(
            text(
                "SELECT grid_code FROM tie_history WHERE layer = 'events' AND record_id = :id"
                " ORDER BY tied_at, id"
            ),
            {"id": event},
        )
        .scalars()
        .all()
    )
    assert history == [other, grid]
