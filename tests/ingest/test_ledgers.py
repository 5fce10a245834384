"""Ledger imports (台账) into buildings, households and residents: every reject reason, a file
that fails half-way, Excel and GCJ-02 input, sealed personal data, re-tying after a split."""

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
import shapely
from shapely.geometry import LineString
from sqlalchemy import Connection, text

from gridmap.core import pii
from gridmap.core.access import SYSTEM, Principal
from gridmap.core.codes import id_check_character
from gridmap.core.errors import InvalidInput
from gridmap.core.settings import Settings
from gridmap.db.scope import apply_scope
from gridmap.ingest import ledgers
from gridmap.ingest.report import ImportReport
from gridmap.ops.chinacrs import wgs84_to_gcj02
from gridmap.services.grid_edits import GridEditor
from tests.conftest import TOWNSHIP_A, TOWNSHIP_B


def resident_id(first17: str) -> str:
    return first17 + id_check_character(first17)


def _grid_points(conn: Connection, township: str, n: int) -> list[tuple[str, float, float]]:
    rows = conn.execute(
        text(
            "SELECT code, ST_X(p), ST_Y(p) FROM (SELECT code, ST_PointOnSurface(boundary) AS p"
            " FROM grids WHERE region_code = :t AND length(code) = 15 ORDER BY code LIMIT :n) g"
        ),
        {"t": township, "n": n},
    ).all()
    return [tuple(r) for r in rows]


def _csv(folder: Path, name: str, header: str, *rows: str) -> Path:
    path = folder / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _rejects(path: Path) -> dict[tuple[int, str], str]:
    lines = Path(str(path) + ".rejects.csv").read_text(encoding="utf-8-sig").splitlines()[1:]
    import csv

    return {(int(r[0]), r[1]): r[3] for r in csv.reader(lines)}


@pytest.fixture
def system(conn: Connection) -> Connection:
    apply_scope(conn, SYSTEM)
    return conn


@pytest.fixture
def load(system: Connection, settings: Settings) -> Callable[..., ImportReport]:
    def run(layer: str, path: Path, crs: str | None = None, conn: Connection | None = None):
        return ledgers.import_ledger(conn or system, layer, path, settings, crs)

    return run


@pytest.fixture
def estate(system: Connection, load, tmp_path: Path) -> dict:
    """Two buildings in township A, a household in each, one resident."""
    (g1, x1, y1), (g2, x2, y2) = _grid_points(system, TOWNSHIP_A, 2)
    load(
        "buildings",
        _csv(
            tmp_path,
            "b.csv",
            "code,address,floors,use,lon,lat",
            f"TB1,测试路1号,6,residential,{x1},{y1}",
            f"TB2,测试路2号,2,rural_house,{x2},{y2}",
        ),
    )
    load(
        "households",
        _csv(
            tmp_path,
            "h.csv",
            "household_no,building_code,unit,room,registered",
            "TH1,TB1,1单元,0101,是",
            "TH2,TB2,,,否",
        ),
    )
    return {"grids": (g1, g2), "points": ((x1, y1), (x2, y2))}


def test_buildings_import_ties_to_grids_and_names_each_reject(
    system: Connection, load, tmp_path: Path
) -> None:
    (g1, x1, y1), (_, x2, y2) = _grid_points(system, TOWNSHIP_A, 2)
    path = _csv(
        tmp_path,
        "buildings.csv",
        "楼栋编码,地址,层数,用途,经度,纬度",
        f"B1,弋阳测试路1号,6,residential,{x1},{y1}",
        f"B2,弋阳测试路2号,abc,castle,{x2},{y2}",
        "B3,某地,3,,200,10",
        "B4,无坐标,3,,,",
        f"B1,重复,3,,{x1},{y1}",
        "B5,远方,3,,100.0,40.0",
    )
    report = load("buildings", path)
    assert (report.read, report.written, report.rejected) == (6, 1, 5)
    rejects = _rejects(path)
    assert rejects[(3, "floors")] == "abc is not a whole number"
    assert rejects[(3, "use")].startswith("unknown building use castle (known: residential")
    assert rejects[(4, "lon/lat")] == "coordinates out of range"
    assert rejects[(5, "lon/lat")].startswith("no coordinates: give lon and lat")
    assert rejects[(6, "code")] == "duplicate B1 in the file (first at row 2)"
    assert rejects[(7, "lon/lat")] == "outside every grid"
    tie = system.execute(text("SELECT grid_code FROM buildings WHERE code = 'B1'")).scalar_one()
    assert tie == g1
    again = load(
        "buildings", _csv(tmp_path, "again.csv", "code,address,lon,lat", f"B1,x,{x1},{y1}")
    )
    assert (
        again.written == 0 and _rejects(tmp_path / "again.csv")[(2, "code")] == "B1 already exists"
    )
    history = system.execute(
        text(
            "SELECT t.grid_code, t.operation FROM tie_history t JOIN buildings b"
            " ON b.id = t.record_id AND t.layer = 'buildings' WHERE b.code = 'B1'"
        )
    ).all()
    assert history == [(g1, "insert")]


