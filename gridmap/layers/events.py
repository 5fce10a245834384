"""Events (事件) and the departments that handle them (职能部门): tables and queries.

An event is tied to the grid (and micro-grid) holding its point, or to the grid it names;
``region_code`` follows the grid. Its milestones (when registered, dispatched, handled, closed,
on time or not, dispatches, reworks, returns) are kept on the row by the transitions, so KPIs
are one pass over ``events``; ``event_history`` keeps every transition (append-only).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from gridmap.core.access import ALL, Principal
from gridmap.db import sql
from gridmap.db.features import FeatureTable, Property
from gridmap.db.schema import actor, code_type, flag, identity_id, metadata, now_column, point

# departments (职能部门): who handles events, the categories they take, the area they serve
departments_table = sa.Table(
    "departments",
    metadata,
    identity_id(),
    sa.Column("code", sa.Text(collation="C"), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("level", sa.Text, nullable=False),
    sa.Column(
        "region_code",
        code_type(12),
        sa.ForeignKey("regions.code", name="departments_region_code_fkey"),
        nullable=False,
    ),
    sa.Column("scope", code_type(12), nullable=False),
    sa.Column("categories", ARRAY(sa.Text), nullable=False, server_default=text("'{}'")),
    sa.Column("phone", sa.Text),
    flag("active", default=True),
    flag("generated"),
    sa.PrimaryKeyConstraint("id", name="departments_pkey"),
    sa.UniqueConstraint("code", name="departments_code_key"),
    sa.CheckConstraint("code <> ''", name="departments_code_check"),
    sa.CheckConstraint("name <> ''", name="departments_name_check"),
    sa.Index("departments_scope_idx", "scope"),
    comment="departments and units that handle events (职能部门)",
)

_OPEN = "state IN ('reported', 'registered', 'dispatched', 'accepted', 'handled')"
# the same condition as PostgreSQL writes it back (the partial index's, compared by drift)
_OPEN_INDEXED = (
    "state = ANY (ARRAY['reported'::text, 'registered'::text, 'dispatched'::text,"
    " 'accepted'::text, 'handled'::text])"
)

# events (事件): reported through any channel, dispatched from one point, closed and evaluated
events_table = sa.Table(
    "events",
    metadata,
    identity_id(),
    sa.Column("channel", sa.Text, nullable=False),
    sa.Column("category", sa.Text, nullable=False),
    sa.Column("urgency", sa.Text, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("address", sa.Text),
    sa.Column("pt", point()),
    sa.Column("grid_code", code_type(15), nullable=False),
    sa.Column("micro_code", code_type(17)),
    sa.Column("region_code", code_type(12), sa.Computed("left(grid_code, 12)", persisted=True)),
    sa.Column("level", sa.Text, nullable=False),
    sa.Column("tries", sa.Integer, nullable=False, server_default=text("0")),
    sa.Column("state", sa.Text, nullable=False),
    flag("on_hold"),
    flag("public"),
    sa.Column(
        "department_id",
        sa.BigInteger,
        sa.ForeignKey("departments.id", name="events_department_id_fkey"),
    ),
    # every department it was ever dispatched to (they keep sight of it)
    sa.Column("departments", ARRAY(sa.BigInteger), nullable=False, server_default=text("'{}'")),
    sa.Column("reporter", sa.Text),
    sa.Column("reporter_name_cipher", sa.LargeBinary),
    sa.Column("reporter_name_masked", sa.Text),
    sa.Column("reporter_phone_hash", sa.LargeBinary),
    sa.Column("reporter_phone_cipher", sa.LargeBinary),
    sa.Column("reporter_phone_masked", sa.Text),
    sa.Column("related", JSONB, nullable=False, server_default=text("'{}'")),
    sa.Column("source_ref", sa.Text),
    sa.Column(
        "duplicate_of", sa.BigInteger, sa.ForeignKey("events.id", name="events_duplicate_of_fkey")
    ),
    sa.Column("deadline", sa.DateTime(timezone=True)),
    sa.Column("amber_at", sa.DateTime(timezone=True)),
    sa.Column("deadline_step", sa.Text),
    now_column("reported_at"),
    *(
        sa.Column(f"{milestone}_at", sa.DateTime(timezone=True))
        for milestone in ("registered", "dispatched", "accepted", "handled", "closed", "evaluated")
    ),
    sa.Column("handle_deadline", sa.DateTime(timezone=True)),
    sa.Column("handled_on_time", sa.Boolean),
    sa.Column("closed_on_time", sa.Boolean),
    *(
        sa.Column(count, sa.Integer, nullable=False, server_default=text("0"))
        for count in ("dispatches", "reworks", "returns", "escalations")
    ),
    sa.Column("max_level", sa.Text, nullable=False),
    sa.Column("satisfaction", sa.SmallInteger),
    flag("generated"),
    now_column("updated_at"),
    sa.Column("version", sa.Integer, nullable=False, server_default=text("1")),
    sa.PrimaryKeyConstraint("id", name="events_pkey"),
    sa.UniqueConstraint("channel", "source_ref", name="events_source_ref_key"),
    sa.CheckConstraint("title <> ''", name="events_title_check"),
    sa.CheckConstraint("satisfaction >= 1 AND satisfaction <= 5", name="events_satisfaction_check"),
    sa.CheckConstraint(
        "micro_code IS NULL OR left(micro_code, 15) = grid_code", name="events_micro_in_grid"
    ),
    sa.Index("events_pt_idx", "pt", postgresql_using="gist"),
    sa.Index("events_departments_idx", "departments", postgresql_using="gin"),
    sa.Index("events_micro_idx", "micro_code", postgresql_where=text("micro_code IS NOT NULL")),
    sa.Index("events_open_idx", "deadline", postgresql_where=text(_OPEN_INDEXED)),
    sa.Index(
        "events_open_pt_idx", "pt", postgresql_using="gist", postgresql_where=text(_OPEN_INDEXED)
    ),
    sa.Index("events_open_amber_idx", "amber_at", postgresql_where=text(_OPEN_INDEXED)),
    comment="events (事件): the six-step closed loop",
)
sa.Index("events_grid_idx", events_table.c.grid_code, events_table.c.reported_at.desc())
sa.Index("events_reported_idx", events_table.c.reported_at.desc())
sa.Index("events_department_idx", events_table.c.department_id, events_table.c.reported_at.desc())
sa.Index(
    "events_open_reported_idx",
    events_table.c.reported_at.desc(),
    events_table.c.id.desc(),
    postgresql_where=text(_OPEN_INDEXED),
)
sa.Index("events_deadline_idx", events_table.c.deadline, events_table.c.id)
sa.Index("events_registered_idx", events_table.c.registered_at)
sa.Index("events_dispatched_idx", events_table.c.dispatched_at)

# event_history (事件流转记录): every transition with who, when, from, to, why (append-only)
event_history_table = sa.Table(
    "event_history",
    metadata,
    identity_id(),
    sa.Column(
        "event_id",
        sa.BigInteger,
        sa.ForeignKey("events.id", name="event_history_event_id_fkey", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column(
        "at", sa.DateTime(timezone=True), nullable=False, server_default=text("clock_timestamp()")
    ),
    actor("actor"),
    sa.Column("role", sa.Text),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("from_state", sa.Text),
    sa.Column("to_state", sa.Text, nullable=False),
    sa.Column("level", sa.Text),
    sa.Column("department_id", sa.BigInteger),
    sa.Column("note", sa.Text),
    sa.Column("attachments", ARRAY(sa.BigInteger), nullable=False, server_default=text("'{}'")),
    sa.Column("detail", JSONB),
    sa.PrimaryKeyConstraint("id", name="event_history_pkey"),
    sa.Index("event_history_event_idx", "event_id", "at"),
    comment="every transition of an event (append-only)",
)

# event_attachments (事件照片): photos, checked by content, stored under the data folder
event_attachments_table = sa.Table(
    "event_attachments",
    metadata,
    identity_id(),
    sa.Column(
        "event_id",
        sa.BigInteger,
        sa.ForeignKey("events.id", name="event_attachments_event_id_fkey", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("media_type", sa.Text, nullable=False),
    sa.Column("bytes", sa.Integer, nullable=False),
    sa.Column("sha256", sa.Text, nullable=False),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("public_path", sa.Text, nullable=False),
    sa.Column("width", sa.Integer),
    sa.Column("height", sa.Integer),
    actor("uploaded_by"),
    now_column("uploaded_at"),
    sa.PrimaryKeyConstraint("id", name="event_attachments_pkey"),
    sa.Index("event_attachments_event_idx", "event_id"),
    comment="photos of events, kept outside static/",
)


# -- departments ----------------------------------------------------------------------------

_DEPARTMENT = (
    "d.id, d.code, d.name, d.level, d.region_code, d.categories, d.phone, d.active, d.generated"
)


def list_departments(
    conn: Connection,
    category: str | None = None,
    region: str | None = None,
    active: bool | None = True,
    group: str | None = None,
) -> list[dict[str, Any]]:
    """Departments the caller may see (RLS), those taking ``category`` (of ``group``; or every
    category), serving ``region`` (a 12-digit code: its own departments and those above it)."""
    where = sql.Where()
    if category is not None:
        # a department takes categories or whole groups of them ('{}': any)
        takes = [category, *([group] if group else [])]
        where.add("(d.categories = '{}' OR d.categories && CAST(:takes AS text[]))", takes=takes)
    if region is not None:
        where.add("left(:region, length(d.scope)) = d.scope", region=region)
    where.equals("d.active", active, "active")
    return sql.rows(
        conn,
        f"SELECT {_DEPARTMENT} FROM departments d WHERE {where.sql} ORDER BY d.code",
        where.params,
    )


def department(conn: Connection, key: int | str) -> dict[str, Any] | None:
    """One department by id or by code (None when it does not exist for the caller)."""
    column = "d.id" if isinstance(key, int) else "d.code"
    found = sql.rows(
        conn, f"SELECT {_DEPARTMENT} FROM departments d WHERE {column} = :k", {"k": key}
    )
    return found[0] if found else None


def upsert_departments(conn: Connection, records: list[dict[str, Any]]) -> int:
    """Insert departments or update them by code; returns how many were written."""
    if not records:
        return 0
    return conn.execute(
        text(
            """
            INSERT INTO departments AS d (code, name, level, region_code, scope, categories,
                                          phone, generated)
            SELECT r.code, r.name, r.level, r.region_code, g.prefix, r.categories, r.phone,
                   r.generated
              FROM jsonb_to_recordset(CAST(:records AS jsonb)) AS r(
                     code text, name text, level text, region_code text, categories text[],
                     phone text, generated boolean)
              JOIN regions g ON g.code = r.region_code
            ON CONFLICT (code) DO UPDATE
               SET name = excluded.name, level = excluded.level,
                   region_code = excluded.region_code, scope = excluded.scope,
                   categories = excluded.categories, phone = excluded.phone, active = true
            """
        ),
        {"records": json.dumps(records, ensure_ascii=False)},
    ).rowcount


# -- ties -----------------------------------------------------------------------------------


def building_at_address(conn: Connection, address: str) -> tuple[float, float] | None:
    """The point of the building whose address is exactly ``address`` (or whose code it is)."""
    row = conn.execute(
        text(
            "SELECT ST_X(pt), ST_Y(pt) FROM buildings WHERE address = :a OR code = :a"
            " ORDER BY code LIMIT 1"
        ),
        {"a": address},
    ).first()
    return None if row is None else (row[0], row[1])


def grid_exists(conn: Connection, code: str) -> bool:
    return conn.execute(
        text("SELECT EXISTS (SELECT 1 FROM grids WHERE code = :c)"), {"c": code}
    ).scalar_one()


# -- writes ---------------------------------------------------------------------------------

INSERTED = (
    "channel",
    "category",
    "urgency",
    "title",
    "description",
    "address",
    "grid_code",
    "micro_code",
    "level",
    "state",
    "public",
    "reporter",
    "reporter_name_cipher",
    "reporter_name_masked",
    "reporter_phone_hash",
    "reporter_phone_cipher",
    "reporter_phone_masked",
    "related",
    "source_ref",
    "deadline",
    "amber_at",
    "deadline_step",
    "reported_at",
    "registered_at",
    "max_level",
    "generated",
)


def insert_event(conn: Connection, record: dict[str, Any]) -> int:
    """Insert one event (``INSERTED`` columns, plus ``lon``/``lat`` for its point); its id."""
    columns = ", ".join(INSERTED)
    values = ", ".join("CAST(:related AS jsonb)" if c == "related" else f":{c}" for c in INSERTED)
    params = {c: record.get(c) for c in INSERTED}
    params["related"] = json.dumps(record.get("related") or {})
    params.update(lon=record.get("lon"), lat=record.get("lat"))
    return conn.execute(
        text(
            f"INSERT INTO events ({columns}, pt) VALUES ({values},"
            " CASE WHEN CAST(:lon AS float8) IS NULL THEN NULL"
            " ELSE ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) END) RETURNING id"
        ),
        params,
    ).scalar_one()


def by_source_ref(conn: Connection, channel: str, source_ref: str) -> int | None:
    """An event already taken in with this channel's reference (a client's retry, a re-import)."""
    return conn.execute(
        text("SELECT id FROM events WHERE channel = :c AND source_ref = :r"),
        {"c": channel, "r": source_ref},
    ).scalar()


def lock(conn: Connection, event_id: int) -> dict[str, Any] | None:
    """An event locked for this transaction (None when the caller may not see it)."""
    found = sql.rows(conn, "SELECT * FROM events WHERE id = :id FOR UPDATE", {"id": event_id})
    return found[0] if found else None


def update(conn: Connection, event_id: int, version: int, changes: dict[str, Any]) -> int:
    """Apply a transition's changes if the version is still ``version``; rows updated (0: the
    event changed meanwhile)."""
    assignments = ", ".join(f"{column} = :{column}" for column in changes)
    return conn.execute(
        text(
            f"UPDATE events SET {assignments}, version = version + 1, updated_at = now()"
            " WHERE id = :event_id AND version = :expected_version"
        ),
        {**changes, "event_id": event_id, "expected_version": version},
    ).rowcount


def add_history(conn: Connection, event_id: int, entry: dict[str, Any]) -> int:
    """Append one transition to an event's history; its id."""
    return conn.execute(
        text(
            "INSERT INTO event_history (event_id, at, role, action, from_state, to_state, level,"
            " department_id, note, attachments, detail)"
            " VALUES (:event_id, coalesce(CAST(:at AS timestamptz), clock_timestamp()), :role,"
            " :action, :from_state, :to_state, :level, :department_id, :note,"
            " CAST(:attachments AS bigint[]), CAST(:detail AS jsonb))"
            " RETURNING id"
        ),
        {
            "event_id": event_id,
            "at": entry.get("at"),
            "role": entry.get("role"),
            "action": entry["action"],
            "from_state": entry.get("from_state"),
            "to_state": entry["to_state"],
            "level": entry.get("level"),
            "department_id": entry.get("department_id"),
            "note": entry.get("note"),
            "attachments": list(entry.get("attachments") or []),
            "detail": json.dumps(entry["detail"], default=str) if entry.get("detail") else None,
        },
    ).scalar_one()


