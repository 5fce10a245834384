"""The output: the CSV ledgers (台账), appended chunk by chunk, and their README."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

COLUMNS: dict[str, list[str]] = {
    "grid_workers": ["grid_code", "name", "duty", "service_phone"],
    "buildings": ["code", "address", "name", "floors", "use", "year", "lon", "lat"],
    "households": ["household_no", "building_code", "unit", "room", "address", "registered"],
    "residents": ["name", "id_number", "phone", "household_no", "kind", "tags"],
    "places": ["code", "name", "kind", "address", "must_visit", "lon", "lat"],
    "things": ["code", "category", "name", "lon", "lat"],
    "organisations": ["code", "name", "kind", "address", "building_code", "lon", "lat"],
}
"""The files written and their columns, in order."""


class _Sink:
    """The CSV files of ``out_dir``: headers written (and old contents dropped) at the start,
    each chunk appended."""

    def __init__(self, out_dir: Path) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        self.out_dir = out_dir
        self.counts = dict.fromkeys(COLUMNS, 0)
        for stem, columns in COLUMNS.items():
            pd.DataFrame(columns=columns).to_csv(self.path(stem), index=False)

    def path(self, stem: str) -> Path:
        return self.out_dir / f"{stem}.csv"

    def write(self, frames: Mapping[str, pd.DataFrame]) -> None:
        for stem, frame in frames.items():
            out = frame[COLUMNS[stem]].copy()
            for column in out.select_dtypes(bool).columns:
                out[column] = np.where(out[column], "true", "false")
            out.to_csv(
                self.path(stem),
                mode="a",
                header=False,
                index=False,
                float_format="%.7f",
                lineterminator="\n",
            )
            self.counts[stem] += len(out)


def _readme(
    out_dir: Path, seed: int, today: dt.date, counts: Mapping[str, int], grids: int
) -> None:
    lines = [
        "# Generated population — not real people",
        "",
        f"These files were **generated** by gridmap (`gridmap.demo.population`, seed {seed},"
        f" date {today.isoformat()}) for {grids} grids. Every name, ID number, phone number,"
        " household, building, place, thing and organisation is made up: the proportions follow"
        " public statistics (China's 2020 census age structure, household sizes), the codes are"
        " well-formed, but no row describes a real person or organisation.",
        "",
        "| file | rows |",
        "| --- | ---: |",
        *(f"| {stem}.csv | {count:,} |" for stem, count in counts.items()),
        "",
        "UTF-8, comma-separated, one header row: gridmap's ledger import loads them (grid"
        " workers, buildings, households, residents, then places, things and organisations).",
        "",
    ]
    (out_dir / "README.md").write_text("\n".join(lines), encoding="utf-8")
