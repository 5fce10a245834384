"""Validators for the fixed code formats gridmap stores and exchanges.

Region codes (12-digit statistical division codes), grid and micro-grid codes, GB/T 28181
camera device IDs and resident ID numbers. Every parser strips surrounding whitespace,
returns a frozen dataclass of the parsed parts and raises `CodeError` naming the value and
the reason; every ``is_valid_*`` function is the boolean form of its parser.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Final

__all__ = [
    "DEVICE_TYPES",
    "GRID_CODE_PATTERN",
    "GRID_ONLY_CODE_PATTERN",
    "PROVINCE_CODES",
    "REGION_CODE_PATTERN",
    "CameraId",
    "CodeError",
    "GridCode",
    "RegionCode",
    "RegionLevel",
    "ResidentId",
    "Sex",
    "id_check_character",
    "is_camera_type",
    "is_valid_camera_id",
    "is_valid_grid_code",
    "is_valid_region_code",
    "is_valid_resident_id",
    "parse_camera_id",
    "parse_grid_code",
    "parse_region_code",
    "parse_resident_id",
    "region_level",
    "significant_digits",
]

_REGION: Final = "region code"
_GRID: Final = "grid code"
_CAMERA: Final = "camera ID"
_RESIDENT: Final = "resident ID"

_PROVINCE_RANGES: Final = ((11, 15), (21, 23), (31, 37), (41, 46), (50, 54), (61, 65), (71, 71))
PROVINCE_CODES: Final[frozenset[str]] = frozenset(
    [f"{n}" for low, high in _PROVINCE_RANGES for n in range(low, high + 1)] + ["81", "82"]
)
"""The 34 province-level prefixes of GB/T 2260 (including 71 Taiwan, 81 Hong Kong, 82 Macao)."""

DEVICE_TYPES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "111": "DVR",
        "112": "video server",
        "113": "encoder",
        "114": "decoder",
        "115": "video switching matrix",
        "116": "audio switching matrix",
        "117": "alarm controller",
        "118": "NVR",
        "130": "hybrid video recorder (HVR)",
        "131": "camera",
        "132": "IPC",
        "133": "display",
        "134": "alarm input device",
        "135": "alarm output device",
        "136": "voice input device",
        "137": "voice output device",
        "138": "mobile transmission device",
        "139": "other peripheral",
        "200": "central signalling control server",
        "201": "web application server",
        "202": "media distribution server",
        "203": "proxy server",
        "204": "security server",
        "205": "alarm server",
        "206": "database server",
        "207": "GIS server",
        "208": "management server",
        "209": "access gateway",
        "210": "media storage server",
        "211": "signalling security routing gateway",
        "215": "business group",
        "216": "virtual organisation",
    }
)
"""GB/T 28181 device type codes (digits 11-13 of a device ID) and what they name.

