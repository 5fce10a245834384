"""People (人口) one by one: census ages, birth dates with unique ID sequence numbers, names,
mobile phones and the joining of key-group tags.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from gridmap.demo.population.codes import _zfill
from gridmap.demo.population.vectors import _STR, _choice, _join, _rank_by

# China 2020 census (第七次全国人口普查), % of the population in 5-year bands 0-4 … 95-99;
# the 85+ band is split by the usual decline, 100 stands for 100 and over
_AGE_BANDS = np.concatenate(
    [
        (5.52, 6.39, 6.04, 5.15, 5.31, 6.50, 8.79, 7.01, 6.60, 8.09),  # 0-4 … 45-49
        (8.58, 7.18, 5.20, 5.24, 3.51, 2.20, 1.42, 0.85, 0.33, 0.08),  # 50-54 … 95-99
    ]
)
_AGE_100 = 0.01
_ADULT = 18

_KINDS = ("registered", "resident", "floating", "foreign")

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺"
    "顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
# approximate shares (%) of the surnames above, in the same order
_SURNAME_SHARES = np.concatenate(
    [
        (7.1, 7.0, 6.7, 5.4, 4.5, 3.1, 2.2, 2.0, 2.0, 1.9, 1.5, 1.4, 1.3, 1.2, 1.1, 1.1, 1.0),
        (0.95, 0.95, 0.9, 0.8, 0.7, 0.6, 0.6, 0.55, 0.5, 0.5, 0.5, 0.5, 0.45, 0.45, 0.4, 0.4),
        (0.4, 0.38, 0.37, 0.36, 0.36, 0.35, 0.35, 0.34, 0.33, 0.33, 0.32, 0.3, 0.3, 0.3, 0.3),
        (0.3, 0.28, 0.27, 0.27, 0.26, 0.25, 0.25, 0.24, 0.24, 0.23, 0.22, 0.22, 0.22, 0.21),
        (0.21, 0.2, 0.2, 0.2, 0.2, 0.19, 0.19, 0.18, 0.18, 0.17, 0.17, 0.17, 0.16, 0.16),
        (0.16, 0.15, 0.15, 0.15, 0.15, 0.14, 0.14, 0.14, 0.14, 0.13, 0.13, 0.13, 0.13, 0.12),
        (0.12, 0.12, 0.12, 0.12, 0.12, 0.12, 0.12, 0.11, 0.11, 0.11),
    ]
)
_GIVEN = tuple(
    dict.fromkeys(
        "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚华红梅兰玲鹏辉斌宇浩凯健俊帆帅旭宁琳晨欣怡"
        "梓涵轩子豪博文诗雨萱佳嘉思晓雪婷颖倩瑶睿泽航飞鑫志国建成海波宏亮林峰彬金龙春燕丹莉萍"
        "慧云凤英秀玉珍淑芬桂荣德福安新立永生祥东荣晶琴"
    )
)
_TWO_CHAR_GIVEN = 0.7
_MOBILE_PREFIXES = np.r_[
    130:140, 145, 147, 150:154, 155:160, 162, 165:168, 170:179, 180:190, 191, 193, 195:200
]

_MALE_SLOTS, _FEMALE_SLOTS = 500, 499  # odd 001-999, even 002-998


def _age_shares() -> np.ndarray:
    shares = np.append(np.repeat(_AGE_BANDS / 5, 5), _AGE_100)
    return shares / shares.sum()


def _ages(is_head: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Census ages overall, with an adult at the head of every household: heads come from the
    adult ages and the other members from what remains of the census shares."""
    shares = _age_shares()
    adult = np.where(np.arange(101) >= _ADULT, shares, 0.0)
    adult /= adult.sum()
    n, heads = len(is_head), int(is_head.sum())
    others = np.clip(shares * n - adult * heads, 0.0, None)
    ages = np.empty(n, dtype=np.int64)
    ages[is_head] = rng.choice(101, heads, p=adult)
    if n > heads:
        ages[~is_head] = rng.choice(101, n - heads, p=others / others.sum())
    return ages


def _anniversary(today: dt.date, years: np.ndarray) -> np.ndarray:
    """``today`` moved back ``years`` years; 29 February becomes 28 February in common years."""
    month = (today.year - 1970 - years).astype("datetime64[Y]").astype("datetime64[M]")
    month = month + (today.month - 1)
    day = month.astype("datetime64[D]") + (today.day - 1)
    return np.minimum(day, (month + 1).astype("datetime64[D]") - 1)


