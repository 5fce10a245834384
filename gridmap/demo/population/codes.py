"""Well-formed codes, vectorised: resident ID numbers (居民身份证号码, GB 11643) and unified
social credit codes (统一社会信用代码, GB 32100), with the digit and ASCII helpers they share.
"""

from __future__ import annotations

import numpy as np

from gridmap.demo.population.vectors import _STR

CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters of a unified social credit code (no I, O, Z, S, V)."""
_CREDIT_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])
_GB11714_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
_BODY_SPACE = 31**6


def _digit_matrix(values: np.ndarray, width: int) -> np.ndarray:
    """Decimal digits of non-negative integers, most significant first, as an (n, width) array."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (np.asarray(values, dtype=np.int64)[:, None] // powers) % 10


def _ascii(matrix: np.ndarray) -> np.ndarray:
    """Rows of ASCII codes as strings (one fixed-width bytes view, no per-row Python)."""
    rows = np.ascontiguousarray(matrix, dtype=np.uint8)
    return rows.view(f"S{rows.shape[1]}").ravel().astype(_STR)


def _zfill(values: np.ndarray, width: int) -> np.ndarray:
    """Integers as zero-padded decimal strings of ``width`` characters."""
    return _ascii(_digit_matrix(values, width) + 48)


def _yyyymmdd(day: np.ndarray) -> np.ndarray:
    day = np.asarray(day, dtype="datetime64[D]")
    month = day.astype("datetime64[M]")
    year = day.astype("datetime64[Y]").astype(np.int64) + 1970
    day_of_month = (day - month.astype("datetime64[D]")).astype(np.int64) + 1
    return year * 10_000 + (month.astype(np.int64) % 12 + 1) * 100 + day_of_month


def id_numbers(county: np.ndarray, birth: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """18-character resident ID numbers (居民身份证号码, GB 11643), vectorised.

    Parameters
    ----------
    county : array of str
        6-digit GB/T 2260 county codes.
    birth : array of datetime64[D]
        Birth dates.
    seq : array of int
        3-digit sequence numbers 0-999 (odd for men, even for women).

    Returns
    -------
    numpy.ndarray
        The numbers, ending in their ISO 7064 MOD 11-2 check character.
    """
    counties = np.asarray(county).astype(np.int64)
    first17 = counties * 10**11 + _yyyymmdd(birth) * 1000 + np.asarray(seq, dtype=np.int64)
    digits = _digit_matrix(first17, 17)
    check = _ID_CHECK[(digits @ _ID_WEIGHTS) % 11]
    return _ascii(np.column_stack([digits + 48, check]))


_CREDIT_BYTES = np.frombuffer(CREDIT_CHARSET.encode(), dtype=np.uint8)
_CREDIT_VALUE = np.full(128, -1, dtype=np.int64)
_CREDIT_VALUE[_CREDIT_BYTES] = np.arange(31)


def credit_code_check_character(first17: str) -> str:
    """The check character of a unified social credit code (统一社会信用代码, GB 32100-2015).

    Raises
    ------
    ValueError
        ``first17`` is not 17 characters of `CREDIT_CHARSET`.
    """
    if len(first17) != 17 or any(char not in CREDIT_CHARSET for char in first17):
        raise ValueError(f"{first17!r} is not 17 characters of {CREDIT_CHARSET}")
    total = sum(
        CREDIT_CHARSET.index(c) * int(w) for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True)
    )
    return CREDIT_CHARSET[-total % 31]


def _gb11714_check(body: np.ndarray) -> np.ndarray:
    """GB 11714 check characters of 8-character organisation code bodies ((n, 8) ASCII)."""
    values = np.where(body >= 65, body - 55, body - 48)  # digits 0-9, letters A=10 … Z=35
    check = 11 - (values @ _GB11714_WEIGHTS) % 11
    return np.select([check == 10, check == 11], [ord("X"), ord("0")], check + 48)


def _bodies(serial: np.ndarray, market: np.ndarray) -> np.ndarray:
    """Distinct organisation code bodies ((n, 8) ASCII) for distinct serials: ``MA`` + 6
    characters for market entities (the post-2015 style), 8 digits for the others; an affine
    map modulo the code space scrambles the serials without ever repeating one."""
    serial = np.asarray(serial, dtype=np.int64)
    scrambled = (serial * 548_503_681 + 7_777) % _BODY_SPACE  # multiplier coprime to 31
    base31 = _CREDIT_BYTES[(scrambled[:, None] // 31 ** np.arange(5, -1, -1)) % 31]
    letters = np.column_stack([np.full((len(serial), 2), list(b"MA")), base31])
    digits = _digit_matrix((serial * 61_803_399 + 12_345) % 10**8, 8) + 48  # coprime to 10
    return np.where(np.asarray(market)[:, None], letters, digits).astype(np.uint8)


def credit_codes(
    prefix: np.ndarray, region: np.ndarray, serial: np.ndarray, market: np.ndarray
) -> np.ndarray:
    """Unified social credit codes (统一社会信用代码), vectorised; distinct serials give
    distinct codes.

    Parameters
    ----------
    prefix : array of str
        Registration authority + kind, e.g. ``"91"`` (工商, 企业).
    region : array of str
        6-digit county code of the registering authority.
    serial : array of int
        Distinct non-negative serial numbers below 31**6.
    market : array of bool
        True: an ``MA…`` organisation code body, False: 8 digits.
    """
    head = np.asarray(prefix, dtype="S2").view(np.uint8).reshape(-1, 2)
    county = np.asarray(region, dtype="S6").view(np.uint8).reshape(-1, 6)
    body = _bodies(serial, market)
    first17 = np.column_stack([head, county, body, _gb11714_check(body)])
    check = _CREDIT_BYTES[-(_CREDIT_VALUE[first17] @ _CREDIT_WEIGHTS) % 31]
    return _ascii(np.column_stack([first17, check]))