# -- reads ----------------------------------------------------------------------------------

_OVERDUE = (
    f"CASE WHEN e.deadline IS NULL OR NOT (e.{_OPEN}) THEN NULL WHEN now() > e.deadline"
    " THEN 'red' WHEN now() >= e.amber_at THEN 'amber' ELSE 'green' END"
)

_LIST_COLUMNS = f"""
    e.id, e.channel, e.category, e.urgency, e.title, e.description, e.address, e.state,
    e.on_hold, e.level,
    e.tries, e.grid_code, e.micro_code, e.region_code, e.department_id, d.name AS department,
    e.deadline, e.amber_at, e.deadline_step, e.reported_at, e.updated_at, e.version,
    e.duplicate_of, e.generated, ST_X(e.pt) AS lon, ST_Y(e.pt) AS lat, {_OVERDUE} AS overdue
"""


@dataclass
class EventFilter:
    """Which events a list asks for (every condition optional; all must hold)."""

    states: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    urgency: str | None = None
    prefix: str | None = None  # a region's prefix or a grid code
    department_id: int | None = None
    overdue: str | None = None  # red, amber (amber or red), or none
    on_hold: bool | None = None
    bbox: sql.BBox | None = None
    since: datetime | None = None
    until: datetime | None = None
    text: str | None = None
    ids: list[int] = field(default_factory=list)
    # the caller's own area said again beside row-level security (``own_area``): the planner
    # cannot see through the policy's ORs (area, department, public) to the grid index
    within: str | None = None

    def where(self) -> sql.Where:
        where = sql.Where().code_range("e.grid_code", self.within, "within")
        if self.states:
            where.add("e.state = ANY (:states)", states=self.states)
        if self.categories:
            where.add("e.category = ANY (:categories)", categories=self.categories)
        if self.channels:
            where.add("e.channel = ANY (:channels)", channels=self.channels)
        if self.ids:
            where.add("e.id = ANY (:ids)", ids=self.ids)
        where.equals("e.urgency", self.urgency, "urgency")
        where.equals("e.department_id", self.department_id, "department_id")
        where.equals("e.on_hold", self.on_hold, "on_hold")
        where.code_range("e.grid_code", self.prefix)
        where.bbox("e.pt", self.bbox)
        if self.since is not None:
            where.add("e.reported_at >= :since", since=self.since)
        if self.until is not None:
            where.add("e.reported_at < :until", until=self.until)
        if self.overdue == "red":
            where.add(f"e.{_OPEN} AND e.deadline < now()")
        elif self.overdue == "amber":
            where.add(f"e.{_OPEN} AND e.amber_at <= now()")
        elif self.overdue == "none":
            where.add(f"NOT (e.{_OPEN} AND e.amber_at <= now())")
        if self.text:
            where.add(
                "(e.title ILIKE :text OR e.description ILIKE :text OR e.address ILIKE :text)",
                text=f"%{self.text}%",
            )
        return where


