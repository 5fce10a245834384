import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy import sparse

from gridmap.core.errors import InvalidInput
from gridmap.ops.siting import (
    SitingResult,
    _log_number,
    greedy_cover,
    plan_cameras,
    reduce_demand,
)

# Ten demand points on a line, 10 m apart, in metres (EPSG:4548 coordinates). A "sector" here is
# a thin box over a run of points: sector(a, b) sees points a … b.
CRS = "EPSG:4548"
X0, Y0 = 500_000.0, 3_400_000.0
WEIGHTS = [1, 1, 2, 2, 1, 1, 2, 2, 1, 1]  # 14 in all


def sector(first: int, last: int) -> shapely.Polygon:
    return shapely.box(X0 + 10 * first - 1, Y0 - 5, X0 + 10 * last + 1, Y0 + 5)


BLIND = shapely.box(X0 - 30, Y0 - 5, X0 - 12, Y0 + 5)  # a heading that sees no point


def demand(weights: list[float] = WEIGHTS) -> gpd.GeoDataFrame:
    xs = X0 + 10 * np.arange(len(weights))
    return gpd.GeoDataFrame(
        {"people": weights, "village": ["V1"] * 3 + ["V3"] * 5 + ["V2"] * 2},
        geometry=gpd.points_from_xy(xs, np.full(len(xs), Y0)),
        crs=CRS,
    )


def candidates(rows: list[tuple[str, float, str, shapely.Polygon]]) -> gpd.GeoDataFrame:
    site, heading, village, geometry = zip(*rows, strict=True)
    return gpd.GeoDataFrame(
        {"site": site, "heading": heading, "village": village}, geometry=list(geometry), crs=CRS
    )


# 3 sites × 2 headings. Greedy takes C-0 (weight 10) first and then can add only 2 more;
# the optimum for two cameras is A-90 + B-90, which see all 14.
HAND = candidates(
    [
        ("A", 90.0, "V1", sector(0, 4)),  # 7
        ("A", 270.0, "V1", BLIND),  # 0
        ("B", 90.0, "V2", sector(5, 9)),  # 7
        ("B", 270.0, "V2", sector(9, 9)),  # 1
        ("C", 0.0, "V3", sector(2, 7)),  # 10
        ("C", 180.0, "V3", sector(3, 6)),  # 6
    ]
)
NONE = gpd.GeoSeries([], crs=CRS)
VILLAGES = gpd.GeoDataFrame(
    {"code": ["V1", "V2", "V3"], "cameras": [0, 0, 1]},
    geometry=[
        shapely.box(X0 - 50, Y0 - 50, X0 + 25, Y0 + 50),
        shapely.box(X0 + 65, Y0 - 50, X0 + 150, Y0 + 50),
        shapely.box(X0 + 25, Y0 - 50, X0 + 65, Y0 + 50),
    ],
    crs=CRS,
)


def picked(result: SitingResult) -> set[tuple[str, float]]:
    return set(zip(result.chosen["site"], result.chosen["heading"], strict=True))


def test_mclp_finds_the_known_optimum_the_greedy_misses() -> None:
    result = plan_cameras(demand(), "people", HAND, NONE, budget=2)
    assert picked(result) == {("A", 90.0), ("B", 90.0)}
    assert result.covered_weight == 14
    assert result.existing_weight == 0
    assert result.greedy["chosen"] == [4, 0]  # C-0 first, then the tie A-90 / B-90 goes to A
    assert result.greedy["covered_weight"] == 12
    assert result.covered_weight >= result.greedy["covered_weight"]
    assert result.report["solver"]["solution"] == "optimal"
    assert result.report["solver"]["gap"] == 0
    assert result.report["used"] == 2
    assert sorted(result.chosen["gain"]) == [7, 7]
    assert result.chosen.crs == CRS


def test_existing_coverage_is_not_bought_again() -> None:
    existing = gpd.GeoSeries([sector(0, 4)], crs=CRS)  # sees what A-90 would
    one = plan_cameras(demand(), "people", HAND, existing, budget=1)
    assert one.existing_weight == 7
    assert picked(one) == {("B", 90.0)}  # adds 7; C-0 would add only p5..p7 = 5
    assert one.covered_weight == 14
    assert one.chosen["new_weight"].tolist() == [7]
    # a second camera would add nothing, so the budget is not spent on one
    two = plan_cameras(demand(), "people", HAND, existing, budget=2)
    assert picked(two) == {("B", 90.0)}
    assert two.report["used"] == 1
    assert two.covered_weight == 14


