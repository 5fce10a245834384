"""Sharp Eyes cameras (雪亮工程) and natural villages (自然村): tables and queries.

A camera record (一机一档) keeps the GB/T 28181 archive fields, where it stands (tied to its grid
in PostGIS, or to no grid: a wrong position is a problem to find, not a reason to lose the
record), the region it belongs to, and what it sees (``sector``: its view to the range of the
configured pixel density, minus what buildings hide).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy import Connection, text
from sqlalchemy.dialects.postgresql import ARRAY

from gridmap.db import sql
from gridmap.db.features import FeatureTable, Property
from gridmap.db.schema import code_type, flag, identity_id, metadata, now_column, point

# cameras (摄像机, 一机一档)
cameras_table = sa.Table(
    "cameras",
    metadata,
    identity_id(),
    sa.Column("device_id", sa.Text(collation="C")),
    sa.Column("osm_id", sa.BigInteger),
    sa.Column("source", sa.Text, nullable=False),
    *(sa.Column(name, sa.Text) for name in ("name", "manufacturer", "model", "owner", "address")),
    *(sa.Column(name, sa.SmallInteger) for name in ("ptz_type", "room_type", "use", "light")),
    sa.Column("resolution_px", sa.Integer),
    *(sa.Column(name, sa.REAL) for name in ("hfov", "direction", "tilt", "height")),
    sa.Column("status", sa.Text, nullable=False, server_default=text("'online'")),
    sa.Column("checked_on", sa.Date),
    sa.Column("declared_crs", sa.Text),
    sa.Column("pt", point(), nullable=False),
    sa.Column("grid_code", code_type(15)),
    sa.Column("micro_code", code_type(17)),
    sa.Column("home_region", code_type(12), nullable=False),
    sa.Column(
        "region_code",
        code_type(12),
        sa.Computed('COALESCE("left"((grid_code)::text, 12), (home_region)::text)', persisted=True),
    ),
    sa.Column("sector", Geometry("GEOMETRY", srid=4326, spatial_index=False)),
    sa.Column("sector_area_m2", sa.REAL),
    sa.Column("sector_range_m", sa.REAL),
    sa.Column("sector_defaults", ARRAY(sa.Text), nullable=False, server_default=text("'{}'")),
    sa.Column("sector_at", sa.DateTime(timezone=True)),
    flag("planned"),
    flag("generated"),
    now_column("imported_at"),
    sa.PrimaryKeyConstraint("id", name="cameras_pkey"),
    sa.CheckConstraint("ptz_type >= 1 AND ptz_type <= 4", name="cameras_ptz_type_check"),
    sa.CheckConstraint("room_type >= 1 AND room_type <= 2", name="cameras_room_type_check"),
    sa.CheckConstraint("use >= 1 AND use <= 3", name="cameras_use_check"),
    sa.CheckConstraint("light >= 1 AND light <= 4", name="cameras_light_check"),
    sa.Index("cameras_pt_idx", "pt", postgresql_using="gist"),
    sa.Index("cameras_sector_idx", "sector", postgresql_using="gist"),
    sa.Index("cameras_region_idx", "region_code"),
    sa.Index("cameras_grid_idx", "grid_code"),
    sa.Index("cameras_device_idx", "device_id"),
    sa.Index("cameras_osm_key", "osm_id", unique=True, postgresql_where=text("osm_id IS NOT NULL")),
    comment="Sharp Eyes cameras (雪亮工程), one record each (一机一档)",
)

# natural_villages (自然村): within administrative villages; a point or an outline
natural_villages_table = sa.Table(
    "natural_villages",
    metadata,
    identity_id(),
    sa.Column("code", sa.Text(collation="C"), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column(
        "region_code",
        code_type(12),
        sa.ForeignKey("regions.code", name="natural_villages_region_code_fkey"),
        nullable=False,
    ),
    sa.Column("geom", Geometry("GEOMETRY", srid=4326, spatial_index=False), nullable=False),
    flag("generated"),
    sa.PrimaryKeyConstraint("id", name="natural_villages_pkey"),
    sa.UniqueConstraint("code", name="natural_villages_code_key"),
    sa.CheckConstraint("code <> ''", name="natural_villages_code_check"),
    sa.CheckConstraint("name <> ''", name="natural_villages_name_check"),
    sa.Index("natural_villages_geom_idx", "geom", postgresql_using="gist"),
    sa.Index("natural_villages_region_idx", "region_code"),
    comment="natural villages (自然村) within administrative villages, for camera quotas",
)


def count(conn: Connection) -> int:
    return conn.execute(text("SELECT count(*) FROM cameras")).scalar_one()


def natural_village_count(conn: Connection) -> int:
    return sql.rows(conn, "SELECT count(*) AS n FROM natural_villages")[0]["n"]


# -- bad records (问题点位) -------------------------------------------------------------------

# every check as SQL over the camera ``c`` giving the reason it fails (NULL: it passes);
# bound: :provinces, :camera_types, :fixed_types, :max_height, :min_hfov
CHECKS: dict[str, str] = {
    "malformed_id": "CASE WHEN c.device_id !~ '^[0-9]{20}$' THEN format('device ID %s is not"
    " 20 digits (GB/T 28181)', c.device_id) END",
    "unknown_province": "CASE WHEN c.device_id ~ '^[0-9]{20}$' AND NOT (left(c.device_id, 2)"
    " = ANY (:provinces)) THEN format('device ID %s: %s is not a province code', c.device_id,"
    " left(c.device_id, 2)) END",
    "not_a_camera": "CASE WHEN c.device_id ~ '^[0-9]{20}$' AND NOT (substr(c.device_id, 11, 3)"
    " = ANY (:camera_types)) THEN format('device ID %s: type %s is not a camera (cameras: %s)',"
    " c.device_id, substr(c.device_id, 11, 3), array_to_string(:camera_types, ', ')) END",
    "centre_mismatch": "CASE WHEN c.device_id ~ '^[0-9]{20}$' AND c.grid_code IS NOT NULL AND"
    " left(c.device_id, 6) <> left(c.grid_code, 6) THEN format('device ID %s names county %s,"
    " but the camera stands in %s', c.device_id, left(c.device_id, 6), left(c.grid_code, 6)) END",
    "no_position": "CASE WHEN ST_X(c.pt) = 0 AND ST_Y(c.pt) = 0 THEN 'at (0, 0): no real"
    " position' END",
    "outside_grids": "CASE WHEN c.grid_code IS NULL AND NOT (ST_X(c.pt) = 0 AND ST_Y(c.pt) = 0)"
    " THEN format('at %s,%s: in no grid', round(ST_X(c.pt)::numeric, 6),"
    " round(ST_Y(c.pt)::numeric, 6)) END",
    "no_direction": "CASE WHEN coalesce(c.ptz_type, 3) = ANY (:fixed_types) AND c.direction IS"
    " NULL THEN 'a fixed camera without a direction' END",
    "bad_direction": "CASE WHEN c.direction < 0 OR c.direction >= 360 THEN format('direction"
    " %s° is not in 0–360', c.direction) END",
    "impossible_height": "CASE WHEN c.height <= 0 OR c.height > :max_height THEN"
    " format('height %s m is impossible (0–%s m)', c.height, :max_height) END",
    "impossible_hfov": "CASE WHEN c.hfov < :min_hfov OR c.hfov > 360 OR (c.hfov >= 180 AND"
    " coalesce(c.ptz_type, 3) = ANY (:fixed_types)) THEN format('horizontal field of view %s° is"
    " impossible for this camera', c.hfov) END",
}
_PAIRS = """
    SELECT a.id, 'duplicate_id' AS problem,
           format('device ID %s is also on record %s', a.device_id, b.id) AS reason
      FROM cameras a JOIN cameras b ON b.device_id = a.device_id AND b.id <> a.id
     WHERE a.device_id IS NOT NULL AND {scope_a}
    UNION ALL
    SELECT a.id, 'same_spot',
           format('same spot and direction as record %s (%s m)', b.id,
                  round(ST_Distance(a.pt::geography, b.pt::geography)::numeric, 1))
      FROM cameras a JOIN cameras b
        ON b.id <> a.id AND ST_DWithin(a.pt::geography, b.pt::geography, :same_spot)
       AND b.pt && ST_Expand(a.pt, :spot_degrees)
     WHERE {scope_a} AND (a.direction IS NULL AND b.direction IS NULL
           OR abs(mod((a.direction - b.direction + 540)::numeric, 360) - 180) <= :same_direction)
