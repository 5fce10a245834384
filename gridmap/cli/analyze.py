"""``gridmap analyze …`` (研判分析) on an analyst's own files, and ``gridmap report heatmap``.

``analyze hotspots`` counts the events of one file in the polygons of another (any CRS) and
writes each polygon's own fields beside its count, value and statistic; ``analyze forecast``
judges a hot-spot map and a kernel density on the events after a date.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from gridmap.cli.common import clean_errors, console

analyze_app = typer.Typer(help="Hot spots and forecasts on your own files.", no_args_is_help=True)
report_app = typer.Typer(
    help="Standalone map reports (open with no internet).", no_args_is_help=True
)

CrsOption = Annotated[
    str | None, typer.Option(help="the file's CRS when it declares none (EPSG:…, GCJ-02, BD-09)")
]


def _events(path: Path, crs: str | None, field: str | None, since: str | None, until: str | None):
    """The event points, kept between ``since`` and ``until`` on the time field."""
    import pandas as pd

    from gridmap.core.errors import InvalidInput
    from gridmap.ingest.vector import read_points

    points = read_points(path, crs)
    if field is None:
        if since or until:
            raise InvalidInput("--from/--to need --time-field", field="time_field")
        return points
    if field not in points.columns:
        raise InvalidInput(f"no column {field!r} in {path.name}", field="time_field")
    times = pd.to_datetime(points[field], errors="coerce", utc=True, format="mixed")
    keep = times.notna()
    if since:
        keep &= times >= pd.Timestamp(since, tz="UTC")
    if until:
        keep &= times < pd.Timestamp(until, tz="UTC")
    return points[keep.to_numpy()].assign(**{field: times[keep]})


@analyze_app.command("hotspots")
def hotspots_cmd(
    units: Annotated[Path, typer.Option(help="polygons (GeoJSON, GPKG, Shapefile .zip)")],
    events: Annotated[Path, typer.Option(help="points (vector file, or CSV with lon/lat)")],
    output: Annotated[Path, typer.Option("-o", help="result (.gpkg, .geojson, .csv, .shp.zip)")],
    time_field: Annotated[str | None, typer.Option(help="the events' time column")] = None,
    since: Annotated[str | None, typer.Option("--from", help="from this time (ISO)")] = None,
    until: Annotated[str | None, typer.Option("--to", help="until this time (ISO)")] = None,
    method: Annotated[str, typer.Option(help="gi_star or local_moran")] = "gi_star",
    rate: Annotated[str, typer.Option(help="count or per_km2")] = "count",
    weights: Annotated[str, typer.Option(help="queen, rook or distance")] = "queen",
    distance_m: Annotated[float | None, typer.Option(help="distance band, metres")] = None,
    permutations: Annotated[int, typer.Option(help="conditional permutations")] = 999,
    seed: Annotated[int, typer.Option(help="random seed")] = 12345,
    units_crs: CrsOption = None,
    events_crs: CrsOption = None,
) -> None:
    """Hot spots (Gi* or local Moran) of the events counted in your polygons."""
    from gridmap.ingest.vector import read_vector, write_vector
    from gridmap.ops.areal import HotSpotOptions, analyze_units, count_points

    with clean_errors(), console.status("counting and testing…"):
        frame = read_vector(units, units_crs)
        points = _events(events, events_crs, time_field, since, until)
        counts = count_points(frame, points.geometry)
        options = HotSpotOptions(
            method=method,  # type: ignore[arg-type]
            rate=rate,  # type: ignore[arg-type]
            weights=weights,  # type: ignore[arg-type]
            distance_m=distance_m,
            permutations=permutations,
            seed=seed,
        )
        table = analyze_units(frame.reset_index(drop=True), counts, options)
        result = frame.reset_index(drop=True).join(
            table.drop(columns=["neighbours"], errors="ignore")
        )
        source = frame.attrs.get("source_crs")
        if source and source not in ("GCJ-02", "BD-09"):
            result = result.to_crs(source)
        write_vector(result, output)
    hot = int(
        (table.get("gi_bin", table.get("label")) == (3 if method == "gi_star" else "HH")).sum()
    )
    console.print(
        f"{len(frame)} units, {int(counts.sum())} events; {hot} hot at 99 % ({method});"
        f" written to {output}"
    )


@analyze_app.command("forecast")
def forecast_cmd(
    units: Annotated[Path, typer.Option(help="polygons (GeoJSON, GPKG, Shapefile .zip)")],
    events: Annotated[Path, typer.Option(help="points with a time (vector file or CSV)")],
    time_field: Annotated[str, typer.Option(help="the events' time column")],
    split: Annotated[str, typer.Option(help="train before this time, test after (ISO)")],
    train_days: Annotated[int, typer.Option(help="days before the split")] = 365,
    test_days: Annotated[int, typer.Option(help="days after the split")] = 365,
    output: Annotated[Path | None, typer.Option("-o", help="write the table (JSON) here")] = None,
    units_crs: CrsOption = None,
    events_crs: CrsOption = None,
) -> None:
    """Does it predict: hit rate and PAI of a Gi* map and a kernel density, on held-out events."""
    import pandas as pd

    from gridmap.core.plain import plain
    from gridmap.ingest.vector import read_vector
    from gridmap.ops.areal import HotSpotOptions, judge_maps

    with clean_errors(), console.status("training and testing…"):
        frame = read_vector(units, units_crs).reset_index(drop=True)
        points = _events(events, events_crs, time_field, None, None)
        when = pd.Timestamp(split)
        when = when.tz_localize("UTC") if when.tz is None else when
        times = points[time_field]
        train = points[(times >= when - pd.Timedelta(days=train_days)) & (times < when)]
        test = points[(times >= when) & (times < when + pd.Timedelta(days=test_days))]
        table = plain(judge_maps(frame, train.geometry, test.geometry, HotSpotOptions(), 400))
    for row in table:
        console.print(
            f"{row['target']:<24} {row['method']:<8} area {row['area_share']:.1%}"
            f"  hit rate {row['hit_rate']:.1%}  PAI {row['pai']:.2f}"
        )
    if output:
        output.write_text(json.dumps(table, ensure_ascii=False, indent=2, default=str))


@report_app.command("heatmap")
def heatmap_report_cmd(
    region: Annotated[str, typer.Option(help="12-digit code of the region")],
    output: Annotated[Path, typer.Option("-o", help="the HTML file to write")],
    category: Annotated[str | None, typer.Option(help="event categories, comma-separated")] = None,
    since: Annotated[datetime | None, typer.Option("--from", help="from this time")] = None,
    until: Annotated[datetime | None, typer.Option("--to", help="until this time")] = None,
) -> None:
    """A standalone heatmap of a region's events (folium; every asset inlined: it opens with no
    internet)."""
    from gridmap.cli.common import scoped_transaction
    from gridmap.core.codes import parse_region_code
    from gridmap.core.settings import get_settings
    from gridmap.db.engine import database_running
    from gridmap.layers.events import EventFilter
    from gridmap.services.heatmap_report import heatmap_html

    categories = [c for c in (category or "").split(",") if c]
    with clean_errors(), database_running() as url, scoped_transaction(url) as conn:
        prefix = parse_region_code(region).prefix
        events = EventFilter(prefix=prefix, categories=categories, since=since, until=until)
        html, count = heatmap_html(conn, get_settings(), prefix, events)
    output.write_text(html, encoding="utf-8")
    console.print(f"{count} events; heatmap written to {output}")
