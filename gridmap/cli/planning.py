"""``gridmap merge`` (多网合一) and ``gridmap divide`` (网格划分)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from gridmap.cli.common import (
    clean_errors,
    console,
    transaction,
)
from gridmap.core.settings import get_settings
from gridmap.db.engine import database_running


def merge_cmd(
    region: Annotated[str, typer.Option(help="the region whose grid system to build")],
    base: Annotated[str, typer.Option(help="the department whose grids win overlaps")],
    reason: Annotated[str | None, typer.Option(help="why (kept in the history)")] = None,
    report: Annotated[Path | None, typer.Option(help="write the merge report (JSON) here")] = None,
) -> None:
    """Merge the departments' newest grid layers into one coded, gap-free grid system."""
    from gridmap.services import planning

    with (
        clean_errors(),
        database_running() as url,
        transaction(url) as conn,
        console.status(f"merging the department layers of {region}…"),
    ):
        result = planning.merge_region(conn, get_settings(), region, base, reason)
    written = result["written"]
    console.print(
        f"merge {result['merge_id']}: {written['grids']} grids ({written['inserted']} new,"
        f" {written['updated']} changed, {written['unchanged']} unchanged,"
        f" {written['removed']} removed); valid coverage: {result.get('valid')}"
    )
    if report:
        report.write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str))
        console.print(f"report: {report}")


def divide_cmd(
    region: Annotated[str, typer.Option(help="the region to re-divide")],
    grids: Annotated[int, typer.Option(help="how many grids")],
    points: Annotated[Path, typer.Option(help="point file whose weight the grids balance")],
    weight: Annotated[
        str | None, typer.Option(help="the weight field (default: 1 a point)")
    ] = None,
    crs: Annotated[
        str | None, typer.Option(help="the point file's CRS if it declares none")
    ] = None,
    method: Annotated[str, typer.Option(help="azp, bisect or skater")] = "azp",
    block_size: Annotated[float, typer.Option(help="block side, m")] = 150.0,
    output: Annotated[Path | None, typer.Option("-o", help="write the proposal here")] = None,
    accept: Annotated[bool, typer.Option(help="replace the region's grids with it")] = False,
) -> None:
    """Propose (and with --accept apply) N balanced, contiguous, gap-free grids for a region."""
    from gridmap.ingest.vector import read_vector, write_vector
    from gridmap.ops.balance import DivideOptions
    from gridmap.services import planning

    with clean_errors(), database_running() as url, transaction(url) as conn:
        frame = read_vector(points, crs)
        with console.status(f"dividing {region} into {grids} grids…"):
            plan = planning.propose_division(
                conn,
                get_settings(),
                region,
                grids,
                frame,
                weight,
                DivideOptions(block_size_m=block_size, method=method),
            )
        report = plan.report
        console.print(
            f"{report['n']} grids, load min {report['min']:.0f} / mean {report['mean']:.0f} /"
            f" max {report['max']:.0f}, cv {report['cv']:.3f}"
        )
        if output:
            write_vector(plan.grids, output)
            console.print(f"proposal: {output}")
        if accept:
            written = planning.apply_plan(conn, plan, "divide", f"divided into {grids}")
            console.print(f"accepted: {written}")
