import numpy as np
import pandas as pd
import pytest

from gridmap.core.errors import InvalidInput
from gridmap.ops.risk import Factor, recency_weights, risk_scores

FACTORS = {
    "overdue": Factor(6, "overdue events", cap=36),
    "key_high": Factor(2, "key residents at attention level high"),
    "recent": Factor(1.5, "recent events (weighted)"),
    "must_visit": Factor(1, "must-visit places"),
    "hazards": Factor(5, "open hazards", min_colour="orange"),
    "blind_spots": Factor(0.5, "camera blind spots"),
}


def grids() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "overdue": [5, 0, 1, 9, 0],
            "key_high": [12, 0, 0, 2, 1],
            "recent": [4.0, 0.0, 0.0, 3.5, 2.0],
            "must_visit": [2, 0, 0, 0, 1],
            "hazards": [0, 0, 1, 0, 0],
            "blind_spots": [3, 0, 0, 0, 8],
            "population": [2_400, 300, 0, 1_000, 5_000],
            "area_km2": [0.5, 0.2, 1.0, 0.25, 2.0],
        },
        index=pd.Index(["G1", "G2", "G3", "G4", "G5"], name="grid"),
    )


def test_scores_colours_and_reasons_by_hand() -> None:
    result = risk_scores(grids(), FACTORS)
    out = result.grids
    # G1: 5 × 6 + 12 × 2 + 4 × 1.5 + 2 × 1 + 3 × 0.5 = 30 + 24 + 6 + 2 + 1.5 = 63.5: red
    assert out.loc["G1", "score"] == pytest.approx(63.5) and out.loc["G1", "colour"] == "red"
    assert out.loc["G1", "summary"] == (
        "red because: 5 overdue events (+30), 12 key residents at attention level high (+24), "
        "4 recent events (weighted) (+6), 2 must-visit places (+2), 3 camera blind spots (+1.5)"
    )
    reasons = out.loc["G1", "reasons"]
    assert [r["factor"] for r in reasons] == [
        "overdue",
        "key_high",
        "recent",
        "must_visit",
        "blind_spots",
    ]
    assert reasons[0] | {"text": None} == {
        "factor": "overdue",
        "label": "overdue events",
        "value": 5.0,
        "normalised": 5.0,
        "weight": 6.0,
        "points": 30.0,
        "capped": False,
        "min_colour": None,
        "text": None,
    }
    # G2: nothing: green
    assert out.loc["G2", "score"] == 0 and out.loc["G2", "colour"] == "green"
    assert out.loc["G2", "summary"] == "green: no risk factor" and out.loc["G2", "reasons"] == []
    # G3: 6 + 5 = 11 is blue by score, but an open hazard makes it at least orange
    assert out.loc["G3", "score_colour"] == "blue" and out.loc["G3", "colour"] == "orange"
    assert out.loc["G3", "summary"] == (
        "orange because: 1 overdue events (+6), 1 open hazards (+5, at least orange)"
    )
    # G4: 9 overdue × 6 = 54, capped at 36; + 4 + 5.25 = 45.25: orange
    assert out.loc["G4", "score"] == pytest.approx(45.25) and out.loc["G4", "colour"] == "orange"
    assert out.loc["G4", "reasons"][0]["text"] == "9 overdue events (+36, capped)"
    # G5: 2 + 3 + 1 + 4 = 10: blue
    assert out.loc["G5", "score"] == pytest.approx(10) and out.loc["G5", "colour"] == "blue"


def test_contributions_are_every_grid_and_factor_largest_first() -> None:
    contributions = risk_scores(grids(), FACTORS).contributions
    assert len(contributions) == 5 * 6
    assert contributions["grid"].unique().tolist() == ["G1", "G2", "G3", "G4", "G5"]
    g1 = contributions[contributions["grid"] == "G1"]
    assert g1["points"].tolist() == [30, 24, 6, 2, 1.5, 0]
    assert g1["text"].iloc[-1] == "0 open hazards"
    assert set(contributions.columns) == {
        "grid",
        "factor",
        "label",
        "value",
        "normalised",
        "weight",
        "points",
        "capped",
        "min_colour",
        "text",
    }


