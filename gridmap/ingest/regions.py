"""Loading regions (区划): the packaged national code lists, and boundaries from vector files.

Each import runs in the caller's transaction and returns a report of what was written and what
was rejected (rejected features go to a rejects report beside the input, never dropped).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection

from gridmap.core.codes import CodeError, expand_region_code, parse_region_code
from gridmap.core.errors import ImportRejected
from gridmap.db.sql import Progress
from gridmap.ingest.report import ImportReport
from gridmap.ingest.vector import read_vector, write_rejects
from gridmap.layers import audit, regions
from gridmap.ops.polygons import polygon_problems


def load_regions(conn: Connection, on_progress: Progress | None = None) -> ImportReport:
    """Load the packaged national code lists (province → township) into ``regions``."""
    frame = regions.read_code_lists()
    counts = regions.load_code_lists(conn, frame, on_progress)
    audit.record(conn, "regions_load", object_type="regions", detail=counts)
    return ImportReport(
        layer="regions",
        source="NBS 2023 statistical division codes (packaged)",
        read=len(frame),
        written=counts["inserted"] + counts["updated"],
        details=counts,
    )


def _code_problems(codes: pd.Series) -> np.ndarray:
    """Why each value is not a 12-digit region code, or None (messages from the validator)."""

    def problem(value: object) -> str | None:
        try:
            parse_region_code(value)
        except CodeError as error:
            return str(error)
        return None

    return np.array([problem(v) for v in codes], dtype=object)


def import_region_boundaries(
    conn: Connection,
    path: Path,
    code_field: str,
    crs: str | None = None,
    on_progress: Progress | None = None,
) -> ImportReport:
    """Attach boundaries from a vector file to existing regions, by code.

    Features whose code is malformed or unknown, or whose geometry is not a valid polygon, are
    rejected into ``<file>.rejects.csv``/``.geojson``; the rest is written in the caller's
    transaction. A file whose code field is missing changes nothing.
    """
    frame = read_vector(path, crs)
    if code_field not in frame.columns:
        fields = ", ".join(c for c in frame.columns if c != "geometry")
        raise ImportRejected(f"{path.name} has no field {code_field!r} (fields: {fields})")
    # files give county codes as 361126 (GB/T 2260) or as numbers: make them 12 digits
    codes = frame[code_field].map(expand_region_code).astype("string").str.strip().fillna("")
    reasons = pd.Series(_code_problems(codes), index=frame.index)
    duplicated = codes.duplicated(keep="first") & reasons.isna()
    reasons[duplicated] = "duplicate code: " + codes[duplicated] + " appears earlier in the file"
    shape_problems = pd.Series(polygon_problems(frame.geometry.values), index=frame.index)
    reasons = reasons.fillna(shape_problems)
    ok = reasons.isna()
    unknown = regions.unknown_codes(conn, codes[ok].tolist())
    is_unknown = ok & codes.isin(unknown)
    reasons[is_unknown] = "unknown region code " + codes[is_unknown] + " (load regions first)"
    ok = reasons.isna()

    records = zip(codes[ok], shapely.to_wkb(frame.geometry.values[ok.values]), strict=True)
    written = regions.attach_boundaries(
        conn, records, source=f"{path.name} ({code_field})", on_progress=on_progress
    )
    report = ImportReport("regions", path.name, read=len(frame), written=written)
    audit.record(
        conn,
        "regions_import",
        object_type="regions",
        detail={
            "file": path.name,
            "read": len(frame),
            "written": written,
            "rejected": int((~ok).sum()),
        },
    )
    rejects = frame.loc[~ok]
    if len(rejects):
        table = gpd.GeoDataFrame(
            {"feature": rejects.index, "code": codes[~ok], "reason": reasons[~ok]},
            geometry=rejects.geometry.values,
            crs="EPSG:4326",
        )
        report.rejected = len(table)
        report.rejects_files = [str(p) for p in write_rejects(table, path)]
    return report