Codes the standard reserves for extensions (119-129, 140-199, 212-214, 217-299) or gives to
users and external platforms (300-999) are absent: they are legal, just not named here.
"""

_CAMERA_TYPES: Final = frozenset({"131", "132"})
_ID_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS: Final = "10X98765432"


class CodeError(ValueError):
    """A code that breaks its format.

    Parameters
    ----------
    value : object
        The value as given, before stripping.
    kind : str
        What it should have been, e.g. ``"grid code"``.
    reason : str
        What is wrong with it, in words.
    """

    def __init__(self, value: object, kind: str, reason: str) -> None:
        self.value = value
        self.kind = kind
        self.reason = reason
        super().__init__(f"{kind} {value!r} is invalid: {reason}")

    def __reduce__(self) -> tuple[type["CodeError"], tuple[object, str, str]]:
        return type(self), (self.value, self.kind, self.reason)


class RegionLevel(StrEnum):
    """Level of a 12-digit region code, derived from which parts are non-zero."""

    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"


class Sex(StrEnum):
    """Sex recorded in a resident ID number (odd sequence: male, even: female)."""

    MALE = "male"
    FEMALE = "female"


# (level, start, end) of each part of a 12-digit region code, top down.
_REGION_PARTS: Final = (
    (RegionLevel.PROVINCE, 0, 2),
    (RegionLevel.CITY, 2, 4),
    (RegionLevel.COUNTY, 4, 6),
    (RegionLevel.TOWNSHIP, 6, 9),
    (RegionLevel.VILLAGE, 9, 12),
)


def significant_digits(level: RegionLevel) -> int:
    """How many leading digits of a 12-digit code name a division of ``level`` (2, 4, 6, 9
    or 12): every code under it starts with them."""
    return next(end for part, _start, end in _REGION_PARTS if part == level)


@dataclass(frozen=True, slots=True)
class RegionCode:
    """A parsed 12-digit region code (统计用区划代码); parts are digit strings as written."""

    code: str
    level: RegionLevel
    province: str
    city: str
    county: str
    township: str
    village: str

    @property
    def prefix(self) -> str:
        """The significant digits (2, 4, 6, 9 or 12): every code under this one starts so."""
        return self.code[: significant_digits(self.level)]

    @property
    def parent(self) -> str | None:
        """12-digit code of the enclosing division, or None for a province."""
        index = list(RegionLevel).index(self.level)
        if index == 0:
            return None
        end = _REGION_PARTS[index - 1][2]
        return self.code[:end].ljust(12, "0")


@dataclass(frozen=True, slots=True)
class GridCode:
    """A parsed grid (网格编码, 15 digits) or micro-grid (17 digits) code."""

    code: str
    region_code: str
    sequence: str
    is_micro: bool
    grid_code: str | None

    @property
    def parent(self) -> str:
        """The enclosing grid of a micro-grid, or the region code of a grid."""
        return self.grid_code if self.grid_code is not None else self.region_code


@dataclass(frozen=True, slots=True)
class CameraId:
    """A parsed GB/T 28181 设备编码 (20 digits); parts are digit strings as written."""

    code: str
    region: str
    industry: str
    type_code: str
    network: str
    sequence: str

    @property
    def type_name(self) -> str | None:
        """Name of the device type, or None for an extension code."""
        return DEVICE_TYPES.get(self.type_code)

    @property
    def is_camera(self) -> bool:
        """Whether the device type is a camera (131) or an IP camera (132)."""
        return is_camera_type(self.type_code)


@dataclass(frozen=True, slots=True)
class ResidentId:
    """A parsed 18-character 居民身份证号码, check character upper-case."""

    code: str
    region: str
    birth_date: date
    sequence: str
    check: str
    sex: Sex


def _text(value: object, kind: str) -> str:
    """Return ``value`` stripped, or raise if it is not a str."""
    if not isinstance(value, str):
        raise CodeError(value, kind, f"expected a str, got {type(value).__name__}")
    return value.strip()


def _check_length(value: object, text: str, length: int, kind: str, unit: str) -> None:
    if len(text) != length:
        raise CodeError(value, kind, f"expected {length} {unit}, got {len(text)}")


def _check_digits(value: object, text: str, kind: str) -> None:
    for position, char in enumerate(text, start=1):
        if char not in "0123456789":
            raise CodeError(value, kind, f"non-digit character {char!r} at position {position}")


def _digits(value: object, length: int, kind: str) -> str:
    """Return ``value`` stripped if it is exactly ``length`` ASCII digits, else raise."""
    text = _text(value, kind)
    _check_length(value, text, length, kind, "digits")
    _check_digits(value, text, kind)
    return text


def _check_province(value: object, province: str, kind: str) -> None:
    if province not in PROVINCE_CODES:
        raise CodeError(value, kind, f"unknown province {province!r}")


def _check_sequence(value: object, part: str, kind: str, label: str) -> None:
    """Reject an all-zero sequence part such as grid sequence ``000``."""
    if int(part) == 0:
        lowest = "1".rjust(len(part), "0")
        raise CodeError(value, kind, f"{label} {part!r} must be {lowest}-{'9' * len(part)}")


def _check_prefix(value: object, actual: str, expected: str | None, kind: str, label: str) -> None:
    """Require ``actual`` (a code's leading part) to equal the expected parent code."""
    if expected is None:
        return
    wanted = _text(expected, kind)
    if actual != wanted:
        reason = f"{label} {actual!r} does not match the expected parent {wanted!r}"
        raise CodeError(value, kind, reason)


def _region_level(value: object, code: str) -> RegionLevel:
    """Derive the level of a 12-digit code whose province is known to be real.

    A non-zero part below an all-zero part is impossible, except a zero county part under a
    non-zero city part: cities without counties (东莞 4419, 中山 4420, 儋州 4604,
    嘉峪关 6202) number their townships directly, e.g. ``441900003000``.
    """
    level = RegionLevel.PROVINCE
    gap: RegionLevel | None = None
    for part_level, start, end in _REGION_PARTS[1:]:
        part = code[start:end]
        if int(part) != 0:
            if gap is not None:
                reason = f"{part_level} part {part!r} is non-zero but the {gap} part is all zeros"
                raise CodeError(value, _REGION, reason)
            level = part_level
        elif gap is None and not (part_level is RegionLevel.COUNTY and level is RegionLevel.CITY):
            gap = part_level
    return level


def parse_region_code(code: object) -> RegionCode:
    """Parse a 12-digit region code (区划代码).

    Parameters
    ----------
    code : str
        Province 2 + city 2 + county 2 + township 3 + village 3 digits.

    Returns
    -------
    RegionCode
        The code, its level (from which parts are non-zero) and its parts.

    Raises
    ------
    CodeError
        Wrong length, a non-digit, an unknown province or an impossible structure.
    """
    text = _digits(code, 12, _REGION)
    _check_province(code, text[:2], _REGION)
    level = _region_level(code, text)
    parts = (text[start:end] for _, start, end in _REGION_PARTS)
    return RegionCode(text, level, *parts)


# The formats above as regular expressions (ECMA-262 and Python alike), for schemas that
# must say what a parser accepts: the OpenAPI document's parameters. Surrounding whitespace,
# which the parsers strip, is not part of them.
_PROVINCE_RE: Final = "(?:1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5]|71|8[12])"
_NONZERO_2: Final = "(?:0[1-9]|[1-9][0-9])"
_NONZERO_3: Final = "(?:00[1-9]|0[1-9][0-9]|[1-9][0-9]{2})"
# township or village: a city part, any county part (cities without counties have 00), a
# township part, any village part
_TOWN_OR_VILLAGE_RE: Final = f"{_PROVINCE_RE}{_NONZERO_2}[0-9]{{2}}{_NONZERO_3}[0-9]{{3}}"
REGION_CODE_PATTERN: Final = (
    f"^{_PROVINCE_RE}(?:0{{10}}|{_NONZERO_2}(?:0{{8}}|{_NONZERO_2}0{{6}}"
    f"|[0-9]{{2}}{_NONZERO_3}[0-9]{{3}}))$"
)
"""What `parse_region_code` accepts (without surrounding whitespace)."""
GRID_CODE_PATTERN: Final = f"^{_TOWN_OR_VILLAGE_RE}{_NONZERO_3}(?:{_NONZERO_2})?$"
"""What `parse_grid_code` accepts without a ``parent`` (grids and micro-grids)."""
GRID_ONLY_CODE_PATTERN: Final = f"^{_TOWN_OR_VILLAGE_RE}{_NONZERO_3}$"
"""A 15-digit grid code, not a micro-grid's."""


def region_level(code: object) -> RegionLevel:
    """Return the level of a 12-digit region code (区划代码); raises `CodeError`."""
    return parse_region_code(code).level


def parse_grid_code(code: object, parent: str | None = None) -> GridCode:
    """Parse a grid code (网格编码) or a micro-grid code (微网格).

    Parameters
    ----------
    code : str
        A grid: the 12-digit code of its village or township + sequence ``001``-``999``
        (15 digits). A micro-grid: its grid's 15 digits + ``01``-``99`` (17 digits).
    parent : str, optional
        The expected parent: a region code for a grid, a grid code for a micro-grid.

    Returns
    -------
    GridCode
        ``grid_code`` is the enclosing grid of a micro-grid, None for a grid.

    Raises
    ------
    CodeError
        Malformed, a region part that is not a township or village, a zero sequence, or a
        prefix other than ``parent``.
    """
    text = _text(code, _GRID)
    is_micro = len(text) == 17
    text = _digits(code, 17 if is_micro else 15, _GRID)
    region_part = text[:12]
    try:
        region = parse_region_code(region_part)
    except CodeError as error:
        raise CodeError(code, _GRID, f"region part {region_part!r}: {error.reason}") from error
    if region.level not in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
        reason = (
            f"region part {region_part!r} is a {region.level} code;"
            " a grid belongs to a township or village"
        )
        raise CodeError(code, _GRID, reason)
    _check_sequence(code, text[12:15], _GRID, "grid sequence")
    if is_micro:
        _check_sequence(code, text[15:], _GRID, "micro-grid sequence")
        _check_prefix(code, text[:15], parent, _GRID, "grid part")
    else:
        _check_prefix(code, region_part, parent, _GRID, "region part")
    return GridCode(
        code=text,
        region_code=region_part,
        sequence=text[15:] if is_micro else text[12:15],
        is_micro=is_micro,
        grid_code=text[:15] if is_micro else None,
    )


def is_camera_type(type_code: str) -> bool:
    """Whether a GB/T 28181 设备编码 type code (digits 11-13) names a camera (131, 132)."""
    return type_code in _CAMERA_TYPES


def parse_camera_id(code: object, region: str | None = None) -> CameraId:
    """Parse a 20-digit GB/T 28181 设备编码 (device ID).

    Parameters
    ----------
    code : str
        Region 8 (province 2, city 2, county 2, grassroots unit 2) + industry 2 + type 3 +
        network 1 + sequence 6 digits.
    region : str, optional
        12-digit region code of where the camera stands; the ID's first 6 digits must then
        equal its county part (first 6 digits).

    Returns
    -------
    CameraId
        The parts; ``type_name`` and ``is_camera`` read the type code.

    Raises
    ------
    CodeError
        Malformed, an unknown province, or a region other than ``region``.
    """
    text = _digits(code, 20, _CAMERA)
    _check_province(code, text[:2], _CAMERA)
    if region is not None:
        county = parse_region_code(region).code[:6]
        if text[:6] != county:
            reason = (
                f"region part {text[:8]!r} is not in region {region!r}:"
                f" the first 6 digits {text[:6]!r} must equal its county part {county!r}"
            )
            raise CodeError(code, _CAMERA, reason)
    return CameraId(text, text[:8], text[8:10], text[10:13], text[13], text[14:])


def id_check_character(first17: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character of a 居民身份证号码's first 17 digits.

    Raises
    ------
    CodeError
        ``first17`` is not 17 digits.
    """
    digits = _digits(first17, 17, _RESIDENT)
    total = sum(int(digit) * weight for digit, weight in zip(digits, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def _birth_date(value: object, digits: str, today: date) -> date:
    """Return the YYYYMMDD birth date of a resident ID, checking it is real and past."""
    if int(digits[:4]) < 1900:
        raise CodeError(value, _RESIDENT, f"birth year {digits[:4]} is before 1900")
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise CodeError(value, _RESIDENT, f"birth date {digits!r} is not a real date") from None
    if born > today:
        raise CodeError(value, _RESIDENT, f"birth date {digits!r} is after today ({today})")
    return born


def parse_resident_id(value: object, today: date | None = None) -> ResidentId:
    """Parse an 18-character resident ID number (居民身份证号码, GB 11643).

    Parameters
    ----------
    value : str
        Region 6 + birth date YYYYMMDD + sequence 3 digits + check character (a digit or
        X; a lower-case x is accepted and returned as X). The region is not checked
        against a list: residence permits use codes such as 830000.
    today : date, optional
        The date a birth date may not be after; defaults to ``date.today()``.

    Returns
    -------
    ResidentId
        The normalised number, birth date and sex (odd sequence male, even female).

    Raises
    ------
    CodeError
        Wrong length, a non-digit, a birth date that is impossible, before 1900 or in the
        future, or a wrong check character.
    """
    text = _text(value, _RESIDENT).upper()
    _check_length(value, text, 18, _RESIDENT, "characters")
    _check_digits(value, text[:17], _RESIDENT)
    born = _birth_date(value, text[6:14], today or date.today())
    check = text[17]
    if check not in _ID_CHECK_CHARS:
        raise CodeError(value, _RESIDENT, f"check character {check!r} must be a digit or X")
    expected = id_check_character(text[:17])
    if check != expected:
        reason = f"check character {check!r} does not match, expected {expected!r}"
        raise CodeError(value, _RESIDENT, reason)
    sex = Sex.MALE if int(text[14:17]) % 2 else Sex.FEMALE
    return ResidentId(text, text[:6], born, text[14:17], check, sex)


def _is_valid(parse: Callable[..., object], *args: object) -> bool:
    try:
        parse(*args)
    except CodeError:
        return False
    return True


def is_valid_region_code(code: object) -> bool:
    """Whether `parse_region_code` accepts ``code`` (区划代码)."""
    return _is_valid(parse_region_code, code)


def is_valid_grid_code(code: object, parent: str | None = None) -> bool:
    """Whether `parse_grid_code` accepts ``code`` (网格编码 or 微网格)."""
    return _is_valid(parse_grid_code, code, parent)


def is_valid_camera_id(code: object, region: str | None = None) -> bool:
    """Whether `parse_camera_id` accepts ``code`` (GB/T 28181 设备编码)."""
    return _is_valid(parse_camera_id, code, region)


def is_valid_resident_id(value: object, today: date | None = None) -> bool:
    """Whether `parse_resident_id` accepts ``value`` (居民身份证号码)."""
    return _is_valid(parse_resident_id, value, today)


_SHORT_REGION_LENGTHS = (2, 4, 6, 9)


def expand_region_code(value: object) -> object:
    """A region code as files give it, made 12 digits: GB/T 2260 county codes (6 digits),
    township codes (9), province and city codes (2, 4), also as numbers, get their zeros.

    Anything else is returned unchanged, for `parse_region_code` to judge.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        value = str(value)
    elif isinstance(value, float) and value.is_integer():
        value = str(int(value))
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit() and text.isascii() and len(text) in _SHORT_REGION_LENGTHS:
            return text.ljust(12, "0")
        return text
    return value
