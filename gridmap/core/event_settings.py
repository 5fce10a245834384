"""Settings of events (事件): channels, the category taxonomy, urgencies, levels, the workflow,
deadlines, the work calendar, duplicates, field work, points and KPI weights.

The sources agree on the shape of the six-step closed loop (六步闭环) but not on its numbers, so
every vocabulary, rule and weight here is configuration (``GRIDMAP_EVENTS_*``, JSON for lists
and tables) with these defaults. Deadline tables of real cities differ several-fold for the
same category; the defaults are a small example to replace with the deployment's own.
"""

from __future__ import annotations

from datetime import date, time

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# the steps an event waits for in each state (the deadline of a state is that of its step)
STEP_OF_STATE = {
    "reported": "register",
    "registered": "dispatch",
    "dispatched": "accept",
    "accepted": "handle",
    "handled": "close",
    "closed": "evaluate",
}
DEADLINE_UNITS = ("working_hours", "working_days", "hours")
NEEDS = ("reason", "unit", "photo", "score", "original", "until")


class Category(BaseModel):
    """An event category (事件类别) and the group it belongs to (the taxonomy's first level)."""

    label: str
    group: str


class Action(BaseModel):
    """An action of the workflow (流转动作): the states it may be taken from, the state it leads
    to (``None``: the state does not change), who may take it at which levels, and what it
    needs (a reason, a unit to dispatch to, a photo, a satisfaction score, the original of a
    duplicate, a new deadline)."""

    label: str
    sources: list[str] = Field(alias="from")
    to: str | None
    roles: list[str]
    levels: list[str] = Field(default=[], description="levels it may be taken at; [] = any")
    needs: list[str] = []

    model_config = {"populate_by_name": True}

    @field_validator("needs")
    @classmethod
    def _known_needs(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(NEEDS))
        if unknown:
            raise ValueError(f"unknown needs {unknown}: known are {list(NEEDS)}")
        return value


class DeadlineRule(BaseModel):
    """How long a step may take: for a category (or a group, or ``*``), a step and an urgency
    (or ``*``); the most specific rule wins."""

    category: str = "*"
    step: str
    urgency: str = "*"
    amount: float = Field(ge=0)
    unit: str

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, value: str) -> str:
        if value not in DEADLINE_UNITS:
            raise ValueError(f"deadline unit {value!r} is not one of {list(DEADLINE_UNITS)}")
        return value


_ANY_STAFF = ["dispatcher", "admin"]
_FIELD = ["dispatcher", "grid_worker", "admin"]
_OPEN = ["reported", "registered", "dispatched", "accepted"]

DEFAULT_ACTIONS: dict[str, Action] = {
    "register": Action(label="核实立案", sources=["reported"], to="registered", roles=_FIELD),
    "reject": Action(
        label="不予立案", sources=["reported"], to="rejected", roles=_ANY_STAFF, needs=["reason"]
    ),
    "mark_duplicate": Action(
        label="重复件", sources=["reported"], to="duplicate", roles=_FIELD, needs=["original"]
    ),
    "dispatch": Action(
        label="指挥派遣", sources=["registered"], to="dispatched", roles=_ANY_STAFF, needs=["unit"]
    ),
    "accept": Action(
        label="签收", sources=["dispatched"], to="accepted", roles=["department", "admin"]
    ),
    "return": Action(
        label="回退",
        sources=["dispatched"],
        to="registered",
        roles=["department", "admin"],
        needs=["reason"],
    ),
    "report_back": Action(
        label="处理反馈",
        sources=["accepted"],
        to="handled",
        roles=["department", "grid_worker", "admin"],
        needs=["photo"],
    ),
    "close": Action(label="核查结案", sources=["handled"], to="closed", roles=_FIELD),
    "rework": Action(
        label="返工", sources=["handled"], to="dispatched", roles=_FIELD, needs=["reason"]
    ),
    "evaluate": Action(
        label="考核评价", sources=["closed"], to="evaluated", roles=_ANY_STAFF, needs=["score"]
    ),
    "escalate": Action(
        label="上报上级", sources=_OPEN, to="registered", roles=_FIELD, needs=["reason"]
    ),
    "extend": Action(
        label="延期",
        sources=["registered", "dispatched", "accepted"],
        to=None,
        roles=["dispatcher", "department", "admin"],
        needs=["reason", "until"],
    ),
    "hold": Action(
        label="挂账",
        sources=["registered", "dispatched", "accepted"],
        to=None,
        roles=_ANY_STAFF,
        needs=["reason"],
    ),
    "resume": Action(label="解除挂账", sources=_OPEN, to=None, roles=_ANY_STAFF),
}

