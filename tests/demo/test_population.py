import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from gridmap.core.codes import id_check_character, parse_resident_id
from gridmap.core.settings import get_settings
from gridmap.demo.population import (
    COLUMNS,
    credit_code_check_character,
    credit_codes,
    generate_population,
    id_numbers,
    points_in,
)

TODAY = dt.date(2025, 6, 30)
RESIDENTS = 3_000
FLOATING_FROM = ("360102", "110105")
STEP = 0.01  # about 1 km


def _grids() -> gpd.GeoDataFrame:
    """Six grids near 弋阳 in two townships: squares, an L and a two-part grid."""
    x0, y0 = 117.4, 28.4
    squares = [box(x0 + i * STEP, y0, x0 + (i + 1) * STEP, y0 + STEP) for i in range(4)]
    # an L: a full-width bar with a narrow arm on its west end
    corners = [(0, 1), (1, 1), (1, 1.5), (0.3, 1.5), (0.3, 2), (0, 2)]
    ell = Polygon([(x0 + dx * STEP, y0 + dy * STEP) for dx, dy in corners])
    two_parts = MultiPolygon(
        [
            box(x0 + 2 * STEP, y0 + STEP, x0 + 3 * STEP, y0 + 2 * STEP),
            box(x0 + 3.2 * STEP, y0 + STEP, x0 + 3.6 * STEP, y0 + 1.4 * STEP),
        ]
    )
    region = ["361126100000"] * 3 + ["361126101000"] * 3
    return gpd.GeoDataFrame(
        {
            "code": [f"{r}{i % 3 + 1:03d}" for i, r in enumerate(region)],
            "name": [f"弋阳第{i + 1}网格" for i in range(6)],
            "region_code": region,
            "region_name": ["弋阳镇"] * 3 + ["南岩镇"] * 3,
        },
        geometry=[*squares, ell, two_parts],
        crs="EPSG:4326",
    )


GRIDS = _grids()


def _generate(folder: Path, seed: int = 11) -> dict[str, int]:
    return generate_population(
        GRIDS, RESIDENTS, folder, seed=seed, county_codes=FLOATING_FROM, today=TODAY
    )