def own_area(principal: Principal) -> str | None:
    """The caller's area when the events policy lets them see exactly the events tied to it
    (staff with neither a department's nor the public's sight, scoped to a region or a grid),
    else None."""
    scope = principal.scope
    if scope == ALL or len(scope) > 15:  # a micro-grid's events carry its grid's code
        return None
    if principal.can("events:handle") or principal.can("events:public"):
        return None
    return scope


SORTS = {
    "reported": "e.reported_at DESC, e.id DESC",
    "deadline": "e.deadline NULLS LAST, e.id",
    "updated": "e.updated_at DESC, e.id DESC",
}


def list_events(
    conn: Connection, where: EventFilter, limit: int, offset: int, sort: str = "reported"
) -> list[dict[str, Any]]:
    """A page of events the caller may see."""
    condition = where.where()
    sql.planned_with_values(conn)
    # the page is cut first and only its rows meet their departments (joined before the cut,
    # a township's 5,000 events each met every department: 205 ms → 40 ms)
    paged = f"SELECT e.* FROM events e WHERE {condition.sql} {sql.page(SORTS[sort])}"
    return sql.rows(
        conn,
        f"SELECT {_LIST_COLUMNS} FROM ({paged}) e"
        f" LEFT JOIN departments d ON d.id = e.department_id ORDER BY {SORTS[sort]}",
        {**condition.params, "limit": limit, "offset": offset},
    )