def test_rows_outside_the_callers_jurisdiction_are_rejected(
    app_conn: Connection, system: Connection, settings: Settings, estate: dict, tmp_path: Path
) -> None:
    """A township B user importing a point in township A, a household of township A."""
    apply_scope(app_conn, Principal("t", "grid_worker", "361126101", frozenset({"*"})))
    (x1, y1), _ = estate["points"]
    ((_, bx, by),) = _grid_points(app_conn, TOWNSHIP_B, 1)
    path = _csv(tmp_path, "b.csv", "code,address,lon,lat", f"X1,a,{x1},{y1}", f"X2,b,{bx},{by}")
    report = ledgers.import_ledger(app_conn, "buildings", path, settings)
    assert report.written == 1
    assert _rejects(path)[(2, "lon/lat")].startswith("outside your jurisdiction (in grid 361126109")
    # a household of township A from the demo population (committed, unlike the estate)
    household = system.execute(
        text(
            "SELECT min(h.household_no) FROM households h JOIN buildings b"
            " ON b.id = h.building_id WHERE b.grid_code LIKE '361126109%'"
        )
    ).scalar_one()
    first17 = "36112619900101001"
    path = _csv(
        tmp_path,
        "r.csv",
        "name,id_number,household_no,kind",
        f"甲,{resident_id(first17)},{household},registered",
    )
    ledgers.import_ledger(app_conn, "residents", path, settings)
    assert (
        _rejects(path)[(2, "household_no")] == f"household {household} is outside your jurisdiction"
    )


