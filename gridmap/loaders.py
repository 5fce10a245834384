"""Loading jobs: a file goes through ``ops`` (read, convert, check) into a layer, one transaction.

The CLI and the API call these; each returns a report of what was written and what was
rejected (rejected features go to a rejects report beside the input, never silently dropped).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection

from gridmap.codes import CodeError, expand_region_code, parse_region_code
from gridmap.errors import ImportRejected
from gridmap.layers import audit, regions, sources
from gridmap.layers._sql import Progress
from gridmap.ops.vector_io import polygon_problems, read_vector, repair_polygons, write_rejects


@dataclass
class ImportReport:
    """What an import did: rows read, written, rejected (with the report's files)."""

    source: str
    read: int = 0
    written: int = 0
    rejected: int = 0
    rejects_files: list[str] = field(default_factory=list)
    details: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def load_regions(conn: Connection, on_progress: Progress | None = None) -> ImportReport:
    """Load the packaged national code lists (province → township) into ``regions``."""
    frame = regions.read_code_lists()
    counts = regions.load_code_lists(conn, frame, on_progress)
    audit.record(conn, "regions_load", object_type="regions", detail=counts)
    return ImportReport(
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
    report = ImportReport(source=str(path), read=len(frame), written=written)
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


SOURCE_CODE_MAX = 64


def _source_codes(frame: gpd.GeoDataFrame, code_field: str | None) -> tuple[pd.Series, pd.Series]:
    """Each feature's department code (its index when there is no code field) and why it is
    malformed or a duplicate (None when fine)."""
    if code_field is None:
        return pd.Series(frame.index.astype(str), index=frame.index), pd.Series(
            [None] * len(frame), index=frame.index, dtype=object
        )
    codes = frame[code_field].astype("string").str.strip()
    reasons = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    empty = codes.isna() | (codes == "")
    reasons[empty] = f"malformed code: {code_field} is empty"
    too_long = ~empty & (codes.str.len() > SOURCE_CODE_MAX)
    reasons[too_long] = f"malformed code: longer than {SOURCE_CODE_MAX} characters"
    unprintable = ~empty & codes.str.contains(r"[\x00-\x1f\x7f]", regex=True).fillna(False)
    reasons[unprintable] = "malformed code: holds control characters"
    duplicate = reasons.isna() & codes.duplicated(keep="first")
    reasons[duplicate] = "duplicate code: " + codes[duplicate] + " appears earlier in the file"
    return codes.fillna(""), reasons


def _require_fields(frame: gpd.GeoDataFrame, path: Path, *fields: str | None) -> None:
    for field_name in fields:
        if field_name is not None and field_name not in frame.columns:
            found = ", ".join(c for c in frame.columns if c != "geometry")
            raise ImportRejected(f"{path.name} has no field {field_name!r} (fields: {found})")


def import_department_grids(
    conn: Connection,
    path: Path,
    department: str,
    crs: str | None,
    code_field: str | None = None,
    name_field: str | None = None,
    scope: str = "*",
    on_progress: Progress | None = None,
) -> ImportReport:
    """Import one department's grid layer (部门网格) as a new source, kept beside the others.

    Invalid polygons are repaired when the repair keeps their area. Features that are empty, not
    polygons, unrepairable, with a malformed or duplicate code, outside every loaded region, or
    outside the caller's jurisdiction (``scope``) go to ``<file>.rejects.csv``/``.geojson``. The
    rest is written in the caller's transaction; a file with nothing usable changes nothing.
    """
    frame = read_vector(path, crs)
    _require_fields(frame, path, code_field, name_field)
    if not department.strip():
        raise ImportRejected("a department name is needed (--department)")
    codes, reasons = _source_codes(frame, code_field)
    repaired, was_repaired, shape_reasons = repair_polygons(frame.geometry.values)
    reasons = reasons.fillna(pd.Series(shape_reasons, index=frame.index))
    names = frame[name_field].astype("string") if name_field else pd.Series(None, index=frame.index)
    ok = reasons.isna().to_numpy()
    positions = np.flatnonzero(ok)
    rows = (
        (
            int(i),
            codes.iloc[i],
            None if pd.isna(names.iloc[i]) else str(names.iloc[i]),
            shapely.to_wkb(repaired[i]),
            bool(was_repaired[i]),
        )
        for i in positions
    )
    sources.stage(conn, rows, on_progress)
    placed = sources.place_staged(conn)
    for i in positions:
        region = placed.get(int(i))
        if region is None:
            reasons.iloc[i] = "outside every loaded region boundary"
        elif scope != "*" and not region.startswith(scope):
            reasons.iloc[i] = f"outside the caller's jurisdiction (lies in {region}, scope {scope})"
    keep = [int(i) for i in np.flatnonzero(reasons.isna().to_numpy())]
    if not keep:
        first = reasons.dropna().head(3).tolist()
        raise ImportRejected(f"{path.name}: no usable grid in {len(frame)} features ({first})")
    source_crs = frame.attrs.get("source_crs") or "unknown"
    bad = ~reasons.isna().to_numpy()
    counts = (len(frame), len(keep), int(bad.sum()))
    source_id = sources.create_source(
        conn, department, scope, path.name, source_crs, (code_field, name_field), counts
    )
    written = sources.write_staged(conn, source_id, department, keep)
    report = ImportReport(source=str(path), read=len(frame), written=written)
    report.details = {"source_id": source_id, "repaired": int(was_repaired[keep].sum())}
    if bad.any():
        table = gpd.GeoDataFrame(
            {"feature": frame.index[bad], "code": codes[bad].to_numpy(), "reason": reasons[bad]},
            geometry=frame.geometry.values[bad],
            crs="EPSG:4326",
        )
        report.rejected = len(table)
        report.rejects_files = [str(p) for p in write_rejects(table, path)]
    audit.record(
        conn,
        "grids_import",
        object_type="source",
        object_id=str(source_id),
        detail={
            "department": department,
            "file": path.name,
            "read": report.read,
            "written": written,
            "rejected": report.rejected,
        },
    )
    return report
