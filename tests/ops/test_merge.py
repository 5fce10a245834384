import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Polygon, box

from gridmap.core.codes import is_valid_grid_code
from gridmap.ops.coding import assign_codes
from gridmap.ops.merge import MergeOptions, MergeResult, merge_sources
from tests.conftest import shared_data

CRS = "EPSG:4548"  # CGCS2000 / 3-degree Gauss-Kruger CM 117E, metres
# 10 × 8 km with a notch cut out of the north-east corner
BOUNDARY = shapely.difference(box(0, 0, 10_000, 8_000), box(8_000, 6_500, 10_000, 8_000))
OVERLAP = box(4_700, 2_000, 5_000, 4_000)  # where B12 reaches into B11
GAP = box(2_500, 4_000, 5_000, 6_000)  # where B21 is missing
SLIVER = box(2_470, 500, 2_500, 540)  # 1,200 m², cut out of B00


def _grid(prefix: str, dx: float = 0.0, dy: float = 0.0) -> tuple[list[Polygon], list[str]]:
    """A 4 × 4 grid of 2.5 × 2 km cells clipped to the boundary, ids like B21 (row 2, col 1)."""
    cells = [
        box(c * 2_500 + dx, r * 2_000 + dy, (c + 1) * 2_500 + dx, (r + 1) * 2_000 + dy)
        for r in range(4)
        for c in range(4)
    ]
    ids = [f"{prefix}{r}{c}" for r in range(4) for c in range(4)]
    return list(shapely.intersection(cells, BOUNDARY)), ids


def _layers() -> gpd.GeoDataFrame:
    base, base_ids = _grid("B")
    base[6] = shapely.intersection(box(4_700, 2_000, 7_500, 4_000), BOUNDARY)  # B12 overlaps
    base[0] = base[0].difference(SLIVER)
    base.append(SLIVER)
    base_ids.append("Bsliver")
    del base[9], base_ids[9]  # B21 left out: a gap
    police, police_ids = _grid("P", dx=3.0, dy=4.0)
    return gpd.GeoDataFrame(
        {
            "department": ["综治"] * len(base) + ["警务"] * len(police),
            "source_id": base_ids + police_ids,
        },
        geometry=base + police,
        crs=CRS,
    )


@pytest.fixture(scope="module")
def merged() -> MergeResult:
    return merge_sources(_layers(), BOUNDARY, "综治")


def _assert_valid_coverage(result: MergeResult, boundary: shapely.Geometry, tol: float) -> None:
    cells = np.asarray(result.grids.geometry.array)
    assert not shapely.is_empty(cells).any()
    assert shapely.is_valid(cells).all()
    assert shapely.coverage_is_valid(cells, gap_width=tol / 100)
    assert result.invalid_edges is None
    union = shapely.coverage_union_all(cells)
    assert shapely.symmetric_difference(union, boundary).area < tol * boundary.length
    assert result.report["valid"] is True


def test_merge_fixes_the_overlap_the_gap_and_the_sliver(merged: MergeResult) -> None:
    _assert_valid_coverage(merged, BOUNDARY, 1.0)
    # this clean synthetic layout is valid even when narrow gaps up to 1 m count as invalid
    assert shapely.coverage_is_valid(merged.grids.geometry.array, gap_width=1.0)
    report = json.loads(json.dumps(merged.report))  # JSON-serialisable
    assert report["grids_in"] == {"综治": 16, "警务": 16}
    assert report["overlaps_fixed"] == {"count": 1, "area_m2": pytest.approx(600_000)}
    gaps = report["gaps_fixed"]
    assert (gaps["count"], gaps["filled"]) == (1, 1)
    assert gaps["area_m2"] == pytest.approx(GAP.area)
    assert gaps["filled_from_departments"]["警务"]["cells"] == 1
    assert gaps["uncovered"]["cells"] == 0
    assert report["slivers_dissolved"]["by_origin"]["base"] == 1
    # the police strips left in the gap by the 3-4 m shift are slivers too
    assert report["slivers_dissolved"]["by_origin"]["gap_fill"] >= 2
    assert report["union_difference_m2"] < report["union_tolerance_m2"]
    assert report["notes"] == []

    grids = merged.grids
    assert len(grids) == 16
    assert grids["origin"].value_counts().to_dict() == {"base": 15, "gap_fill": 1}
    fill = grids[grids["origin"] == "gap_fill"].iloc[0]
    assert (fill["source_department"], fill["source_id"]) == ("警务", "P21")
    assert fill.geometry.area == pytest.approx(GAP.area, rel=0.01)
    b00 = grids[grids["source_id"] == "B00"].geometry.iloc[0]
    assert b00.contains(SLIVER.buffer(-1))  # the sliver went back to B00