def count_events(conn: Connection, where: EventFilter, cap: int) -> int | None:
    """How many events the caller may see match, exactly up to ``cap`` (None: more)."""
    sql.planned_with_values(conn)
    return sql.matched(conn, "events e", where.where(), cap)


def stream_events(conn: Connection, where: EventFilter):
    """Every matching event, newest first, fetched in batches (for exports)."""
    condition = where.where()
    result = conn.execution_options(stream_results=True, yield_per=2000).execute(
        text(
            f"SELECT {_LIST_COLUMNS} FROM events e LEFT JOIN departments d"
            f" ON d.id = e.department_id WHERE {condition.sql} ORDER BY {SORTS['reported']}"
        ),
        condition.params,
    )
    for row in result.mappings():
        yield dict(row)


def get_event(conn: Connection, event_id: int) -> dict[str, Any] | None:
    """One event with every column, its department's name and its point."""
    found = sql.rows(
        conn,
        f"SELECT e.*, d.name AS department, d.code AS department_code, {_OVERDUE} AS overdue,"
        " ST_X(e.pt) AS lon, ST_Y(e.pt) AS lat"
        " FROM events e LEFT JOIN departments d ON d.id = e.department_id WHERE e.id = :id",
        {"id": event_id},
    )
    if not found:
        return None
    event = found[0]
    event.pop("pt", None)
    return event


