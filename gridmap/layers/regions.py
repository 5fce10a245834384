"""Administrative divisions (行政区划): province → city → county → township → village.

Codes are the 12-digit statistical division codes (统计用区划代码); boundaries are optional
MultiPolygons in EPSG:4326 attached from any vector file.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import Connection, text

from gridmap.data import data_path
from gridmap.db import sql
from gridmap.db.features import FeatureTable, Property
from gridmap.db.schema import code_type, flag, metadata, multipolygon, now_column

# regions (行政区划): administrative divisions, 12-digit statistical codes
regions_table = sa.Table(
    "regions",
    metadata,
    sa.Column("code", code_type(12), nullable=False),
    sa.Column("level", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column(
        "parent_code",
        code_type(12),
        sa.ForeignKey(
            "regions.code", name="regions_parent_code_fkey", deferrable=True, initially="DEFERRED"
        ),
    ),
    sa.Column("boundary", multipolygon()),
    sa.Column("boundary_source", sa.Text),
    flag("generated"),
    now_column("updated_at"),
    # the code prefix a region's descendants share: the row-level-security key (0002)
    sa.Column(
        "prefix",
        code_type(12),
        sa.Computed(
            "left(code, CASE level WHEN 'province' THEN 2 WHEN 'city' THEN 4"
            " WHEN 'county' THEN 6 WHEN 'township' THEN 9 ELSE 12 END)",
            persisted=True,
        ),
    ),
    sa.PrimaryKeyConstraint("code", name="regions_pkey"),
    sa.CheckConstraint("code ~ '^[0-9]{12}$'", name="regions_code_check"),
    sa.CheckConstraint(
        "level IN ('province', 'city', 'county', 'township', 'village')",
        name="regions_level_check",
    ),
    sa.CheckConstraint("name <> ''", name="regions_name_check"),
    sa.CheckConstraint(
        "boundary IS NULL OR (ST_IsValid(boundary) AND NOT ST_IsEmpty(boundary))",
        name="regions_boundary_check",
    ),
    sa.Index("regions_parent_code_idx", "parent_code"),
    sa.Index("regions_boundary_idx", "boundary", postgresql_using="gist"),
    comment="administrative divisions (区划), 12-digit codes",
)


LEVELS = ("province", "city", "county", "township", "village")


# -- the national code lists ---------------------------------------------------------------


def read_code_lists() -> pd.DataFrame:
    """The packaged NBS 2023 code lists, province to township, as 12-digit codes.

    Columns: ``code``, ``level``, ``name``, ``parent_code`` (parents before children). A
    division that repeats its parent's code (a city with no counties) appears once.
    """
    folder = data_path("gbt2260")
    read = {"dtype": str, "keep_default_na": False}
    provinces = pd.read_csv(folder / "provinces.csv", **read)
    cities = pd.read_csv(folder / "cities.csv", **read)
    counties = pd.read_csv(folder / "areas.csv", **read)
    with gzip.open(folder / "streets.csv.gz", "rt", encoding="utf-8") as handle:
        townships = pd.read_csv(handle, **read)

    def pad(codes: pd.Series) -> pd.Series:
        return codes.str.ljust(12, "0")

    frames = [
        pd.DataFrame(
            {
                "code": pad(provinces.code),
                "level": "province",
                "name": provinces.name,
                "parent_code": None,
            }
        ),
        pd.DataFrame(
            {
                "code": pad(cities.code),
                "level": "city",
                "name": cities.name,
                "parent_code": pad(cities.provinceCode),
            }
        ),
        pd.DataFrame(
            {
                "code": pad(counties.code),
                "level": "county",
                "name": counties.name,
                "parent_code": pad(counties.cityCode),
            }
        ),
        pd.DataFrame(
            {
                "code": pad(townships.code),
                "level": "township",
                "name": townships.name,
                "parent_code": pad(townships.areaCode),
            }
        ),
    ]
    frame = pd.concat(frames, ignore_index=True)
    # cities without counties (东莞, 中山, 儋州) repeat their code one level down: keep the first
    return frame[frame.code != frame.parent_code].reset_index(drop=True)


def load_code_lists(
    conn: Connection, frame: pd.DataFrame, on_progress: sql.Progress | None = None
) -> dict[str, int]:
    """Insert or update region codes and names (one statement set, caller's transaction)."""
    sql.staging_table(conn, "region_codes_in", "code text, level text, name text, parent_code text")
    rows = frame[["code", "level", "name", "parent_code"]].itertuples(index=False, name=None)
    sql.copy_rows(
        conn, "region_codes_in", ["code", "level", "name", "parent_code"], rows, on_progress
    )
    result = conn.execute(
        text(
            """
            INSERT INTO regions AS r (code, level, name, parent_code)
            SELECT code, level, name, nullif(parent_code, '') FROM region_codes_in
            ON CONFLICT (code) DO UPDATE
               SET name = excluded.name, level = excluded.level,
                   parent_code = excluded.parent_code, updated_at = now()
             WHERE (r.name, r.level, r.parent_code)
                   IS DISTINCT FROM (excluded.name, excluded.level, excluded.parent_code)
            RETURNING (xmax = 0) AS inserted
            """
        )
    ).all()
    inserted = sum(1 for row in result if row.inserted)
    return {"rows": len(frame), "inserted": inserted, "updated": len(result) - inserted}


# -- boundaries -----------------------------------------------------------------------------


def unknown_codes(conn: Connection, codes: list[str]) -> set[str]:
    """The codes of ``codes`` that name no region."""
    found = conn.execute(
        text("SELECT code FROM regions WHERE code = ANY(:codes)"), {"codes": codes}
    ).scalars()
    return set(codes) - set(found)


def attach_boundaries(
    conn: Connection,
    records: Iterator[tuple[str, bytes]],
    source: str,
    generated: bool = False,
    on_progress: sql.Progress | None = None,
) -> int:
    """Set the boundary of existing regions from ``(code, WKB in EPSG:4326)`` records.

    Returns the number of regions updated.
    """
    sql.staging_table(conn, "region_bounds_in", "code text, wkb bytea")
    sql.copy_rows(conn, "region_bounds_in", ["code", "wkb"], records, on_progress)
    return conn.execute(
        text(
            """
            UPDATE regions r
               SET boundary = ST_Multi(ST_GeomFromWKB(s.wkb, 4326)),
                   boundary_source = :source, generated = :generated, updated_at = now()
              FROM region_bounds_in s
             WHERE r.code = s.code
            """
        ),
        {"source": source, "generated": generated},
    ).rowcount


# -- reads ----------------------------------------------------------------------------------

_SUMMARY = """
    SELECT code, level, name, parent_code, boundary IS NOT NULL AS has_boundary, generated,
           boundary_source,
           CASE WHEN boundary IS NULL THEN NULL
                ELSE json_build_array(ST_XMin(boundary), ST_YMin(boundary),
                                      ST_XMax(boundary), ST_YMax(boundary)) END AS bbox
      FROM regions
"""


def list_regions(
    conn: Connection,
    parent: str | None,
    level: str | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Regions under ``parent`` (provinces when None), by code."""
    where = "parent_code IS NULL" if parent is None else "parent_code = :parent"
    if level:
        where += " AND level = :level"
    query = f"{_SUMMARY} WHERE {where} ORDER BY code LIMIT :limit OFFSET :offset"
    params = {"parent": parent, "level": level, "limit": limit, "offset": offset}
    return [dict(row._mapping) for row in conn.execute(text(query), params)]


def get_region(conn: Connection, code: str) -> dict[str, Any] | None:
    """One region as a GeoJSON Feature (geometry null when it has no boundary)."""
    row = conn.execute(
        text(
            f"""
            SELECT s.*, ST_AsGeoJSON(r.boundary, 7)::json AS geometry,
                   (SELECT count(*) FROM regions c WHERE c.parent_code = s.code) AS children
              FROM ({_SUMMARY} WHERE code = :code) s JOIN regions r USING (code)
            """
        ),
        {"code": code},
    ).first()
    if row is None:
        return None
    properties = dict(row._mapping)
    geometry = properties.pop("geometry")
    bbox = properties.pop("bbox")
    return {
        "type": "Feature",
        "id": code,
        "bbox": bbox,
        "geometry": geometry,
        "properties": properties,
    }


def boundary_extent(conn: Connection) -> list[float] | None:
    """[minx, miny, maxx, maxy] of every region boundary, or None when there is none."""
    return sql.extent(conn, "regions")


def tile(conn: Connection, z: int, x: int, y: int, limit: int, public: bool = False) -> bytes:
    """Mapbox vector tile of region boundaries (layer ``regions``; nothing in it is personal,
    so ``public`` changes nothing)."""
    return sql.mvt(
        conn,
        "regions",
        "regions g",
        "g.code, g.name, g.level, g.generated",
        (z, x, y),
        limit,
        order="g.code",
    )


def outline(conn: Connection, code: str) -> tuple[str, bytes | None] | None:
    """A region's name and boundary (WKB, EPSG:4326; None when it has none), or None when the
    region does not exist for the caller."""
    row = conn.execute(
        text("SELECT name, ST_AsBinary(boundary) AS wkb FROM regions WHERE code = :c"),
        {"c": code},
    ).first()
    if row is None:
        return None
    return row.name, None if row.wkb is None else bytes(row.wkb)


def boundaries_under(
    conn: Connection, prefix: str, levels: tuple[str, ...]
) -> list[dict[str, Any]]:
    """The regions of ``levels`` under a code prefix that have a boundary: code, level, name and
    boundary (WKB, EPSG:4326), by code."""
    rows = conn.execute(
        text(
            "SELECT code, level, name, ST_AsBinary(boundary) AS wkb FROM regions"
            f" WHERE {sql.code_range('code')} AND boundary IS NOT NULL AND level = ANY(:levels)"
            " ORDER BY code"
        ),
        {"prefix": prefix, "levels": list(levels)},
    ).mappings()
    return [{**row, "wkb": bytes(row["wkb"])} for row in rows]


def count(conn: Connection) -> int:
    return conn.execute(text("SELECT count(*) FROM regions")).scalar_one()


def generated_count(conn: Connection) -> int:
    """How many regions carry a generated (not real) boundary."""
    return conn.execute(text("SELECT count(*) FROM regions WHERE generated")).scalar_one()


# the OGC collection ``regions``: divisions that have a boundary
FEATURES = FeatureTable(
    table="regions",
    alias="r",
    key="code",
    key_type="string",
    geometry=("boundary",),
    geometry_type="multipolygon",
    where="r.boundary IS NOT NULL",
    order="r.code",
    properties=(
        Property("code", "string", "12-digit statistical division code (统计用区划代码)"),
        Property("name", "string", "name of the division"),
        Property("level", "string", "province, city, county, township or village"),
        Property("parent_code", "string", "code of the division it belongs to"),
        Property("generated", "boolean", "boundary drawn by gridmap (demo), not surveyed"),
    ),
)
