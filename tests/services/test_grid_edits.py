"""Grid edits on the demo county: each edit, each refusal, history and restore."""

from datetime import UTC, datetime

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString
from sqlalchemy import Connection, text

from gridmap.core.errors import Conflict, EditRefused, InvalidInput
from gridmap.core.settings import Settings
from gridmap.layers import grid_history, grids
from gridmap.ops.edit import area_m2
from gridmap.services.grid_edits import GridEditor
from tests.conftest import TOWNSHIP_A


def _shape(conn: Connection, code: str):
    wkb = conn.execute(
        text("SELECT ST_AsBinary(boundary) FROM grids WHERE code = :c"), {"c": code}
    ).scalar()
    return None if wkb is None else shapely.from_wkb(bytes(wkb))


def _township_union(conn: Connection):
    rows = conn.execute(
        text(
            "SELECT ST_AsBinary(boundary) FROM grids WHERE region_code = :t AND length(code) = 15"
        ),
        {"t": TOWNSHIP_A},
    ).scalars()
    cells = shapely.from_wkb([bytes(r) for r in rows])
    assert shapely.coverage_is_valid(cells, gap_width=1e-7)
    return shapely.union_all(cells)


def _neighbours(conn: Connection) -> tuple[str, str]:
    """Two adjacent grids of the township, sharing a long edge."""
    row = conn.execute(
        text(
            "SELECT a.code, b.code FROM grids a JOIN grids b ON a.code < b.code"
            " AND a.region_code = b.region_code AND ST_Intersects(a.boundary, b.boundary)"
            " WHERE a.region_code = :t"
            " ORDER BY ST_Length(ST_Intersection(a.boundary, b.boundary)) DESC LIMIT 1"
        ),
        {"t": TOWNSHIP_A},
    ).one()
    return row[0], row[1]


@pytest.fixture
def editor(conn: Connection, settings: Settings) -> GridEditor:
    return GridEditor(conn, settings, reason="test")


def test_split_keeps_the_coverage_and_records_lineage(conn: Connection, editor) -> None:
    before = _township_union(conn)
    code = conn.execute(
        text("SELECT min(code) FROM grids WHERE region_code = :t"), {"t": TOWNSHIP_A}
    ).scalar_one()
    grid = _shape(conn, code)
    (minx, _, maxx, _), cy = grid.bounds, grid.centroid.y
    line = LineString([(minx - 0.01, cy), (maxx + 0.01, cy)])
    result = editor.split(code, line, version=None, names=["north part"])
    assert code in result.changed and len(result.created) == 1
    new = result.created[0]
    assert new.startswith(TOWNSHIP_A) and new != code
    assert area_m2(shapely.symmetric_difference(before, _township_union(conn))) < 1
    history = grid_history.history(conn, new)
    assert history[-1]["operation"] == "split" and history[-1]["lineage"] == [code]
    assert grid_history.history(conn, code)[-1]["reason"] == "test"


def test_a_line_that_does_not_cut_is_refused(conn: Connection, editor) -> None:
    code, _ = _neighbours(conn)
    far = LineString([(100, 10), (100.1, 10.1)])
    with pytest.raises(InvalidInput, match=f"does not cut grid {code}"):
        editor.split(code, far, None)


def test_merge_adjacent_grids_and_refuse_others(conn: Connection, editor) -> None:
    a, b = _neighbours(conn)
    before = _township_union(conn)
    result = editor.merge([a, b], None, name="merged")
    assert result.removed == [b] and a in result.changed
    assert _shape(conn, b) is None
    assert area_m2(shapely.symmetric_difference(before, _township_union(conn))) < 1
    assert grid_history.history(conn, a)[-1]["lineage"] == sorted([a, b])
    far = conn.execute(
        text(
            "SELECT code FROM grids WHERE region_code = :t AND NOT ST_Intersects(boundary,"
            " (SELECT boundary FROM grids WHERE code = :a)) LIMIT 1"
        ),
        {"t": TOWNSHIP_A, "a": a},
    ).scalar_one()
    with pytest.raises(InvalidInput, match="not all adjacent"):
        editor.merge([a, far], None)


def test_reshape_moves_a_shared_boundary(conn: Connection, editor) -> None:
    a, b = _neighbours(conn)
    grid_a, grid_b = _shape(conn, a), _shape(conn, b)
    grown = shapely.union(grid_a, shapely.intersection(grid_b, grid_a.buffer(0.002)))
    editor.reshape(a, grown, b, None)
    assert _shape(conn, a).area > grid_a.area and _shape(conn, b).area < grid_b.area
    assert (
        area_m2(
            shapely.symmetric_difference(
                shapely.union(grid_a, grid_b), shapely.union(_shape(conn, a), _shape(conn, b))
            )
        )
        < 1
    )


def test_draw_carves_a_new_dedicated_grid(conn: Connection, editor) -> None:
    a, b = _neighbours(conn)
    spot = shapely.intersection(_shape(conn, a), _shape(conn, b)).centroid.buffer(0.003)
    before = _township_union(conn)
    result = editor.draw(spot, "弋江中学", kind="dedicated", purpose="school")
    (new,) = result.created
    assert set(result.changed) >= {a, b}
    feature = grids.get_grid(conn, new)["properties"]
    assert feature["kind"] == "dedicated" and feature["purpose"] == "school"
    assert area_m2(shapely.symmetric_difference(before, _township_union(conn))) < 1
    with pytest.raises(InvalidInput, match="serves one of"):
        editor.draw(spot, "x", kind="dedicated", purpose="casino")


