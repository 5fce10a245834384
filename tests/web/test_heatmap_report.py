"""The standalone heatmap report opens in Chromium with every network request refused."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser
from typer.testing import CliRunner

from gridmap.cli import app
from tests.conftest import COUNTY


def test_the_report_opens_offline(tmp_path: Path, browser: Browser, database: str) -> None:
    out = tmp_path / "heat.html"
    result = CliRunner().invoke(app, ["report", "heatmap", "--region", COUNTY, "-o", str(out)])
    assert result.exit_code == 0, result.output
    context = browser.new_context()
    asked: list[str] = []

    def refuse(route) -> None:
        asked.append(route.request.url)
        route.abort()

    context.route("http*://**/*", refuse)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(out.as_uri())
    page.locator(".leaflet-container").wait_for(timeout=10_000)
    overlay = page.locator("img.leaflet-image-layer")
    overlay.wait_for(state="attached", timeout=10_000)
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", overlay.element_handle())
    assert page.locator("path.leaflet-interactive").count() > 10  # the grids' outlines
    assert not asked and not errors
    context.close()
