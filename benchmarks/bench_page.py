"""The `/` page in headless Chromium at the demo's first view: requests, bytes, time to draw."""

from __future__ import annotations

import time
from collections import defaultdict

from playwright.sync_api import sync_playwright

from benchmarks._common import prepared_cluster, report, serve
from gridmap.api.main import create_app
from gridmap.db.engine import dispose_engines

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _kind(url: str) -> str:
    if "/tiles/" in url:
        return "vector tiles"
    if "/static/vendor/" in url:
        return "vendored Leaflet + VectorGrid"
    if "/api/" in url:
        return "API (map config)"
    return "page, own JS and CSS"


def main() -> None:
    with prepared_cluster("page", demo=True) as (_cluster, settings):
        server, base = serve(create_app(settings))
        sizes: dict[str, int] = defaultdict(int)
        counts: dict[str, int] = defaultdict(int)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 800})

                def on_finished(request) -> None:
                    kind = _kind(request.url)
                    sizes[kind] += request.sizes()["responseBodySize"]
                    counts[kind] += 1

                page.on("requestfinished", on_finished)
                began = time.perf_counter()
                page.goto(base + "/")
                page.locator("body[data-ready=true]").wait_for()
                page.wait_for_load_state("networkidle")
                drawn = time.perf_counter() - began
                shapes = page.locator("#map svg path").count()
                browser.close()
        finally:
            server.should_exit = True
            dispose_engines()
    rows = [
        (f"{kind} ({counts[kind]} requests)", f"{sizes[kind] / 1024:.1f} KB")
        for kind in sorted(sizes)
    ]
    rows.append(
        ("total", f"{sum(sizes.values()) / 1024:.1f} KB in {sum(counts.values())} requests")
    )
    rows.append(("first view drawn (network idle)", f"{drawn:.2f} s, {shapes} SVG paths"))
    report("/ at the demo's first view (1280×800; bytes on the wire, gzip above 1 KB)", rows)


if __name__ == "__main__":
    main()