def test_crosswalk_shares(merged: MergeResult) -> None:
    walk = merged.crosswalk
    assert list(walk.columns) == [
        "department",
        "source_id",
        "unified_index",
        "shared_area_m2",
        "share_of_source",
        "share_of_unified",
    ]
    assert (walk["shared_area_m2"] > 0).all()
    assert set(walk["unified_index"]) == set(merged.grids.index)
    base = walk[walk["department"] == "综治"]
    per_cell = base.groupby("unified_index")["share_of_unified"].sum()
    grids = merged.grids
    overlapping = grids.index[grids["source_id"].isin(["B11", "B12"])]
    plain = grids.index[(grids["origin"] == "base") & ~grids.index.isin(overlapping)]
    assert per_cell[plain].to_numpy() == pytest.approx(1.0, abs=0.005)
    # B12's overlap stays in B11 (base rule) and is counted once for each source
    b11 = grids.index[grids["source_id"] == "B11"][0]
    assert per_cell[b11] == pytest.approx(1 + OVERLAP.area / grids.geometry[b11].area, abs=0.005)

    best = base.sort_values("shared_area_m2").drop_duplicates("source_id", keep="last")
    one_to_one = best[(best["share_of_source"] > 0.95) & (best["share_of_unified"] > 0.95)]
    # B12 lost its reach into B11, and the sliver is a sliver of B00's unified cell
    assert set(best["source_id"]) - set(one_to_one["source_id"]) == {"B12", "Bsliver"}
    assert merged.report["unmatched"] == []  # every grid has half of itself in one cell


def _holder(result: MergeResult, area: shapely.Geometry) -> str:
    inside = result.grids[result.grids.geometry.contains(area.buffer(-1))]
    assert len(inside) == 1
    return str(inside["source_id"].iloc[0])


def test_overlap_rule_base_keeps_the_first_listed_cell() -> None:
    result = merge_sources(_layers(), BOUNDARY, "综治", MergeOptions(overlap_rule="base"))
    assert _holder(result, OVERLAP) == "B11"  # listed before B12, although B12 is larger


def test_overlap_rule_larger_share_gives_the_overlap_to_the_larger_cell() -> None:
    result = merge_sources(_layers(), BOUNDARY, "综治", MergeOptions(overlap_rule="larger_share"))
    _assert_valid_coverage(result, BOUNDARY, 1.0)
    assert _holder(result, OVERLAP) == "B12"
    assert result.report["overlaps_fixed"]["count"] == 1


def test_uncovered_gap_becomes_its_own_cell() -> None:
    layers = _layers()
    alone = layers[layers["department"] == "综治"]
    result = merge_sources(alone, BOUNDARY, "综治")
    _assert_valid_coverage(result, BOUNDARY, 1.0)
    uncovered = result.grids[result.grids["origin"] == "uncovered"]
    assert len(uncovered) == 1
    assert uncovered["source_department"].iloc[0] is None
    assert shapely.symmetric_difference(uncovered.geometry.iloc[0], GAP).area < 1.0
    assert result.report["gaps_fixed"]["uncovered"]["cells"] == 1


def test_what_no_department_covers_becomes_one_cell_per_piece() -> None:
    layers = _layers()
    base = layers[layers["department"] == "综治"]
    fire = gpd.GeoDataFrame(
        {"department": ["消防"], "source_id": ["F1"]},
        geometry=[box(3_000, 3_000, 4_500, 7_000)],  # crosses the middle of the gap
        crs=CRS,
    )
    result = merge_sources(pd.concat([base, fire], ignore_index=True), BOUNDARY, "综治")
    _assert_valid_coverage(result, BOUNDARY, 1.0)
    origin = result.grids["origin"]
    assert origin.value_counts()[["gap_fill", "uncovered"]].to_list() == [1, 2]
    assert sorted(result.grids[origin == "uncovered"].area.round()) == [1_000_000] * 2
    assert result.report["gaps_fixed"]["filled_from_departments"]["消防"]["cells"] == 1


