import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from gridmap.core.errors import InvalidInput
from gridmap.ops.density import grid_mask, kde_grid
from gridmap.ops.forecast import (
    compare_at_shares,
    evaluate_cells,
    evaluate_hotspots,
    evaluate_kde,
    evaluate_units,
    flag_top_cells,
    flag_top_units,
    hit_rate_and_pai,
)
from gridmap.ops.hotspots import gi_star, rates, spatial_weights
from tests.conftest import shared_data


def test_hit_rate_and_pai_by_hand() -> None:
    # 10 % of the area flagged, 30 of 100 later events inside: hit rate 0.3, PAI 3
    result = hit_rate_and_pai(0.10, 30, 100)
    assert result["hit_rate"] == pytest.approx(0.3) and result["pai"] == pytest.approx(3.0)
    assert hit_rate_and_pai(1.0, 40, 100)["pai"] == pytest.approx(0.4)
    with pytest.raises(InvalidInput, match=r"area_share must be in \(0, 1\], got 0"):
        hit_rate_and_pai(0, 1, 10)
    with pytest.raises(InvalidInput, match=r"hits must be between 0 and total \(10\), got 11"):
        hit_rate_and_pai(0.5, 11, 10)


def test_units_by_hand() -> None:
    area = [1.0, 1.0, 2.0, 4.0]  # 8 km² in all
    tests = [10, 0, 5, 5]  # 20 later events
    # units 0 and 2: 3/8 of the area, 15 of 20 events: PAI 0.75 / 0.375 = 2
    result = evaluate_units(np.array([True, False, True, False]), area, tests)
    assert result["area_share"] == pytest.approx(3 / 8)
    assert result["hit_rate"] == pytest.approx(0.75) and result["pai"] == pytest.approx(2.0)
    # the best 3 km² are units 0 (10 events per km²) and 2 (2.5): 15 events, PEI 1
    assert result["pei"] == pytest.approx(1.0)
    # unit 3 alone: half the area, 5 events: PAI 0.5; the best 4 km² catch 10 + 5 + 1.25
    worst = evaluate_units(np.array([False, False, False, True]), area, tests)
    assert worst["pai"] == pytest.approx(0.5) and worst["pei"] == pytest.approx(5 / 16.25)
    with pytest.raises(InvalidInput, match="flagged selects no unit"):
        evaluate_units(np.zeros(4, dtype=bool), area, tests)
    with pytest.raises(InvalidInput, match="area must be positive; position 1 has 0"):
        evaluate_units(np.ones(4, dtype=bool), [1, 0, 1, 1], tests)


def test_a_hot_spot_map_flags_its_bins() -> None:
    gi = pd.DataFrame({"gi_bin": [3, 2, 1, 0, -2]}, index=list("abcde"))
    area = pd.Series([1.0, 1.0, 1.0, 1.0, 1.0], index=list("edcba"))
    tests = pd.Series({"a": 6, "b": 2, "c": 1, "d": 1, "e": 0})
    result = evaluate_hotspots(gi, area, tests)  # a and b: 40 % of the area, 8 of 10
    assert result["flagged"] == 2
    assert result["hit_rate"] == pytest.approx(0.8) and result["pai"] == pytest.approx(2.0)
    assert evaluate_hotspots(gi, area, tests, min_bin=1)["hits"] == 9


def test_flag_top_units_takes_whole_units_until_the_share() -> None:
    area = [2.0, 1.0, 1.0, 6.0]
    assert flag_top_units([5.0, 9.0, 1.0, 0.5], area, 0.3).tolist() == [True, True, False, False]
    assert flag_top_units([5.0, 9.0, 1.0, 0.5], area, 0.1).tolist() == [False, True, False, False]
    # NaN last; 25 % is not reached before the 6 km² unit: whole units, so it comes in
    scores = [np.nan, 9.0, 1.0, 0.5]
    assert flag_top_units(scores, area, 0.2).tolist() == [False, True, True, False]
    assert flag_top_units(scores, area, 0.25).tolist() == [False, True, True, True]


def test_cells_by_hand() -> None:
    # a 4 × 4 raster of 100 m cells; the densities rank the cells 0 … 15 in raster order
    bounds = (0.0, 0.0, 400.0, 400.0)
    density = np.arange(16, dtype=float)[::-1].reshape(4, 4)  # top-left cell densest
    flagged = flag_top_cells(density, 0.25)  # 4 cells: the top row
    assert flagged[0].all() and flagged.sum() == 4
    # 10 test events: 6 in the top row (y > 300), 4 elsewhere
    x = [50, 150, 250, 350, 50, 50, 50, 150, 250, 350]
    y = [350, 350, 350, 350, 390, 310, 250, 150, 50, 50]
    result = evaluate_cells(flagged, x, y, bounds, 100)
    assert result["hit_rate"] == pytest.approx(0.6) and result["pai"] == pytest.approx(2.4)
    # the best 4 cells hold 3 + 1 + 1 + 1 events: 6, PEI 1
    assert result["pei"] == pytest.approx(1.0)
    assert evaluate_kde(density, x, y, bounds, 100, 0.25) == result
    # with a mask of the west half, 25 % is 2 cells: the top row's western two
    mask = np.zeros((4, 4), dtype=bool)
    mask[:, :2] = True
    west = evaluate_kde(density, x, y, bounds, 100, 0.25, mask)
    assert west["flagged"] == 2 and west["hits"] == 4 and west["area_share"] == 0.25


