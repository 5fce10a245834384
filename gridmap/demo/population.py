"""A generated population (合成人口) for a set of grids: people, buildings, places, things and
organisations (人、地、物、组织) as CSV files for the ordinary import path.

Everything here is **generated**: plausible in its proportions (China's 2020 census age
structure, household sizes, sex ratio, surname frequencies), valid in its codes (ID numbers with
their check character, unified social credit codes) and placed inside the grids, but no row is
a real person, place or organisation. Nothing touches a database or the network.

Grids are processed in chunks and each chunk's rows are appended to the files, so memory does
not grow with the population. The same inputs and seed give byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import reduce
from itertools import pairwise
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gridmap.core.settings import PeopleSettings, get_settings
from gridmap.ops.frame import LocalFrame

__all__ = [
    "COLUMNS",
    "CREDIT_CHARSET",
    "credit_code_check_character",
    "credit_codes",
    "generate_population",
    "id_numbers",
    "points_in",
]

COLUMNS: dict[str, list[str]] = {
    "grid_workers": ["grid_code", "name", "duty", "service_phone"],
    "buildings": ["code", "address", "name", "floors", "use", "year", "lon", "lat"],
    "households": ["household_no", "building_code", "unit", "room", "address", "registered"],
    "residents": ["name", "id_number", "phone", "household_no", "kind", "tags"],
    "places": ["code", "name", "kind", "address", "must_visit", "lon", "lat"],
    "things": ["code", "category", "name", "lon", "lat"],
    "organisations": ["code", "name", "kind", "address", "building_code", "lon", "lat"],
}
"""The files written and their columns, in order."""

_STR = np.dtypes.StringDType()


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_CHUNK_RESIDENTS = 100_000
_CHUNK_GRIDS = 400

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
_MALE_SHARE = 105 / 205

_HOUSEHOLD_SIZES = np.arange(1, 9)
_HOUSEHOLD_SHARES = np.array([0.25, 0.30, 0.20, 0.13, 0.07, 0.03, 0.015, 0.005])
_URBAN_SHARE = 0.6  # of residents
_OCCUPANCY = 0.9  # flats with a household; the rest stand empty

_KINDS = ("registered", "resident", "floating", "foreign")
_REGISTERED_HOUSEHOLDS = 0.8
_IN_REGISTERED = np.array([0.90, 0.06, 0.04, 0.0])  # members of a 户籍 household
_IN_OTHER = np.array([0.0, 0.46, 0.515, 0.025])  # a whole non-户籍 household
_PHONE_AGE, _PHONE_SHARE = 12, 0.85
_SHARED_SURNAME = 0.75  # members other than the head who carry the household's surname

# key groups with a flat rate: code -> (share, lowest age)
_TAG_RATES: dict[str, tuple[float, int]] = {
    "disabled": (0.025, 0),
    "mental_illness": (0.004, 15),
    "community_correction": (0.0005, _ADULT),
    "released_prisoner": (0.001, _ADULT),
    "drug_rehab": (0.0002, _ADULT),
    "petition_prone": (0.0003, _ADULT),
}
_ELDERLY_AGE, _ELDERLY_ALONE = 65, 0.15  # share of elderly in one-person households tagged
_CHILD_AGE, _LEFT_BEHIND = 16, (0.015, 0.05)  # of children in town, in the country
_LOW_INCOME = (0.02, 0.045)  # of households in town, in the country

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

_ROADS = _words(
    "人民路 解放路 建设路 中山路 新华路 胜利路 和平路 文化路 东风路 朝阳路"
    " 幸福路 光明路 团结路 工业路 府前路 滨江路 花园路 青年路 学府路 迎宾大道"
    " 站前路 长安街 健康路 五一路"
)
_BRANDS = _words(
    "阳光 幸福 锦绣 翠苑 金桂 丽景 华府 和园 御景 春晖 紫荆 东湖 龙湾"
    " 滨江 凤凰 书香 宏达 鑫源 恒通 华美 兴旺 金城 永安 顺发 博远 隆盛"
    " 天成 正通"
)
_ESTATES = ("小区", "花园", "家园", "新村", "苑")
_VILLAGES = ("家村", "家湾", "家坞", "家畈", "家源", "家坪")
_PLACE_NAMES = {
    "school": "中心小学",
    "kindergarten": "幼儿园",
    "hospital": "卫生院",
    "market": "农贸市场",
    "mall": "购物中心",
    "industrial_park": "工业园",
    "hazardous_chemicals": "加油站",
    "transport_hub": "汽车站",
    "small_shop": "便利店",
    "small_restaurant": "小吃店",
    "small_hotel": "旅馆",
    "small_clinic": "诊所",
    "small_school": "培训学校",
    "small_entertainment": "KTV",
    "small_internet_cafe": "网吧",
    "small_beauty_bath": "美容美发店",
    "small_workshop": "加工厂",
    "park": "广场",
    "religious": "寺",
}
# relative frequency; kinds a city adds to its settings get _OTHER_WEIGHT
_PLACE_WEIGHTS = {
    "school": 1.5,
    "kindergarten": 2.5,
    "hospital": 0.6,
    "market": 1.2,
    "mall": 0.8,
    "industrial_park": 0.4,
    "hazardous_chemicals": 0.5,
    "transport_hub": 0.5,
    "small_shop": 28.0,
    "small_restaurant": 20.0,
    "small_hotel": 5.0,
    "small_clinic": 4.0,
    "small_school": 4.0,
    "small_entertainment": 2.0,
    "small_internet_cafe": 2.0,
    "small_beauty_bath": 6.0,
    "small_workshop": 8.0,
    "park": 2.0,
    "religious": 1.0,
}
_THING_WEIGHTS = {
    "0101": 15.0,
    "0102": 15.0,
    "0103": 12.0,
    "0104": 8.0,
    "0110": 6.0,
    "0120": 14.0,
    "0130": 5.0,
    "0201": 2.0,
    "0202": 2.0,
    "0301": 12.0,
    "0302": 1.5,
    "0401": 2.0,
    "0501": 3.0,
    "0502": 1.5,
    "0503": 1.0,
}
_ORG_WEIGHTS = {
    "enterprise": 45.0,
    "self_employed": 40.0,
    "social_org": 4.0,
    "public_institution": 6.0,
    "party_branch": 5.0,
}
_OTHER_WEIGHT = 1.0
_MUST_VISIT = 0.05
_ALWAYS_VISIT = "hazardous_chemicals"
_PEOPLE_PER = {"places": 100, "things": 50, "organisations": 150}
_IN_BUILDING = 0.85  # organisations with a building_code
_HEAD_SHARE = 0.5  # grids with a 网格长 besides the full-time worker

# GB 32100 registration authority + kind: 9 工商 (1 企业, 2 个体工商户), 5 民政 (1 社会团体,
# 4 基层群众性自治组织), 1 机构编制 (2 事业单位); Y 其他 for party organisations
_CREDIT_PREFIX = {
    "enterprise": "91",
    "self_employed": "92",
    "social_org": "51",
    "public_institution": "12",
    "village_committee": "54",
    "party_branch": "Y1",
}
_MARKET_KINDS = ("enterprise", "self_employed")  # new registrations: MA… bodies
_TRADES = _words("商贸 建材 电子 服饰 食品 物流 科技 农业开发 建筑工程 餐饮管理 机械制造 家具")
_SHOPS = _words("便利店 小吃店 五金店 理发店 水果店 早餐店 烟酒店 维修部 农资店 服装店")
_SOCIETIES = _words("老年人协会 志愿者协会 个体劳动者协会 慈善会 书画协会 篮球协会 红白理事会")
_INSTITUTIONS = _words("卫生院 中心小学 综合文化站 便民服务中心 农业综合服务站 中学 敬老院")
_BUILDING_NAMES = {
    "commercial": "商业楼",
    "mixed": "商住楼",
    "public": "综合楼",
    "industrial": "厂房",
}
_NONRESIDENTIAL = {"commercial": 4.0, "public": 2.0, "industrial": 2.0}
_HOUSING = ("residential", "rural_house", "mixed")  # uses of buildings with flats

CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters of a unified social credit code (no I, O, Z, S, V)."""
_CREDIT_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])
_GB11714_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
_BODY_SPACE = 31**6
_MALE_SLOTS, _FEMALE_SLOTS = 500, 499  # odd 001-999, even 002-998
_SUFFIX = re.compile(r"(街道办事处|街道|镇|乡|办事处)$")
_REQUIRED = {
    "kinds": _KINDS,
    "building_uses": _HOUSING[:2],
    "duties": ("worker",),
}
_NOT_EMPTY = ("place_kinds", "thing_categories", "organisation_kinds")
_PER_REGION = ("village_committee", "party_branch")


