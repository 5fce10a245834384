"""The planner's Divide tool (网格划分) in a real headless Chromium: read a file of weighted points
in the browser, preview a balanced division of township C, see it drawn, and accept it."""

import json
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest
import shapely
from playwright.sync_api import Browser
from shapely.geometry import shape

from tests.conftest import PASSWORD, TOWNSHIP_C
from tests.web.conftest import sign_in

pytestmark = pytest.mark.browser


def _points_file(township: shapely.Geometry, path: Path, n: int = 500) -> Path:
    """``n`` random points inside the township, each with a household count ``hh``."""
    rng = np.random.default_rng(11)
    minx, miny, maxx, maxy = township.bounds
    inside = np.empty((0, 2))
    while len(inside) < n:
        xy = rng.uniform((minx, miny), (maxx, maxy), size=(4 * n, 2))
        inside = np.vstack([inside, xy[shapely.contains_xy(township, xy[:, 0], xy[:, 1])]])
    households = rng.integers(1, 6, size=n)
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [float(x), float(y)]},
                "properties": {"hh": int(h)},
            }
            for (x, y), h in zip(inside[:n], households, strict=True)
        ],
    }
    path.write_text(json.dumps(collection), encoding="utf-8")
    return path


def test_planner_previews_and_accepts_a_division(
    live_server: str, browser: Browser, tmp_path: Path
) -> None:
    context, page, seen = sign_in(browser, live_server, "/planner", "planner_c", PASSWORD)
    page.wait_for_load_state("networkidle")

    # the region defaults to the planner's township
    assert page.locator("#d-region").input_value() == TOWNSHIP_C
    assert page.locator("#d-block").input_value() == "300"
    assert page.locator("#divide-actions").is_hidden()

    region = page.request.get(f"{live_server}/api/v1/regions/{TOWNSHIP_C}")
    assert region.ok, region.text()
    points = _points_file(shape(region.json()["geometry"]), tmp_path / "households.geojson")

    page.fill("#d-region", TOWNSHIP_C)
    page.fill("#d-grids", "3")
    page.set_input_files("#d-points", str(points))
    page.fill("#d-weight", "hh")
    page.fill("#d-block", "500")
    with page.expect_response(
        lambda r: r.url.endswith("/api/v1/divide/preview") and r.request.method == "POST"
    ) as previewing:
        page.click("#btn-divide-preview")
    response = previewing.value
    assert response.status == 202, response.text()
    sent = response.request.post_data_json
    assert sent["region"] == TOWNSHIP_C and sent["grids"] == 3 and sent["method"] == "azp"
    assert sent["weight"] == "hh" and sent["block_size_m"] == 500
    assert sent["points"]["type"] == "FeatureCollection" and len(sent["points"]["features"]) == 500
    assert response.request.headers.get("x-csrf-token")

    # the proposal is drawn (dashed, labelled with its load) and the report shows its spread
    proposal = page.locator("path.divide-proposal")
    proposal.nth(2).wait_for(timeout=90_000)
    assert proposal.count() == 3
    assert page.locator(".divide-label").count() == 3
    assert "load" in page.locator(".divide-label").first.inner_text()
    report = page.locator("#divide-result").inner_text()
    assert "cv" in report and "%" in report, report
    assert page.locator("#btn-divide-accept").is_enabled()
    page.wait_for_timeout(300)
    page.screenshot(path="/tmp/planner-divide.png")

    with page.expect_response(
        lambda r: r.url.endswith("/api/v1/divide/accept") and r.request.method == "POST"
    ) as accepting:
        page.click("#btn-divide-accept")
    accepted = accepting.value
    assert accepted.status == 200, accepted.text()
    assert accepted.request.post_data_json["region"] == TOWNSHIP_C
    assert len(accepted.request.post_data_json["proposal"]["features"]) == 3
    counts = accepted.json()
    assert counts["grids"] == 3

    # the overlay is gone, the counts are shown, and township C has three grids
    page.locator("#divide-result[data-accepted=true]").wait_for(timeout=5_000)
    assert page.locator("path.divide-proposal").count() == 0
    assert page.locator("#divide-actions").is_hidden()
    assert "inserted" in page.locator("#divide-result").inner_text()
    listed = page.request.get(f"{live_server}/api/v1/grids", params={"region": TOWNSHIP_C})
    assert listed.ok, listed.text()
    assert listed.json()["numberMatched"] == 3
    page.wait_for_load_state("networkidle")

    hosts = {urlparse(u).hostname for u in seen["requests"] if not u.startswith(("data:", "blob:"))}
    assert hosts == {"127.0.0.1"}, f"requests left the machine: {hosts}"
    assert seen["errors"] == [] and seen["csp"] == []
    context.close()


def test_divide_refuses_bad_input_in_the_browser(
    live_server: str, browser: Browser, tmp_path: Path
) -> None:
    """A file that is not GeoJSON is refused in the browser; a missing region code too."""
    context, page, seen = sign_in(browser, live_server, "/planner", "planner_c", PASSWORD)

    page.fill("#d-region", "")
    page.click("#btn-divide-preview")
    page.locator("#divide-result.error:has-text('12')").wait_for(timeout=5_000)

    bad = tmp_path / "bad.geojson"
    bad.write_text("not json", encoding="utf-8")
    page.fill("#d-region", TOWNSHIP_C)
    page.fill("#d-grids", "2")
    page.set_input_files("#d-points", str(bad))
    page.click("#btn-divide-preview")
    page.locator("#divide-result.error:has-text('JSON')").wait_for(timeout=5_000)
    assert page.locator("#btn-divide-preview").is_enabled()
    assert page.locator("path.divide-proposal").count() == 0
    assert seen["errors"] == [] and seen["csp"] == []
    context.close()
