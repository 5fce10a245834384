"""What generated events are made of: the channel mix (grid workers most), the category mix by
area (town or country), season and channel, the rhythm of the day, urgencies, and the words of
titles and descriptions. Categories and channels a deployment adds get middling weights and
their labels as titles.

The numbers are plausible, not measured: shares in the spirit of published county 网格化
statistics (city management and disputes lead; floods in the plum-rain months; fire and street
lights in winter; wage disputes before the Spring Festival).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gridmap.core.event_settings import EventSettings

# monthly multipliers, January first
SEASONS = {
    "flat": (1.0,) * 12,
    "winter": (1.5, 1.4, 1.1, 0.8, 0.7, 0.6, 0.6, 0.6, 0.7, 0.9, 1.2, 1.5),
    "summer": (0.6, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.6, 1.3, 1.0, 0.8, 0.6),
    "rainy": (0.3, 0.4, 0.8, 1.3, 1.9, 2.4, 2.0, 1.5, 0.9, 0.5, 0.3, 0.3),
    "building": (0.5, 0.6, 1.2, 1.4, 1.3, 1.0, 0.9, 0.9, 1.2, 1.4, 1.2, 0.8),
    "year_end": (1.8, 1.6, 0.8, 0.7, 0.7, 0.8, 0.8, 0.8, 0.8, 0.9, 1.2, 1.8),
    "festival": (1.6, 1.8, 1.0, 0.8, 0.8, 0.8, 0.8, 0.9, 0.9, 1.1, 0.9, 1.0),
    "planting": (0.8, 1.0, 1.6, 1.6, 1.3, 1.0, 0.8, 0.8, 1.0, 1.1, 0.9, 0.7),
    "shopping": (0.9, 0.7, 0.8, 0.8, 0.8, 1.0, 0.9, 0.9, 0.9, 1.1, 1.8, 1.4),
    "school": (0.8, 0.6, 1.2, 1.1, 1.1, 1.0, 0.6, 0.7, 1.5, 1.2, 1.1, 1.0),
}
# all events together: a little more in summer
OVERALL = (0.85, 0.8, 0.95, 1.0, 1.05, 1.1, 1.15, 1.15, 1.05, 1.0, 0.95, 0.9)
GROWTH = 0.10  # more reports at the end of the year than at its start (the system is adopted)


@dataclass(frozen=True)
class Kind:
    """A category's share, how much more it comes in town and in the country, how often it is
    at a place (shop, market, workshop) rather than a home, and its season."""

    weight: float
    town: float
    country: float
    at_place: float
    season: str = "flat"


KINDS = {
    "hazardous_chemicals": Kind(0.8, 1.0, 0.8, 0.9),
    "fire": Kind(3.0, 1.0, 1.0, 0.6, "winter"),
    "road_traffic": Kind(2.5, 1.2, 0.8, 0.3),
    "construction": Kind(2.5, 1.3, 0.6, 0.4, "building"),
    "special_equipment": Kind(0.8, 1.4, 0.4, 0.8),
    "public_health": Kind(1.5, 1.0, 1.0, 0.5, "summer"),
    "food_drug": Kind(2.0, 1.2, 0.7, 0.95, "summer"),
    "environment": Kind(2.5, 0.8, 1.3, 0.5, "summer"),
    "disaster": Kind(1.0, 0.5, 1.6, 0.1, "rainy"),
    "parcel_logistics": Kind(0.8, 1.5, 0.4, 0.9, "shopping"),
    "ride_hailing": Kind(0.6, 1.6, 0.2, 0.3),
    "labour": Kind(3.0, 1.2, 0.8, 0.8, "year_end"),
    "property": Kind(4.0, 1.7, 0.2, 0.05),
    "neighbour": Kind(5.0, 1.0, 1.0, 0.05),
    "family": Kind(2.5, 0.9, 1.1, 0.02, "festival"),
    "land": Kind(2.0, 0.2, 1.9, 0.05, "planting"),
    "urban_dispute": Kind(1.5, 1.6, 0.3, 0.6),
    "education_health": Kind(1.0, 1.2, 0.8, 0.7, "school"),
    "dangerous_building": Kind(1.5, 0.6, 1.4, 0.05, "rainy"),
    "flood": Kind(2.0, 0.6, 1.5, 0.1, "rainy"),
    "geological": Kind(0.8, 0.2, 1.8, 0.05, "rainy"),
    "other_hazard": Kind(3.0, 1.0, 1.0, 0.4),
    "public_order": Kind(3.0, 1.2, 0.8, 0.5, "summer"),
    "fraud": Kind(1.5, 1.1, 0.9, 0.1),
    "exposed_garbage": Kind(9.0, 1.4, 0.6, 0.5, "summer"),
    "illegal_construction": Kind(4.0, 1.0, 1.0, 0.2, "building"),
    "road_damage": Kind(5.0, 1.2, 0.8, 0.3, "rainy"),
    "manhole": Kind(2.5, 1.7, 0.2, 0.4),
    "streetlight": Kind(3.5, 1.5, 0.5, 0.4, "winter"),
    "illegal_parking": Kind(5.0, 1.8, 0.2, 0.6),
    "street_vending": Kind(4.0, 1.7, 0.3, 0.8, "summer"),
    "elderly_care": Kind(2.0, 0.8, 1.2, 0.1, "winter"),
    "social_assistance": Kind(2.0, 0.8, 1.2, 0.1, "year_end"),
}
OTHER_KIND = Kind(1.0, 1.0, 1.0, 0.3)

# hour-of-day profiles (0 … 23 h)
HOURS = {
    "office": (*(0.01,) * 8, 0.5, 1.5, 1.8, 1.5, 0.3, 0.4, 1.3, 1.6, 1.4, 0.6, 0.1, *(0.01,) * 5),
    "hotline": (
        *(0.1, 0.05, 0.03, 0.03, 0.03, 0.08, 0.3, 0.8, 1.4, 1.8, 1.9, 1.6),
        *(1.0, 1.0, 1.5, 1.6, 1.5, 1.3, 1.0, 1.0, 1.0, 0.8, 0.5, 0.25),
    ),
    "evening": (
        *(0.2, 0.1, 0.05, 0.03, 0.03, 0.05, 0.3, 0.7, 1.0, 1.1, 1.1, 1.0),
        *(1.0, 1.0, 1.0, 1.0, 1.0, 1.1, 1.3, 1.6, 1.7, 1.5, 1.0, 0.5),
    ),
    "police": (
        *(0.8, 0.6, 0.5, 0.4, 0.3, 0.3, 0.4, 0.6, 0.8, 0.9, 1.0, 1.0),
        *(1.0, 1.0, 1.0, 1.0, 1.0, 1.1, 1.3, 1.5, 1.6, 1.6, 1.4, 1.1),
    ),
}


@dataclass(frozen=True)
class Way:
    """A channel's share in town and in the country, how much it reports on days off
    (relative to working days), its hours, and the groups and categories it brings more (or
    less) of."""

    town: float
    country: float
    off_days: float
    hours: str
    brings: tuple[tuple[str, float], ...] = ()
    others: float = 1.0  # what it brings of everything else


WAYS = {
    "grid_worker": Way(
        48, 62, 0.35, "office", (("hazard", 1.5), ("safety", 1.3), ("urban", 1.2), ("fraud", 0.2))
    ),
    "hotline_12345": Way(26, 18, 0.8, "hotline", (("urban", 1.3), ("property", 1.5))),
    "resident": Way(12, 5, 1.0, "evening", (("urban", 1.4), ("service", 1.2))),
    "police_110": Way(
        5,
        5,
        1.1,
        "police",
        (("public_order", 6), ("fraud", 6), ("family", 3), ("neighbour", 2), ("road_traffic", 3)),
        0.3,
    ),
    "petition": Way(
        3, 4, 0.03, "office", (("dispute", 4), ("land", 5), ("social_assistance", 3)), 0.3
    ),
    "walk_in": Way(3, 5, 0.05, "office", (("dispute", 3), ("service", 3)), 0.5),
    "open311": Way(3, 1, 1.0, "evening", (("urban", 1.5),)),
}
OTHER_WAY = Way(1, 1, 1.0, "hotline")

# (urgent, critical) shares by category; the rest normal
URGENCY = {
    **dict.fromkeys(
        ("hazardous_chemicals", "fire", "flood", "geological", "disaster", "dangerous_building"),
        (0.2, 0.08),
    ),
    **dict.fromkeys(
        ("road_traffic", "public_order", "special_equipment", "public_health"), (0.12, 0.03)
    ),
}
OTHER_URGENCY = (0.06, 0.01)

# channels whose reporters are called back (回访): most of their closed events are evaluated
CALLED_BACK = 0.85
NOT_CALLED_BACK = 0.35

TITLES = {
    "hazardous_chemicals": ("加油站周边违规存放油品", "液化气钢瓶违规存放", "危化品运输车辆违停"),
    "fire": ("楼道堆放杂物堵塞消防通道", "电动车楼道内充电", "消防栓损坏", "沿街店铺私拉电线"),
    "road_traffic": ("路口红绿灯故障", "道路标线模糊", "学校门口缺少减速带"),
    "construction": ("工地夜间施工扰民", "工地围挡破损", "施工车辆带泥上路"),
    "special_equipment": ("电梯频繁故障困人", "电梯年检过期"),
    "public_health": ("小区蚊虫滋生", "公厕卫生差", "病死禽畜随意丢弃"),
    "food_drug": ("无证流动摊贩售卖熟食", "小餐馆后厨卫生差", "超市销售过期食品"),
    "environment": ("河道漂浮垃圾", "焚烧秸秆冒黑烟", "企业偷排污水", "餐饮油烟扰民"),
    "disaster": ("山塘水库水位上涨", "暴雨后道路积水", "树木倒伏压住电线"),
    "parcel_logistics": ("快递网点包裹乱堆放", "快递车辆占道分拣"),
    "ride_hailing": ("网约车违规揽客", "网约车绕路多收费"),
    "labour": ("工地拖欠农民工工资", "企业未签劳动合同", "加工厂拖欠工资"),
    "property": ("物业不作为垃圾无人清理", "小区停车收费纠纷", "物业费上涨纠纷"),
    "neighbour": ("楼上漏水邻里纠纷", "邻居噪音扰民", "宅基地界址邻里纠纷", "饲养犬只扰民"),
    "family": ("家庭矛盾争吵", "赡养老人纠纷", "婚姻家庭纠纷"),
    "land": ("承包地边界纠纷", "山林权属纠纷", "征地补偿纠纷"),
    "urban_dispute": ("占道经营劝离引发争执", "违建拆除纠纷"),
    "education_health": ("医疗费用纠纷", "校外培训退费纠纷"),
    "dangerous_building": ("老旧房屋墙体开裂", "危房仍有人居住"),
    "flood": ("河堤出现管涌", "排水沟堵塞易内涝", "低洼处积水严重"),
    "geological": ("山体滑坡隐患", "边坡落石", "地面塌陷"),
    "other_hazard": ("广告牌松动", "高空坠物隐患", "池塘无防护栏"),
    "public_order": ("夜间聚众喧哗", "可疑人员出没", "KTV门口斗殴"),
    "fraud": ("疑似电信诈骗", "老人被推销保健品", "冒充客服诈骗"),
    "exposed_garbage": ("垃圾堆放未及时清运", "垃圾桶满溢", "建筑垃圾乱倒", "路边暴露垃圾"),
    "illegal_construction": ("屋顶违章搭建", "私自圈占公共绿地", "违规加盖楼层"),
    "road_damage": ("路面坑洼破损", "人行道地砖松动", "桥面破损"),
    "manhole": ("井盖缺失", "井盖破损下沉", "雨水篦子丢失"),
    "streetlight": ("路灯不亮", "路灯白天常亮", "路灯杆倾斜"),
    "illegal_parking": ("车辆占用人行道停放", "共享单车乱停乱放", "车辆堵塞消防通道"),
    "street_vending": ("流动摊贩占道经营", "店外经营占道", "夜市摊点扰民"),
    "elderly_care": ("独居老人需要帮助", "高龄老人申请居家养老服务"),
    "social_assistance": ("困难家庭申请临时救助", "低保申请咨询"),
}
TAILS = {
    "safety": "存在安全隐患，请相关部门尽快核查处置。",
    "dispute": "双方协商未果，请求调解。",
    "hazard": "存在安全隐患，请尽快排查整治。",
    "public_order": "影响周边群众正常生活，请处理。",
    "urban": "影响市容和通行，请尽快处理。",
    "service": "请相关部门了解情况并提供帮助。",
}
OTHER_TAIL = "请相关部门尽快处理。"
REF_PREFIX = {
    "grid_worker": "WG",
    "hotline_12345": "RX",
    "resident": "WX",
    "police_110": "JQ",
    "petition": "XF",
    "walk_in": "LF",
    "open311": "OP",
}


@dataclass(frozen=True)
class Mix:
    """The mixes of one configuration, as arrays over its channels and categories."""

    channels: np.ndarray  # codes
    categories: np.ndarray  # codes
    groups: np.ndarray  # each category's group
    town_channels: np.ndarray  # P(channel) in town, in the country
    country_channels: np.ndarray
    off_days: np.ndarray  # per channel
    hours: np.ndarray  # (channels, 24) probabilities
    town_kinds: np.ndarray  # category weight in town, in the country
    country_kinds: np.ndarray
    at_place: np.ndarray  # per category
    seasons: np.ndarray  # (12, categories)
    brings: np.ndarray  # (channels, categories)
    urgency: np.ndarray  # (categories, 3): normal, urgent, critical shares
    urgencies: tuple[str, str, str]  # the codes drawn for normal, urgent, critical
    titles: np.ndarray  # every title, category by category
    title_start: np.ndarray  # per category: first title, how many
    title_count: np.ndarray
    tails: np.ndarray  # per category
    prefixes: np.ndarray  # per channel

    @classmethod
    def of(cls, config: EventSettings) -> Mix:
        channels = list(config.channels)
        categories = list(config.categories)
        groups = [config.categories[c].group for c in categories]
        ways = [WAYS.get(c, OTHER_WAY) for c in channels]
        kinds = [KINDS.get(c, OTHER_KIND) for c in categories]
        pairs = list(zip(categories, groups, strict=True))
        brings = np.array([[_brings(w, c, g) for c, g in pairs] for w in ways])
        hours = np.array([HOURS[w.hours] for w in ways])
        urgent = [URGENCY.get(c, OTHER_URGENCY) for c in categories]
        urgency = np.array([(1 - sum(u), *u) for u in urgent])
        first = next(iter(config.urgencies))
        codes = tuple(
            u if u in config.urgencies else first for u in ("normal", "urgent", "critical")
        )
        titles = [TITLES.get(c, (config.categories[c].label,)) for c in categories]
        counts = np.array([len(t) for t in titles])
        return cls(
            channels=np.array(channels, dtype=object),
            categories=np.array(categories, dtype=object),
            groups=np.array(groups, dtype=object),
            town_channels=_share([w.town for w in ways]),
            country_channels=_share([w.country for w in ways]),
            off_days=np.array([w.off_days for w in ways]),
            hours=hours / hours.sum(axis=1, keepdims=True),
            town_kinds=np.array([k.weight * k.town for k in kinds]),
            country_kinds=np.array([k.weight * k.country for k in kinds]),
            at_place=np.array([k.at_place for k in kinds]),
            seasons=np.array([SEASONS[k.season] for k in kinds]).T,
            brings=brings,
            urgency=urgency,
            urgencies=codes,
            titles=np.array([t for group in titles for t in group], dtype=object),
            title_start=np.cumsum(counts) - counts,
            title_count=counts,
            tails=np.array([TAILS.get(g, OTHER_TAIL) for g in groups], dtype=object),
            prefixes=np.array([REF_PREFIX.get(c, "EV") for c in channels], dtype=object),
        )


def _brings(way: Way, category: str, group: str) -> float:
    """How much of a category a channel brings: by the category, else its group."""
    brings = dict(way.brings)
    return brings.get(category, brings.get(group, way.others))


def _share(values: list[float]) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    return array / array.sum()