def test_small_gaps_join_the_neighbour_with_the_longest_edge() -> None:
    layers = _layers()
    hole = box(3_000, 1_000, 3_040, 1_030)  # 1,200 m² inside B01
    layers.loc[1, "geometry"] = layers.geometry[1].difference(hole)
    result = merge_sources(layers, BOUNDARY, "综治")
    _assert_valid_coverage(result, BOUNDARY, 1.0)
    assert _holder(result, hole) == "B01"
    assert result.report["gaps_fixed"]["joined_neighbours"] == 1


def test_bad_input_is_refused() -> None:
    layers = _layers()
    with pytest.raises(ValueError, match="base department '消防' has no grids in layers"):
        merge_sources(layers, BOUNDARY, "消防")
    with pytest.raises(ValueError, match="overlap_rule 'newest' is unknown"):
        MergeOptions(overlap_rule="newest")
    with pytest.raises(ValueError, match="snap_tolerance_m must be positive, got 0"):
        MergeOptions(snap_tolerance_m=0)
    with pytest.raises(ValueError, match="is not a projected CRS in metres"):
        merge_sources(layers.set_crs("EPSG:4326", allow_override=True), BOUNDARY, "综治")
    with pytest.raises(ValueError, match="lacks column"):
        merge_sources(layers.drop(columns="source_id"), BOUNDARY, "综治")


# --- codes --------------------------------------------------------------------------------

TOWNSHIP = "361126100000"
OTHER = "361126101000"


def _three_by_three(x0: float = 0.0) -> tuple[gpd.GeoDataFrame, list[tuple[int, int]]]:
    """Nine 1 km squares in shuffled order, and the (row, col) of each, row 0 northmost."""
    places = [(r, c) for r in range(3) for c in range(3)]
    order = np.random.default_rng(7).permutation(9)
    places = [places[i] for i in order]
    cells = [
        box(x0 + c * 1_000, (2 - r) * 1_000, x0 + (c + 1) * 1_000, (3 - r) * 1_000)
        for r, c in places
    ]
    return gpd.GeoDataFrame(geometry=cells, crs=CRS), places


def test_codes_follow_reading_order_inside_the_parent() -> None:
    cells, places = _three_by_three()
    codes = assign_codes(cells, np.full(9, TOWNSHIP))
    assert all(is_valid_grid_code(code, TOWNSHIP) for code in codes)
    assert sorted(codes) == [f"{TOWNSHIP}{n:03d}" for n in range(1, 10)]
    by_code = dict(zip(codes, places, strict=True))
    assert [by_code[c] for c in sorted(codes)] == [(r, c) for r in range(3) for c in range(3)]
    assert list(assign_codes(cells, np.full(9, TOWNSHIP))) == list(codes)  # deterministic


def test_each_parent_numbers_its_own_cells() -> None:
    west, _ = _three_by_three()
    east, _ = _three_by_three(x0=5_000)
    cells = pd.concat([west, east], ignore_index=True)
    parents = np.array([TOWNSHIP] * 9 + [OTHER] * 9)
    codes = assign_codes(cells, parents)
    assert all(is_valid_grid_code(c, p) for c, p in zip(codes, parents, strict=True))
    assert sorted(codes[9:]) == [f"{OTHER}{n:03d}" for n in range(1, 10)]


def test_previous_codes_are_kept() -> None:
    cells, _ = _three_by_three()
    parents = np.full(9, TOWNSHIP)
    first = assign_codes(cells, parents)
    previous = gpd.GeoDataFrame({"code": first}, geometry=cells.geometry, crs=CRS)
    assert list(assign_codes(cells, parents, previous)) == list(first)
    # the same cells in another order keep their codes too
    reordered = cells.iloc[::-1].reset_index(drop=True)
    assert list(assign_codes(reordered, parents, previous)) == list(first[::-1])