def test_one_heading_per_site() -> None:
    # both headings of site A together see everything, but a pole holds one camera
    cands = candidates(
        [
            ("A", 90.0, "V1", sector(0, 4)),  # 7
            ("A", 270.0, "V1", sector(5, 9)),  # 7
            ("B", 0.0, "V3", sector(3, 7)),  # 8
        ]
    )
    result = plan_cameras(demand(), "people", cands, NONE, budget=2)
    assert result.chosen["site"].is_unique
    assert picked(result) == {("A", 90.0), ("B", 0.0)}
    assert result.covered_weight == 12  # p0..p7
    greedy_sites = cands.loc[result.greedy["chosen"], "site"]
    assert greedy_sites.is_unique


@pytest.mark.parametrize("placed_by", ["column", "geometry"])
def test_a_village_quota_forces_a_camera_the_plain_mclp_skips(placed_by: str) -> None:
    cands = HAND if placed_by == "column" else HAND.drop(columns="village")
    plain = plan_cameras(demand(), "people", cands, NONE, budget=2)
    assert "C" not in set(plain.chosen["site"])
    result = plan_cameras(
        demand(), "people", cands, NONE, budget=2, villages=VILLAGES, quota="cameras"
    )
    assert ("C", 0.0) in picked(result)
    assert result.covered_weight == 12  # C-0 with A-90 or B-90
    v3 = next(row for row in result.report["quotas"] if row["code"] == "V3")
    assert v3 == {
        "code": "V3",
        "quota": 1,
        "existing": 0,
        "new": 1,
        "met": True,
        "weight": 8.0,
        "covered_weight": 8.0,
    }
    assert all(row["met"] for row in result.report["quotas"])
    greedy_sites = set(cands.loc[result.greedy["chosen"], "site"])
    assert "C" in greedy_sites


@pytest.mark.parametrize("placed_by", ["column", "geometry"])
def test_an_existing_camera_counts_towards_its_village_quota(placed_by: str) -> None:
    sectors = gpd.GeoSeries([shapely.box(X0 + 30, Y0 + 20, X0 + 40, Y0 + 30)], crs=CRS)
    existing = (
        gpd.GeoDataFrame({"village": ["V3"]}, geometry=sectors)
        if placed_by == "column"
        else sectors
    )
    result = plan_cameras(
        demand(), "people", HAND, existing, budget=2, villages=VILLAGES, quota="cameras"
    )
    assert picked(result) == {("A", 90.0), ("B", 90.0)}
    v3 = next(row for row in result.report["quotas"] if row["code"] == "V3")
    assert (v3["existing"], v3["new"], v3["met"]) == (1, 0, True)


def test_budget_zero_returns_only_the_existing_coverage() -> None:
    existing = gpd.GeoSeries([sector(2, 7)], crs=CRS)
    result = plan_cameras(demand(), "people", HAND, existing, budget=0)
    assert result.chosen.empty
    assert result.covered_weight == result.existing_weight == 10
    assert result.greedy["chosen"] == []
    assert result.greedy["covered_weight"] == 10
    assert result.report["used"] == 0
    assert result.report["solver"]["status"] == "not needed"


def test_greedy_cover_respects_sites_and_preset() -> None:
    coverage = np.array(
        [
            [1, 0, 0],
            [1, 1, 0],
            [0, 1, 1],
            [0, 0, 1],
        ],
        dtype=bool,
    )
    weights = [1.0, 2.0, 3.0, 1.0]  # candidates see 3, 5 and 4
    assert greedy_cover(coverage, weights, 2) == [1, 0]  # 5, then a tie of 1 and 1
    assert greedy_cover(coverage, weights, 2, sites=["s", "s", "t"]) == [1, 2]
    # row 1 already covered: candidate 2 (4) first, then 0 (1); candidate 1 adds nothing
    assert greedy_cover(sparse.csr_array(coverage), weights, 3, [0, 1, 0, 0]) == [2, 0]
    # a village that still needs a camera gets it before the budget runs out
    assert greedy_cover(coverage, weights, 1, village=[-1, -1, 0], need=[1]) == [2]
    assert greedy_cover(coverage, weights, 0) == []
    with pytest.raises(InvalidInput, match="one per coverage row"):
        greedy_cover(coverage, [1.0, 2.0], 1)


