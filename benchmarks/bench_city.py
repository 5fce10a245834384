"""City scale (10,000 grids): loading, vector tiles and list queries through the real app."""

from __future__ import annotations

import json
import math
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from sqlalchemy import text

from benchmarks._city import load_city
from benchmarks._common import (
    fetch,
    prepared_cluster,
    report,
    server_process,
    sign_in,
    summary_ms,
    timed,
)
from gridmap.db.engine import dispose_engines, engine_for
from gridmap.ingest.regions import load_regions
from gridmap.layers import regions
from gridmap.services import accounts

PASSWORD = "bench-password-123"


def _tiles_over(bounds: list[float], z: int) -> list[tuple[int, int, int]]:
    def tile(lon: float, lat: float) -> tuple[int, int]:
        n = 2**z
        x = int((lon + 180) / 360 * n)
        y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
        return x, y

    x0, y1 = tile(bounds[0], bounds[1])
    x1, y0 = tile(bounds[2], bounds[3])
    return [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def main() -> None:
    with prepared_cluster("city", demo=False) as (cluster, settings):
        engine = engine_for(settings, cluster.url())
        with engine.begin() as conn:
            load_regions_s, _ = timed(lambda: load_regions(conn))
        with engine.begin() as conn:
            load_city_s, written = timed(lambda: load_city(conn))
            accounts.add_user(conn, settings, "bench", "dispatcher", "361100000000", PASSWORD)
        with engine.begin() as conn:
            conn.execute(text("CLUSTER grids USING grids_boundary_idx"))
            conn.execute(text("ANALYZE"))
            bounds = regions.boundary_extent(conn)
        rows = [
            ("load regions (44,699 codes, one transaction)", f"{load_regions_s:.2f} s"),
            (f"generate + load {written} grids", f"{load_city_s:.1f} s"),
        ]
        with server_process(cluster.data_dir) as base:
            headers = sign_in(base, "bench", PASSWORD)
            get = partial(fetch, headers=headers)
            for z in (9, 11, 13):
                urls = [
                    f"{base}/tiles/grids/{z}/{x}/{y}.mvt" for (z, x, y) in _tiles_over(bounds, z)
                ]
                urls = urls[:200]
                results = [get(u) for u in urls]
                sizes = [size for _, size in results if size]
                rows.append(
                    (
                        f"grid tiles z{z}, one client",
                        f"{summary_ms([t for t, _ in results])}, "
                        f"{sum(sizes) / max(1, len(sizes)) / 1024:.1f} KB avg non-empty",
                    )
                )
                with ThreadPoolExecutor(4) as pool:
                    began = time.perf_counter()
                    list(pool.map(get, urls * 3))
                    rate = len(urls) * 3 / (time.perf_counter() - began)
                rows.append((f"grid tiles z{z}, 4 clients", f"{rate:.0f} tiles/s"))
            cx, cy = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
            boxes = [
                f"{cx + dx - 0.05},{cy + dy - 0.05},{cx + dx + 0.05},{cy + dy + 0.05}"
                for dx in (-0.3, 0, 0.3)
                for dy in (-0.3, 0, 0.3)
            ]
            times = [get(f"{base}/api/v1/grids?bbox={b}&limit=100")[0] for b in boxes * 3]
            rows.append(("GET /api/v1/grids?bbox (0.1° box)", summary_ms(times)))
            request = urllib.request.Request(f"{base}/api/v1/grids?limit=1", headers=headers)
            with urllib.request.urlopen(request) as response:
                code = json.load(response)["features"][0]["id"]
            times = [get(f"{base}/api/v1/grids/{code}")[0] for _ in range(50)]
            rows.append(("GET /api/v1/grids/{code}", summary_ms(times)))
        dispose_engines()
        report("city scale: 10,000 grids (signed in, RLS on)", rows)


if __name__ == "__main__":
    main()