def history(conn: Connection, event_id: int) -> list[dict[str, Any]]:
    """An event's transitions, oldest first."""
    return sql.rows(
        conn,
        "SELECT h.id, h.at, h.actor, h.role, h.action, h.from_state, h.to_state, h.level,"
        " h.department_id, d.name AS department, h.note, h.attachments, h.detail"
        " FROM event_history h LEFT JOIN departments d ON d.id = h.department_id"
        " WHERE h.event_id = :id ORDER BY h.at, h.id",
        {"id": event_id},
    )


def near_open(
    conn: Connection,
    category: str,
    lon: float,
    lat: float,
    distance_m: float,
    since: datetime,
    limit: int,
    open_states: list[str],
) -> list[dict[str, Any]]:
    """Open events of a category within ``distance_m`` metres of a point reported since
    ``since``, nearest first (duplicate suggestions)."""
    return sql.rows(
        conn,
        """
        WITH p AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS pt)
        SELECT e.id, e.title, e.state, e.category, e.reported_at, e.address,
               ST_X(e.pt) AS lon, ST_Y(e.pt) AS lat,
               round(ST_Distance(e.pt::geography, p.pt::geography)::numeric, 1)::float
                 AS distance_m
          FROM p, LATERAL (
                 -- the open events in the box, planned apart (OFFSET 0) so that they come
                 -- from the open events' GiST index: open events are the recent ones, which
                 -- the planner cannot know, and with "reported since" beside it, it took
                 -- the open events by date for a few (27,000 rows, not 2,000: 4 ms, not 0.2)
                 SELECT e.* FROM events e
                  WHERE e.category = :category AND e.state = ANY (:open_states)
                    AND e.pt && ST_Expand(p.pt, :degrees)
                 OFFSET 0) e
         WHERE e.reported_at >= :since
           AND ST_DWithin(e.pt::geography, p.pt::geography, :distance)
         ORDER BY e.pt::geography <-> p.pt::geography
         LIMIT :limit
        """,
        {
            "lon": lon,
            "lat": lat,
            "category": category,
            "open_states": open_states,
            "since": since,
            "distance": distance_m,
            # a box in degrees around the point that holds the circle (for the GiST index)
            "degrees": distance_m / 111_000 / max(0.2, abs(math.cos(math.radians(lat)))),
            "limit": limit,
        },
    )


