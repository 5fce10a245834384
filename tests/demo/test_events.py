"""Generated events (生成的事件): counts, reproducible seeds, the mixes that make analytics look
real (clustered in space, seasons, working days and hours, channels, categories by area), a
consistent life cycle, and a file the events ledger imports without a reject."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Connection, text

from gridmap.core.access import SYSTEM
from gridmap.core.settings import Settings, get_settings
from gridmap.db.scope import apply_scope
from gridmap.demo import city, departments, population
from gridmap.demo.events import COLUMNS, default_count, generate_events
from gridmap.ingest import ledgers
from gridmap.ingest.ledgers.events import MILESTONES
from gridmap.layers import grids

ZONE = ZoneInfo("Asia/Shanghai")
UNTIL = dt.datetime(2025, 6, 30, 18, 0, tzinfo=ZONE)
EVENTS = 20_000
URBAN = ("exposed_garbage", "illegal_parking", "manhole", "street_vending", "property")
RURAL = ("land", "geological", "flood")


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> tuple[Path, object, list[dict]]:
    """A generated county (160 grids, 15,000 residents) and its departments."""
    folder = tmp_path_factory.mktemp("county")
    shape = city.city_shape("361126000000", 160, seed=4)
    population.generate_population(shape.grids, 15_000, folder, seed=4, today=UNTIL.date())
    units = departments.departments_for(
        "361126000000", zip(shape.townships.code, shape.townships.name, strict=True)
    )
    return folder, shape.grids, units


@pytest.fixture(scope="module")
def events(county) -> pd.DataFrame:
    folder, frame, units = county
    assert generate_events(frame, folder, units, EVENTS, seed=9, until=UNTIL) == EVENTS
    return pd.read_csv(folder / "events.csv", dtype={"source_ref": str})


def test_counts_columns_and_reproducible_seeds(county, events: pd.DataFrame, tmp_path) -> None:
    folder, frame, units = county
    assert list(events.columns) == COLUMNS and len(events) == EVENTS
    assert events.source_ref.is_unique
    assert default_count(5_000_000) == 100_000 and default_count(20_000) == 400
    first = (folder / "events.csv").read_bytes()
    for name in ("buildings.csv", "places.csv"):
        (tmp_path / name).write_bytes((folder / name).read_bytes())
    generate_events(frame, tmp_path, units, EVENTS, seed=9, until=UNTIL)
    assert (tmp_path / "events.csv").read_bytes() == first
    generate_events(frame, tmp_path, units, 500, seed=10, until=UNTIL)
    other = pd.read_csv(tmp_path / "events.csv")
    assert len(other) == 500 and not other.reported_at.isin(events.reported_at.head(500)).all()


def test_reported_in_the_year_before_until_with_seasons_days_and_hours(
    events: pd.DataFrame,
) -> None:
    reported = pd.to_datetime(events.reported_at)
    assert reported.max() < UNTIL.replace(tzinfo=None)
    assert reported.min() >= UNTIL.replace(tzinfo=None) - dt.timedelta(days=366)
    month = reported.dt.month
    flood = events.category.isin(("flood", "geological", "disaster"))
    assert flood[month.isin((5, 6, 7))].mean() > 3 * flood[month.isin((11, 12, 1))].mean()
    workers = reported[events.channel == "grid_worker"]
    weekend = workers.dt.day_of_week >= 5
    assert (~weekend).sum() / 5 > 2 * weekend.sum() / 2  # a weekday has over twice a weekend day
    night = reported.dt.hour.isin((1, 2, 3, 4))
    assert night.mean() < 0.02
    police, workers_ = (night[events.channel == c].mean() for c in ("police_110", "grid_worker"))
    assert police > workers_


def test_channels_categories_by_area_and_hot_spots(county, events: pd.DataFrame) -> None:
    folder, frame, _ = county
    shares = events.channel.value_counts(normalize=True)
    assert shares.index[0] == "grid_worker" and shares["grid_worker"] > 0.45
    assert shares["hotline_12345"] > shares["petition"]
    petitions = events[events.channel == "petition"].category
    assert petitions.isin(("land", "labour", "neighbour", "family", "property")).mean() > 0.4
    # categories by area: town grids (mostly flats) bring city management, country grids land
    buildings = pd.read_csv(folder / "buildings.csv", usecols=["code", "use"])
    flats = (
        buildings.assign(grid=buildings.code.str[1:16])
        .groupby("grid")
        .use.apply(lambda use: use.isin(("residential", "mixed")).mean())
    )
    points = _grid_of(events, frame)
    town = points.map(flats).fillna(0) > 0.5
    assert events.category[town].isin(URBAN).mean() > 2 * events.category[~town].isin(URBAN).mean()
    assert events.category[~town].isin(RURAL).mean() > 2 * events.category[town].isin(RURAL).mean()
    # hot spots: the busiest tenth of the grids holds far more than a tenth of the events
    per_grid = points.value_counts()
    top = per_grid.head(max(1, len(frame) // 10)).sum()
    assert top / len(events) > 0.25
    # and events gather at homes and places: the same spot comes up again and again
    spots = (events.lon.round(3).astype(str) + events.lat.round(3).astype(str)).value_counts()
    assert spots.iloc[0] >= 20


def _grid_of(events: pd.DataFrame, frame) -> pd.Series:
    import geopandas as gpd

    located = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(events.lon, events.lat), crs="EPSG:4326"
    ).sjoin(frame[["code", "geometry"]], predicate="within", how="left")
    located = located[~located.index.duplicated()]
    return located.code.reindex(events.index)


def test_life_cycle_is_consistent(events: pd.DataFrame) -> None:
    times = {m: pd.to_datetime(events[m]) for m in MILESTONES}
    for earlier, later in itertools.pairwise(MILESTONES):
        both = times[earlier].notna() & times[later].notna()
        if later == "closed_at":  # a rejected event's closed_at is when it was rejected
            both &= events.state.isin(("closed", "evaluated"))
        assert (times[earlier][both] <= times[later][both]).all(), (earlier, later)
    assert (times["evaluated_at"].notna() == events.state.eq("evaluated")).all()
    assert (events.satisfaction.notna() == events.state.eq("evaluated")).all()
    states = events.state.value_counts(normalize=True)
    assert states["closed"] + states["evaluated"] > 0.85
    assert 0.01 < states["rejected"] < 0.06 and 0.002 < states["duplicate"] < 0.03
    assert 0 < states[["dispatched", "accepted", "handled"]].sum() < 0.1  # still open
    grid_workers = events[events.channel == "grid_worker"]
    assert (grid_workers.registered_at == grid_workers.reported_at).all()  # seen on site
    assert not grid_workers.state.isin(("rejected", "duplicate")).any()
    assert 0.02 < (events.reworks > 0).mean() < 0.1 and 0.02 < (events.returns > 0).mean() < 0.1
    assert set(events.level) == {"village", "township", "county"}
    levels = {"village": 0, "township": 1, "county": 2}
    assert (events.escalations == events.level.map(levels)).all()
    dispatched = events.state.isin(("dispatched", "accepted", "handled", "closed", "evaluated"))
    assert events.department[dispatched].notna().all()
    assert events.department[events.level == "county"].dropna().str.match(r"^\d{6}-").all()
    scores = events.satisfaction.dropna()
    assert 3.6 < scores.mean() < 4.6 and set(scores.astype(int)) == {1, 2, 3, 4, 5}
    urgent = events.urgency.value_counts(normalize=True)
    assert urgent["normal"] > 0.8 and {"urgent", "critical"} <= set(urgent.index)
    hotline = events[events.channel == "hotline_12345"]
    assert hotline.reporter_phone.notna().all() and hotline.reporter_name.notna().mean() > 0.9
    assert grid_workers.reporter_name.isna().all()


def test_generated_events_import_cleanly_with_meaningful_kpis(
    conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    """Generated for the demo county's own grids and departments, the events import without
    a reject, and their KPIs look like a working centre's."""
    apply_scope(conn, SYSTEM)
    frame = grids.grid_frame(conn, "361126")
    population.generate_population(frame, 5_000, tmp_path, seed=3, today=dt.date.today())
    units = departments.demo_departments(conn, "361126000000")
    until = dt.datetime.now(ZONE) - dt.timedelta(days=2)
    generate_events(frame, tmp_path, units, 4_000, seed=3, until=until, config=settings.events)
    before = conn.execute(text("SELECT coalesce(max(id), 0) FROM events")).scalar_one()
    report = ledgers.import_ledger(conn, "events", tmp_path / "events.csv", get_settings())
    assert (report.written, report.rejected) == (4_000, 0), report.reasons
    kpis = conn.execute(
        text(
            "SELECT avg(handled_on_time::int) AS handled, avg(closed_on_time::int) AS closed,"
            " count(*) FILTER (WHERE state = ANY (:open) AND deadline < now()) AS overdue,"
            " count(*) AS events FROM events WHERE id > :before"
        ),
        {"open": settings.events.open_states, "before": before},
    ).one()
    assert 0.8 < kpis.handled < 0.97 and 0.85 < kpis.closed < 0.99
    assert kpis.overdue > 0
    steps = conn.execute(
        text(
            "SELECT h.action, count(*) FROM event_history h JOIN events e ON e.id = h.event_id"
            " WHERE e.id > :before GROUP BY 1"
        ),
        {"before": before},
    ).all()
    assert {"report", "register", "dispatch", "accept", "report_back", "close", "evaluate",
            "reject", "mark_duplicate"} <= dict(steps).keys()  # fmt: skip
    assert np.isclose(dict(steps)["report"], 4_000, rtol=0.01)
