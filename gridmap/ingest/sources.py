"""Importing a department's grid layer (部门网格) as a source, kept beside the others for the
merge (多网合一): invalid polygons repaired when the area survives, every refusal reported."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection

from gridmap.core.errors import ImportRejected
from gridmap.db.sql import Progress
from gridmap.ingest.report import ImportReport
from gridmap.ingest.vector import read_vector, write_rejects
from gridmap.layers import audit, sources
from gridmap.ops.polygons import repair_polygons

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
    report = ImportReport("source_grids", path.name, read=len(frame), written=written)
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