# --- codes -------------------------------------------------------------------------------


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


# --- points ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Interior:
    """Polygons shrunk by a margin, in a local metric frame, ready for rejection sampling."""

    frame: LocalFrame
    inner: np.ndarray  # prepared; empty where a polygon is thinner than twice the margin
    fallback: np.ndarray  # (n, 2) a point inside each polygon, for hopeless draws

    @classmethod
    def of(cls, polygons: np.ndarray, margin_m: float) -> _Interior:
        frame = LocalFrame.around(shapely.box(*shapely.total_bounds(polygons)))
        local = frame.to_local(polygons)
        inner = shapely.buffer(local, -margin_m)
        empty = shapely.is_empty(inner)
        inner[empty] = local[empty]
        shapely.prepare(inner)
        fallback = shapely.get_coordinates(shapely.point_on_surface(inner))
        return cls(frame, inner, fallback)

    @property
    def scale(self) -> np.ndarray:
        return np.array([self.frame.kx, self.frame.ky])

    def sample(
        self,
        owner: np.ndarray,
        rng: np.random.Generator,
        around: np.ndarray | None = None,
        spread_m: np.ndarray | float = 100.0,
        tries: int = 40,
    ) -> np.ndarray:
        """Lon/lat points inside ``inner[owner]``: normal around ``around`` (lon/lat) at first,
        uniform in the bounding box after half the tries, a fixed inside point at the end."""
        xy = np.empty((len(owner), 2))
        spread = np.broadcast_to(np.asarray(spread_m, dtype=float), owner.shape)
        centre = None if around is None else np.asarray(around) * self.scale
        bounds = shapely.bounds(self.inner)
        todo = np.arange(len(owner))
        for attempt in range(tries):
            if not len(todo):
                break
            if centre is not None and attempt < tries // 2:
                draw = centre[todo] + rng.normal(size=(len(todo), 2)) * spread[todo, None]
            else:
                box = bounds[owner[todo]]
                draw = box[:, :2] + rng.random((len(todo), 2)) * (box[:, 2:] - box[:, :2])
            inside = shapely.contains_xy(self.inner[owner[todo]], draw[:, 0], draw[:, 1])
            xy[todo[inside]] = draw[inside]
            todo = todo[~inside]
        xy[todo] = self.fallback[owner[todo]]
        return xy / self.scale


