"""Merging department layers and dividing a region, on the real Yiyang township layer."""

import geopandas as gpd
import numpy as np
import pytest
import shapely
from sqlalchemy import Connection, text

from gridmap.core.codes import parse_grid_code
from gridmap.core.errors import InvalidInput
from gridmap.core.settings import Settings
from gridmap.demo import county
from gridmap.ingest.sources import import_department_grids
from gridmap.layers import merges
from gridmap.ops.balance import DivideOptions
from gridmap.ops.chinacrs import from_wgs84
from gridmap.services import planning
from tests.conftest import TOWNSHIP_A, shared_data

COUNTY = "361126000000"


@pytest.fixture
def real_county(conn: Connection, tmp_path):
    """The county with the real township polygons, the base layer and a police layer derived
    from it: shifted, with overlaps, gaps and slivers, in GCJ-02 as declared."""
    path = shared_data("cn_yiyang_county_townships", "yiyang_townships.geojson")
    county.load_demo(conn, townships_file=path, grid_count=60)
    import_department_grids(conn, path, "综治", None, None, "name")
    townships = gpd.read_file(path).to_crs(4548)
    shapes = townships.geometry.translate(30, 0).to_numpy()
    shapes[::3] = shapely.buffer(shapes[::3], 50)  # overlaps
    shapes[1::3] = shapely.buffer(shapes[1::3], -50)  # gaps
    police = gpd.GeoDataFrame(
        {"pcs": [f"P{i:02d}" for i in range(len(townships))], "name": townships.name + "派出所"},
        geometry=shapes,
        crs=4548,
    ).to_crs(4326)
    police["geometry"] = from_wgs84(police.geometry.values, "GCJ-02")
    police_path = tmp_path / "police_gcj02.geojson"
    police.to_file(police_path, engine="pyogrio")
    import_department_grids(conn, police_path, "警务", "GCJ-02", "pcs", "name")
    return path


def _unified(conn: Connection):
    rows = conn.execute(
        text(
            "SELECT code, region_code, ST_AsBinary(boundary) FROM grids"
            " WHERE code LIKE '361126%' AND length(code) = 15 ORDER BY code"
        )
    ).all()
    return [r[0] for r in rows], [r[1] for r in rows], shapely.from_wkb([bytes(r[2]) for r in rows])


def test_merge_is_a_valid_coverage_of_the_county_with_stable_codes(
    conn: Connection, settings: Settings, real_county
) -> None:
    result = planning.merge_region(conn, settings, COUNTY, "综治")
    assert result["valid"] is True
    assert result["grids_in"]["综治"] == 17 and result["grids_in"]["警务"] == 17
    codes, parents, cells = _unified(conn)
    assert len(codes) == result["grids_out"] >= 17
    for code, parent in zip(codes, parents, strict=True):
        parse_grid_code(code, parent=parent)
    assert shapely.coverage_is_valid(cells)
    county = shapely.from_wkb(
        bytes(
            conn.execute(
                text("SELECT ST_AsBinary(boundary) FROM regions WHERE code = :c"), {"c": COUNTY}
            ).scalar_one()
        )
    )
    union = shapely.coverage_union_all(cells)
    assert shapely.symmetric_difference(union, county).area < 1e-6 * county.area
    # the crosswalk: every base grid lands mostly in one unified grid
    frame = merges.crosswalk_frame(conn, result["merge_id"])
    base = frame[frame.department == "综治"].groupby("source_code").share_of_source.max()
    assert len(base) == 17 and (base > 0.9).mean() > 0.8
    police = frame[frame.department == "警务"]
    assert police.source_code.nunique() == 17
    # again on unchanged input: the same codes, nothing written
    again = planning.merge_region(conn, settings, COUNTY, "综治")
    assert again["written"]["unchanged"] == len(codes) and again["written"]["inserted"] == 0
    assert _unified(conn)[0] == codes


def test_merge_refuses_without_layers_or_base(conn: Connection, settings, real_county) -> None:
    with pytest.raises(InvalidInput, match="'安监' has no layer"):
        planning.merge_region(conn, settings, COUNTY, "安监")
    with pytest.raises(
        InvalidInput, match="has no boundary and no township or village boundaries: import one"
    ):
        planning.merge_region(conn, settings, "110101000000", "综治")


def test_a_county_without_an_outline_merges_inside_its_townships(
    conn: Connection, settings: Settings, real_county
) -> None:
    """Planners often receive township polygons only: the union of the townships is the outer
    frame, and the result is the one an outline drawn from them by hand gives."""
    with_outline = planning.merge_region(conn, settings, COUNTY, "综治")
    assert with_outline["outline"] == "the region's boundary"
    codes, _, _ = _unified(conn)
    conn.execute(text("UPDATE regions SET boundary = NULL WHERE code = :c"), {"c": COUNTY})
    without = planning.merge_region(conn, settings, COUNTY, "综治")
    assert without["outline"].startswith("the union of its 17 township boundaries")
    assert without["valid"] is True and without["grids_out"] == with_outline["grids_out"]
    assert without["written"]["unchanged"] == len(codes) and without["written"]["inserted"] == 0
    again, _, again_cells = _unified(conn)
    assert again == codes and shapely.coverage_is_valid(again_cells)
    townships = shapely.union_all(
        shapely.from_wkb(
            [
                bytes(w)
                for w in conn.execute(
                    text(
                        "SELECT ST_AsBinary(boundary) FROM regions WHERE level = 'township'"
                        " AND code LIKE '361126%'"
                    )
                ).scalars()
            ]
        )
    )
    union = shapely.coverage_union_all(again_cells)
    assert shapely.symmetric_difference(union, townships).area < 1e-6 * townships.area


def test_divide_a_township_into_balanced_grids(conn: Connection, settings: Settings) -> None:
    outline = shapely.from_wkb(
        bytes(
            conn.execute(
                text("SELECT ST_AsBinary(boundary) FROM regions WHERE code = :c"), {"c": TOWNSHIP_A}
            ).scalar_one()
        )
    )
    rng = np.random.default_rng(1)
    minx, miny, maxx, maxy = outline.bounds
    xy = rng.uniform((minx, miny), (maxx, maxy), size=(4000, 2))
    inside = shapely.contains_xy(outline, xy[:, 0], xy[:, 1])
    points = gpd.GeoDataFrame(
        {"households": rng.integers(1, 6, inside.sum())},
        geometry=shapely.points(xy[inside]),
        crs="EPSG:4326",
    )
    options = DivideOptions(block_size_m=400)
    plan = planning.propose_division(conn, settings, TOWNSHIP_A, 6, points, "households", options)
    assert len(plan.grids) == 6 and plan.report["cv"] < 0.15
    total = plan.grids.load.sum() + plan.report["weight_outside"]
    assert total == points.households.sum() and plan.report["weight_outside"] < 0.01 * total
    planning.check_cover(conn, plan)
    written = planning.apply_plan(conn, plan, "divide", "test")
    assert written["grids"] == 6
    codes = (
        conn.execute(
            text("SELECT code FROM grids WHERE region_code = :t AND length(code) = 15"),
            {"t": TOWNSHIP_A},
        )
        .scalars()
        .all()
    )
    assert sorted(codes) == sorted(plan.grids.code)
    for code in codes:
        parse_grid_code(code, parent=TOWNSHIP_A)
