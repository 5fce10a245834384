import numpy as np
import pytest
import shapely
from pyproj import Geod
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from gridmap.core.codes import parse_grid_code
from gridmap.layers import grids


def _township_coverage(conn: Connection, township: str):
    rows = conn.execute(
        text("SELECT ST_AsBinary(boundary) FROM grids WHERE region_code = :t ORDER BY code"),
        {"t": township},
    ).scalars()
    cells = shapely.from_wkb([bytes(r) for r in rows])
    outline = conn.execute(
        text("SELECT ST_AsBinary(boundary) FROM regions WHERE code = :t"), {"t": township}
    ).scalar_one()
    return cells, shapely.from_wkb(bytes(outline))


def test_demo_grids_are_a_gap_free_coverage_of_each_township(conn: Connection) -> None:
    townships = (
        conn.execute(text("SELECT DISTINCT region_code FROM grids ORDER BY 1")).scalars().all()
    )
    assert len(townships) == 17
    for township in townships:
        cells, outline = _township_coverage(conn, township)
        assert shapely.coverage_is_valid(cells, gap_width=1e-7), township
        union = shapely.coverage_union_all(cells)
        assert shapely.symmetric_difference(union, outline).area < 1e-9 * outline.area, township


def test_codes_are_valid_and_numbered_north_to_south(conn: Connection) -> None:
    rows = conn.execute(
        text(
            "SELECT code, region_code, ST_Y(ST_Centroid(boundary)) AS y FROM grids"
            " WHERE region_code = '361126109000' ORDER BY code"
        )
    ).all()
    for row in rows:
        parse_grid_code(row.code, parent=row.region_code)
    sequences = [int(row.code[-3:]) for row in rows]
    assert sequences == list(range(1, len(rows) + 1))
    ys = np.array([row.y for row in rows])
    # reading order: the first third lies north of the last third on average
    third = len(ys) // 3
    assert ys[:third].mean() > ys[-third:].mean()


def test_area_is_measured_in_a_metric_crs(conn: Connection) -> None:
    geod = Geod(ellps="GRS80")
    rows = conn.execute(
        text("SELECT area_km2, ST_AsBinary(boundary) AS b FROM grids ORDER BY code LIMIT 20")
    ).all()
    for row in rows:
        geodesic = abs(geod.geometry_area_perimeter(shapely.from_wkb(bytes(row.b)))[0]) / 1e6
        assert row.area_km2 == pytest.approx(geodesic, rel=2e-3)


def test_metric_srid_follows_longitude_or_setting(conn: Connection) -> None:
    srid = "SELECT gridmap_metric_srid(ST_MakeEnvelope(:x, 28, :x + 0.1, 28.1, 4326))"
    assert conn.execute(text(srid), {"x": 117.3}).scalar_one() == 4548
    assert conn.execute(text(srid), {"x": 87.5}).scalar_one() == 4538
    assert conn.execute(text(srid), {"x": -74.0}).scalar_one() == 32618
    conn.execute(text("SET LOCAL gridmap.metric_srid = '4547'"))
    assert conn.execute(text(srid), {"x": 117.3}).scalar_one() == 4547


def test_update_bumps_version_and_keeps_area(conn: Connection) -> None:
    code = conn.execute(text("SELECT min(code) FROM grids")).scalar_one()
    before = grids.get_grid(conn, code)["properties"]
    conn.execute(
        text("UPDATE grids SET boundary = ST_Multi(ST_Buffer(boundary, -0.001)) WHERE code = :c"),
        {"c": code},
    )
    after = grids.get_grid(conn, code)["properties"]
    assert after["version"] == before["version"] + 1
    assert after["area_km2"] < before["area_km2"]


@pytest.mark.parametrize(
    ("code", "region", "constraint"),
    [
        ("361126101000001", "361126109000", "grids_code_in_region"),
        ("361126109000000", "361126109000", "grids_sequence_nonzero"),
        ("36112610900000A", "361126109000", "grids_code_check"),
    ],
)
def test_database_refuses_inconsistent_codes(
    conn: Connection, code: str, region: str, constraint: str
) -> None:
    with pytest.raises(IntegrityError, match=constraint), conn.begin_nested():
        conn.execute(
            text(
                "INSERT INTO grids (code, region_code, name, boundary) VALUES"
                " (:code, :region, 'x', ST_Multi(ST_MakeEnvelope(117, 28, 117.01, 28.01, 4326)))"
            ),
            {"code": code, "region": region},
        )


def test_database_refuses_invalid_geometry(conn: Connection) -> None:
    with pytest.raises(IntegrityError, match="grids_boundary_check"), conn.begin_nested():
        conn.execute(
            text(
                "INSERT INTO grids (code, region_code, name, boundary) VALUES"
                " ('361126109000999', '361126109000', 'x',"
                "  ST_Multi('POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))'::geometry(Polygon, 4326)))"
            )
        )
