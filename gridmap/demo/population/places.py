"""Places, things and organisations (地、物、组织) of one chunk of grids: the nine small
places and the rarer ones, city components, and organisations with valid credit codes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gridmap.demo.population.codes import credit_codes
from gridmap.demo.population.people import _surnames
from gridmap.demo.population.plan import _PER_REGION, _Run
from gridmap.demo.population.settlements import _BRANDS, _codes, _Grids
from gridmap.demo.population.vectors import _choice, _join, _rank_by, _starts, _words

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

_MUST_VISIT = 0.05
_ALWAYS_VISIT = "hazardous_chemicals"
_PEOPLE_PER = {"places": 100, "things": 50, "organisations": 150}
_IN_BUILDING = 0.85  # organisations with a building_code

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