def attachments(conn: Connection, event_id: int) -> list[dict[str, Any]]:
    """An event's photos (without their paths on disk), oldest first."""
    return sql.rows(
        conn,
        "SELECT id, media_type, bytes, width, height, uploaded_by, uploaded_at"
        " FROM event_attachments WHERE event_id = :id ORDER BY id",
        {"id": event_id},
    )


def attachment_ids(conn: Connection, event_id: int) -> set[int]:
    return set(
        conn.execute(
            text("SELECT id FROM event_attachments WHERE event_id = :id"), {"id": event_id}
        ).scalars()
    )


def attachment(conn: Connection, event_id: int, attachment_id: int) -> dict[str, Any] | None:
    """One photo with its paths (relative to the data folder), if the caller may see it."""
    found = sql.rows(
        conn,
        "SELECT id, media_type, path, public_path FROM event_attachments"
        " WHERE event_id = :e AND id = :a",
        {"e": event_id, "a": attachment_id},
    )
    return found[0] if found else None


def add_attachment(conn: Connection, event_id: int, record: dict[str, Any]) -> int:
    """Attach a stored photo; the same photo sent again (a phone retrying an upload whose
    answer it lost) is the attachment already there."""
    return conn.execute(
        text(
            """
            WITH found AS (
              SELECT id FROM event_attachments
               WHERE event_id = :event_id AND sha256 = :sha256 ORDER BY id LIMIT 1),
            added AS (
              INSERT INTO event_attachments (event_id, media_type, bytes, sha256, path,
                                             public_path, width, height)
              SELECT :event_id, :media_type, :bytes, :sha256, :path, :public_path, :width,
                     :height
               WHERE NOT EXISTS (SELECT 1 FROM found)
              RETURNING id)
            SELECT id FROM added UNION ALL SELECT id FROM found
            """
        ),
        {"event_id": event_id, **record},
    ).scalar_one()