def test_removed_and_split_cells_leave_the_others_untouched() -> None:
    cells, _ = _three_by_three()
    parents = np.full(9, TOWNSHIP)
    first = assign_codes(cells, parents)
    previous = gpd.GeoDataFrame({"code": first}, geometry=cells.geometry, crs=CRS)
    removed, split = 2, 5
    minx, miny, maxx, maxy = cells.geometry[split].bounds
    halves = [box(minx, miny, (minx + maxx) / 2, maxy), box((minx + maxx) / 2, miny, maxx, maxy)]
    keep = [i for i in range(9) if i not in (removed, split)]
    changed = gpd.GeoDataFrame(geometry=[*cells.geometry[keep], *halves], crs=CRS)
    codes = assign_codes(changed, np.full(len(changed), TOWNSHIP), previous)
    assert list(codes[:7]) == list(first[keep])
    # the halves get fresh numbers, west half first; retired 00x numbers are not reused
    assert list(codes[7:]) == [f"{TOWNSHIP}010", f"{TOWNSHIP}011"]
    again = gpd.GeoDataFrame({"code": codes}, geometry=changed.geometry, crs=CRS)
    assert list(assign_codes(changed, np.full(len(changed), TOWNSHIP), again)) == list(codes)


def test_a_parent_numbers_at_most_999_cells() -> None:
    cells = gpd.GeoDataFrame(
        geometry=[box(i * 10, 0, i * 10 + 10, 10) for i in range(1_000)], crs=CRS
    )
    with pytest.raises(ValueError, match=f"parent {TOWNSHIP} has 1000 cells"):
        assign_codes(cells, np.full(1_000, TOWNSHIP))
    with pytest.raises(ValueError, match="one per cell"):
        assign_codes(cells, np.full(3, TOWNSHIP))
    with pytest.raises(ValueError, match="'361126000000' is a county code"):
        assign_codes(cells.iloc[:2], np.full(2, "361126000000"))


# --- real data ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def yiyang() -> gpd.GeoDataFrame:
    """Yiyang county's 17 townships (read in place: not licensed for redistribution)."""
    path = shared_data("cn_yiyang_county_townships", "yiyang_townships.geojson")
    return gpd.read_file(path).to_crs(CRS)


def _perturbed(townships: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Shifted 30 m east; every third grown by 50 m, the next shrunk by 50 m; smallest dropped."""
    geoms = shapely.transform(
        np.asarray(townships.geometry.array), lambda xy: xy + np.array([30.0, 0.0])
    )
    grow = np.array([50.0, -50.0, 0.0])[np.arange(len(geoms)) % 3]
    geoms = shapely.buffer(geoms, grow)
    keep = np.arange(len(geoms)) != np.argmin(shapely.area(geoms))
    return gpd.GeoDataFrame({"source_id": townships["name"][keep]}, geometry=geoms[keep], crs=CRS)


@pytest.mark.parametrize("base", ["综治", "警务"])
def test_yiyang_townships_merge_into_a_valid_coverage(yiyang: gpd.GeoDataFrame, base: str) -> None:
    boundary = shapely.union_all(yiyang.geometry.array)
    original = gpd.GeoDataFrame({"source_id": yiyang["name"]}, geometry=yiyang.geometry, crs=CRS)
    layers = pd.concat(
        [original.assign(department="综治"), _perturbed(yiyang).assign(department="警务")],
        ignore_index=True,
    )
    result = merge_sources(layers, boundary, base)
    _assert_valid_coverage(result, boundary, 1.0)
    report = result.report
    assert report["grids_in"] == {"综治": 17, "警务": 16}
    assert set(result.crosswalk["source_id"]) >= set(yiyang["name"])
    if base == "综治":  # the original townships come through one for one
        assert report["grids_out"] == 17
        best = result.crosswalk.groupby(["department", "source_id"])["share_of_source"].max()
        # the townships overlap a little: 花亭乡 loses a fifth to the one listed before it
        assert (best["综治"] > 0.99).sum() >= 15
        assert (best["综治"] > 0.75).all()
    else:  # the perturbed layer's overlaps, gaps and slivers were all fixed
        assert report["overlaps_fixed"]["count"] > 0
        assert report["gaps_fixed"]["filled_from_departments"]["综治"]["cells"] > 0
        assert report["slivers_dissolved"]["count"] > 0