def points_in(
    polygons: np.ndarray,
    counts: np.ndarray,
    rng: np.random.Generator,
    *,
    around: np.ndarray | None = None,
    spread_m: np.ndarray | float = 100.0,
    margin_m: float = 1.0,
) -> np.ndarray:
    """Random lon/lat points strictly inside polygons, at least ``margin_m`` from their edges.

    Parameters
    ----------
    polygons : array of Polygon/MultiPolygon
        In EPSG:4326.
    counts : array of int
        How many points each polygon gets; the result lists them polygon by polygon.
    around : (n, 2) array, optional
        A lon/lat centre per point: points scatter normally around it (``spread_m`` metres)
        and are resampled until inside. Unset: uniform over the polygon.

    Returns
    -------
    numpy.ndarray
        (sum(counts), 2) lon, lat. A polygon thinner than twice the margin gets points inside
        it but nearer its edge.
    """
    polygons = np.asarray(polygons, dtype=object)
    owner = np.repeat(np.arange(len(polygons)), np.asarray(counts, dtype=np.int64))
    if not len(owner):
        return np.empty((0, 2))
    return _Interior.of(polygons, margin_m).sample(owner, rng, around, spread_m)


# --- small vectorised tools --------------------------------------------------------------


def _join(*parts: np.ndarray | str) -> np.ndarray:
    """Element-wise string concatenation of arrays and scalars."""
    return reduce(np.strings.add, [np.asarray(p).astype(_STR) for p in parts])


def _starts(counts: np.ndarray) -> np.ndarray:
    return np.cumsum(counts) - counts


def _ranks(counts: np.ndarray) -> np.ndarray:
    """0-based position of each item within consecutive groups of the given sizes."""
    counts = np.asarray(counts, dtype=np.int64)
    return np.arange(counts.sum()) - np.repeat(_starts(counts), counts)


def _rank_by(keys: np.ndarray) -> np.ndarray:
    """0-based position of each item among the items with an equal key, in array order."""
    if not len(keys):
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    first = np.r_[True, ordered[1:] != ordered[:-1]]
    ranks = np.empty(len(keys), dtype=np.int64)
    ranks[order] = np.arange(len(keys)) - np.flatnonzero(first)[np.cumsum(first) - 1]
    return ranks


def _fill(sizes: np.ndarray, drawn: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, ...]:
    """Keep each group's draws until their sizes reach its target; the last one is trimmed.

    ``sizes`` lists ``drawn[g]`` draws per group in group order. Returns the kept mask and the
    kept sizes, which add up to each target exactly when enough was drawn.
    """
    group = np.repeat(np.arange(len(drawn)), drawn)
    total = np.r_[0, np.cumsum(sizes)]
    before = total[:-1] - np.repeat(total[_starts(drawn)], drawn)
    keep = before < targets[group]
    return keep, np.minimum(sizes, targets[group] - before)[keep]


def _weighted(
    vocab: Sequence[str] | Mapping[str, object], weights: Mapping[str, float]
) -> tuple[np.ndarray, np.ndarray]:
    """The vocabulary's codes and the probability of each (unknown codes: a small weight)."""
    codes = np.array(list(vocab), dtype=object)
    share = np.array([weights.get(code, _OTHER_WEIGHT) for code in codes])
    return codes, share / share.sum()


def _choice(rng: np.random.Generator, words: Sequence[str], n: int) -> np.ndarray:
    return np.asarray(words, dtype=object)[rng.integers(0, len(words), n)]


# --- people ------------------------------------------------------------------------------


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


# --- the plan: what each grid gets -------------------------------------------------------


@dataclass(frozen=True)
class _Vocab:
    """The settings' vocabularies, with generation weights."""

    people: PeopleSettings
    tags: tuple[str, ...]
    places: tuple[np.ndarray, np.ndarray]
    things: tuple[np.ndarray, np.ndarray]
    organisations: tuple[np.ndarray, np.ndarray]
    nonresidential: tuple[np.ndarray, np.ndarray]

    @classmethod
    def of(cls, people: PeopleSettings) -> _Vocab:
        for field, codes in _REQUIRED.items():
            missing = [code for code in codes if code not in getattr(people, field)]
            if missing:
                raise ValueError(f"settings people.{field} lacks {missing}, which generation needs")
        for field in _NOT_EMPTY:
            if not getattr(people, field):
                raise ValueError(f"settings people.{field} is empty")
        kinds = people.organisation_kinds
        # committees come one per region; other kinds by weight (all kinds if none is other)
        orgs = [k for k in kinds if k not in _PER_REGION] or list(kinds)
        uses = [k for k in people.building_uses if k not in _HOUSING] or ["residential"]
        return cls(
            people=people,
            tags=tuple(people.key_groups),
            places=_weighted(people.place_kinds, _PLACE_WEIGHTS),
            things=_weighted(people.thing_categories, _THING_WEIGHTS),
            organisations=_weighted(orgs, _ORG_WEIGHTS),
            nonresidential=_weighted(uses, _NONRESIDENTIAL),
        )


def _plan(grids: gpd.GeoDataFrame, residents: int, rng: np.random.Generator) -> pd.DataFrame:
    """Grids in code order with their residents (lognormal, adding up exactly), urban flag
    (weighted draw until ~60 % of residents are urban) and first-in-region flag."""
    needed = {"code", "name", "region_code", "region_name", "geometry"}
    if missing := needed - set(grids.columns):
        raise ValueError(f"grids lack columns {sorted(missing)}")
    if grids.crs is not None and grids.crs.to_epsg() != 4326:
        grids = grids.to_crs(4326)
    plan = pd.DataFrame(
        {
            "code": grids["code"].astype(str).to_numpy(),
            "name": grids["name"].astype(str).to_numpy(),
            "region_code": grids["region_code"].astype(str).to_numpy(),
            "region_name": grids["region_name"].astype(str).to_numpy(),
            "geometry": np.asarray(grids.geometry.values, dtype=object),
        }
    )
    plan = plan.sort_values("code", kind="stable").reset_index(drop=True)
    if plan.code.duplicated().any() or not plan.code.str.fullmatch(r"\d{15}").all():
        raise ValueError("grid codes must be distinct 15-digit codes")
    weight = rng.lognormal(0.0, 0.6, len(plan))
    plan["residents"] = rng.multinomial(residents, weight / weight.sum())
    plan["urban"] = _urban(plan.residents.to_numpy(), weight, rng)
    plan["county"] = plan.code.str[:6]
    plan["first_in_region"] = ~plan.region_code.duplicated()
    plan["stem"] = plan.region_name.str.replace(_SUFFIX, "", regex=True)
    return plan