def test_reduce_demand_merges_rows_seen_by_the_same_candidates() -> None:
    coverage = sparse.csc_array(
        np.array([[1, 0], [1, 0], [0, 1], [0, 0], [1, 1], [1, 0]], dtype=np.int8)
    )
    weights = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 0.0])
    preset = np.array([False, False, False, False, True, False])
    reduced = reduce_demand(coverage, weights, preset)
    rows = reduced.coverage.toarray().tolist()
    assert sorted(zip(map(tuple, rows), reduced.weight, strict=True)) == [
        ((0, 1), 3.0),
        ((1, 0), 3.0),
    ]


def test_cbc_log_numbers_are_read() -> None:
    log = (
        "Result - Stopped on time limit\n\n"
        "Objective value:                6743.00000000\n"
        "Upper bound:                    6815.921\n"
        "Gap:                            -0.01\n"
        "Total time (CPU seconds):       1.01   (Wallclock seconds):       1.02\n"
    )
    assert _log_number(log, r"^Upper bound:\s+(\S+)") == 6815.921
    assert _log_number(log, r"^Total time \(CPU seconds\):\s+(\S+)") == 1.01
    assert _log_number(log, r"^Lower bound:\s+(\S+)") is None


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (dict(budget=-1), "budget", "0 or more"),
        (dict(budget=1.5), "budget", "whole number"),
        (dict(weight="residents"), "weight", "'residents' is not in demand"),
        (dict(candidates=HAND.iloc[:0]), "candidates", "no candidates"),
        (dict(candidates=HAND.to_crs("EPSG:4547")), "candidates", "EPSG:4547"),
        (dict(existing=gpd.GeoSeries([sector(0, 1)], crs="EPSG:4547")), "existing", "EPSG:4547"),
        (dict(candidates=HAND.drop(columns="site")), "candidates", "site"),
        (dict(candidates=pd.concat([HAND, HAND.iloc[:1]])), "candidates", "unique"),
        (dict(quota="cameras"), "quota", "villages and quota go together"),
        (dict(time_limit_s=0), "time_limit_s", "positive"),
    ],
)
def test_bad_input_is_refused(change: dict, field: str, words: str) -> None:
    args = dict(demand=demand(), weight="people", candidates=HAND, existing=NONE, budget=2) | change
    with pytest.raises(InvalidInput, match=words) as refused:
        plan_cameras(**args)
    assert refused.value.field == field


def test_bad_demand_is_refused() -> None:
    negative = demand([1, -1, 2, 2, 1, 1, 2, 2, 1, 1])
    with pytest.raises(InvalidInput, match="finite number of 0 or more") as refused:
        plan_cameras(negative, "people", HAND, NONE, budget=1)
    assert refused.value.field == "weight"
    areas = demand().set_geometry(demand().buffer(1.0))
    with pytest.raises(InvalidInput, match="points"):
        plan_cameras(areas, "people", HAND, NONE, budget=1)
    lonlat = demand().to_crs("EPSG:4326")
    with pytest.raises(InvalidInput, match="projected"):
        plan_cameras(lonlat, "people", HAND.to_crs("EPSG:4326"), NONE, budget=1)


def test_quotas_no_plan_can_meet_are_refused() -> None:
    villages = VILLAGES.assign(cameras=[1, 1, 1])
    with pytest.raises(InvalidInput, match="need 3 new cameras but the budget is 2") as refused:
        plan_cameras(demand(), "people", HAND, NONE, 2, villages=villages, quota="cameras")
    assert refused.value.field == "budget"
    villages = VILLAGES.assign(cameras=[2, 0, 0])  # V1 has one site: one camera at most
    with pytest.raises(InvalidInput, match="too few candidate sites in V1") as refused:
        plan_cameras(demand(), "people", HAND, NONE, 3, villages=villages, quota="cameras")
    assert refused.value.field == "quota"