"""
_SWAPPED = """
    SELECT c.id, 'swapped_lonlat',
           format('longitude and latitude look swapped: %s,%s lies in %s',
                  round(ST_Y(c.pt)::numeric, 6), round(ST_X(c.pt)::numeric, 6), r.code)
      FROM cameras c JOIN regions r ON r.code = left(c.home_region, 6) || '000000'
     WHERE c.grid_code IS NULL AND {scope} AND r.boundary IS NOT NULL
       AND ST_Intersects(r.boundary, ST_SetSRID(ST_MakePoint(ST_Y(c.pt), ST_X(c.pt)), 4326))
    UNION ALL
    SELECT c.id, 'far_outside',
           format('%s km outside its county %s', round((ST_Distance(c.pt::geography,
                  r.boundary::geography) / 1000)::numeric, 1), r.code)
      FROM cameras c JOIN regions r ON r.code = left(c.home_region, 6) || '000000'
     WHERE c.grid_code IS NULL AND {scope} AND r.boundary IS NOT NULL
       AND NOT (ST_X(c.pt) = 0 AND ST_Y(c.pt) = 0)
       AND NOT ST_DWithin(c.pt::geography, r.boundary::geography, :far_outside)
       AND NOT ST_Intersects(r.boundary, ST_SetSRID(ST_MakePoint(ST_Y(c.pt), ST_X(c.pt)), 4326))
