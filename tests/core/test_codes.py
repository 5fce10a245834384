"""Tests for gridmap.core.codes: region, grid, camera and resident ID validators."""

import pickle
import random
import re
from contextlib import AbstractContextManager
from datetime import date

import pytest

from gridmap.core.codes import (
    DEVICE_TYPES,
    GRID_CODE_PATTERN,
    PROVINCE_CODES,
    REGION_CODE_PATTERN,
    CodeError,
    RegionLevel,
    Sex,
    id_check_character,
    is_camera_type,
    is_valid_camera_id,
    is_valid_grid_code,
    is_valid_region_code,
    is_valid_resident_id,
    parse_camera_id,
    parse_grid_code,
    parse_region_code,
    parse_resident_id,
    region_level,
)

TODAY = date(2024, 6, 1)


def rejects(value: object, reason: str) -> AbstractContextManager[pytest.ExceptionInfo[CodeError]]:
    """Expect a CodeError whose message names ``value`` and ``reason``."""
    return pytest.raises(CodeError, match=re.escape(f"{value!r} is invalid: {reason}"))


def resident_id(region: str, birth: str, sequence: str) -> str:
    """Build a resident ID with a correct check character."""
    first17 = region + birth + sequence
    return first17 + id_check_character(first17)


# --- CodeError -------------------------------------------------------------------------------


def test_code_error_message_and_attributes() -> None:
    with pytest.raises(CodeError) as caught:
        parse_grid_code("36112600100")
    error = caught.value
    assert str(error) == "grid code '36112600100' is invalid: expected 15 digits, got 11"
    assert (error.value, error.kind, error.reason) == (
        "36112600100",
        "grid code",
        "expected 15 digits, got 11",
    )
    assert isinstance(error, ValueError)


def test_code_error_survives_pickling() -> None:
    error = CodeError("x", "region code", "expected 12 digits, got 1")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.value, copy.kind, copy.reason, str(copy)) == (
        error.value,
        error.kind,
        error.reason,
        str(error),
    )


# --- region codes (区划代码) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "level", "parent"),
    [
        ("360000000000", RegionLevel.PROVINCE, None),  # 江西省
        ("361100000000", RegionLevel.CITY, "360000000000"),  # 上饶市
        ("361126000000", RegionLevel.COUNTY, "361100000000"),  # 弋阳县
        ("361126100000", RegionLevel.TOWNSHIP, "361126000000"),  # a township of 弋阳县
        ("110101001001", RegionLevel.VILLAGE, "110101001000"),  # 东城区东华门街道多福巷社区
        ("441900003000", RegionLevel.TOWNSHIP, "441900000000"),  # 东莞: no county level
        ("441900000000", RegionLevel.CITY, "440000000000"),  # 东莞市
    ],
)
def test_region_codes_parse(code: str, level: RegionLevel, parent: str | None) -> None:
    region = parse_region_code(code)
    assert region.code == code
    assert region.level is level
    assert region.parent == parent
    assert region_level(code) is level
    assert is_valid_region_code(code)


def test_region_code_parts_and_whitespace() -> None:
    region = parse_region_code(" 110101001001\n")
    assert region.code == "110101001001"
    assert (region.province, region.city, region.county, region.township, region.village) == (
        "11",
        "01",
        "01",
        "001",
        "001",
    )
    assert region.level == "village"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("36112600000", "expected 12 digits, got 11"),
        ("3611260000000", "expected 12 digits, got 13"),
        ("", "expected 12 digits, got 0"),
        ("36112600000A", "non-digit character 'A' at position 12"),
        ("361126-00000", "non-digit character '-' at position 7"),
        ("３６１１２６００００００", "non-digit character '３' at position 1"),  # full-width
        ("990000000000", "unknown province '99'"),
        ("000000000000", "unknown province '00'"),
        ("100000000000", "unknown province '10'"),
        ("360026000000", "county part '26' is non-zero but the city part is all zeros"),
        ("360000100000", "township part '100' is non-zero but the city part is all zeros"),
        ("361126000001", "village part '001' is non-zero but the township part is all zeros"),
        ("441900000001", "village part '001' is non-zero but the township part is all zeros"),
    ],
)
def test_region_codes_rejected(code: str, reason: str) -> None:
    with rejects(code, reason):
        parse_region_code(code)
    assert not is_valid_region_code(code)


@pytest.mark.parametrize(
    ("value", "type_name"), [(None, "NoneType"), (361126000000, "int"), (b"x", "bytes")]
)
def test_region_code_must_be_a_str(value: object, type_name: str) -> None:
    with rejects(value, f"expected a str, got {type_name}"):
        parse_region_code(value)
    assert not is_valid_region_code(value)