def test_residents_import_seals_personal_data_and_names_each_reject(
    system: Connection, load, settings: Settings, estate: dict, tmp_path: Path
) -> None:
    good = resident_id("36112619800101001")
    other = resident_id("36112620100505002")
    path = _csv(
        tmp_path,
        "residents.csv",
        "姓名,身份证号,联系电话,户号,人口类型,重点人群",
        f"张三,{good},138 1234 5678,TH1,户籍人口,独居老人",
        f"李四,{good[:17]}{'0' if good[17] != '0' else '1'},13812345678,TH1,registered,",
        f"王五,{good},,TH2,floating,",
        "赵六,361126198002301234,,TH1,resident,",
        f"钱七,{other},123,TH9,resident,",
        f"孙八,{resident_id('99112619800101001')},,TH1,registered,",
        f"周九,{resident_id('36112630000101001')},,TH1,registered,",
        f"吴十,{resident_id('36112619700101003')},,TH1,martian,nope",
        "Smith,,,TH2,foreign,",
        "郑一,,,TH2,resident,",
    )
    report = load("residents", path)
    rejects = _rejects(path)
    assert rejects[(3, "id_number")].startswith("check character")
    assert rejects[(4, "id_number")] == "duplicate ID in the file (first at row 2)"
    assert rejects[(5, "id_number")] == "birth date 19800230 is not a real date"
    assert rejects[(6, "household_no")] == "unknown household TH9"
    assert rejects[(6, "phone")].startswith("not a mobile number")
    assert rejects[(7, "id_number")] == "region part 991126: 99 is not a province code"
    assert rejects[(8, "id_number")] == "birth date 30000101 is after today"
    assert rejects[(9, "kind")].startswith("unknown kind martian")
    assert rejects[(9, "tags")].startswith("unknown key-population tag(s) nope")
    assert rejects[(11, "id_number")] == "required (only foreign residents may have none)"
    assert (report.written, report.rejected) == (2, 8)
    row = system.execute(
        text(
            "SELECT r.name, id_cipher, id_hash, id_masked, phone_masked, phone_cipher, sex,"
            " birth_date::text, kind, tags, b.grid_code FROM residents r"
            " JOIN buildings b ON b.id = r.building_id WHERE r.name = '张三'"
        )
    ).one()
    vault = pii.vault(settings)
    assert good.encode() not in bytes(row.id_cipher)
    assert vault.open("id", bytes(row.id_cipher)) == good
    assert vault.open("phone", bytes(row.phone_cipher)) == "13812345678"
    assert bytes(row.id_hash) == vault.lookup_hash("id", good)
    assert (row.id_masked, row.phone_masked) == (good[:6] + "********" + good[-4:], "138****5678")
    assert (row.sex, row.birth_date, row.kind, row.tags) == (
        "M",
        "1980-01-01",
        "registered",
        ["elderly_alone"],
    )
    assert row.grid_code == estate["grids"][0]
    again = load(
        "residents",
        _csv(tmp_path, "again.csv", "name,id_number,household_no,kind", f"x,{good},TH2,resident"),
    )
    assert again.written == 0
    assert _rejects(tmp_path / "again.csv")[(2, "id_number")] == "duplicate ID: already registered"
    foreign = load(
        "residents", _csv(tmp_path, "f.csv", "name,household_no,kind", "Smith,TH2,foreign")
    )
    assert foreign.written == 0
    assert _rejects(tmp_path / "f.csv")[(2, "name")] == (
        "Smith (no ID number) is already registered in household TH2"
    )


def test_a_file_that_fails_half_way_changes_nothing(
    system: Connection, load, settings: Settings, estate: dict, tmp_path: Path, monkeypatch
) -> None:
    """Checked and moved in chunks of 1,000 rows: a broken line in the third chunk undoes the
    first two, which were already moved."""
    monkeypatch.setattr(settings.people, "import_chunk_rows", 1000)
    monkeypatch.setattr(settings.people, "import_batch_rows", 100)
    before = system.execute(text("SELECT count(*) FROM residents")).scalar_one()

    def row(i: int) -> str:
        # born 1905: older than anyone the demo population holds, so no ID is taken
        first17 = f"3611261905{(i // 28) % 12 + 1:02d}{i % 28 + 1:02d}{i // 336:03d}"
        return f"人{i},{resident_id(first17)},,TH1,registered"

    rows = [row(i) for i in range(2500)]
    good = _csv(tmp_path, "good.csv", "name,id_number,phone,household_no,kind", *rows[:1500])
    assert load("residents", good).written == 1500  # chunked imports do write
    rows.insert(2200, "broken,row,with,far,too,many,values,here")
    path = _csv(tmp_path, "broken.csv", "name,id_number,phone,household_no,kind", *rows[1500:])
    with (
        pytest.raises(InvalidInput, match="row 702: 8 values for 5 columns"),
        system.begin_nested(),
    ):
        load("residents", path)
    assert system.execute(text("SELECT count(*) FROM residents")).scalar_one() == before + 1500


def test_excel_ledgers_and_gcj02_coordinates(
    system: Connection, load, estate: dict, tmp_path: Path
) -> None:
    (x, y), _ = estate["points"]
    gx, gy = wgs84_to_gcj02(x, y)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["编码", "名称", "场所类型", "必到点", "经度", "纬度"])
    sheet.append(["P1", "测试小学", "school", "是", float(gx), float(gy)])
    sheet.append(["P2", "网吧", "small_internet_cafe", "否", float(gx), float(gy)])
    book.save(tmp_path / "places.xlsx")
    report = load("places", tmp_path / "places.xlsx", crs="GCJ-02")
    assert report.written == 2
    px, py, must = system.execute(
        text("SELECT ST_X(pt), ST_Y(pt), must_visit FROM places WHERE code = 'P1'")
    ).one()
    assert abs(px - x) < 1e-6 and abs(py - y) < 1e-6 and must is True


