"""Editing the grid system (网格编辑): draw, split, merge, reshape, delete, re-code, rename, kind,
restore. Each edit is one transaction that locks what it touches, checks the versions the caller
saw (optimistic concurrency), checks the coverage rules before anything is written, writes, and
lets the records tied to grids follow (the catalogue's hooks, ``gridmap.catalog``). History,
lineage and the audit log are kept by the database's triggers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Connection

from gridmap import catalog
from gridmap.core.codes import CodeError, parse_grid_code
from gridmap.core.errors import Conflict, EditRefused, Forbidden, InvalidInput, NotFound
from gridmap.core.settings import Settings
from gridmap.core.signals import GridChange
from gridmap.layers import grid_history, grids
from gridmap.ops import edit
from gridmap.ops.frame import LocalFrame
from gridmap.ops.partition import reading_order, voronoi_partition


@dataclass
class EditResult:
    """What an edit did; ``versions`` are the new versions of every grid it left in place."""

    operation: str
    changed: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    versions: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def _geometry(row: dict[str, Any]) -> shapely.Geometry:
    return shapely.from_wkb(bytes(row["wkb"]))


def _wkb(geometry: shapely.Geometry) -> bytes:
    return shapely.to_wkb(edit.as_multipolygon(geometry))


# snapping distance used to node edited grids with their neighbours (degrees; ~0.1 mm)
NODE_SNAP = 1e-9
# a drawn shape's vertices within this of an old vertex are taken to be it (degrees; ~2 cm)
RESHAPE_SNAP = 2e-7


def _parent_of(code: str) -> str:
    """A grid's parent: its region (12 digits) or, for a micro-grid, its grid (15)."""
    return code[:15] if len(code) == 17 else code[:12]


def _changed_area(before: dict[str, Any], after: dict[str, Any]) -> shapely.Geometry:
    """Where an edit changed anything: what each grid lost or gained, new and removed grids."""
    pieces = [
        shapely.symmetric_difference(before[c], after[c])
        if c in before and c in after
        else (after.get(c) if c in after else before[c])
        for c in {*before, *after}
    ]
    return shapely.union_all(pieces)


def _micro_of(code: str) -> str | None:
    return code[:15] if len(code) == 17 else None