def test_province_codes() -> None:
    assert len(PROVINCE_CODES) == 34
    assert {"11", "15", "46", "50", "54", "65", "71", "81", "82"} <= PROVINCE_CODES
    assert not {"00", "10", "16", "24", "47", "55", "66", "72", "83", "99"} & PROVINCE_CODES


# --- grid codes (网格编码) and micro-grids (微网格) ------------------------------------------


def test_grid_code_in_a_village() -> None:
    grid = parse_grid_code("110101001001001", parent="110101001001")
    assert grid.code == "110101001001001"
    assert grid.region_code == "110101001001"
    assert grid.sequence == "001"
    assert not grid.is_micro
    assert grid.grid_code is None
    assert grid.parent == "110101001001"


def test_grid_code_in_a_township_without_villages() -> None:
    grid = parse_grid_code(" 361126100000999 ")
    assert (grid.code, grid.region_code, grid.sequence) == (
        "361126100000999",
        "361126100000",
        "999",
    )


def test_micro_grid_code() -> None:
    micro = parse_grid_code("11010100100100107", parent="110101001001001")
    assert micro.is_micro
    assert micro.region_code == "110101001001"
    assert micro.sequence == "07"
    assert micro.grid_code == "110101001001001"
    assert micro.parent == "110101001001001"
    assert is_valid_grid_code("11010100100100199")


@pytest.mark.parametrize(
    ("code", "parent", "reason"),
    [
        ("36112600100", None, "expected 15 digits, got 11"),
        ("3611261000000011", None, "expected 15 digits, got 16"),
        ("110101001001O01", None, "non-digit character 'O' at position 13"),
        ("110101001001000", None, "grid sequence '000' must be 001-999"),
        ("11010100100100100", None, "micro-grid sequence '00' must be 01-99"),
        ("11010100100100001", None, "grid sequence '000' must be 001-999"),
        (
            "361126000000001",
            None,
            "region part '361126000000' is a county code; a grid belongs to a township or village",
        ),
        ("990000000001001", None, "region part '990000000001': unknown province '99'"),
        (
            "361126000001001",
            None,
            "region part '361126000001': village part '001' is non-zero"
            " but the township part is all zeros",
        ),
        (
            "110101001001001",
            "110101001002",
            "region part '110101001001' does not match the expected parent '110101001002'",
        ),
        (
            "11010100100100107",
            "110101001001002",
            "grid part '110101001001001' does not match the expected parent '110101001001002'",
        ),
    ],
)
def test_grid_codes_rejected(code: str, parent: str | None, reason: str) -> None:
    with rejects(code, reason):
        parse_grid_code(code, parent=parent)
    assert not is_valid_grid_code(code, parent)


def test_grid_code_must_be_a_str() -> None:
    with rejects(None, "expected a str, got NoneType"):
        parse_grid_code(None)


# --- camera IDs (GB/T 28181 设备编码) ---------------------------------------------------------


def test_camera_id_example_from_the_standard() -> None:
    camera = parse_camera_id("34020000001320000001")
    assert camera.code == "34020000001320000001"
    assert camera.region == "34020000"
    assert camera.industry == "00"
    assert camera.type_code == "132"
    assert camera.network == "0"
    assert camera.sequence == "000001"
    assert camera.type_name == "IPC"
    assert camera.is_camera
    assert is_valid_camera_id("34020000001320000001", region="340200000000")


def test_camera_id_in_yiyang() -> None:
    camera = parse_camera_id(" 36112601001310000042 ", region="361126100000")
    assert camera.region == "36112601"
    assert camera.type_name == "camera"
    assert camera.sequence == "000042"


def test_camera_id_of_a_non_camera_and_an_extension_type() -> None:
    nvr = parse_camera_id("36112600001180000001")
    assert (nvr.type_name, nvr.is_camera) == ("NVR", False)
    assert parse_camera_id("36112600001190000001").type_name is None  # 119: extension range


@pytest.mark.parametrize(
    ("code", "region", "reason"),
    [
        ("3402000000132000001", None, "expected 20 digits, got 19"),
        ("340200000013200000011", None, "expected 20 digits, got 21"),
        ("3402000000132000000A", None, "non-digit character 'A' at position 20"),
        ("99020000001320000001", None, "unknown province '99'"),
        (
            "34020000001320000001",
            "361126000000",
            "region part '34020000' is not in region '361126000000':"
            " the first 6 digits '340200' must equal its county part '361126'",
        ),
        (
            "36112500001320000001",
            "361126100000",
            "the first 6 digits '361125' must equal its county part '361126'",
        ),
    ],
)
def test_camera_ids_rejected(code: str, region: str | None, reason: str) -> None:
    with pytest.raises(CodeError, match=re.escape(f"{code!r} is invalid: ")) as caught:
        parse_camera_id(code, region=region)
    assert reason in caught.value.reason
    assert not is_valid_camera_id(code, region)