"""


def problems(conn: Connection, prefix: str | None, params: dict[str, Any]) -> list[dict]:
    """Every problem of every camera under a region prefix (the caller's, by RLS): the record,
    where it is, the problem's code and its reason."""
    scope = sql.Where().code_range("c.region_code", prefix)
    checks = ", ".join(f"'{name}'" for name in CHECKS)
    reasons = ", ".join(f"CAST({expression} AS text)" for expression in CHECKS.values())
    query = f"""
        WITH found AS MATERIALIZED (  -- once, not once per camera (41 ms × each)
          SELECT c.id, u.problem, u.reason
            FROM cameras c CROSS JOIN LATERAL unnest(ARRAY[{checks}], ARRAY[{reasons}])
                 AS u(problem, reason)
           WHERE {scope.sql} AND u.reason IS NOT NULL
          UNION ALL {_PAIRS.format(scope_a=scope.sql.replace("c.", "a."))}
          UNION ALL {_SWAPPED.format(scope=scope.sql)})
        SELECT c.id, c.device_id, c.name, c.grid_code, c.region_code, c.status,
               ST_X(c.pt) AS lon, ST_Y(c.pt) AS lat, f.problem, f.reason
          FROM found f JOIN cameras c ON c.id = f.id
         ORDER BY c.region_code, c.grid_code NULLS LAST, c.id, f.problem
    """
    spot = params["same_spot"]
    return sql.rows(conn, query, {**scope.params, **params, "spot_degrees": spot / 80_000})


def named_buildings(conn: Connection, prefix: str | None) -> list[dict[str, Any]]:
    """Cameras whose address names a building, with both positions (WGS84): for the GCJ-02
    check, made in Python (the conversion is not in PostGIS)."""
    scope = sql.Where().code_range("c.region_code", prefix)
    return sql.rows(
        conn,
        "SELECT c.id, ST_X(c.pt) AS lon, ST_Y(c.pt) AS lat, b.code AS building,"
        " ST_X(b.pt) AS b_lon, ST_Y(b.pt) AS b_lat FROM cameras c"
        " JOIN buildings b ON b.address = c.address"
        f" WHERE c.address IS NOT NULL AND coalesce(c.declared_crs, 'WGS84') <> 'GCJ-02'"
        f" AND {scope.sql}",
        scope.params,
    )


def by_ids(conn: Connection, ids: list[int]) -> list[dict[str, Any]]:
    """Cameras by id, with where they are (the fields a problem list shows)."""
    return sql.rows(
        conn,
        "SELECT c.id, c.device_id, c.name, c.grid_code, c.region_code, c.status,"
        " ST_X(c.pt) AS lon, ST_Y(c.pt) AS lat FROM cameras c WHERE c.id = ANY (:ids)",
        {"ids": ids},
    )


# -- coverage (覆盖) -----------------------------------------------------------------------

# residents per building, counted in one pass (residents have no index by building: they
# are reached through households, which have)
_RESIDENTS = """
    SELECT h.building_id, count(*) AS residents
      FROM residents r JOIN households h ON h.id = r.household_id
     WHERE h.building_id IN (SELECT b.id FROM buildings b WHERE {buildings})
     GROUP BY 1
"""

# the views that count as seen: working, real (not planned) cameras' (the GiST index on sector
# serves every join on it: never through a CTE, which has no index)
_WORKING_VIEWS = (
    "c.sector IS NOT NULL AND NOT c.planned AND c.status = ANY (:working) AND {cameras}"
)

COVERAGE_GROUPS = {
    "grid": "g.code",
    "village": "g.region_code",
    "township": "left(g.code, 9) || '000'",
}
_COVERAGE = """
    WITH area AS (
      SELECT g.code, g.region_code, g.boundary, ST_Area(g.boundary::geography) AS m2
        FROM grids g WHERE length(g.code) = 15 AND {grids}),
    seen AS (
      SELECT g.code,
             ST_Area(ST_Union(ST_Intersection(c.sector, g.boundary))::geography) AS m2
        FROM grids g
        JOIN cameras c ON c.sector && g.boundary AND ST_Intersects(c.sector, g.boundary)
       WHERE length(g.code) = 15 AND {grids} AND {working_views}
       GROUP BY g.code),
    cams AS (
      SELECT c.grid_code AS code, count(*) AS cameras,
             count(*) FILTER (WHERE c.status = ANY (:working)) AS working,
             count(*) FILTER (WHERE c.ptz_type = ANY (:turning)) AS turning,
             count(*) FILTER (WHERE c.sector IS NULL) AS without_view
        FROM cameras c WHERE c.grid_code IS NOT NULL AND NOT c.planned AND {cameras}
       GROUP BY 1),
    seen_buildings AS (
      SELECT DISTINCT b.id, b.grid_code FROM cameras c
        JOIN buildings b ON b.pt && c.sector AND ST_Intersects(c.sector, b.pt)
       WHERE {working_views}),
    per_building AS MATERIALIZED ({residents}),
    buildings_in AS (
      SELECT b.grid_code AS code, count(*) AS buildings, count(s.id) AS buildings_seen,
             sum(h.residents) AS residents,
             sum(h.residents) FILTER (WHERE s.id IS NOT NULL) AS residents_seen
        FROM buildings b LEFT JOIN seen_buildings s ON s.id = b.id
        LEFT JOIN per_building h ON h.building_id = b.id
       WHERE {buildings} GROUP BY 1),
    key_places AS (
      SELECT p.grid_code AS code, count(*) AS key_places,
             count(*) FILTER (WHERE EXISTS (SELECT 1 FROM cameras c
                              WHERE c.sector && p.pt AND ST_Intersects(c.sector, p.pt)
                                AND {working_views}))
               AS key_places_seen
        FROM places p WHERE (p.kind = ANY (:key_kinds) OR p.must_visit) AND {places}
       GROUP BY 1)
    SELECT {key} AS key, count(*) AS grids, sum(a.m2) AS area_m2,
           coalesce(sum(s.m2), 0) AS seen_m2,
           coalesce(sum(c.cameras), 0)::int AS cameras,
           coalesce(sum(c.working), 0)::int AS working,
           coalesce(sum(c.turning), 0)::int AS turning,
           coalesce(sum(c.without_view), 0)::int AS without_view,
           coalesce(sum(b.buildings), 0)::int AS buildings,
           coalesce(sum(b.buildings_seen), 0)::int AS buildings_seen,
           coalesce(sum(b.residents), 0)::int AS residents,
           coalesce(sum(b.residents_seen), 0)::int AS residents_seen,
           coalesce(sum(k.key_places), 0)::int AS key_places,
           coalesce(sum(k.key_places_seen), 0)::int AS key_places_seen
      FROM area a JOIN grids g ON g.code = a.code
      LEFT JOIN seen s ON s.code = a.code LEFT JOIN cams c ON c.code = a.code
      LEFT JOIN buildings_in b ON b.code = a.code LEFT JOIN key_places k ON k.code = a.code
     GROUP BY 1 ORDER BY 1
"""


def coverage(
    conn: Connection,
    prefix: str | None,
    group: str,
    working: list[str],
    turning: list[int],
    key_kinds: list[str],
) -> list[dict[str, Any]]:
    """Per grid, village or township (the caller's, by RLS), with its name: cameras (working,
    turning, without a view yet), the area its working cameras see, and the buildings,
    residents (through their buildings) and key places they see."""

    def scope(column: str) -> str:
        return sql.code_range(column) if prefix else "TRUE"

    query = _COVERAGE.format(
        key=COVERAGE_GROUPS[group],
        grids=scope("g.code"),
        cameras=scope("c.grid_code"),
        working_views=_WORKING_VIEWS.format(cameras=scope("c.grid_code")),
        buildings=scope("b.grid_code"),
        places=scope("p.grid_code"),
        residents=_RESIDENTS.format(buildings=scope("b.grid_code")),
    )
    params = {"prefix": prefix, "working": working, "turning": turning, "key_kinds": key_kinds}
    named = (  # the grid's or region's name beside its code
        f"SELECT r.*, coalesce(n.name, rn.name) AS name FROM ({query}) r"
        " LEFT JOIN grids n ON n.code = r.key LEFT JOIN regions rn ON rn.code = r.key"
        " ORDER BY r.key"
    )
    return sql.rows(conn, named, params)


def natural_village_cameras(
    conn: Connection, prefix: str | None, radius_m: float, working: list[str]
) -> list[dict[str, Any]]:
    """Each natural village with the cameras inside it (or within ``radius_m`` of it when it is
    given as a point)."""
    scope = sql.code_range("n.region_code") if prefix else "TRUE"
    return sql.rows(
        conn,
        f"""
        SELECT n.code, n.name, n.region_code, count(c.id) AS cameras,
               count(c.id) FILTER (WHERE c.status = ANY (:working)) AS working
          FROM natural_villages n LEFT JOIN cameras c
            ON NOT c.planned AND CASE WHEN GeometryType(n.geom) IN ('POINT', 'MULTIPOINT')
                    THEN ST_DWithin(n.geom::geography, c.pt::geography, :radius)
                    ELSE ST_Intersects(n.geom, c.pt) END
         WHERE {scope}
         GROUP BY n.code, n.name, n.region_code ORDER BY n.code
        """,
        {"prefix": prefix, "radius": radius_m, "working": working},
    )


def village_levels(conn: Connection, codes: list[str]) -> dict[str, str]:
    """The level of each region code (a quota applies to administrative villages)."""
    found = conn.execute(
        text("SELECT code, level FROM regions WHERE code = ANY (:codes)"), {"codes": codes}
    )
    return dict(found.all())


# -- blind spots (盲区) -----------------------------------------------------------------------

_BLIND = """
    WITH area AS (
      SELECT g.code, g.boundary FROM grids g WHERE length(g.code) = 15 AND {grids}),
    seen AS (
      SELECT a.code, ST_Union(ST_Intersection(c.sector, a.boundary)) AS geom
        FROM area a JOIN cameras c ON c.sector && a.boundary
         AND ST_Intersects(c.sector, a.boundary)
       WHERE c.sector IS NOT NULL AND NOT c.planned AND c.status = ANY (:working)
       GROUP BY a.code),
    blind AS (
      SELECT a.code, (ST_Dump(coalesce(ST_Difference(a.boundary, s.geom), a.boundary))).geom
        FROM area a LEFT JOIN seen s ON s.code = a.code),
    per_building AS MATERIALIZED ({residents}),
    ranked AS (
      SELECT b.code, b.geom, ST_Area(b.geom::geography) AS area_m2,
             (SELECT coalesce(sum(pb.residents), 0)::bigint FROM buildings x
                JOIN per_building pb ON pb.building_id = x.id
               WHERE x.pt && b.geom AND ST_Intersects(b.geom, x.pt)) AS residents,
             (SELECT count(*) FROM places p WHERE p.pt && b.geom AND ST_Intersects(b.geom, p.pt)
                 AND (p.kind = ANY (:key_kinds) OR p.must_visit)) AS key_places,
             (SELECT count(*) FROM events e WHERE e.pt && b.geom AND ST_Intersects(b.geom, e.pt)
                 AND e.reported_at > now() - interval '365 days') AS events
        FROM blind b WHERE ST_Area(b.geom::geography) >= :min_area)
    SELECT code AS grid_code, ST_AsGeoJSON(geom, 7)::json AS geometry,
           round(area_m2::numeric)::float AS area_m2, residents, key_places, events
      FROM ranked
     ORDER BY residents DESC, key_places DESC, events DESC, area_m2 DESC
     LIMIT :limit
"""


def blind_spots(
    conn: Connection,
    prefix: str | None,
    working: list[str],
    key_kinds: list[str],
    min_area_m2: float,
    limit: int,
) -> list[dict[str, Any]]:
    """What no working camera sees, piece by piece (at least ``min_area_m2``), ranked by the
    residents, key places and events of the last year inside it."""
    buildings = sql.code_range("b.grid_code") if prefix else "TRUE"
    query = _BLIND.format(
        grids=sql.code_range("g.code") if prefix else "TRUE",
        residents=_RESIDENTS.format(buildings=buildings),
    )
    params = {
        "prefix": prefix,
        "working": working,
        "key_kinds": key_kinds,
        "min_area": min_area_m2,
        "limit": limit,
    }
    return sql.rows(conn, query, params)


# -- lists and maps ---------------------------------------------------------------------------

_LIST = """
    c.id, c.device_id, c.osm_id, c.source, c.name, c.ptz_type, c.status, c.direction, c.hfov,
    c.height, c.grid_code, c.region_code, c.planned, c.generated, ST_X(c.pt) AS lon,
    ST_Y(c.pt) AS lat, round(c.sector_area_m2::numeric)::float AS sector_area_m2,
    c.sector_range_m, c.sector_defaults
"""


def list_cameras(
    conn: Connection, where: sql.Where, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """A page of cameras the caller may see, and how many match."""
    found = sql.rows(
        conn,
        f"SELECT {_LIST} FROM cameras c WHERE {where.sql} {sql.page('c.id')}",
        {**where.params, "limit": limit, "offset": offset},
    )
    return found, sql.matched(conn, "cameras c", where)


def camera(conn: Connection, camera_id: int) -> dict[str, Any] | None:
    """One camera with every archive field and its view as GeoJSON."""
    found = sql.rows(
        conn,
        "SELECT c.*, ST_X(c.pt) AS lon, ST_Y(c.pt) AS lat,"
        " ST_AsGeoJSON(c.sector, 7)::json AS view FROM cameras c WHERE c.id = :id",
        {"id": camera_id},
    )
    if not found:
        return None
    record = found[0]
    record.pop("pt", None)
    record.pop("sector", None)
    return record


def tile(conn: Connection, z: int, x: int, y: int, limit: int, public: bool = False) -> bytes:
    """Vector tile ``cameras``: camera points with type, status and direction."""
    return sql.mvt(
        conn,
        "cameras",
        "cameras g",
        "g.id, g.device_id, g.name, g.ptz_type, g.status, g.direction, g.planned",
        (z, x, y),
        limit,
        geometry="g.pt",
        order="g.id",
    )


def sector_tile(
    conn: Connection, z: int, x: int, y: int, limit: int, public: bool = False
) -> bytes:
    """Vector tile ``camera_sectors``: what each camera sees (occluded view sectors)."""
    return sql.mvt(
        conn,
        "camera_sectors",
        "cameras g",
        "g.id, g.status, g.ptz_type, g.planned, round(g.sector_area_m2::numeric)::float AS area_m2",
        (z, x, y),
        limit,
        where="g.sector IS NOT NULL",
        geometry="g.sector",
        order="g.id",
    )


_CAMERA = (
    Property("id", "integer", "record number"),
    Property("device_id", "string", "GB/T 28181 20-digit device ID"),
    Property("name", "string", "device name (设备名称)"),
    Property("ptz_type", "integer", "1 dome, 2 half-dome, 3 fixed bullet, 4 remote bullet"),
    Property("status", "string", "online or faulty"),
    Property("direction", "number", "viewing direction, degrees clockwise from north"),
    Property("hfov", "number", "horizontal field of view, degrees"),
    Property("height", "number", "mounting height, m"),
    Property("grid_code", "string", "15-digit grid it stands in (null: in no grid)"),
    Property("region_code", "string", "12-digit region it belongs to"),
    Property("planned", "boolean", "a planned site, not yet built"),
)

# the OGC collections ``cameras`` (their points) and ``camera_sectors`` (what they see)
POINTS = FeatureTable(
    table="cameras",
    alias="c",
    key="id",
    key_type="integer",
    geometry=("pt",),
    geometry_type="point",
    order="c.id",
    properties=_CAMERA,
)
VIEWS = FeatureTable(
    table="cameras",
    alias="c",
    key="id",
    key_type="integer",
    geometry=("sector",),
    geometry_type="polygon",
    where="c.sector IS NOT NULL",
    temporal="drawn_at",
    order="c.id",
    properties=(
        *_CAMERA,
        Property(
            "area_m2",
            "number",
            "area seen, m²",
            "c.sector_area_m2",
            "round(c.sector_area_m2::numeric, 1)",
        ),
        Property(
            "range_m",
            "number",
            "range at the configured pixel density (DORI), m",
            "c.sector_range_m",
            "round(c.sector_range_m::numeric, 1)",
        ),
        Property(
            "defaults", "array", "archive fields the view took defaults for", "c.sector_defaults"
        ),
        Property("drawn_at", "date-time", "when the view was drawn", "c.sector_at"),
    ),
)
# the OGC collection ``natural_villages`` (自然村)
NATURAL_VILLAGES = FeatureTable(
    table="natural_villages",
    alias="v",
    key="id",
    key_type="integer",
    geometry=("geom",),
    geometry_type="geometry",
    order="v.code",
    properties=(
        Property("id", "integer", "record number"),
        Property("code", "string", "natural village code"),
        Property("name", "string", "natural village name"),
        Property("region_code", "string", "12-digit administrative village it lies in"),
        Property("generated", "boolean", "generated (demo), not surveyed"),
    ),
)


# -- views (可视域) ---------------------------------------------------------------------------


# a view never drawn, or drawn before a building near the camera was imported or changed
_STALE = """(c.sector_at IS NULL OR EXISTS (
    SELECT 1 FROM buildings b
     WHERE b.footprint && ST_Expand(c.pt, coalesce(c.sector_range_m, 100) / 80000.0)
       AND b.imported_at > c.sector_at))"""


def _views_where(prefix: str | None, ids: list[int] | None, stale_only: bool) -> sql.Where:
    where = sql.Where().code_range("c.region_code", prefix)
    if ids is not None:
        where.add("c.id = ANY (:ids)", ids=ids)
    if stale_only:
        where.add(_STALE)
    return where


def view_inputs(
    conn: Connection, prefix: str | None, ids: list[int] | None, stale_only: bool = False
) -> list[dict]:
    """The cameras whose views to draw: id, position (WGS84) and what the view depends on."""
    where = _views_where(prefix, ids, stale_only)
    return sql.rows(
        conn,
        "SELECT c.id, ST_X(c.pt) AS lon, ST_Y(c.pt) AS lat, c.ptz_type, c.direction, c.hfov,"
        f" c.resolution_px, c.height, c.tilt FROM cameras c WHERE {where.sql} ORDER BY c.id",
        where.params,
    )


def views_to_draw(conn: Connection, prefix: str | None, stale_only: bool) -> int:
    """How many cameras' views a redraw covers (``stale_only``: those out of date)."""
    return sql.matched(conn, "cameras c", _views_where(prefix, None, stale_only))


def footprints_near(conn: Connection, ids: list[int], reach_m: list[float]) -> list[bytes]:
    """Building footprints within each camera's reach (metres; WKB, EPSG:4326): what may hide
    part of their views."""
    found = conn.execute(
        text(
            """
            SELECT DISTINCT ON (b.id) ST_AsBinary(b.footprint)
              FROM unnest(CAST(:ids AS bigint[]), CAST(:reach AS float8[])) AS r(id, reach)
              JOIN cameras c ON c.id = r.id
              JOIN buildings b ON b.footprint && ST_Expand(c.pt, r.reach / 80000.0)
               AND ST_DWithin(b.footprint::geography, c.pt::geography, r.reach)
             WHERE b.footprint IS NOT NULL
             ORDER BY b.id
            """
        ),
        {"ids": ids, "reach": reach_m},
    ).scalars()
    return [bytes(w) for w in found]


def write_views(
    conn: Connection, records: list[tuple[int, bytes | None, float, float, str]]
) -> int:
    """Store drawn views: (camera id, WKB or None, area m², range m, defaults ';'-joined)."""
    sql.staging_table(
        conn, "views_in", "id bigint, wkb bytea, area real, reach real, defaults text"
    )
    sql.copy_rows(conn, "views_in", ["id", "wkb", "area", "reach", "defaults"], records)
    return conn.execute(
        text(
            """
            UPDATE cameras c
               SET sector = CASE WHEN v.wkb IS NULL THEN NULL
                                 ELSE ST_GeomFromWKB(v.wkb, 4326) END,
                   sector_area_m2 = v.area, sector_range_m = v.reach,
                   sector_defaults = coalesce(string_to_array(nullif(v.defaults, ''), ';'),
                                              '{}'),
                   sector_at = now()
              FROM views_in v WHERE c.id = v.id
            """
        )
    ).rowcount


# -- registering and editing one camera ----------------------------------------------------

# the archive fields a caller writes (the rest: where it stands, its view, are derived)
ARCHIVE_FIELDS = (
    "device_id",
    "name",
    "manufacturer",
    "model",
    "owner",
    "address",
    "ptz_type",
    "room_type",
    "use",
    "light",
    "resolution_px",
    "hfov",
    "direction",
    "tilt",
    "height",
    "status",
    "checked_on",
    "planned",
)

# the region a camera belongs to when it stands in no grid: the county its GB/T 28181 ID names
# (when that region is on record), else the one given, else the caller's own jurisdiction
HOME_REGION = """coalesce(
    left({grid}, 12),
    (SELECT r.code FROM regions r WHERE {device} ~ '^[0-9]{{20}}$'
        AND r.code = rpad(left({device}, 6), 12, '0')),
    {region},
    CASE WHEN gridmap_scope_lo() <> '' THEN rpad(left(gridmap_scope_lo(), 12), 12, '0') END)"""

# the grid and micro-grid a point ``{pt}`` stands in
_GRID_AT = """
    (SELECT g.code FROM grids g WHERE length(g.code) = {length}
        AND ST_Intersects(g.boundary, {pt}) ORDER BY g.code LIMIT 1)"""


def insert_camera(
    conn: Connection,
    fields: dict[str, Any],
    lon: float,
    lat: float,
    region: str | None,
    source: str = "api",
) -> int | None:
    """Register one camera at lon/lat (WGS84), tied to its grid; None when it belongs to no
    region (it stands in no grid, its ID names no county and none was given)."""
    names = [name for name in ARCHIVE_FIELDS if name in fields]
    pt = "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)"
    home = HOME_REGION.format(
        grid=_GRID_AT.format(length=15, pt=pt), device=":device_id", region=":region"
    )
    values = ", ".join(f":{name}" for name in names)
    return conn.execute(
        text(
            f"""
            INSERT INTO cameras (source, pt, grid_code, micro_code, home_region
                                 {"".join(f", {name}" for name in names)})
            SELECT :source, {pt}, {_GRID_AT.format(length=15, pt=pt)},
                   {_GRID_AT.format(length=17, pt=pt)}, home {", " if names else ""}{values}
              FROM (SELECT {home} AS home) h WHERE home IS NOT NULL
            RETURNING id
            """
        ),
        {"device_id": None, **fields, "lon": lon, "lat": lat, "region": region, "source": source},
    ).scalar()


def update_camera(
    conn: Connection, camera_id: int, fields: dict[str, Any], position: tuple[float, float] | None
) -> bool:
    """Change a camera's archive fields and (given) its position, re-tied to its grid; its
    view is marked stale. False when there is no such camera the caller may change."""
    sets = [f"{name} = :{name}" for name in ARCHIVE_FIELDS if name in fields]
    params: dict[str, Any] = {**fields, "id": camera_id}
    if position is not None:
        pt = "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)"
        sets += [
            f"pt = {pt}",
            f"grid_code = {_GRID_AT.format(length=15, pt=pt)}",
            f"micro_code = {_GRID_AT.format(length=17, pt=pt)}",
        ]
        params.update(lon=position[0], lat=position[1])
    sets.append("sector_at = NULL")
    return bool(
        conn.execute(text(f"UPDATE cameras SET {', '.join(sets)} WHERE id = :id"), params).rowcount
    )


def delete_camera(conn: Connection, camera_id: int) -> bool:
    return bool(
        conn.execute(text("DELETE FROM cameras WHERE id = :id"), {"id": camera_id}).rowcount
    )


# -- planning (选址) ------------------------------------------------------------------------

_DEMAND = """
    WITH res AS MATERIALIZED ({residents}),
    demand AS (
      SELECT 'building' AS kind, b.id, ST_X(b.pt) AS lon, ST_Y(b.pt) AS lat,
             coalesce(res.residents, 0)::float8 AS weight, left(b.grid_code, 12) AS village
        FROM buildings b LEFT JOIN res ON res.building_id = b.id
       WHERE b.grid_code IS NOT NULL AND {buildings}
      UNION ALL
      SELECT 'key_place', p.id, ST_X(p.pt), ST_Y(p.pt), CAST(:key_weight AS float8),
             left(p.grid_code, 12)
        FROM places p
       WHERE (p.kind = ANY (:key_kinds) OR p.must_visit) AND p.grid_code IS NOT NULL
         AND {places})
    SELECT * FROM demand WHERE weight > 0 ORDER BY weight DESC, kind, id LIMIT :limit
"""


def planning_demand(
    conn: Connection, prefix: str, key_kinds: list[str], key_weight: float, limit: int
) -> list[dict[str, Any]]:
    """What cameras should see, heaviest first: buildings weighted by their residents and key
    places (must-visit places and the key kinds) by ``key_weight``, with their village."""
    query = _DEMAND.format(
        residents=_RESIDENTS.format(buildings=sql.code_range("b.grid_code")),
        buildings=sql.code_range("b.grid_code"),
        places=sql.code_range("p.grid_code"),
    )
    params = {"prefix": prefix, "key_kinds": key_kinds, "key_weight": key_weight, "limit": limit}
    return sql.rows(conn, query, params)


def planning_existing(
    conn: Connection, prefix: str, box: tuple[float, float, float, float], working: list[str]
) -> list[dict[str, Any]]:
    """The cameras a plan keeps: those of the region (counted for quotas, with their village)
    and the working ones near it whose views see into it (``view``: WKB, or None)."""
    in_region = sql.code_range("c.grid_code")
    return sql.rows(
        conn,
        f"""
        SELECT c.id, left(c.grid_code, 12) AS village,
               CASE WHEN c.status = ANY (:working) AND c.sector IS NOT NULL
                    THEN ST_AsBinary(c.sector) END AS view
          FROM cameras c
         WHERE NOT c.planned
           AND ({in_region}
                OR (c.status = ANY (:working)
                    AND {sql.bbox_overlaps("c.sector")}))
        """,
        {
            "prefix": prefix,
            "working": working,
            **sql.bbox_params(box),
        },
    )


def insert_planned(conn: Connection, records: list[dict[str, Any]], source: str) -> list[int]:
    """Accepted plan cameras as planned cameras (``planned``), tied to their grid."""
    ids = []
    for record in records:  # a plan places tens of cameras: one statement each is fine
        fields = {k: v for k, v in record.items() if k not in ("lon", "lat")}
        camera_id = insert_camera(conn, fields, record["lon"], record["lat"], None, source)
        if camera_id is not None:
            ids.append(camera_id)
    return ids


def planned_from(conn: Connection, source: str) -> int:
    return conn.execute(
        text("SELECT count(*) FROM cameras WHERE source = :s"), {"s": source}
    ).scalar_one()


def footprints_within(
    conn: Connection, box: tuple[float, float, float, float], margin_deg: float
) -> list[bytes]:
    """Building footprints (WKB, EPSG:4326) in a box grown by a margin in degrees."""
    x0, y0, x1, y1 = box
    grown = (x0 - margin_deg, y0 - margin_deg, x1 + margin_deg, y1 + margin_deg)
    found = conn.execute(
        text(
            "SELECT ST_AsBinary(b.footprint) FROM buildings b"
            f" WHERE b.footprint IS NOT NULL AND {sql.bbox_overlaps('b.footprint')}"
        ),
        sql.bbox_params(grown),
    ).scalars()
    return [bytes(w) for w in found]