def test_normalisations_per_1000_per_km2_and_percentile() -> None:
    factors = {
        "key_high": {"weight": 2, "label": "key residents", "normalise": "per_1000"},
        "recent": {"weight": 1, "label": "recent events", "normalise": "per_km2"},
        "blind_spots": {"weight": 10, "label": "camera blind spots", "normalise": "percentile"},
    }
    result = risk_scores(grids(), factors)
    c = result.contributions.set_index(["grid", "factor"])
    # G1: 12 key residents among 2,400: 5 per 1,000, × 2 = 10 points
    assert c.loc[("G1", "key_high"), "normalised"] == pytest.approx(5.0)
    assert c.loc[("G1", "key_high"), "points"] == pytest.approx(10.0)
    assert c.loc[("G1", "key_high"), "text"] == ("12 key residents, 5 per 1,000 residents (+10)")
    assert c.loc[("G3", "key_high"), "points"] == 0  # no residents: no rate
    # G4: 3.5 recent events on 0.25 km²: 14 per km²
    assert c.loc[("G4", "recent"), "points"] == pytest.approx(14.0)
    assert c.loc[("G4", "recent"), "text"] == "3.5 recent events, 14 per km² (+14)"
    # blind spots 3, 0, 0, 0, 8: G5 is above all 4 others (1.0), G1 above 3 of 4 (0.75)
    assert c.loc[("G5", "blind_spots"), "points"] == pytest.approx(10.0)
    assert c.loc[("G1", "blind_spots"), "points"] == pytest.approx(7.5)
    assert c.loc[("G2", "blind_spots"), "points"] == 0
    assert c.loc[("G1", "blind_spots"), "text"] == (
        "3 camera blind spots, above 75% of grids (+7.5)"
    )


def test_thresholds_and_colours_are_configuration() -> None:
    five = {"红": 50, "橙": 30, "黄": 15, "蓝": 1}
    factors = {**FACTORS, "hazards": Factor(5, "open hazards", min_colour="橙")}
    out = risk_scores(grids(), factors, thresholds=five, default_colour="绿").grids
    assert out["colour"].tolist() == ["红", "绿", "橙", "橙", "蓝"]
    # a negative weight lowers the score (a grid with a resident police officer, say)
    table = grids().assign(officer=[1, 0, 0, 0, 0])
    factors = {**FACTORS, "officer": Factor(-10, "resident police officer")}
    out = risk_scores(table, factors).grids
    assert out.loc["G1", "score"] == pytest.approx(53.5) and out.loc["G1", "colour"] == "orange"
    assert "1 resident police officer (−10)" in out.loc["G1", "summary"]


def test_risk_refuses_bad_tables_and_settings() -> None:
    table = grids()
    with pytest.raises(InvalidInput, match="table has no column 'visits' for its factor"):
        risk_scores(table, {"visits": Factor(1, "visits")})
    bad = table.assign(overdue=[1, np.nan, 0, 0, 0])
    with pytest.raises(InvalidInput, match=r"fill missing counts with 0\); grid 'G2' has nan"):
        risk_scores(bad, FACTORS)
    with pytest.raises(InvalidInput, match="strictly decreasing minimums"):
        risk_scores(table, FACTORS, thresholds={"red": 10, "orange": 20})
    with pytest.raises(InvalidInput, match="min_colour must be one of red, orange"):
        risk_scores(table, {"hazards": Factor(5, "hazards", min_colour="purple")})
    with pytest.raises(InvalidInput, match="factor 'hazards' has unknown setting 'weigth'"):
        risk_scores(table, {"hazards": {"weigth": 5, "label": "hazards"}})
    with pytest.raises(InvalidInput, match="cap must be a positive number of points"):
        risk_scores(table, {"hazards": Factor(5, "hazards", cap=0)})
    with pytest.raises(InvalidInput, match="table must have one row per grid; 'G1' repeats"):
        risk_scores(pd.concat([table, table.iloc[:1]]), FACTORS)
    with pytest.raises(InvalidInput, match="needs a 'population' column"):
        risk_scores(
            table.drop(columns="population"),
            {"key_high": Factor(1, "key", normalise="per_1000")},
        )


def test_recency_weights_halve_every_half_life() -> None:
    assert recency_weights([0, 30, 60, 15], 30).tolist() == pytest.approx([1.0, 0.5, 0.25, 2**-0.5])
    with pytest.raises(InvalidInput, match="age_days must be finite and non-negative"):
        recency_weights([-1])


def test_ten_thousand_grids_are_scored_at_once() -> None:
    rng = np.random.default_rng(0)
    table = pd.DataFrame(
        {name: rng.poisson(1.0, 10_000) for name in FACTORS}
        | {"population": rng.integers(0, 3_000, 10_000), "area_km2": np.full(10_000, 0.3)}
    )
    result = risk_scores(table, FACTORS)
    assert len(result.grids) == 10_000 and len(result.contributions) == 60_000
    assert set(result.grids["colour"]) <= {"red", "orange", "yellow", "blue", "green"}