def _births(ages: np.ndarray, today: dt.date, rng: np.random.Generator) -> np.ndarray:
    """Birth dates uniform over the days that make each age exactly right on ``today``."""
    latest = _anniversary(today, ages)
    earliest = _anniversary(today, ages + 1) + 1
    span = (latest - earliest).astype(np.int64) + 1
    return earliest + (rng.random(len(ages)) * span).astype(np.int64)


class _IdSequences:
    """Sequence numbers already given per (county, birth date, sex), across chunks, so no two
    generated ID numbers are equal. Keys stay sorted; a chunk merges its counts in."""

    def __init__(self, today: dt.date, rng: np.random.Generator) -> None:
        self.origin = np.datetime64(today, "D") - 102 * 366
        self.days = 103 * 366
        self.keys = np.zeros(0, dtype=np.int64)
        self.used = np.zeros(0, dtype=np.int64)
        # slot -> sequence number, shuffled so one day's numbers do not run 001, 003, …
        self.male = rng.permutation(_MALE_SLOTS) * 2 + 1
        self.female = rng.permutation(_FEMALE_SLOTS) * 2 + 2

    def _numbers(self, keys: np.ndarray, slots: np.ndarray, male: np.ndarray) -> np.ndarray:
        """Sequence numbers of free slots; each key starts elsewhere in the shuffled order."""
        capacity = np.where(male, _MALE_SLOTS, _FEMALE_SLOTS)
        shifted = (slots + keys * 40_503) % capacity
        return np.where(
            male, self.male[shifted % _MALE_SLOTS], self.female[shifted % _FEMALE_SLOTS]
        )

    def _key(self, county: np.ndarray, birth: np.ndarray, male: np.ndarray) -> np.ndarray:
        day = (birth - self.origin).astype(np.int64)
        return (county * self.days + day) * 2 + male

    def _slots(self, keys: np.ndarray) -> np.ndarray:
        pos = np.searchsorted(self.keys, keys)
        found = pos < len(self.keys)
        found[found] = self.keys[pos[found]] == keys[found]
        base = np.zeros(len(keys), dtype=np.int64)
        base[found] = self.used[pos[found]]
        return base + _rank_by(keys)

    def _commit(self, keys: np.ndarray) -> None:
        new, counts = np.unique(keys, return_counts=True)
        pos = np.searchsorted(self.keys, new)
        known = pos < len(self.keys)
        known[known] = self.keys[pos[known]] == new[known]
        self.used[pos[known]] += counts[known]
        self.keys = np.insert(self.keys, pos[~known], new[~known])
        self.used = np.insert(self.used, pos[~known], counts[~known])

    def take(
        self,
        county: np.ndarray,
        ages: np.ndarray,
        male: np.ndarray,
        today: dt.date,
        rng: np.random.Generator,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Birth dates and sequence numbers for people (county indices into ``counties``); a
        person whose day is full is moved to another day of the same age."""
        birth = _births(ages, today, rng)
        for _ in range(50):
            keys = self._key(county, birth, male)
            slots = self._slots(keys)
            full = slots >= np.where(male, _MALE_SLOTS, _FEMALE_SLOTS)
            if not full.any():
                self._commit(keys)
                return birth, self._numbers(keys, slots, male)
            birth[full] = _births(ages[full], today, rng)
        raise RuntimeError("too many people born on the same day in one county for unique IDs")


def _names(surname: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Surname + one or two common given-name characters."""
    n = len(surname)
    first = _choice(rng, _GIVEN, n)
    second = np.where(rng.random(n) < _TWO_CHAR_GIVEN, _choice(rng, _GIVEN, n), "")
    return _join(surname, first, second)


def _surnames(rng: np.random.Generator, n: int) -> np.ndarray:
    p = _SURNAME_SHARES / _SURNAME_SHARES.sum()
    return np.asarray(list(_SURNAMES), dtype=object)[rng.choice(len(_SURNAMES), n, p=p)]


def _phones(rng: np.random.Generator, n: int) -> np.ndarray:
    prefix = _MOBILE_PREFIXES[rng.integers(0, len(_MOBILE_PREFIXES), n)]
    return _zfill(prefix * 10**8 + rng.integers(0, 10**8, n), 11)


def _tags(rules: Sequence[tuple[str, np.ndarray]], n: int) -> np.ndarray:
    """``;``-joined codes of the rules whose mask holds, per person."""
    tags = np.full(n, "", dtype=_STR)
    for code, mask in rules:
        sep = np.where(tags[mask] == "", "", ";")
        tags[mask] = _join(tags[mask], sep, code)
    return tags