class GridEditor:
    """Edits in one transaction of a caller (``conn`` is scoped by row-level security)."""

    def __init__(self, conn: Connection, settings: Settings, reason: str | None = None) -> None:
        self.conn = conn
        self.tolerance_m2 = settings.grid.edit_tolerance_m2
        self.tolerance_width_m = settings.grid.edit_tolerance_width_m
        self.kinds = settings.grid.kinds
        self.purposes = settings.grid.dedicated_purposes
        self.reason = reason

    # -- shared steps ------------------------------------------------------------------------

    def _load(self, codes: list[str], expected: dict[str, int] | None) -> dict[str, dict]:
        """Lock the grids; NotFound for one the caller cannot see; Conflict when a version in
        ``expected`` (what the caller read) is no longer the current one."""
        locked = grids.lock(self.conn, codes)
        missing = [c for c in codes if c not in locked]
        if missing:
            raise NotFound(f"grids {missing} do not exist (or lie outside your jurisdiction)")
        if expected:
            stale = {
                c: locked[c]["version"]
                for c in codes
                if c in expected and expected[c] != locked[c]["version"]
            }
            if stale:
                raise Conflict(
                    f"grids changed since you read them: {sorted(stale)}; reload and retry",
                    current={c: locked[c]["version"] for c in codes},
                )
        return locked

    def _check(self, before: dict[str, Any], after: dict[str, Any], parent: str) -> dict[str, Any]:
        """Node the edited grids with their neighbours, then refuse an edit that leaves a gap,
        overlaps a neighbour or leaves the parent.

        Cutting puts new vertices on edges a neighbour shares; snapping (far below a
        centimetre) gives the neighbour the same vertices, so the grid system stays an exact
        coverage. Returns every grid to write: the edited ones and the neighbours that gained a
        vertex.
        """
        area = shapely.union_all(list(before.values()))
        micro_of = parent if len(parent) == 15 else None
        near_codes = [
            n["code"]
            for n in grids.neighbours(
                self.conn, shapely.to_wkb(area), list(before | after), micro_of
            )
        ]
        near = grids.lock(self.conn, near_codes)
        near_shapes = [_geometry(near[c]) for c in near_codes]
        parent_wkb = grids.parent_boundary(self.conn, parent)
        check = edit.coverage_problems(
            np.array(list(before.values()), dtype=object),
            np.array(list(after.values()), dtype=object),
            np.array(near_shapes, dtype=object),
            shapely.from_wkb(parent_wkb) if parent_wkb else None,
            self.tolerance_m2,
            list(after),
            self.tolerance_width_m,
        )
        if check.problems:
            edges = shapely.geometry.mapping(check.invalid_edges) if check.invalid_edges else None
            raise EditRefused("; ".join(check.problems), check.problems, edges)
        # only neighbours that touch what the edit changed are noded with it; one that gains
        # no vertex is left as it was, so its version does not move
        changed = _changed_area(before, after).buffer(NODE_SNAP * 10)
        involved = [i for i, g in enumerate(near_shapes) if g.intersects(changed)]
        old = np.array([near_shapes[i] for i in involved], dtype=object)
        noded = shapely.coverage_clean(
            np.concatenate([np.array(list(after.values()), dtype=object), old]),
            snapping_distance=NODE_SNAP,
        )
        new = noded[len(after) :]
        moved = (shapely.get_num_coordinates(old) != shapely.get_num_coordinates(new)) | (
            shapely.hausdorff_distance(old, new) > NODE_SNAP
        )
        touched = {near_codes[i]: g for i, g, m in zip(involved, new, moved, strict=True) if m}
        return {**dict(zip(after, noded[: len(after)], strict=True)), **touched}

    def _write(
        self,
        result: EditResult,
        shapes: dict[str, Any],
        inserts: dict[str, dict],
        deletes: list[str],
        lineage: list[str],
    ) -> EditResult:
        """Write the final shapes (``inserts`` say which are new grids, with their attributes)."""
        grids.mark_change(self.conn, result.operation, self.reason, lineage)
        if deletes and grids.delete_grids(self.conn, deletes) != len(deletes):
            raise Forbidden("you may not delete these grids (grids:write, jurisdiction)")
        updates = {c: g for c, g in shapes.items() if c not in inserts}
        for code, geometry in updates.items():
            if grids.update_boundary(self.conn, code, _wkb(geometry)) != 1:
                raise Forbidden(f"you may not change grid {code} (grids:write, jurisdiction)")
        for code, row in inserts.items():
            grids.insert_grid(
                self.conn,
                code,
                row["region_code"],
                row["name"],
                _wkb(shapes[code]),
                row.get("kind", "ordinary"),
                row.get("purpose"),
            )
        result.changed, result.created, result.removed = list(updates), list(inserts), deletes
        left = grids.lock(self.conn, list(shapes))
        result.versions = {c: row["version"] for c, row in left.items()}
        area = shapely.union_all(list(shapes.values()))
        catalog.grids_changed(
            self.conn,
            GridChange(
                result.operation,
                result.changed,
                result.created,
                result.removed,
                shapely.to_wkb(area) if not area.is_empty else None,
            ),
        )
        return result

    # -- operations --------------------------------------------------------------------------

    def split(
        self, code: str, line: shapely.Geometry, version: int | None, names: list[str] | None = None
    ) -> EditResult:
        """Cut a grid with a line: the largest piece keeps the code, the others get new ones."""
        row = self._load([code], None if version is None else {code: version})[code]
        pieces = edit.split_grid(_geometry(row), line, code)
        new_codes = grids.free_codes(self.conn, _parent_of(code), len(pieces) - 1)
        names = names or []
        inserts = {
            new: {
                "region_code": row["region_code"],
                "kind": row["kind"],
                "purpose": row["purpose"],
                "name": names[i] if i < len(names) else f"{row['name']}-{i + 1}",
            }
            for i, new in enumerate(new_codes)
        }
        after = {code: pieces[0], **dict(zip(new_codes, pieces[1:], strict=True))}
        shapes = self._check({code: _geometry(row)}, after, _parent_of(code))
        return self._write(EditResult("split"), shapes, inserts, [], [code])

    def merge(
        self,
        codes: list[str],
        versions: dict[str, int] | None,
        keep: str | None = None,
        name: str | None = None,
    ) -> EditResult:
        """Merge adjacent grids of one parent into one; ``keep`` (default: the first) keeps its
        code, the others are removed."""
        if len(set(codes)) < 2:
            raise InvalidInput("a merge needs at least two different grids", field="codes")
        parents = {_parent_of(c) for c in codes}
        if len(parents) > 1:
            raise InvalidInput(f"grids {codes} lie under different parents {sorted(parents)}")
        keep = keep or sorted(codes)[0]
        if keep not in codes:
            raise InvalidInput(f"the code to keep, {keep}, is not among {codes}", field="keep")
        rows = self._load(codes, versions)
        shapes = {c: _geometry(rows[c]) for c in codes}
        merged = edit.as_multipolygon(shapely.coverage_union_all(list(shapes.values())))
        if len(merged.geoms) > 1:
            raise InvalidInput(
                f"grids {codes} are not all adjacent: they would make "
                f"{len(merged.geoms)} separate pieces"
            )
        final = self._check(shapes, {keep: merged}, parents.pop())
        result = self._write(
            EditResult("merge"), final, {}, [c for c in codes if c != keep], sorted(codes)
        )
        if name:
            grids.update_fields(self.conn, keep, {"name": name})
            result.versions[keep] = grids.lock(self.conn, [keep])[keep]["version"]
        return result

    def reshape(
        self, code: str, geometry: shapely.Geometry, neighbour: str, versions: dict[str, int] | None
    ) -> EditResult:
        """Move the shared boundary of two neighbours: ``code`` takes ``geometry`` (within the
        two), the neighbour the rest."""
        if _parent_of(code) != _parent_of(neighbour):
            raise InvalidInput(f"{code} and {neighbour} lie under different parents")
        rows = self._load([code, neighbour], versions)
        a_old, b_old = _geometry(rows[code]), _geometry(rows[neighbour])
        if edit.area_m2(
            shapely.intersection(shapely.boundary(a_old), b_old.buffer(1e-9))
        ) == 0 and not a_old.touches(b_old):
            raise InvalidInput(f"grids {code} and {neighbour} are not neighbours")
        # clients send coordinates rounded (GeoJSON, 7 decimals): put them back on the old ones
        geometry = shapely.snap(geometry, shapely.union(a_old, b_old), RESHAPE_SNAP)
        a, b = edit.reshape_pair(geometry, a_old, b_old, [code, neighbour])
        shapes = self._check(
            {code: a_old, neighbour: b_old}, {code: a, neighbour: b}, _parent_of(code)
        )
        return self._write(EditResult("reshape"), shapes, {}, [], [code, neighbour])

    def draw(
        self,
        geometry: shapely.Geometry,
        name: str,
        kind: str = "ordinary",
        purpose: str | None = None,
        parent: str | None = None,
    ) -> EditResult:
        """A new grid carved out of the grids it covers (within one parent region)."""
        self._check_kind(kind, purpose)
        wkb = shapely.to_wkb(geometry)
        parent = parent or grids.region_at(self.conn, wkb)
        if parent is None:
            raise InvalidInput("the drawn grid lies in no loaded township or village")
        micro_of = parent if len(parent) == 15 else None
        covered = [c for c in grids.covered_by(self.conn, wkb, micro_of) if _parent_of(c) == parent]
        if not covered:
            raise InvalidInput(f"the drawn grid covers no grid of {parent}")
        rows = self._load(covered, None)
        before = {c: _geometry(rows[c]) for c in covered}
        new, after_arr = edit.carve(geometry, np.array(list(before.values()), dtype=object))
        code = grids.free_codes(self.conn, parent, 1)[0]
        after = dict(zip(covered, after_arr, strict=True))
        gone = [c for c, g in after.items() if g.is_empty]
        kept = {c: g for c, g in after.items() if not g.is_empty}
        region = parent if len(parent) == 12 else rows[covered[0]]["region_code"]
        shapes = self._check(before, {**kept, code: new}, parent)
        insert = {
            code: {
                "region_code": region,
                "name": name,
                "kind": kind,
                "purpose": purpose,
            }
        }
        return self._write(EditResult("draw"), shapes, insert, gone, covered)

    def delete(self, code: str, to: list[str], version: int | None) -> EditResult:
        """Remove a grid; its area goes to the chosen neighbours (a gap-free system has no hole)."""
        if not to:
            raise InvalidInput("say which neighbours take the area (to=...)", field="to")
        if any(_parent_of(t) != _parent_of(code) for t in to):
            raise InvalidInput(f"neighbours {to} must lie under {code}'s parent")
        rows = self._load([code, *to], None if version is None else {code: version})
        removed = _geometry(rows[code])
        targets = np.array([_geometry(rows[t]) for t in to], dtype=object)
        after = dict(zip(to, edit.redistribute(removed, targets, to), strict=True))
        before = {code: removed, **{t: _geometry(rows[t]) for t in to}}
        shapes = self._check(before, after, _parent_of(code))
        return self._write(EditResult("delete"), shapes, {}, [code], [code, *to])

    def update(
        self,
        code: str,
        version: int | None,
        *,
        name: str | None = None,
        kind: str | None = None,
        purpose: str | None = None,
        new_code: str | None = None,
    ) -> EditResult:
        """Rename, set the kind (专属网格 and what it serves), or re-code a grid."""
        row = self._load([code], None if version is None else {code: version})[code]
        fields: dict[str, Any] = {}
        if name is not None:
            if not name.strip():
                raise InvalidInput("a grid's name cannot be empty", field="name")
            fields["name"] = name.strip()
        if kind is not None or purpose is not None:
            kind = kind or row["kind"]
            self._check_kind(kind, purpose)
            fields |= {"kind": kind, "purpose": purpose if kind != "ordinary" else None}
        operation = "update"
        if new_code is not None and new_code != code:
            fields |= self._recode(code, new_code)
            operation = "recode"
        if not fields:
            raise InvalidInput("nothing to change: give a name, kind, purpose or code")
        grids.mark_change(self.conn, operation, self.reason, [code])
        if grids.update_fields(self.conn, code, fields) != 1:
            raise Forbidden(f"you may not change grid {code} (grids:write, jurisdiction)")
        final = fields.get("code", code)
        version_now = grids.lock(self.conn, [final])[final]["version"]
        return EditResult(
            operation, [final], [], [code] if final != code else [], {final: version_now}
        )

    def restore(self, code: str, version: int) -> EditResult:
        """Bring back the grids around ``code`` as they were when its ``version`` was made.

        The grids of that moment that overlap the version's area or the grid's area today come
        back with their old codes, shapes and attributes (an undone split or merge included); the
        grids of today lose that area, and those left empty are removed. Gap-free both ways.
        """
        old = grid_history.version_of(self.conn, code, version)
        if old is None:
            raise NotFound(f"grid {code} has no version {version}")
        current = grids.lock(self.conn, [code]).get(code)
        probe = shapely.from_wkb(bytes(old["wkb"]))
        if current is not None:
            probe = shapely.union(probe, _geometry(current))
        parent, micro_of = _parent_of(code), _micro_of(code)
        at_the_time = grid_history.versions_at(
            self.conn, old["valid_from"], shapely.to_wkb(probe), micro_of
        )
        then = [r for r in at_the_time if _parent_of(r["code"]) == parent]
        restored = {r["code"]: shapely.from_wkb(bytes(r["wkb"])) for r in then}
        area = shapely.union_all(list(restored.values()))
        today = [
            c
            for c in grids.covered_by(self.conn, shapely.to_wkb(area), micro_of)
            if _parent_of(c) == parent
        ]
        rows = self._load(today, None)
        before = {c: _geometry(rows[c]) for c in today}
        others = [c for c in today if c not in restored]
        carved = shapely.difference(np.array([before[c] for c in others], dtype=object), area)
        kept = {c: g for c, g in zip(others, carved, strict=True) if not g.is_empty}
        gone = [c for c in others if c not in kept]
        shapes = self._check(before, {**kept, **restored}, parent)
        self.reason = self.reason or f"restore {code} version {version}"
        inserts = {
            r["code"]: {
                "region_code": r["region_code"],
                "name": r["name"],
                "kind": r["kind"],
                "purpose": r["purpose"],
            }
            for r in then
            if r["code"] not in before
        }
        result = self._write(EditResult("restore"), shapes, inserts, gone, [code, *today])
        for r in then:
            now = rows.get(r["code"])
            fields = {k: r[k] for k in ("name", "kind", "purpose")}
            if now is not None and any(now[k] != v for k, v in fields.items()):
                grids.update_fields(self.conn, r["code"], fields)
        final = grids.lock(self.conn, list(result.versions))
        result.versions = {c: row["version"] for c, row in final.items()}
        return result

    def subdivide(self, code: str, count: int, seed: int = 0) -> EditResult:
        """Cut a grid into ``count`` micro-grids (微网格: neighbouring buildings or courtyards),
        coded the grid's 15 digits + 01, 02 … in reading order. A grid that has micro-grids
        already is edited through them instead."""
        if len(code) != 15:
            raise InvalidInput(f"{code} is not a grid: micro-grids go under a 15-digit grid")
        if not 2 <= count <= 99:
            raise InvalidInput(f"a grid holds 2 to 99 micro-grids, not {count}", field="count")
        row = self._load([code], None)[code]
        if grids.micro_count(self.conn, code):
            raise Conflict(f"grid {code} has micro-grids already: edit those")
        grid = _geometry(row)
        frame = LocalFrame.around(grid)
        cells = voronoi_partition(frame.to_local([grid])[0], count, np.random.default_rng(seed))
        centroids = shapely.centroid(cells)
        band = float(np.sqrt(shapely.area(frame.to_local([grid])[0]) / len(cells)))
        cells = frame.to_lonlat(
            cells[reading_order(shapely.get_x(centroids), shapely.get_y(centroids), band)]
        )
        cells = shapely.coverage_clean(cells, snapping_distance=NODE_SNAP)
        inserts = {
            f"{code}{i:02d}": {
                "region_code": row["region_code"],
                "name": f"{row['name']}-{i}",
                "kind": row["kind"],
                "purpose": row["purpose"],
            }
            for i in range(1, len(cells) + 1)
        }
        covered = edit.area_m2(shapely.symmetric_difference(shapely.union_all(cells), grid))
        if covered > max(self.tolerance_m2, edit.length_m(grid.boundary) * self.tolerance_width_m):
            raise EditRefused("the micro-grids would not cover the grid", [f"{covered:.0f} m² off"])
        shapes = dict(zip(inserts, cells, strict=True))
        return self._write(EditResult("subdivide"), shapes, inserts, [], [code])

    # -- checks --------------------------------------------------------------------------------

    def _check_kind(self, kind: str, purpose: str | None) -> None:
        if kind not in self.kinds:
            raise InvalidInput(f"kind {kind!r} is not one of {self.kinds}", field="kind")
        if kind == "dedicated" and purpose not in self.purposes:
            raise InvalidInput(
                f"a dedicated grid (专属网格) serves one of {self.purposes}, not {purpose!r}",
                field="purpose",
            )

    def _recode(self, code: str, new_code: str) -> dict[str, Any]:
        try:
            parsed = parse_grid_code(new_code, parent=_parent_of(code))
        except CodeError as error:
            raise InvalidInput(str(error), field="code") from None
        if grid_history.code_used(self.conn, parsed.code):
            raise Conflict(f"grid code {parsed.code} is in use or was used before")
        if len(code) == 15 and grids.micro_count(self.conn, code):
            raise InvalidInput(
                f"grid {code} has micro-grids: re-code them with it is not supported"
            )
        return {"code": parsed.code}