DEFAULT_DEADLINES: list[DeadlineRule] = [
    DeadlineRule(step="register", amount=1, unit="working_days"),
    DeadlineRule(step="register", urgency="urgent", amount=2, unit="hours"),
    DeadlineRule(step="register", urgency="critical", amount=0.5, unit="hours"),
    DeadlineRule(step="dispatch", amount=4, unit="working_hours"),
    DeadlineRule(step="dispatch", urgency="urgent", amount=1, unit="hours"),
    DeadlineRule(step="dispatch", urgency="critical", amount=0.25, unit="hours"),
    DeadlineRule(step="accept", amount=1, unit="working_days"),
    DeadlineRule(step="accept", urgency="urgent", amount=1, unit="hours"),
    DeadlineRule(step="accept", urgency="critical", amount=0.25, unit="hours"),
    DeadlineRule(step="handle", amount=5, unit="working_days"),
    DeadlineRule(step="handle", urgency="urgent", amount=24, unit="hours"),
    DeadlineRule(step="handle", urgency="critical", amount=4, unit="hours"),
    # two published city tables (数字城管): 暴露垃圾 4 working hours, 违法搭建 15 working days
    DeadlineRule(category="exposed_garbage", step="handle", amount=4, unit="working_hours"),
    DeadlineRule(category="illegal_construction", step="handle", amount=15, unit="working_days"),
    DeadlineRule(category="dispute", step="handle", amount=10, unit="working_days"),
    DeadlineRule(step="close", amount=1, unit="working_days"),
    DeadlineRule(step="evaluate", amount=3, unit="working_days"),
]