def test_camera_id_expected_region_must_be_valid() -> None:
    with rejects("3611", "expected 12 digits, got 4") as caught:
        parse_camera_id("34020000001320000001", region="3611")
    assert caught.value.kind == "region code"


def test_device_types() -> None:
    assert is_camera_type("131")
    assert is_camera_type("132")
    assert not is_camera_type("118")
    assert not is_camera_type("215")
    assert DEVICE_TYPES["118"] == "NVR"
    assert DEVICE_TYPES["215"] == "business group"
    assert DEVICE_TYPES["216"] == "virtual organisation"
    assert all(len(code) == 3 and code.isdigit() for code in DEVICE_TYPES)


# --- resident ID numbers (居民身份证号码) -----------------------------------------------------


def test_published_resident_id_example() -> None:
    person = parse_resident_id("11010519491231002X", today=TODAY)
    assert person.code == "11010519491231002X"
    assert person.region == "110105"
    assert person.birth_date == date(1949, 12, 31)
    assert person.sequence == "002"
    assert person.check == "X"
    assert person.sex is Sex.FEMALE


def test_lower_case_x_is_normalised() -> None:
    assert parse_resident_id(" 11010519491231002x ", today=TODAY).code == "11010519491231002X"


def test_check_character() -> None:
    assert id_check_character("11010519491231002") == "X"
    assert len({id_check_character(f"3611261985031512{n}") for n in range(10)}) == 10


def test_built_resident_ids() -> None:
    male = parse_resident_id(resident_id("361126", "19850315", "123"), today=TODAY)
    assert (male.birth_date, male.sex) == (date(1985, 3, 15), Sex.MALE)
    leap = parse_resident_id(resident_id("361126", "20000229", "124"), today=TODAY)
    assert (leap.birth_date, leap.sex) == (date(2000, 2, 29), Sex.FEMALE)
    born_today = resident_id("361126", "20240601", "001")
    assert is_valid_resident_id(born_today, today=TODAY)
    assert is_valid_resident_id(resident_id("110105", "19000101", "001"), today=TODAY)


def test_today_defaults_to_the_real_date() -> None:
    assert is_valid_resident_id("11010519491231002X")
    assert not is_valid_resident_id(resident_id("110105", f"{date.today().year + 1}0101", "001"))


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("110105194912310021", "check character '1' does not match, expected 'X'"),
        ("11010519491231002Y", "check character 'Y' must be a digit or X"),
        (resident_id("361126", "19990230", "001"), "birth date '19990230' is not a real date"),
        (resident_id("361126", "19991301", "001"), "birth date '19991301' is not a real date"),
        (
            resident_id("361126", "20240602", "001"),
            "birth date '20240602' is after today (2024-06-01)",
        ),
        (resident_id("361126", "18991231", "001"), "birth year 1899 is before 1900"),
        ("11010519491231002", "expected 18 characters, got 17"),
        ("11010519491231002X1", "expected 18 characters, got 19"),
        ("1101051949123100AX", "non-digit character 'A' at position 17"),
    ],
)
def test_resident_ids_rejected(value: str, reason: str) -> None:
    with rejects(value, reason):
        parse_resident_id(value, today=TODAY)
    assert not is_valid_resident_id(value, today=TODAY)


def test_resident_id_must_be_a_str() -> None:
    with rejects(None, "expected a str, got NoneType"):
        parse_resident_id(None)


@pytest.mark.parametrize("first17", ["1101051949123100", "1101051949123100X", None])
def test_check_character_needs_17_digits(first17: object) -> None:
    with pytest.raises(CodeError, match=re.escape(f"resident ID {first17!r} is invalid")):
        id_check_character(first17)  # type: ignore[arg-type]


# --- the formats as patterns (the OpenAPI document's) ----------------------------------------


def _codes(count: int, seed: int) -> list[str]:
    """Codes of 11 to 18 digits, most of them near-valid: a real province, zero-rich parts."""
    draw = random.Random(seed)
    found = []
    for _ in range(count):
        length = draw.choice([11, 12, 12, 12, 15, 15, 16, 17, 17, 18])
        head = draw.choice(["36", "44", "11", "81", "71", "00", "99", "19"])
        found.append(head + "".join(draw.choice("0000000123456789") for _ in range(length - 2)))
    return found


@pytest.mark.parametrize(
    ("pattern", "is_valid", "examples"),
    [
        (
            REGION_CODE_PATTERN,
            is_valid_region_code,
            ["361126000000", "441900003000", "820000000000"],
        ),
        (GRID_CODE_PATTERN, is_valid_grid_code, ["361126109001001", "36112610900100101"]),
    ],
)
def test_patterns_accept_what_the_parsers_accept(pattern, is_valid, examples) -> None:
    for code in [*examples, *_codes(20_000, seed=len(pattern))]:
        assert bool(re.fullmatch(pattern, code)) == is_valid(code), code
    assert all(re.fullmatch(pattern, code) for code in examples)
