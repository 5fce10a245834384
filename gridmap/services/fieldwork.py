"""A grid worker's field work (网格员巡查): start a patrol, send GPS points in batches, check in
at must-visit points (必到点) on the way, stop; report "all safe" (无事报平安) on a quiet day;
and the centre's view of where its workers are now.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from gridmap.core.access import Principal
from gridmap.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from gridmap.core.settings import Settings
from gridmap.db.sql import transaction_time
from gridmap.layers import fieldwork


class FieldDesk:
    """Field work in one transaction, as one caller (a grid worker for the writes)."""

    def __init__(self, conn: Any, settings: Settings, principal: Principal) -> None:
        self.conn = conn
        self.settings = settings
        self.principal = principal

    @property
    def grid(self) -> str:
        """The caller's grid: patrols and all-safe reports are a grid worker's."""
        jurisdiction = self.principal.jurisdiction or ""
        if len(jurisdiction) < 15:
            raise Forbidden(
                f"patrols and all-safe reports are made in a grid: your jurisdiction"
                f" {jurisdiction or '-'} is not a grid"
            )
        return jurisdiction[:15]

    def current(self) -> dict[str, Any] | None:
        """The caller's patrol under way, if any."""
        return fieldwork.open_patrol(self.conn, self.principal.username)

    def start(self) -> dict[str, Any]:
        """Start a patrol (or return the one under way: a retry starts nothing new)."""
        under_way = fieldwork.open_patrol(self.conn, self.principal.username)
        if under_way is not None:
            return {**under_way, "repeated": True}
        now = transaction_time(self.conn)
        patrol_id = fieldwork.start_patrol(self.conn, self.principal.username, self.grid, now)
        return {**self._mine(patrol_id), "repeated": False}

    def _mine(self, patrol_id: int) -> dict[str, Any]:
        found = fieldwork.patrol(self.conn, patrol_id)
        if found is None or found["worker"] != self.principal.username:
            raise NotFound(f"patrol {patrol_id} does not exist (or is not yours)")
        return found

    def add_points(self, patrol_id: int, points: list[dict[str, Any]]) -> dict[str, Any]:
        """Store a batch of GPS points of the caller's patrol under way and check in at the
        must-visit points they pass; a batch sent again adds nothing."""
        patrol = self._mine(patrol_id)
        if patrol["ended_at"] is not None:
            raise Conflict(f"patrol {patrol_id} has ended: start a new one", allowed=["start"])
        limit = self.settings.events.patrol_max_points_per_batch
        if not points or len(points) > limit:
            raise InvalidInput(
                f"send 1 to {limit} points a batch, not {len(points)}", field="points"
            )
        clean = [_point(i, p) for i, p in enumerate(points, start=1)]
        added = fieldwork.add_points(self.conn, patrol_id, patrol["grid_code"], clean)
        since = min(p["at"] for p in clean)
        checkins = fieldwork.check_in(
            self.conn,
            patrol_id,
            patrol["grid_code"],
            self.settings.events.checkin_distance_m,
            since,
        )
        return {
            "patrol": patrol_id,
            "accepted": added,
            "repeated": len(clean) - added,
            "checkins": checkins,
        }

    def stop(self, patrol_id: int) -> dict[str, Any]:
        """End the caller's patrol; its track and length are built from its points."""
        patrol = self._mine(patrol_id)
        if patrol["ended_at"] is None:
            fieldwork.stop_patrol(self.conn, patrol_id, transaction_time(self.conn))
        return {**self._mine(patrol_id), "track": fieldwork.track(self.conn, patrol_id)}

    def show(self, patrol_id: int) -> dict[str, Any]:
        """A patrol with its track: the worker's own, or any in the caller's jurisdiction for
        the centre's staff (row-level security)."""
        found = fieldwork.patrol(self.conn, patrol_id)
        own = found is not None and found["worker"] == self.principal.username
        if found is None or not (own or self.principal.can("events:read")):
            raise NotFound(f"patrol {patrol_id} does not exist (or is not yours)")
        return {**found, "track": fieldwork.track(self.conn, patrol_id)}

    def all_safe(self, note: str | None) -> dict[str, Any]:
        """Today's all-safe report in the caller's grid (once a day)."""
        now = transaction_time(self.conn)
        day = now.astimezone(ZoneInfo(self.settings.events.time_zone)).date()
        made = fieldwork.all_safe(self.conn, self.principal.username, self.grid, day, note)
        return {"day": day.isoformat(), "grid_code": self.grid, "repeated": not made}

    def positions(self) -> list[dict[str, Any]]:
        """The last known position of each worker the caller may see, recent ones only."""
        hours = self.settings.events.position_max_age_hours
        since = transaction_time(self.conn) - timedelta(hours=hours)
        return fieldwork.positions(self.conn, since)


def _point(number: int, raw: dict[str, Any]) -> dict[str, Any]:
    """One GPS point checked: lon/lat in range (WGS84), a time with its zone."""
    try:
        lon, lat = float(raw["lon"]), float(raw["lat"])
    except (KeyError, TypeError, ValueError):
        raise InvalidInput(f"point {number} needs lon and lat as numbers", field="points") from None
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInput(f"point {number}: {lon},{lat} is out of range", field="points")
    at = raw.get("at")
    if isinstance(at, str):
        try:
            at = datetime.fromisoformat(at.replace("Z", "+00:00"))
        except ValueError:
            at = None
    if not isinstance(at, datetime) or at.tzinfo is None:
        raise InvalidInput(
            f"point {number} needs its time (at) in ISO 8601 with a time zone", field="points"
        )
    accuracy = raw.get("accuracy")
    return {"lon": lon, "lat": lat, "at": at, "accuracy": accuracy}
