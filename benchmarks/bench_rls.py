"""The cost of row-level security: authenticated GET /api/v1/grids/{code}, policies on vs off.

Same server, same token, same grids (a 10,000-grid city), in one run; rounds alternate on/off
so that drift of the machine falls on both alike.
"""

from __future__ import annotations

import statistics
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import text

from benchmarks._city import load_city
from benchmarks._common import prepared_cluster, report, server_process, sign_in
from gridmap.db.engine import dispose_engines, engine_for
from gridmap.services import accounts

REQUESTS = 2000
CLIENTS = 4
ROUNDS = 5
PASSWORD = "bench-password-123"


def _rate(base: str, headers: dict[str, str], codes: list[str]) -> float:
    def get(i: int) -> None:
        request = urllib.request.Request(
            f"{base}/api/v1/grids/{codes[i % len(codes)]}", headers=headers
        )
        with urllib.request.urlopen(request) as response:
            response.read()

    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(get, range(50)))  # warm up
        began = time.perf_counter()
        list(pool.map(get, range(REQUESTS)))
    return REQUESTS / (time.perf_counter() - began)


def _set_rls(engine, enabled: bool) -> None:
    verb = "ENABLE" if enabled else "DISABLE"
    with engine.begin() as conn:
        for table in ("grids", "regions"):
            conn.execute(text(f"ALTER TABLE {table} {verb} ROW LEVEL SECURITY"))


def main() -> None:
    with prepared_cluster("rls", demo=False) as (cluster, settings):
        owner = engine_for(settings, cluster.url())
        with owner.begin() as conn:
            load_city(conn)
            conn.execute(text("ANALYZE"))
            accounts.add_user(conn, settings, "bench", "dispatcher", "361100000000", PASSWORD)
            codes = (
                conn.execute(text("SELECT code FROM grids ORDER BY md5(code) LIMIT 500"))
                .scalars()
                .all()
            )
        with server_process(cluster.data_dir) as base:
            headers = sign_in(base, "bench", PASSWORD)
            rates: dict[bool, list[float]] = {True: [], False: []}
            for _ in range(ROUNDS):
                for enabled in (True, False):
                    _set_rls(owner, enabled)
                    rates[enabled].append(_rate(base, headers, codes))
            _set_rls(owner, True)
        dispose_engines()
    on, off = statistics.median(rates[True]), statistics.median(rates[False])
    report(
        f"RLS cost: authenticated GET /api/v1/grids/{{code}}, {CLIENTS} clients, 10,000 grids",
        [
            (
                "policies on (median of rounds)",
                f"{on:.0f} req/s  {[round(r) for r in rates[True]]}",
            ),
            ("policies off", f"{off:.0f} req/s  {[round(r) for r in rates[False]]}"),
            ("slower with RLS", f"{(off - on) / off * 100:.1f} % (aim < 10 %)"),
        ],
    )


if __name__ == "__main__":
    main()