def test_delete_gives_the_area_to_neighbours(conn: Connection, editor) -> None:
    a, b = _neighbours(conn)
    grid_a = _shape(conn, a)
    others = conn.execute(
        text(
            "SELECT code FROM grids WHERE region_code = :t AND code NOT IN (:a, :b)"
            " AND ST_Length(ST_Intersection(boundary, (SELECT boundary FROM grids"
            " WHERE code = :a))) > 0 LIMIT 1"
        ),
        {"t": TOWNSHIP_A, "a": a, "b": b},
    ).scalar_one()
    before = _township_union(conn)
    result = editor.delete(a, [b, others], version=None)
    assert result.removed == [a] and set(result.changed) >= {b, others}
    assert _shape(conn, a) is None
    assert area_m2(shapely.symmetric_difference(before, _township_union(conn))) < 1
    gained = area_m2(_shape(conn, b)) + area_m2(_shape(conn, others))
    assert gained > area_m2(grid_a)


def test_refusals_gap_overlap_stale_version(conn: Connection, editor) -> None:
    a, _ = _neighbours(conn)
    version = grids.lock(conn, [a])[a]["version"]
    with pytest.raises(Conflict, match="changed since you read them"):
        editor.update(a, version + 1, name="stale")
    # a reshape of a grid into land its neighbour does not hold would open a gap
    grid_a = _shape(conn, a)
    with pytest.raises(EditRefused, match="gap"):
        editor._check({a: grid_a}, {a: grid_a.buffer(-0.001)}, a[:12])
    with pytest.raises(EditRefused, match="overlap"):
        editor._check({a: grid_a}, {a: grid_a.buffer(0.001)}, a[:12])


def test_recode_rename_kind(conn: Connection, editor) -> None:
    a, _ = _neighbours(conn)
    version = grids.lock(conn, [a])[a]["version"]
    renamed = editor.update(a, version, name="新名字")
    assert renamed.versions[a] == version + 1
    new_code = grids.free_codes(conn, a[:12], 1)[0]
    recoded = editor.update(a, version + 1, new_code=new_code)
    assert recoded.changed == [new_code] and _shape(conn, a) is None
    assert grid_history.history(conn, new_code)[-1]["lineage"] == [a]
    with pytest.raises(InvalidInput, match=r"prefix|parent"):
        editor.update(new_code, None, new_code="361126101000555")


def test_history_answers_where_a_point_was_and_restore(conn: Connection, editor) -> None:
    a, b = _neighbours(conn)
    grid_b = _shape(conn, b)
    point = grid_b.representative_point()
    version_b = grids.lock(conn, [b])[b]["version"]
    editor.merge([a, b], None)
    now = datetime.now(UTC)
    assert grid_history.at(conn, point.x, point.y, now)["code"] == a
    before_merge = grid_history.history(conn, b)[-1]["valid_from"]
    assert grid_history.at(conn, point.x, point.y, before_merge)["code"] == b
    before = _township_union(conn)
    restored = editor.restore(b, version_b)
    assert b in restored.created
    assert area_m2(shapely.symmetric_difference(_shape(conn, b), grid_b)) < 1
    assert area_m2(shapely.symmetric_difference(before, _township_union(conn))) < 1
    assert np.isclose(
        _shape(conn, a).area + grid_b.area, shapely.union(_shape(conn, a), grid_b).area
    )


def test_an_edit_inside_one_grid_leaves_its_neighbours_alone(conn: Connection, editor) -> None:
    a, _ = _neighbours(conn)
    inner = _shape(conn, a).representative_point().buffer(0.0005)
    result = editor.draw(inner, "小区")
    assert result.changed == [a] and len(result.created) == 1


def test_micro_grids_follow_the_same_rules_within_their_grid(conn: Connection, editor) -> None:
    a, _ = _neighbours(conn)
    grid = _shape(conn, a)
    made = editor.subdivide(a, 4)
    assert made.created == [f"{a}{i:02d}" for i in range(1, 5)]
    micro = shapely.from_wkb(
        [
            bytes(w)
            for w in conn.execute(
                text(
                    "SELECT ST_AsBinary(boundary) FROM grids"
                    " WHERE parent_grid_code = :a ORDER BY code"
                ),
                {"a": a},
            ).scalars()
        ]
    )
    assert shapely.coverage_is_valid(micro)
    assert area_m2(shapely.symmetric_difference(shapely.union_all(micro), grid)) < 1
    merged = (
        editor.merge([f"{a}01", f"{a}02"], None)
        if shapely.intersects(micro[0], micro[1])
        else editor.merge([f"{a}01", f"{a}03"], None)
    )
    assert merged.removed and all(len(c) == 17 for c in merged.changed)
    # a micro-grid drawn over its grid's edge is clipped to the grid
    spill = grid.boundary.interpolate(0.5, normalized=True).buffer(0.002)
    drawn = editor.draw(spill, "楼栋", parent=a)
    new = _shape(conn, drawn.created[0])
    assert len(drawn.created[0]) == 17 and area_m2(shapely.difference(new, grid)) < 1
    with pytest.raises(Conflict, match="has micro-grids already"):
        editor.subdivide(a, 3)