def _read(folder: Path, stem: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{stem}.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    folder = tmp_path_factory.mktemp("city")
    return folder, _generate(folder)


@pytest.fixture(scope="module")
def people(city: tuple[Path, dict[str, int]]) -> pd.DataFrame:
    """Residents with what their ID number says and their household's size."""
    residents = _read(city[0], "residents")
    parsed = [parse_resident_id(n, TODAY) if n else None for n in residents.id_number]
    residents["birth"] = [p.birth_date if p else None for p in parsed]
    residents["sex"] = [p.sex.value if p else None for p in parsed]
    residents["age"] = [_age(p.birth_date) if p else -1 for p in parsed]
    residents["size"] = residents.household_no.map(residents.household_no.value_counts())
    return residents


def _age(born: dt.date) -> int:
    return TODAY.year - born.year - ((TODAY.month, TODAY.day) < (born.month, born.day))


def test_every_file_has_its_columns_and_the_counts_returned(city) -> None:
    folder, counts = city
    assert set(counts) == set(COLUMNS)
    for stem, columns in COLUMNS.items():
        frame = _read(folder, stem)
        assert list(frame.columns) == columns
        assert len(frame) == counts[stem] > 0
    assert abs(counts["residents"] - RESIDENTS) <= 0.02 * RESIDENTS
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "generated" in readme and "seed 11" in readme and "residents.csv" in readme


def test_id_numbers_are_valid_unique_and_match_kind_and_county(people: pd.DataFrame) -> None:
    foreign = people.kind == "foreign"
    assert (people.id_number[foreign] == "").all()
    ids = people.id_number[~foreign]
    assert (ids != "").all() and ids.is_unique
    assert people.age[~foreign].between(0, 100).all()
    # the sequence's parity is the sex
    odd = ids.str[16].astype(int) % 2 == 1
    assert ((people.sex[~foreign] == "male") == odd).all()
    home = people.household_no.str[1:7]
    local = people.kind.isin(["registered", "resident"])
    assert (people.id_number[local].str[:6] == home[local]).all()
    assert people.id_number[people.kind == "floating"].str[:6].isin(FLOATING_FROM).all()


def test_ages_and_sexes_look_like_the_census(people: pd.DataFrame) -> None:
    ages = people.age[people.age >= 0]
    assert 0.14 < (ages < 15).mean() < 0.22
    assert 0.10 < (ages >= 65).mean() < 0.18
    males = (people.sex == "male").sum()
    assert 0.95 < males / (people.sex == "female").sum() < 1.16


def test_households_and_buildings_link_up(city, people: pd.DataFrame) -> None:
    folder, _ = city
    households = _read(folder, "households")
    buildings = _read(folder, "buildings")
    assert people.household_no.isin(households.household_no).all()
    assert households.building_code.isin(buildings.code).all()
    assert households.registered.isin(["true", "false"]).all()
    assert households.unit.str.fullmatch(r"\d+单元").all()
    assert households.room.str.fullmatch(r"\d{4}").all()
    address = households.building_code.map(buildings.set_index("code").address)
    assert (households.address == address + households.unit + households.room).all()
    sizes = people.household_no.value_counts()
    assert 2.3 <= sizes.mean() <= 3.0
    assert 0.15 < (sizes == 1).mean() < 0.35


def test_codes_are_unique_and_shaped(city) -> None:
    folder, _ = city
    patterns = {
        "buildings": r"B\d{15}\d{4}",
        "households": r"H\d{15}\d{5}",
        "places": r"P\d{15}\d{4}",
        "things": r"T\d{15}\d{5}",
        "organisations": r"[0-9A-Y]{2}\d{6}[0-9A-Y]{10}",
    }
    for stem, pattern in patterns.items():
        codes = _read(folder, stem)[COLUMNS[stem][0]]
        assert codes.is_unique, stem
        assert codes.str.fullmatch(pattern).all(), stem
    phones = pd.concat(
        [_read(folder, "residents").phone, _read(folder, "grid_workers").service_phone]
    )
    assert phones[phones != ""].str.fullmatch(r"1[3-9]\d{9}").all()


def test_every_point_is_strictly_inside_its_grid(city) -> None:
    folder, _ = city
    by_code = GRIDS.set_index("code").geometry
    for stem in ("buildings", "places", "things"):
        frame = _read(folder, stem)
        grids = by_code[frame.code.str[1:16]].to_numpy()
        x, y = frame.lon.astype(float).to_numpy(), frame.lat.astype(float).to_numpy()
        assert frame.lon.str.fullmatch(r"\d+\.\d{7}").all()
        assert shapely.contains_xy(grids, x, y).all(), stem
        # at least ~1 m (1e-5 degrees is about 1 m) from any edge, so on no shared edge
        edges = shapely.boundary(grids)
        assert (shapely.distance(edges, shapely.points(x, y)) > 0.8e-5).all(), stem


def test_organisations_sit_in_their_buildings_or_inside_the_grids(city) -> None:
    folder, _ = city
    organisations = _read(folder, "organisations")
    buildings = _read(folder, "buildings").set_index("code")
    housed = organisations[organisations.building_code != ""]
    assert len(housed) > 0
    at = buildings.loc[housed.building_code]
    assert (housed.lon.to_numpy() == at.lon.to_numpy()).all()
    assert (housed.address.to_numpy() == at.address.to_numpy()).all()
    area = shapely.union_all(GRIDS.geometry.to_numpy())
    x, y = organisations.lon.astype(float), organisations.lat.astype(float)
    assert shapely.contains_xy(area, x.to_numpy(), y.to_numpy()).all()
    # one committee (and its party branch) per region; credit codes carry the grid's county
    regions = GRIDS.region_code.nunique()
    assert (organisations.kind == "village_committee").sum() == regions
    assert (organisations.kind == "party_branch").sum() >= regions
    assert (organisations.code.str[2:8] == "361126").all()


def test_codes_come_from_the_settings_vocabularies(city, people: pd.DataFrame) -> None:
    folder, _ = city
    vocab = get_settings().people
    assert people.kind.isin(list(vocab.kinds)).all()
    tags = people.tags[people.tags != ""].str.split(";").explode()
    assert tags.isin(list(vocab.key_groups)).all()
    assert (people.tags == "").mean() > 0.8
    assert _read(folder, "buildings").use.isin(list(vocab.building_uses)).all()
    assert _read(folder, "places").kind.isin(list(vocab.place_kinds)).all()
    assert _read(folder, "things").category.isin(list(vocab.thing_categories)).all()
    assert _read(folder, "organisations").kind.isin(list(vocab.organisation_kinds)).all()
    workers = _read(folder, "grid_workers")
    assert workers.duty.isin(list(vocab.duties)).all()
    assert (
        workers[workers.duty == "worker"].grid_code.sort_values()
        == GRIDS.code.sort_values().to_numpy()
    ).all()
    places = _read(folder, "places")
    assert (places.must_visit[places.kind == "hazardous_chemicals"] == "true").all()


def test_key_groups_follow_their_age_rules(people: pd.DataFrame) -> None:
    def tagged(code: str) -> pd.DataFrame:
        return people[people.tags.str.split(";").map(lambda tags: code in tags)]

    alone = tagged("elderly_alone")
    assert (alone.age >= 65).all() and (alone["size"] == 1).all()
    assert (tagged("left_behind_child").age < 16).all()
    for code in ("community_correction", "released_prisoner", "drug_rehab", "petition_prone"):
        assert (tagged(code).age >= 18).all()
    assert 0.01 < len(tagged("disabled")) / len(people) < 0.045


def test_the_same_seed_gives_the_same_files_and_another_seed_others(city, tmp_path: Path) -> None:
    folder, _ = city
    _generate(tmp_path / "again")
    _generate(tmp_path / "other", seed=12)
    for stem in COLUMNS:
        first = (folder / f"{stem}.csv").read_bytes()
        assert (tmp_path / "again" / f"{stem}.csv").read_bytes() == first
    other = (tmp_path / "other" / "residents.csv").read_bytes()
    assert other != (folder / "residents.csv").read_bytes()


def test_progress_counts_every_resident(tmp_path: Path) -> None:
    seen: list[int] = []
    counts = generate_population(GRIDS, 500, tmp_path, today=TODAY, on_progress=seen.append)
    assert sum(seen) == counts["residents"] == 500


def test_credit_codes_verify() -> None:
    assert credit_code_check_character("91350100M000100Y4") == "3"
    codes = credit_codes(
        np.array(["91", "92", "12", "54"]),
        np.array(["361126"] * 4),
        np.array([0, 1, 2, 3]),
        np.array([True, True, False, False]),
    )
    assert len(set(codes)) == 4
    for code in codes:
        assert credit_code_check_character(code[:17]) == code[17]
        assert code[8:10] == "MA" or code[8:16].isdigit()
        assert _gb11714_check(code[8:16]) == code[16]
    with pytest.raises(ValueError, match="17 characters"):
        credit_code_check_character("91350100M000100I4")


def _gb11714_check(body: str) -> str:
    """GB 11714 check character, written out independently of the module."""
    values = [int(c) if c.isdigit() else ord(c) - 55 for c in body]
    check = 11 - sum(v * w for v, w in zip(values, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def test_id_numbers_match_the_scalar_check() -> None:
    birth = np.array(["1949-10-01", "2000-02-29", "2025-06-30"], dtype="datetime64[D]")
    ids = id_numbers(np.array(["110105", "361126", "440305"]), birth, np.array([1, 998, 123]))
    assert list(ids) == [
        f"{first17}{id_check_character(first17)}"
        for first17 in ("11010519491001001", "36112620000229998", "44030520250630123")
    ]


def test_points_in_keep_off_the_edges() -> None:
    ell = GRIDS.geometry.iloc[4]
    rng = np.random.default_rng(0)
    xy = points_in(np.array([ell, ell]), np.array([300, 5]), rng, margin_m=20.0)
    assert xy.shape == (305, 2)
    assert shapely.contains_xy(ell, xy[:, 0], xy[:, 1]).all()
    assert (shapely.distance(ell.boundary, shapely.points(xy)) > 15 / 111_000).all()
    corner = np.repeat([[117.4, 28.41]], 50, axis=0)  # a centre on the corner
    near = points_in(np.array([ell]), np.array([50]), rng, around=corner, spread_m=50.0)
    assert shapely.contains_xy(ell, near[:, 0], near[:, 1]).all()
    assert (np.abs(near - corner) < 0.003).all()


def test_bad_input_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="6-digit"):
        generate_population(GRIDS, 100, tmp_path, county_codes=["3601"])
    with pytest.raises(ValueError, match="negative"):
        generate_population(GRIDS, -1, tmp_path)
    with pytest.raises(ValueError, match="15-digit"):
        generate_population(GRIDS.assign(code="123"), 100, tmp_path)