def _urban(residents: np.ndarray, weight: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Urban grids: a shuffle weighted to the bigger grids, taken until ~60 % of residents."""
    order = np.argsort(-(rng.random(len(weight)) ** (1.0 / weight)))
    before = np.cumsum(residents[order]) - residents[order]
    urban = np.zeros(len(weight), dtype=bool)
    urban[order] = before < _URBAN_SHARE * max(int(residents.sum()), 1)
    return urban


def _chunks(residents: np.ndarray) -> list[slice]:
    """Consecutive grid ranges of about `_CHUNK_RESIDENTS` people and at most `_CHUNK_GRIDS`."""
    before = np.cumsum(residents) - residents
    key = np.column_stack([before // _CHUNK_RESIDENTS, np.arange(len(residents)) // _CHUNK_GRIDS])
    breaks = np.flatnonzero((np.diff(key, axis=0) != 0).any(axis=1)) + 1
    edges = [0, *breaks.tolist(), len(residents)]
    return [slice(a, b) for a, b in pairwise(edges) if b > a]


# --- one chunk of grids ------------------------------------------------------------------


@dataclass
class _Run:
    """What the chunks share: vocabularies, the date, ID sequences and the next org serial."""

    vocab: _Vocab
    today: dt.date
    counties: np.ndarray  # every county an ID number may name, sorted
    floating: np.ndarray  # indices into ``counties`` that floating people come from
    ids: _IdSequences
    serial: int = 0


@dataclass(frozen=True)
class _Grids:
    """One chunk's grids (plan rows), their shrunk interiors and settlement centres."""

    plan: pd.DataFrame
    interior: _Interior
    centres: pd.DataFrame  # grid, lon, lat, spread, street, estate, base

    def __len__(self) -> int:
        return len(self.plan)

    def col(self, name: str) -> np.ndarray:
        return self.plan[name].to_numpy()

    def text(self, name: str) -> np.ndarray:
        return self.plan[name].to_numpy().astype(_STR)

    def centre_of(self, grid: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A random settlement centre of each item's grid."""
        count = np.bincount(self.centres.grid, minlength=len(self))
        return _starts(count)[grid] + (rng.random(len(grid)) * count[grid]).astype(np.int64)

    def near(
        self, grid: np.ndarray, centre: np.ndarray, rng: np.random.Generator, widen: float = 1.0
    ) -> np.ndarray:
        """Lon/lat inside each item's grid, scattered normally around its centre."""
        around = self.centres[["lon", "lat"]].to_numpy()[centre]
        spread = self.centres.spread.to_numpy()[centre] * widen
        return self.interior.sample(grid, rng, around, spread)

    def address(self, grid: np.ndarray, centre: np.ndarray, number: np.ndarray) -> np.ndarray:
        """Township + the centre's road or village + house number."""
        street = self.centres.street.to_numpy()[centre]
        return _join(self.text("region_name")[grid], street, number, "号")


def _settle(plan: pd.DataFrame, rng: np.random.Generator) -> _Grids:
    """1-4 settlement centres per grid, each with a road and estate name in town or a village
    name outside, a spread and a first house number."""
    interior = _Interior.of(plan.geometry.to_numpy(), margin_m=1.0)
    grid = np.repeat(np.arange(len(plan)), rng.integers(1, 5, len(plan)))
    xy = interior.sample(grid, rng)
    urban = plan.urban.to_numpy()[grid]
    n = len(grid)
    village = _join(_surnames(rng, n), _choice(rng, _VILLAGES, n))
    centres = pd.DataFrame(
        {
            "grid": grid,
            "lon": xy[:, 0],
            "lat": xy[:, 1],
            "spread": np.where(urban, rng.uniform(50, 150, n), rng.uniform(80, 200, n)),
            "street": np.where(urban, _join(_choice(rng, _ROADS, n)), village),
            "estate": _join(_choice(rng, _BRANDS, n), _choice(rng, _ESTATES, n)),
            "base": np.where(urban, rng.integers(0, 60, n) * 2 + 1, rng.integers(1, 20, n)),
        }
    )
    return _Grids(plan, interior, centres)


def _codes(prefix: str, grids: _Grids, grid: np.ndarray, width: int) -> np.ndarray:
    """``prefix`` + grid code + each item's number in its grid (items listed in grid order);
    a grid with more items than ``width`` digits hold gets wider numbers."""
    number = _ranks(np.bincount(grid, minlength=len(grids))) + 1
    width = max(width, len(str(int(number.max(initial=0)))))
    return _join(prefix, grids.text("code")[grid], _zfill(number, width))


def _pick(
    rng: np.random.Generator, table: tuple[tuple[int, ...], tuple[float, ...]], n: int
) -> np.ndarray:
    values, weights = np.asarray(table[0]), np.asarray(table[1], dtype=float)
    return values[rng.choice(len(values), n, p=weights / weights.sum())]


_URBAN_FLOORS = (
    (6, 7, 9, 11, 12, 15, 18, 24, 26, 28, 30, 32, 33),
    (5, 4, 2, 4, 2, 2, 3, 2, 2) + (1,) * 4,
)
_RURAL_FLOORS = ((1, 2, 3), (3, 5, 2))
_UNITS = ((2, 3, 4, 5, 6), (3, 3, 2, 1, 1))
_PER_FLOOR = ((2, 3, 4), (2, 1, 1))


def _household_sizes(residents: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Grid and size of each household (grid order); sizes add up to the residents exactly."""
    sizes = rng.choice(_HOUSEHOLD_SIZES, int(residents.sum()), p=_HOUSEHOLD_SHARES)
    keep, kept = _fill(sizes, residents, residents)  # never more households than people
    return np.repeat(np.arange(len(residents)), residents)[keep], kept


def _residential(
    grids: _Grids, flats: np.ndarray, run: _Run, rng: np.random.Generator
) -> pd.DataFrame:
    """Apartment buildings in town (6-33 floors, 2-6 units, 2-4 flats a floor), one-flat rural
    houses outside, until each grid has ``flats`` flats; every building has a flat, so
    ``flats`` draws per grid always suffice."""
    grid = np.repeat(np.arange(len(grids)), flats)
    urban = grids.col("urban")[grid]
    n = len(grid)
    floors = np.where(urban, _pick(rng, _URBAN_FLOORS, n), _pick(rng, _RURAL_FLOORS, n))
    units = np.where(urban, _pick(rng, _UNITS, n), 1)
    per_floor = np.where(urban, _pick(rng, _PER_FLOOR, n), 1)
    capacity = units * np.where(urban, floors, 1) * per_floor
    keep, _ = _fill(capacity, flats, flats)
    mixed = urban & (rng.random(n) < 0.15) & ("mixed" in run.vocab.people.building_uses)
    use = np.where(urban, np.where(mixed, "mixed", "residential"), "rural_house")
    frame = {"grid": grid, "use": use, "floors": floors, "units": units, "per_floor": per_floor}
    return pd.DataFrame({**frame, "capacity": capacity})[keep]


def _nonresidential(
    grids: _Grids, households: np.ndarray, run: _Run, rng: np.random.Generator
) -> pd.DataFrame:
    """Shops, offices, public buildings, workshops: about one per 40 households."""
    grid = np.repeat(np.arange(len(grids)), rng.poisson(1 + households / 40))
    urban = grids.col("urban")[grid]
    codes, shares = run.vocab.nonresidential
    floors = np.where(urban, rng.integers(1, 13, len(grid)), rng.integers(1, 4, len(grid)))
    use = codes[rng.choice(len(codes), len(grid), p=shares)]
    frame = {"grid": grid, "use": use, "floors": floors, "units": 0, "per_floor": 0}
    return pd.DataFrame({**frame, "capacity": 0})


def _building_names(
    b: pd.DataFrame, grids: _Grids, run: _Run, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Names and addresses: ``阳光小区3栋`` on a road in town, ``杨家村12号`` outside, a
    brand + use for the rest; house numbers run along each centre's road or village."""
    grid, centre = b.grid.to_numpy(), b.centre.to_numpy()
    housing = b.capacity.to_numpy() > 0
    urban = grids.col("urban")[grid]
    number = grids.centres.base.to_numpy()[centre] + _rank_by(centre) * np.where(urban, 2, 1)
    address = grids.address(grid, centre, number)
    estate = grids.centres.estate.to_numpy()[centre]
    block = _join(estate, _rank_by(centre * 2 + housing) + 1, "栋")
    house = _join(grids.centres.street.to_numpy()[centre], number, "号")
    labels = {**run.vocab.people.building_uses, **_BUILDING_NAMES}
    other = _join(_choice(rng, _BRANDS, len(b)), b.use.map(labels).to_numpy())
    name = np.where(housing, np.where(urban, block, house), other)
    return name, np.where(housing & urban, _join(address, block), address)


def _years(urban: np.ndarray, today: dt.date, rng: np.random.Generator) -> np.ndarray:
    """Year built: mostly recent, town buildings younger than village houses."""
    age = rng.exponential(np.where(urban, 12.0, 18.0))
    return today.year - 1 - np.minimum(age, 60).astype(np.int64)


def _buildings(
    grids: _Grids, households: np.ndarray, run: _Run, rng: np.random.Generator
) -> pd.DataFrame:
    """Every building of the chunk, in grid order, around the grid's settlement centres."""
    flats = np.ceil(households / _OCCUPANCY).astype(np.int64)
    parts = [_residential(grids, flats, run, rng), _nonresidential(grids, households, run, rng)]
    b = pd.concat(parts, ignore_index=True).sort_values("grid", kind="stable")
    b = b.reset_index(drop=True)
    grid = b.grid.to_numpy()
    b["centre"] = grids.centre_of(grid, rng)
    xy = grids.near(grid, b.centre.to_numpy(), rng)
    b["lon"], b["lat"] = xy[:, 0], xy[:, 1]
    b["name"], b["address"] = _building_names(b, grids, run, rng)
    b["year"] = _years(grids.col("urban")[grid], run.today, rng)
    b["code"] = _codes("B", grids, grid, 4)
    return b


def _households(
    b: pd.DataFrame, grids: _Grids, households: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    """Each grid's households in flats of its residential buildings chosen at random (the rest
    stand empty), numbered in building, unit, floor, room order."""
    capacity = b.capacity.to_numpy()
    building = np.repeat(np.arange(len(b)), capacity)
    flat = _ranks(capacity)
    per_floor = b.per_floor.to_numpy()[building]
    per_unit = (capacity // np.maximum(b.units.to_numpy(), 1))[building]
    grid = b.grid.to_numpy()[building]  # sorted: buildings are in grid order
    order = np.lexsort((rng.random(len(flat)), grid))
    taken = _ranks(np.bincount(grid, minlength=len(grids))) < households[grid]
    chosen = np.sort(order[taken])
    building, flat, per_floor = building[chosen], flat[chosen], per_floor[chosen]
    per_unit, grid = per_unit[chosen], grid[chosen]
    unit = _join(flat // per_unit + 1, "单元")
    floor, room = (flat % per_unit) // per_floor + 1, flat % per_floor + 1
    room_no = _zfill(floor * 100 + room, 4)
    return pd.DataFrame(
        {
            "household_no": _codes("H", grids, grid, 5),
            "building_code": b.code.to_numpy()[building],
            "unit": unit,
            "room": room_no,
            "address": _join(b.address.to_numpy()[building], unit, room_no),
            "registered": rng.random(len(grid)) < _REGISTERED_HOUSEHOLDS,
            "grid": grid,
        }
    )


def _kinds(registered: np.ndarray, member_of: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Index into `_KINDS`: members of a 户籍 household are mostly registered; the members of
    any other household share one kind (常住, 流动 or 境外)."""
    own = rng.choice(len(_KINDS), len(member_of), p=_IN_REGISTERED)
    shared = rng.choice(len(_KINDS), len(registered), p=_IN_OTHER)
    return np.where(registered[member_of], own, shared[member_of])


def _resident_ids(
    kind: np.ndarray,
    ages: np.ndarray,
    male: np.ndarray,
    home: np.ndarray,
    run: _Run,
    rng: np.random.Generator,
) -> np.ndarray:
    """ID numbers: the grid's county (``home``, indices into the run's counties) for registered
    and resident people, a random one of the run's for floating people, none for foreigners."""
    away = run.floating[rng.integers(0, len(run.floating), len(kind))]
    county = np.where(kind == _KINDS.index("floating"), away, home)
    has = kind != _KINDS.index("foreign")
    birth, seq = run.ids.take(county[has], ages[has], male[has], run.today, rng)
    ids = np.full(len(kind), "", dtype=_STR)
    ids[has] = id_numbers(run.counties[county[has]], birth, seq)
    return ids


def _tag_rules(
    ages: np.ndarray,
    alone: np.ndarray,
    urban: np.ndarray,
    member_of: np.ndarray,
    run: _Run,
    rng: np.random.Generator,
) -> list[tuple[str, np.ndarray]]:
    """Key-group masks (重点人群) with their age rules, for the groups the settings know.

    ``alone``: per person, whether the household has one member; ``urban``: per household.
    """
    n = len(ages)
    poor = rng.random(len(urban)) < np.where(urban, *_LOW_INCOME)  # 低保 goes by household
    left_behind = rng.random(n) < np.where(urban[member_of], *_LEFT_BEHIND)
    rules = {
        "elderly_alone": (ages >= _ELDERLY_AGE) & alone & (rng.random(n) < _ELDERLY_ALONE),
        "left_behind_child": (ages < _CHILD_AGE) & left_behind,
        "low_income": poor[member_of],
    }
    for code, (share, lowest) in _TAG_RATES.items():
        rules[code] = (ages >= lowest) & (rng.random(n) < share)
    return [(code, rules[code]) for code in run.vocab.tags if code in rules]


def _residents(
    hh: pd.DataFrame, sizes: np.ndarray, grids: _Grids, run: _Run, rng: np.random.Generator
) -> pd.DataFrame:
    """The members of each household: census ages with an adult head, names sharing the
    household's surname mostly, ID numbers, phones, kinds and key-group tags."""
    member_of = np.repeat(np.arange(len(hh)), sizes)
    n = len(member_of)
    head = _ranks(sizes) == 0
    ages = _ages(head, rng)
    male = rng.random(n) < _MALE_SHARE
    grid = hh.grid.to_numpy()
    kind = _kinds(hh.registered.to_numpy(), member_of, rng)
    home = np.searchsorted(run.counties, grids.col("county"))[grid[member_of]]
    ids = _resident_ids(kind, ages, male, home, run, rng)
    phone = np.where((ages >= _PHONE_AGE) & (rng.random(n) < _PHONE_SHARE), _phones(rng, n), "")
    family = _surnames(rng, len(hh))[member_of]
    surname = np.where(head | (rng.random(n) < _SHARED_SURNAME), family, _surnames(rng, n))
    urban = grids.col("urban")[grid]
    rules = _tag_rules(ages, sizes[member_of] == 1, urban, member_of, run, rng)
    return pd.DataFrame(
        {
            "name": _names(surname, rng),
            "id_number": ids,
            "phone": phone,
            "household_no": hh.household_no.to_numpy()[member_of],
            "kind": np.asarray(_KINDS, dtype=object)[kind],
            "tags": _tags(rules, n),
        }
    )


def _per_people(grids: _Grids, stem: str, rng: np.random.Generator) -> np.ndarray:
    """Grid of each item of a kind that comes about once per so many residents."""
    counts = rng.poisson(grids.col("residents") / _PEOPLE_PER[stem])
    return np.repeat(np.arange(len(grids)), counts)


def _places(grids: _Grids, run: _Run, rng: np.random.Generator) -> pd.DataFrame:
    """Places (场所): mostly the nine small kinds (九小场所), named after an owner; schools,
    clinics and markets rarer, named after the township."""
    grid = _per_people(grids, "places", rng)
    n = len(grid)
    codes, shares = run.vocab.places
    kind = codes[rng.choice(len(codes), n, p=shares)]
    known = run.vocab.people.place_kinds
    suffix = pd.Series(kind).map({c: _PLACE_NAMES.get(c, k.label) for c, k in known.items()})
    small = np.isin(kind, [c for c, k in known.items() if k.group == "nine_small"])
    owner = _join(_surnames(rng, n), "记")
    name = _join(np.where(small, owner, grids.text("stem")[grid]), suffix.to_numpy())
    centre = grids.centre_of(grid, rng)
    xy = grids.near(grid, centre, rng, widen=1.5)
    return pd.DataFrame(
        {
            "code": _codes("P", grids, grid, 4),
            "name": name,
            "kind": kind,
            "address": grids.address(grid, centre, rng.integers(1, 300, n)),
            "must_visit": (kind == _ALWAYS_VISIT) | (rng.random(n) < _MUST_VISIT),
            "lon": xy[:, 0],
            "lat": xy[:, 1],
        }
    )


def _things(grids: _Grids, run: _Run, rng: np.random.Generator) -> pd.DataFrame:
    """City components (城市部件), numbered per category in each grid (``…消防栓3号``)."""
    grid = _per_people(grids, "things", rng)
    codes, shares = run.vocab.things
    category = rng.choice(len(codes), len(grid), p=shares)
    labels = pd.Series(codes).map(run.vocab.people.thing_categories).to_numpy()
    number = _rank_by(grid * len(codes) + category) + 1
    xy = grids.near(grid, grids.centre_of(grid, rng), rng, widen=2.0)
    return pd.DataFrame(
        {
            "code": _codes("T", grids, grid, 5),
            "category": codes[category],
            "name": _join(grids.text("name")[grid], labels[category], number, "号"),
            "lon": xy[:, 0],
            "lat": xy[:, 1],
        }
    )


def _org_buildings(
    grid: np.ndarray, office: np.ndarray, b: pd.DataFrame, n_grids: int, rng: np.random.Generator
) -> np.ndarray:
    """A random building of each organisation's grid, non-residential where the grid has one;
    -1 for some (and where the grid has no building). ``office`` ones always get one."""
    b_grid = b.grid.to_numpy()
    pool = np.append(np.flatnonzero(b.capacity.to_numpy() == 0), 0)  # 0: a guard for no pool
    in_pool = np.bincount(b_grid[pool[:-1]], minlength=n_grids)
    in_grid = np.bincount(b_grid, minlength=n_grids)
    u = rng.random(len(grid))
    spare = pool[_starts(in_pool)[grid] + (u * in_pool[grid]).astype(np.int64)]
    anyone = _starts(in_grid)[grid] + (u * in_grid[grid]).astype(np.int64)
    pick = np.where(in_pool[grid] > 0, spare, anyone)
    none = (in_grid[grid] == 0) | (~office & (rng.random(len(grid)) >= _IN_BUILDING))
    return np.where(none, -1, pick)


def _org_names(
    kind: np.ndarray,
    office: np.ndarray,
    grid: np.ndarray,
    grids: _Grids,
    run: _Run,
    rng: np.random.Generator,
) -> np.ndarray:
    """Names by kind: ``弋阳宏达商贸有限公司``, ``弋阳镇村民委员会``, ``中共…支部委员会``."""
    n = len(kind)
    stem, town = grids.text("stem")[grid], grids.text("region_name")[grid]
    urban = grids.col("urban")[grid]
    firm = _join(stem, _choice(rng, _BRANDS, n), _choice(rng, _TRADES, n), "有限公司")
    local_branch = _join("中共", town, np.where(urban, "社区", "村"), "支部委员会")
    by_kind = {
        "enterprise": firm,
        "self_employed": _join(stem, _surnames(rng, n), "记", _choice(rng, _SHOPS, n)),
        "social_org": _join(stem, _choice(rng, _SOCIETIES, n)),
        "public_institution": _join(town, _choice(rng, _INSTITUTIONS, n)),
        "village_committee": _join(town, np.where(urban, "居民委员会", "村民委员会")),
        "party_branch": np.where(office, local_branch, _join("中共", firm, "支部委员会")),
    }
    labels = pd.Series(kind).map(run.vocab.people.organisation_kinds).to_numpy()
    name = _join(stem, _choice(rng, _BRANDS, n), labels)  # kinds a city added
    for code, candidate in by_kind.items():
        name = np.where(kind == code, candidate, name)
    return name


def _organisations(
    grids: _Grids, b: pd.DataFrame, run: _Run, rng: np.random.Generator
) -> pd.DataFrame:
    """Organisations (组织): firms and shops mostly, plus a village or residents' committee and
    its party branch in the first grid of each region; in a building of the grid or near a
    settlement centre; coded with valid unified social credit codes."""
    codes, shares = run.vocab.organisations
    grid = _per_people(grids, "organisations", rng)
    kind = codes[rng.choice(len(codes), len(grid), p=shares)]
    kinds = run.vocab.people.organisation_kinds
    offices = [k for k in _PER_REGION if k in kinds]
    first = np.flatnonzero(grids.col("first_in_region"))
    grid = np.concatenate([grid, np.repeat(first, len(offices))])
    kind = np.concatenate([kind, np.tile(np.asarray(offices, dtype=object), len(first))])
    office = np.arange(len(grid)) >= len(grid) - len(first) * len(offices)
    order = np.argsort(grid, kind="stable")
    grid, kind, office = grid[order], kind[order], office[order]
    n = len(grid)
    building = _org_buildings(grid, office, b, len(grids), rng)
    inside = building >= 0
    centre = grids.centre_of(grid, rng)
    xy = grids.near(grid, centre, rng)
    xy[inside] = b[["lon", "lat"]].to_numpy()[building[inside]]
    address = grids.address(grid, centre, rng.integers(1, 300, n))
    address[inside] = b.address.to_numpy()[building[inside]]
    serial = run.serial + np.arange(n)
    run.serial += n
    prefix = pd.Series(kind).map(_CREDIT_PREFIX).fillna("Y1").to_numpy()
    market = np.isin(kind, _MARKET_KINDS)
    return pd.DataFrame(
        {
            "code": credit_codes(prefix, grids.col("county")[grid], serial, market),
            "name": _org_names(kind, office, grid, grids, run, rng),
            "kind": kind,
            "address": address,
            "building_code": np.where(inside, b.code.to_numpy()[np.maximum(building, 0)], ""),
            "lon": xy[:, 0],
            "lat": xy[:, 1],
        }
    )


def _workers(grids: _Grids, run: _Run, rng: np.random.Generator) -> pd.DataFrame:
    """A full-time grid worker (专职网格员) per grid and a grid head (网格长) for about half."""
    heads = (rng.random(len(grids)) < _HEAD_SHARE) & ("head" in run.vocab.people.duties)
    grid = np.repeat(np.arange(len(grids)), 1 + heads)
    n = len(grid)
    return pd.DataFrame(
        {
            "grid_code": grids.col("code")[grid],
            "name": _names(_surnames(rng, n), rng),
            "duty": np.where(_ranks(1 + heads) == 0, "worker", "head"),
            "service_phone": _phones(rng, n),
        }
    )


def _chunk(plan: pd.DataFrame, run: _Run, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """Every file's rows for one chunk of grids."""
    grids = _settle(plan, rng)
    household_grid, sizes = _household_sizes(grids.col("residents"), rng)
    households = np.bincount(household_grid, minlength=len(grids))
    buildings = _buildings(grids, households, run, rng)
    hh = _households(buildings, grids, households, rng)
    return {
        "grid_workers": _workers(grids, run, rng),
        "buildings": buildings,
        "households": hh,
        "residents": _residents(hh, sizes, grids, run, rng),
        "places": _places(grids, run, rng),
        "things": _things(grids, run, rng),
        "organisations": _organisations(grids, buildings, run, rng),
    }


# --- output ------------------------------------------------------------------------------


class _Sink:
    """The CSV files of ``out_dir``: headers written (and old contents dropped) at the start,
    each chunk appended."""

    def __init__(self, out_dir: Path) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        self.out_dir = out_dir
        self.counts = dict.fromkeys(COLUMNS, 0)
        for stem, columns in COLUMNS.items():
            pd.DataFrame(columns=columns).to_csv(self.path(stem), index=False)

    def path(self, stem: str) -> Path:
        return self.out_dir / f"{stem}.csv"

    def write(self, frames: Mapping[str, pd.DataFrame]) -> None:
        for stem, frame in frames.items():
            out = frame[COLUMNS[stem]].copy()
            for column in out.select_dtypes(bool).columns:
                out[column] = np.where(out[column], "true", "false")
            out.to_csv(
                self.path(stem),
                mode="a",
                header=False,
                index=False,
                float_format="%.7f",
                lineterminator="\n",
            )
            self.counts[stem] += len(out)


def _readme(
    out_dir: Path, seed: int, today: dt.date, counts: Mapping[str, int], grids: int
) -> None:
    lines = [
        "# Generated population — not real people",
        "",
        f"These files were **generated** by gridmap (`gridmap.demo.population`, seed {seed},"
        f" date {today.isoformat()}) for {grids} grids. Every name, ID number, phone number,"
        " household, building, place, thing and organisation is made up: the proportions follow"
        " public statistics (China's 2020 census age structure, household sizes), the codes are"
        " well-formed, but no row describes a real person or organisation.",
        "",
        "| file | rows |",
        "| --- | ---: |",
        *(f"| {stem}.csv | {count:,} |" for stem, count in counts.items()),
        "",
        "UTF-8, comma-separated, one header row: gridmap's ledger import loads them (grid"
        " workers, buildings, households, residents, then places, things and organisations).",
        "",
    ]
    (out_dir / "README.md").write_text("\n".join(lines), encoding="utf-8")


def _run(
    plan: pd.DataFrame,
    county_codes: Sequence[str],
    vocab: _Vocab,
    today: dt.date,
    rng: np.random.Generator,
) -> _Run:
    home = plan.county.unique()
    floating = np.asarray([str(c) for c in county_codes] if len(county_codes) else home)
    if not pd.Series(floating, dtype=str).str.fullmatch(r"\d{6}").all():
        raise ValueError("county codes must be 6-digit GB/T 2260 codes")
    counties = np.unique(np.concatenate([home, floating]).astype("U6"))
    ids = _IdSequences(today, rng)
    first_serial = int(rng.integers(0, 10**6))  # so serials (and codes) differ by seed
    floating_index = np.searchsorted(counties, floating)
    return _Run(vocab, today, counties, floating_index, ids, first_serial)


def generate_population(
    grids: gpd.GeoDataFrame,
    residents: int,
    out_dir: Path,
    seed: int = 0,
    county_codes: Sequence[str] = (),
    today: dt.date | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Write a generated population (合成人口) for ``grids`` as CSV ledgers into ``out_dir``.

    Parameters
    ----------
    grids : GeoDataFrame
        EPSG:4326 grids with ``code`` (15 digits), ``name``, ``region_code``,
        ``region_name`` (the township) and Polygon/MultiPolygon geometry.
    residents : int
        Residents wanted in all; grids get lognormal shares that add up to it exactly.
    out_dir : Path
        Created if missing; the files of `COLUMNS` and a README.md are (over)written.
    seed : int
        A non-negative seed: the same inputs and seed give the same files.
    county_codes : sequence of str
        6-digit county codes floating residents are registered in; empty: the grids' counties.
    today : date, optional
        The date ages are reckoned at; default today.
    on_progress : callable, optional
        Called after each chunk with the residents it wrote.

    Returns
    -------
    dict
        Rows written per file stem.
    """
    if residents < 0 or seed < 0:
        raise ValueError("residents and seed must not be negative")
    if not len(grids):
        raise ValueError("no grids to populate")
    today = today or dt.date.today()
    vocab = _Vocab.of(get_settings().people)
    rng = np.random.default_rng(seed)
    plan = _plan(grids, residents, rng)
    run = _run(plan, county_codes, vocab, today, rng)
    sink = _Sink(Path(out_dir))
    for number, rows in enumerate(_chunks(plan.residents.to_numpy())):
        # a generator per chunk: its rows do not depend on how far the others drew
        frames = _chunk(
            plan.iloc[rows].reset_index(drop=True), run, np.random.default_rng([seed, number])
        )
        sink.write(frames)
        if on_progress is not None:
            on_progress(len(frames["residents"]))
    _readme(Path(out_dir), seed, today, sink.counts, len(plan))
    return dict(sink.counts)