def test_places_located_by_building_code_or_address(
    system: Connection, load, estate: dict, tmp_path: Path
) -> None:
    path = _csv(
        tmp_path,
        "places.csv",
        "code,name,kind,address,building_code",
        "Q1,小超市,small_shop,,TB1",
        "Q2,小饭店,small_restaurant,测试路2号,",
        "Q3,无处,small_shop,不存在的地址,",
        "Q4,错楼,small_shop,,NOPE",
    )
    report = load("places", path)
    assert report.written == 2
    ties = dict(
        system.execute(text("SELECT code, grid_code FROM places WHERE code IN ('Q1', 'Q2')")).all()
    )
    assert ties == {"Q1": estate["grids"][0], "Q2": estate["grids"][1]}
    rejects = _rejects(path)
    assert rejects[(4, "lon/lat")].startswith("no coordinates")
    assert rejects[(5, "building_code")] == "unknown building NOPE"


def test_a_grid_split_reties_buildings_households_and_residents(
    system: Connection, load, settings: Settings, estate: dict, tmp_path: Path
) -> None:
    code = estate["grids"][0]
    wkb = system.execute(
        text("SELECT ST_AsBinary(boundary) FROM grids WHERE code = :c"), {"c": code}
    ).scalar_one()
    grid = shapely.from_wkb(bytes(wkb))
    minx, miny, maxx, maxy = grid.bounds
    # a building near the grid's top, and a cut below it: its piece is the small one, which
    # takes a new code while the large one keeps the old
    top = shapely.intersection(
        grid, LineString([(minx, maxy - 0.1 * (maxy - miny)), (maxx, maxy - 0.1 * (maxy - miny))])
    )
    x, y = top.centroid.x, top.centroid.y
    load("buildings", _csv(tmp_path, "b.csv", "code,address,lon,lat", f"TOP,顶部路1号,{x},{y}"))
    load("households", _csv(tmp_path, "h.csv", "household_no,building_code", "TOPH,TOP"))
    first17 = "36112619800101001"
    load(
        "residents",
        _csv(
            tmp_path,
            "r.csv",
            "name,id_number,household_no,kind",
            f"甲,{resident_id(first17)},TOPH,registered",
        ),
    )
    cut = maxy - 0.2 * (maxy - miny)
    line = LineString([(minx - 0.01, cut), (maxx + 0.01, cut)])
    result = GridEditor(system, settings, reason="test").split(code, line, None)
    holder = system.execute(
        text(
            "SELECT code FROM grids WHERE length(code) = 15"
            " AND ST_Intersects(boundary, ST_SetSRID(ST_MakePoint(:x, :y), 4326))"
        ),
        {"x": x, "y": y},
    ).scalar_one()
    assert holder in result.created  # the building now lies in the new grid
    assert (
        system.execute(text("SELECT grid_code FROM buildings WHERE code = 'TOP'")).scalar()
        == holder
    )
    history = system.execute(
        text(
            "SELECT t.grid_code, t.operation FROM tie_history t JOIN buildings b"
            " ON b.id = t.record_id AND t.layer = 'buildings' WHERE b.code = 'TOP' ORDER BY t.id"
        )
    ).all()
    assert history == [(code, "insert"), (holder, "split")]
    # the household and resident follow their building: as the application role, the new
    # grid's worker sees them and the old grid's worker no longer does
    visible = (
        "SELECT (SELECT count(*) FROM households WHERE household_no = 'TOPH'),"
        " (SELECT count(*) FROM residents r JOIN households h ON h.id = r.household_id"
        " WHERE h.household_no = 'TOPH')"
    )
    system.execute(text("SET LOCAL ROLE gridmap_app"))
    for grid, seen in ((holder, (1, 1)), (code, (0, 0))):
        apply_scope(system, Principal("w", "grid_worker", grid, frozenset({"people:read"})))
        assert tuple(system.execute(text(visible)).one()) == seen
    system.execute(text("RESET ROLE"))