# the tables an event may name as related, and nothing else (identifiers are not bound)
_RELATED_TABLES = ("residents", "places", "buildings", "organisations")


def record_exists(conn: Connection, table: str, record_id: int) -> bool:
    """Whether a record of a related table exists for the caller (row-level security)."""
    if table not in _RELATED_TABLES:
        raise ValueError(f"{table!r} is not a table events relate to")
    return conn.execute(
        text(f"SELECT EXISTS (SELECT 1 FROM {table} WHERE id = :id)"), {"id": record_id}
    ).scalar_one()


def first_public_photos(conn: Connection, event_ids: list[int]) -> dict[int, int]:
    """The first photo of each event (what Open311 shows as ``media_url``)."""
    if not event_ids:
        return {}
    found = conn.execute(
        text(
            "SELECT event_id, min(id) FROM event_attachments WHERE event_id = ANY (:ids)"
            " GROUP BY event_id"
        ),
        {"ids": event_ids},
    )
    return {event_id: photo for event_id, photo in found}


# -- maps -----------------------------------------------------------------------------------

CLUSTER_BELOW = 12  # zoomed out further, events are counted per cell, not drawn one by one
# on the map: what is open, and what came in lately
_ON_MAP = f"(g.{_OPEN} OR g.reported_at > now() - interval '30 days')"


def tile(conn: Connection, z: int, x: int, y: int, limit: int, public: bool = False) -> bytes:
    """Vector tile ``events``: each event with its state, category, urgency and overdue colour
    (from z12), or counts per cell (open, overdue) further out."""
    if z < CLUSTER_BELOW:
        return sql.mvt_clusters(
            conn,
            "events",
            "events g",
            {
                "open": f"count(*) FILTER (WHERE g.{_OPEN})",
                "red": f"count(*) FILTER (WHERE g.{_OPEN} AND g.deadline < now())",
            },
            (z, x, y),
            where=_ON_MAP,
        )
    overdue = _OVERDUE.replace("e.", "g.")
    return sql.mvt(
        conn,
        "events",
        "events g",
        f"g.id, g.state, g.category, g.urgency, g.level, g.title, {overdue} AS overdue",
        (z, x, y),
        limit,
        where=f"g.pt IS NOT NULL AND {_ON_MAP}",
        order="g.reported_at DESC",
        geometry="g.pt",
    )


# the OGC collection ``events``: located events, newest first (nothing about the reporter)
FEATURES = FeatureTable(
    table="events",
    alias="e",
    key="id",
    key_type="integer",
    geometry=("pt",),
    geometry_type="point",
    where="e.pt IS NOT NULL",
    order="e.reported_at DESC",
    temporal="reported_at",
    properties=(
        Property("id", "integer", "event number"),
        Property("title", "string", "what happened, in a line"),
        Property("category", "string", "event category (configuration: event categories)"),
        Property("channel", "string", "how it came in: grid_worker, hotline_12345, …"),
        Property("urgency", "string", "urgency: normal, urgent, …"),
        Property("state", "string", "step of the closed loop: reported, registered, …, closed"),
        Property("level", "string", "level handling it: village, township or county"),
        Property("on_hold", "boolean", "on the 挂账 list (waiting, not overdue)"),
        Property("grid_code", "string", "15-digit grid it lies in"),
        Property("micro_code", "string", "17-digit micro-grid it lies in"),
        Property("region_code", "string", "12-digit village or community of its grid"),
        Property("department_id", "integer", "department it is dispatched to"),
        Property("reported_at", "date-time", "when it was reported"),
        Property("deadline", "date-time", "deadline of its current step"),
        Property("closed_at", "date-time", "when it was closed"),
        Property(
            "overdue", "string", "deadline colour of an open event: green, amber, red", _OVERDUE
        ),
    ),
)


def names_of(conn: Connection, table: str, codes: list[str]) -> dict[str, str]:
    """The names of regions or grids by code (for labelling KPI groups)."""
    if table not in ("regions", "grids"):
        raise ValueError(f"{table!r} has no names by code")
    found = conn.execute(
        text(f"SELECT code, name FROM {table} WHERE code = ANY (:codes)"), {"codes": codes}
    )
    return {code: name for code, name in found}
