"""``gridmap analyze hotspots|forecast`` on an analyst's own files: NYC shootings (NYPD open
data, read in place) in NYC ZIP code areas; and ``gridmap report heatmap`` of the demo county."""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
from typer.testing import CliRunner

from gridmap.cli import app
from tests.conftest import COUNTY, shared_data

runner = CliRunner()
NYC = ("nyc_shootings_2006_2018",)


def test_hot_spots_of_shootings_in_zip_code_areas(tmp_path: Path) -> None:
    units = shared_data(*NYC, "nyc_zip_code_tabulation_areas.geojson")
    events = shared_data(*NYC, "NYPD_Shooting_Incident_Data__Historic_.csv.gz")
    out = tmp_path / "hot.gpkg"
    result = runner.invoke(
        app,
        [
            "analyze",
            "hotspots",
            "--units",
            str(units),
            "--events",
            str(events),
            "--time-field",
            "OCCUR_DATE",
            "--from",
            "2006-01-01",
            "--to",
            "2017-01-01",
            "--rate",
            "per_km2",
            "--permutations",
            "99",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    found = gpd.read_file(out)
    assert {"postalCode", "PO_NAME", "count", "value", "z", "p", "gi_bin"} <= set(found.columns)
    assert found.crs.to_epsg() == 4326 and len(found) == 262
    # the counts, independently (geopandas): every shooting of the period in its ZIP area
    table = pd.read_csv(events)
    when = pd.to_datetime(table["OCCUR_DATE"], format="%m/%d/%Y")
    kept = table[(when >= "2006-01-01") & (when < "2017-01-01")]
    points = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(kept["Longitude"], kept["Latitude"]), crs=4326
    )
    zones = gpd.read_file(units)
    # a point where two areas overlap counts once, in the first of them
    hits = gpd.sjoin(points, zones, predicate="intersects").reset_index()
    first = hits.sort_values("index_right").drop_duplicates("index", keep="first")
    joined = first.groupby("index_right").size()
    expected = zones.index.map(lambda i: int(joined.get(i, 0)))
    assert found["count"].astype(int).tolist() == list(expected)
    assert (found["gi_bin"] == 3).sum() >= 5 and (found["gi_bin"] == 3).sum() < 131


def test_the_forecast_of_later_shootings(tmp_path: Path) -> None:
    units = shared_data(*NYC, "nyc_zip_code_tabulation_areas.geojson")
    events = shared_data(*NYC, "NYPD_Shooting_Incident_Data__Historic_.csv.gz")
    out = tmp_path / "forecast.json"
    result = runner.invoke(
        app,
        [
            "analyze",
            "forecast",
            "--units",
            str(units),
            "--events",
            str(events),
            "--time-field",
            "OCCUR_DATE",
            "--split",
            "2017-01-01",
            "--train-days",
            "4018",
            "--test-days",
            "730",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(out.read_text())
    assert {r["method"] for r in rows} == {"gi_star", "kde"}
    assert all(r["pai"] > 2 for r in rows), rows  # both maps beat chance on held-out years


def test_a_heatmap_report_needs_no_internet(tmp_path: Path, database: str) -> None:
    out = tmp_path / "heat.html"
    result = runner.invoke(app, ["report", "heatmap", "--region", COUNTY, "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link)[^>]+(src|href)=[\"']https?:", page)
    assert "L.map(" in page or "L.map (" in page
    assert "data:image/png;base64," in page