def test_both_maps_are_compared_on_the_same_area() -> None:
    bounds = (0.0, 0.0, 400.0, 400.0)
    density = np.arange(16, dtype=float)[::-1].reshape(4, 4)
    x, y = [50, 150, 250, 350], [350, 350, 50, 50]
    # four units, the quarters of the raster: NW, NE, SW, SE
    z, area, tests = [2.5, 0.5, -1.0, 1.0], [1.0, 1.0, 1.0, 1.0], [2, 0, 1, 1]
    table = compare_at_shares(
        z, area, tests, density, x, y, bounds, 100, shares=(0.25, 0.5), gi_bin=[2, 0, 0, 1]
    )
    assert table["method"].tolist() == ["gi_star", "kde"] * 3
    assert table["target"].tolist()[::2] == ["25% of the area", "50% of the area", "Gi* bins ≥ 2"]
    pairs = table["area_share"].to_numpy().reshape(3, 2)
    np.testing.assert_allclose(pairs[:, 0], pairs[:, 1])
    assert table.loc[0, "hits"] == 2 and table.loc[2, "hits"] == 3  # NW, then NW + SE


def test_a_gi_star_map_of_2006_2016_shootings_predicts_2017_2018_in_new_york() -> None:
    folder = shared_data("nyc_shootings_2006_2018")
    victims = pd.read_csv(
        folder / "NYPD_Shooting_Incident_Data__Historic_.csv.gz",
        usecols=["INCIDENT_KEY", "OCCUR_DATE", "X_COORD_CD", "Y_COORD_CD"],
        thousands=",",
    )
    incidents = victims.groupby("INCIDENT_KEY").first()  # one row per victim: one per incident
    year = pd.to_datetime(incidents["OCCUR_DATE"], format="%m/%d/%Y").dt.year
    points = gpd.GeoDataFrame(
        {"year": year.to_numpy()},
        geometry=gpd.points_from_xy(incidents["X_COORD_CD"], incidents["Y_COORD_CD"]),
        crs="EPSG:2263",  # NY State Plane Long Island, US feet
    ).to_crs(32618)  # UTM 18N, metres
    zctas = gpd.read_file(folder / "nyc_zip_code_tabulation_areas.geojson").to_crs(32618)
    joined = gpd.sjoin(points, zctas[["geometry"]], predicate="within").rename(
        columns={"index_right": "zcta"}
    )
    train, test = joined[joined["year"] <= 2016], joined[joined["year"] >= 2017]
    assert len(train) > 14_000 and len(test) > 1_400
    area_km2 = zctas.area / 1e6
    train_counts = train.groupby("zcta").size().reindex(zctas.index, fill_value=0)
    test_counts = test.groupby("zcta").size().reindex(zctas.index, fill_value=0)

    w = spatial_weights(zctas)
    gi = gi_star(rates(train_counts, area_km2=area_km2)["per_km2"], w, permutations=99)
    hot = evaluate_hotspots(gi, area_km2, test_counts, min_bin=2)
    # the hot ZCTAs cover about a tenth of the city and caught about half of the later
    # shootings
    assert 0.05 < hot["area_share"] < 0.2
    assert hot["pai"] > 2 and hot["hit_rate"] > 0.3
    by_counts = evaluate_hotspots(gi_star(train_counts, w, permutations=0), area_km2, test_counts)
    assert by_counts["pai"] > 2

    # the kernel density forecast of the same training events, over the same area share
    bounds, cell = zctas.total_bounds, 100.0
    density = kde_grid(train.geometry.x, train.geometry.y, None, bounds, cell, 400.0)
    mask = grid_mask(zctas.union_all(), bounds, cell)
    kde = evaluate_kde(
        density, test.geometry.x, test.geometry.y, bounds, cell, hot["area_share"], mask
    )
    assert kde["area_share"] == pytest.approx(hot["area_share"], abs=0.001)
    assert kde["pai"] > 2
    table = compare_at_shares(
        gi["z"],
        area_km2,
        test_counts,
        density,
        test.geometry.x,
        test.geometry.y,
        bounds,
        cell,
        mask=mask,
        gi_bin=gi["gi_bin"],
    )
    print(
        f"\nGi* bins ≥ 2: {hot['area_share']:.1%} of the area, hit rate {hot['hit_rate']:.1%}, "
        f"PAI {hot['pai']:.2f}; KDE at the same share: hit rate {kde['hit_rate']:.1%}, "
        f"PAI {kde['pai']:.2f}\n{table.round(3).to_string()}"
    )
    assert (table["pai"] > 2).all()