class EventSettings(BaseSettings):
    """Events (事件): the six-step closed loop and everything around it (see the module)."""

    model_config = SettingsConfigDict(env_prefix="GRIDMAP_EVENTS_", extra="ignore")

    channels: dict[str, str] = {
        "grid_worker": "网格员巡查",
        "hotline_12345": "12345热线",
        "police_110": "110转警",
        "petition": "信访",
        "walk_in": "来访",
        "resident": "群众上报（小程序/微信）",
        "open311": "Open311",
    }
    # a grid worker's own patrol report may be registered directly (it was seen on site)
    auto_register_channels: list[str] = ["grid_worker"]
    # the channels whose events Open311 lists publicly (never 110 referrals or petitions)
    public_channels: list[str] = ["resident", "open311", "hotline_12345"]
    groups: dict[str, str] = {
        "safety": "安全生产（9+2领域）",
        "dispute": "矛盾纠纷",
        "hazard": "风险隐患",
        "public_order": "治安问题",
        "urban": "城市管理",
        "service": "民生服务",
    }
    categories: dict[str, Category] = {
        "hazardous_chemicals": Category(label="危险化学品", group="safety"),
        "fire": Category(label="消防安全", group="safety"),
        "road_traffic": Category(label="道路交通", group="safety"),
        "construction": Category(label="建设施工", group="safety"),
        "special_equipment": Category(label="特种设备", group="safety"),
        "public_health": Category(label="公共卫生", group="safety"),
        "food_drug": Category(label="食品药品", group="safety"),
        "environment": Category(label="生态环境", group="safety"),
        "disaster": Category(label="防灾减灾", group="safety"),
        "parcel_logistics": Category(label="寄递物流", group="safety"),
        "ride_hailing": Category(label="网约车", group="safety"),
        "labour": Category(label="劳动纠纷", group="dispute"),
        "property": Category(label="物业纠纷", group="dispute"),
        "neighbour": Category(label="邻里纠纷", group="dispute"),
        "family": Category(label="婚姻家庭纠纷", group="dispute"),
        "land": Category(label="土地纠纷", group="dispute"),
        "urban_dispute": Category(label="城管纠纷", group="dispute"),
        "education_health": Category(label="教育医疗纠纷", group="dispute"),
        "dangerous_building": Category(label="危房隐患", group="hazard"),
        "flood": Category(label="防汛隐患", group="hazard"),
        "geological": Category(label="地质灾害隐患", group="hazard"),
        "other_hazard": Category(label="其他隐患", group="hazard"),
        "public_order": Category(label="治安问题", group="public_order"),
        "fraud": Category(label="电信网络诈骗", group="public_order"),
        "exposed_garbage": Category(label="暴露垃圾", group="urban"),
        "illegal_construction": Category(label="违法搭建", group="urban"),
        "road_damage": Category(label="道路破损", group="urban"),
        "manhole": Category(label="井盖缺失破损", group="urban"),
        "streetlight": Category(label="路灯故障", group="urban"),
        "illegal_parking": Category(label="乱停乱放", group="urban"),
        "street_vending": Category(label="占道经营", group="urban"),
        "elderly_care": Category(label="养老服务", group="service"),
        "social_assistance": Category(label="社会救助", group="service"),
    }
    urgencies: dict[str, str] = {"normal": "一般", "urgent": "紧急", "critical": "特急"}
    states: dict[str, str] = {
        "reported": "采集上报",
        "registered": "核实立案",
        "rejected": "不予立案",
        "duplicate": "重复件",
        "dispatched": "指挥派遣",
        "accepted": "已签收",
        "handled": "处理反馈",
        "closed": "核查结案",
        "evaluated": "考核评价",
    }
    open_states: list[str] = ["reported", "registered", "dispatched", "accepted", "handled"]
    actions: dict[str, Action] = DEFAULT_ACTIONS
    # village → township → county ("small matters stay in the village, big ones in the township")
    levels: dict[str, str] = {
        "village": "村（社区）",
        "township": "乡镇（街道）",
        "county": "县（区）",
    }
    tries_per_level: int = Field(default=3, ge=1, description="dispatches per level (三个三)")
    # resolved locally (就地化解): closed without going above these levels; disputes: this group
    local_levels: list[str] = ["village", "township"]
    dispute_group: str = "dispute"
    deadlines: list[DeadlineRule] = DEFAULT_DEADLINES
    amber_share: float = Field(
        default=0.8, gt=0, le=1, description="share of a step's time after which it is amber"
    )
    # the work calendar: working periods of a working day, and the deployment's own tables of
    # days off and make-up working days (chinese-calendar knows the official ones it has)
    working_periods: list[tuple[time, time]] = [
        (time(8, 30), time(12, 0)),
        (time(14, 0), time(17, 30)),
    ]
    holidays: list[date] = []
    workdays: list[date] = []
    time_zone: str = "Asia/Shanghai"
    # duplicates (as FixMyStreet): open, same category, near, recent; nearest first
    duplicate_distance_public_m: float = Field(default=250, gt=0)
    duplicate_distance_staff_m: float = Field(default=1000, gt=0)
    duplicate_days: float = Field(default=30, gt=0)
    duplicate_suggestions: int = Field(default=5, ge=1)
    # photos: content-checked, size-limited, kept under the data folder
    photo_max_bytes: int = Field(default=10 << 20, ge=1024)
    photos_per_upload: int = Field(default=9, ge=1)
    # field work
    checkin_distance_m: float = Field(default=50, gt=0, description="must-visit check-in radius")
    position_max_age_hours: float = Field(default=12, gt=0, description="last positions shown")
    patrol_max_points_per_batch: int = Field(default=1000, ge=1)
    # the KPI composite (综合指标值): 按期处置率 × 60 + 结案率 × 30 + (1 − 返工率) × 10
    kpi_weights: dict[str, float] = {"on_time_handled": 60, "closed": 30, "not_reworked": 10}
    # points (积分): per month, bonuses capped, the total never below zero
    points: dict[str, float] = {
        "verified_report": 2,
        "patrol_hour": 1,
        "all_safe_day": 0.5,
        "false_report": -5,
        "overdue": -2,
        "handled_on_time": 2,
        "returned": -1,
    }
    # the demo county's generated history at first start (a year; 0: none)
    demo_events: int = Field(
        default=3000, ge=0, description="generated events loaded with the demo county"
    )
    points_monthly_cap: float = Field(default=100, gt=0)
    points_manual_limit: float = Field(default=20, gt=0, description="largest manual adjustment")

    @model_validator(mode="after")
    def _consistent(self) -> EventSettings:
        unknown_groups = {c.group for c in self.categories.values()} - set(self.groups)
        if unknown_groups:
            raise ValueError(f"categories name unknown groups {sorted(unknown_groups)}")
        for name, action in self.actions.items():
            states = {*action.sources, *([action.to] if action.to else [])}
            if not states <= set(self.states):
                raise ValueError(
                    f"action {name!r} names unknown states {sorted(states - set(self.states))}"
                )
        steps = sorted(set(STEP_OF_STATE.values()))
        for rule in self.deadlines:
            if rule.step not in steps:
                raise ValueError(f"deadline step {rule.step!r} is not one of {steps}")
        return self
