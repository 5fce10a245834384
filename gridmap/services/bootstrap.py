"""Start-up: migrate, open the application role, and fill an empty database with the demo."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from gridmap.core import auth
from gridmap.core.access import SYSTEM
from gridmap.core.settings import Settings
from gridmap.db import migrate
from gridmap.db.engine import engine_for, owner_url
from gridmap.db.scope import apply_scope
from gridmap.demo import city, county, departments
from gridmap.ingest.regions import load_regions
from gridmap.layers import grids, users
from gridmap.services import accounts, cameras

DEMO_USERS_FILE = "demo-users.txt"


def prepare(settings: Settings, demo: bool = True) -> dict[str, Any]:
    """Bring the database to head; on an empty one load codes, the demo county and accounts.

    Returns what was loaded (empty when the database already had data).
    """
    url = owner_url(settings)
    migrate.upgrade(url)
    auth.signing_key(settings)  # generated into the data folder at first start
    done: dict[str, Any] = {}
    with engine_for(settings, url).begin() as conn:
        if settings.db.embedded:
            migrate.allow_login(conn, settings.db.app_role)
        if demo and grids.count(conn) == 0:
            done["regions"] = load_regions(conn).written
            done["demo"] = county.load_demo(conn)
            done["departments"] = departments.load(conn, county.COUNTY_CODE)
            done["people"] = _demo_people(conn, settings)
        if demo and users.count(conn) == 0:
            first_grid = grids.first_code(conn, county.COUNTY_CODE[:6])
            out = settings.db.data_dir / DEMO_USERS_FILE
            bureau = f"{county.COUNTY_CODE[:6]}-{departments.COUNTY_BUREAUS[0][0]}"
            done["users"] = str(
                accounts.create_demo_users(
                    conn, settings, county.COUNTY_CODE, first_grid, out, department=bureau
                )
            )
    return done


def _demo_people(conn: Connection, settings: Settings) -> dict[str, Any]:
    """A small generated population for the demo county, its cameras (views drawn) and a year
    of its events (after its departments), through the real import path."""
    if not settings.people.demo_residents:
        return {}
    apply_scope(conn, SYSTEM)
    with tempfile.TemporaryDirectory(prefix="gridmap-demo-") as folder:
        written = city.populate(
            conn,
            settings,
            county.COUNTY_CODE[:6],
            settings.people.demo_residents,
            seed=2026,
            workdir=Path(folder),
            events=settings.events.demo_events,
            units=departments.demo_departments(conn, county.COUNTY_CODE),
            # the history ends yesterday: today's events are those people report
            until=datetime.now(ZoneInfo(settings.events.time_zone)) - timedelta(days=1),
        )
    written["camera views"] = cameras.draw_views(conn, settings, stale_only=True)["cameras"]
    return written
