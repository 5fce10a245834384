"""The events ledger (事件台账): a 12345 hotline or 信访 export, or a city's event history, into
the closed loop (``gridmap import events FILE``, ``POST /api/v1/uploads/events``).

Each row is an event: the channel's own reference (工单编号), channel, category, urgency, title,
text and where it is: lon/lat (any CRS), else a building's code or exact address, else the grid
it names. Vocabulary columns hold codes or their configured labels (12345热线, 暴露垃圾, 紧急 …).
The reporter's name and phone are sealed by the reading thread, like residents' ID numbers.

An event enters the loop as ``reported``, or, for historical and generated records, as the
export says: state, level, department and milestones (``registered_at`` … ``evaluated_at``),
counts (reworks, returns, escalations) and satisfaction; a missing state is that of the latest
milestone given. The reading thread computes what the transitions would have written (as
``EventDesk.due`` does, on the deployment's work calendar): the deadline of the step the event
waits for, the handle deadline, and whether it was handled and closed on time (unless the file
says). The move writes the events and their history (report, register, dispatch, accept,
report_back, close, evaluate, reject, mark_duplicate, each at its time; the importer as actor,
the file in the report's detail) in two set-based statements per chunk.

A reference (channel + 工单编号) twice in the file, already imported, or imported in another
jurisdiction is rejected: a re-imported export adds nothing twice.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, text

from gridmap.core import pii
from gridmap.core.errors import InvalidInput
from gridmap.core.event_settings import STEP_OF_STATE, EventSettings
from gridmap.ingest.batches import Prepare
from gridmap.ingest.checks import (
    TRUE_WORDS,
    Check,
    boolean,
    one_of,
    phone,
    required,
    whole_number,
)
from gridmap.ingest.ledger import Ledger
from gridmap.ingest.readers import Column, Row
from gridmap.ops import workflow
from gridmap.ops.worktime import WorkCalendar

COLUMNS = (
    Column(
        "source_ref",
        ("工单编号", "工单号", "受理编号", "信访件编号", "件号", "编号", "reference"),
        required=True,
    ),
    Column("channel", ("渠道", "来源渠道", "受理渠道", "来源"), required=True),
    Column("category", ("类别", "事件类别", "诉求类别", "问题类别", "事项分类"), required=True),
    Column("urgency", ("紧急程度", "缓急程度", "紧急度")),
    Column("title", ("标题", "诉求标题", "事项标题", "主题"), required=True),
    Column("description", ("诉求内容", "内容", "事件描述", "问题描述", "来电内容")),
    Column("address", ("地址", "事发地址", "事件地址", "诉求地址")),
    Column("building_code", ("楼栋编码", "房屋编码")),
    Column("grid", ("网格编码", "网格代码", "网格", "grid_code")),
    Column("reported_at", ("受理时间", "来电时间", "上报时间", "reported"), required=True),
    Column("reporter_name", ("来电人", "来电人姓名", "诉求人", "诉求人姓名", "反映人", "信访人")),
    Column("reporter_phone", ("来电号码", "联系电话", "诉求人电话", "电话")),
    Column("state", ("状态", "办理状态", "事件状态")),
    Column("level", ("层级", "办理层级", "当前层级")),
    Column("department", ("承办单位", "承办部门", "处置部门", "责任单位", "department_code")),
    Column("registered_at", ("立案时间",)),
    Column("dispatched_at", ("派单时间", "派遣时间", "交办时间")),
    Column("accepted_at", ("签收时间", "接单时间")),
    Column("handled_at", ("处置时间", "办结时间", "反馈时间", "处理反馈时间")),
    Column("closed_at", ("结案时间", "办毕时间")),
    Column("evaluated_at", ("评价时间", "回访时间")),
    Column("satisfaction", ("满意度", "评价", "评分")),
    Column("reworks", ("返工次数",)),
    Column("returns", ("回退次数", "退单次数")),
    Column("escalations", ("上报次数", "升级次数")),
    Column("handled_on_time", ("按期处置", "是否按期处置")),
    Column("closed_on_time", ("按期结案", "是否按期结案")),
)
_AT = {column.name: index for index, column in enumerate(COLUMNS)}

# the milestones of the loop in order, and the state each one reaches
MILESTONES = (
    "reported_at",
    "registered_at",
    "dispatched_at",
    "accepted_at",
    "handled_at",
    "closed_at",
    "evaluated_at",
)
LOOP = ("reported", "registered", "dispatched", "accepted", "handled", "closed", "evaluated")
ENDED = ("rejected", "duplicate")  # ended without entering the loop; closed_at says when
DISPATCHED = LOOP[2:]  # states in which a department has it (or had it)
# what an event in a state must carry: the milestones up to it, its department, its score
NEEDS = {
    state: [*MILESTONES[1 : index + 1], *(["department"] if state in DISPATCHED else [])]
    + (["satisfaction"] if state == "evaluated" else [])
    for index, state in enumerate(LOOP)
}
SATISFACTION_LABELS = {"非常满意": 5, "满意": 4, "基本满意": 3, "不满意": 2, "非常不满意": 1}
_TIMESTAMP = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
    r"(?:[ T]+(\d{1,2})[:：时](\d{1,2})(?:[:：分](\d{1,2})(?:\.\d+)?秒?)?)?$"
)
_PHONE_NOISE = re.compile(r"[\s\-()（）]")


def _ts(name: str) -> str:
    """The staging column of a milestone as a timestamp (filled by the reading thread)."""
    return name.removesuffix("_at") + "_ts"


@lru_cache(maxsize=4)
def _work_calendar(
    periods: tuple[tuple[Any, Any], ...], holidays: frozenset, workdays: frozenset, tz: str
) -> WorkCalendar:
    return WorkCalendar(
        periods=periods,
        holidays=holidays,
        workdays=workdays,
        tz=tz,
        table_name="GRIDMAP_EVENTS_HOLIDAYS / GRIDMAP_EVENTS_WORKDAYS",
    )


def work_calendar(config: EventSettings) -> WorkCalendar:
    """The deployment's work calendar, built as ``services.events.work_calendar`` builds it
    (that one lives above the ingest layer, which may not import it)."""
    return _work_calendar(
        tuple(config.working_periods),
        frozenset(config.holidays),
        frozenset(config.workdays),
        config.time_zone,
    )


def parse_time(value: str | None, zone: ZoneInfo) -> datetime | None:
    """A date and time as exports write it (ISO 8601, ``2025/3/1 9:05``, ``2025年3月1日 9时5分``,
    a date alone as its midnight); naive times are in the calendar's zone. None: not one."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        found = _TIMESTAMP.match(value)
        if found is None:
            return None
        try:
            moment = datetime(*(int(part or 0) for part in found.groups()))
        except ValueError:
            return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def _by_code_or_label(vocabulary: dict[str, Any]) -> dict[str, str]:
    """Codes and labels (``label`` of a model, or the value itself) to codes."""
    known = {code: code for code in vocabulary}
    for code, value in vocabulary.items():
        known.setdefault(getattr(value, "label", value), code)
    return known


class _Deadlines:
    """Deadlines of steps as ``EventDesk.due`` counts them: the most specific rule of the
    category (its group, ``*``), the step and the urgency, added on the work calendar."""

    def __init__(self, config: EventSettings) -> None:
        self.config = config
        self.calendar = work_calendar(config)
        self._rules: dict[tuple[str, str, str], Any] = {}

    def rule(self, category: str, step: str, urgency: str) -> Any:
        key = (category, step, urgency)
        if key not in self._rules:
            spec = self.config.categories.get(category)
            self._rules[key] = workflow.deadline_rule(
                self.config.deadlines, category, spec.group if spec else "", step, urgency
            )
        return self._rules[key]

    def due(
        self, category: str, step: str, urgency: str, start: datetime | None, share: float = 1.0
    ) -> datetime | None:
        rule = self.rule(category, step, urgency)
        if rule is None or start is None:
            return None
        try:
            return self.calendar.add(start, rule.amount * share, rule.unit).at
        except InvalidInput:  # beyond what the calendar counts: no deadline
            return None


def _prepare(settings: Any) -> Prepare:
    """Normalise the row in place (labels to codes, the state from the milestones, phone
    digits), then the staged extras: the milestones as timestamps, the deadlines and on-time
    flags the transitions would have written, and the sealed reporter."""
    config: EventSettings = settings.events
    vault = pii.vault(settings)
    zone = ZoneInfo(config.time_zone)
    deadlines = _Deadlines(config)
    vocabularies = {
        _AT["channel"]: _by_code_or_label(config.channels),
        _AT["category"]: _by_code_or_label(config.categories),
        _AT["urgency"]: _by_code_or_label(config.urgencies),
        _AT["state"]: _by_code_or_label(config.states),
        _AT["level"]: _by_code_or_label(config.levels),
    }
    default_urgency = "normal" if "normal" in config.urgencies else next(iter(config.urgencies))
    times = [_AT[name] for name in MILESTONES]
    state_at, urgency_at, phone_at = _AT["state"], _AT["urgency"], _AT["reporter_phone"]
    satisfaction_at = _AT["satisfaction"]

    def prepare(row: Row) -> tuple[Any, ...]:
        for index, known in vocabularies.items():
            if row[index] is not None:
                row[index] = known.get(row[index], row[index])
        row[urgency_at] = row[urgency_at] or default_urgency
        score = row[satisfaction_at]
        if score is not None:
            row[satisfaction_at] = str(SATISFACTION_LABELS.get(score, score))
        moments = [parse_time(row[i], zone) for i in times]
        if row[state_at] is None:  # the state of the latest milestone given
            reached = [i for i, moment in enumerate(moments) if moment is not None]
            row[state_at] = LOOP[reached[-1]] if reached else LOOP[0]
        phone = row[phone_at]
        if phone:
            phone = _PHONE_NOISE.sub("", phone)
            phone = row[phone_at] = phone[3:] if phone.startswith("+86") else phone
        return (
            *moments,
            *_deadlines(deadlines, row, moments),
            *_sealed_reporter(vault, row[_AT["reporter_name"]], phone),
            None,  # event_id, filled by the move
        )

    return prepare


def _deadlines(deadlines: _Deadlines, row: Row, moments: list[datetime | None]) -> tuple:
    """The deadline (and amber moment) of the step the event waits for, counted from the
    latest milestone; the handle deadline (from acceptance); handled and closed on time."""
    category, urgency, state = row[_AT["category"]], row[_AT["urgency"]], row[_AT["state"]]
    step = STEP_OF_STATE.get(state)
    latest = max((m for m in moments if m is not None), default=None)
    deadline = amber = None
    if step is not None:
        deadline = deadlines.due(category, step, urgency, latest)
        share = deadlines.config.amber_share
        amber = deadlines.due(category, step, urgency, latest, share) if deadline else None
    _, _, dispatched, accepted, handled, closed, _ = moments
    handle_deadline = close_deadline = handled_on_time = closed_on_time = None
    if handled is not None and (accepted or dispatched) is not None:
        handle_deadline = deadlines.due(category, "handle", urgency, accepted or dispatched)
        handled_on_time = _before(handled, handle_deadline)
    if handled is not None and state not in ENDED:
        close_deadline = deadlines.due(category, "close", urgency, handled)
        closed_on_time = _before(closed, close_deadline) if closed is not None else None
    step = step if deadline else None
    return (
        deadline,
        amber,
        step,
        handle_deadline,
        close_deadline,
        handled_on_time,
        closed_on_time,
    )


def _before(moment: datetime, deadline: datetime | None) -> bool | None:
    """Whether a step was done by its deadline (None: it had none)."""
    return None if deadline is None else moment <= deadline


def _sealed_reporter(vault: pii.Vault, name: str | None, phone: str | None) -> tuple:
    """A citizen's name and phone sealed and masked (``EventDesk._sealed_reporter``'s way)."""
    sealed_phone = vault.phone(phone) if phone else None
    return (
        vault.seal("name", name) if name else None,
        pii.mask_name(name) if name else None,
        sealed_phone.hash if sealed_phone else None,
        sealed_phone.cipher if sealed_phone else None,
        sealed_phone.masked if sealed_phone else None,
    )


# -- checks ---------------------------------------------------------------------------------


def _time_check(name: str) -> Check:
    return Check(
        name,
        f"CASE WHEN s.{name} IS NOT NULL AND s.{_ts(name)} IS NULL"
        f" THEN format('%s is not a date and time (e.g. 2025-03-01 09:30)', s.{name})"
        f" WHEN s.{_ts(name)} > now() + interval '1 hour'"
        f" THEN format('%s is in the future', s.{name}) END",
    )


def _order_check(index: int) -> Check:
    """A milestone before an earlier one of the loop (nearest first)."""
    name = MILESTONES[index]
    cases = " ".join(
        f"WHEN s.{_ts(name)} < s.{_ts(earlier)} THEN format('%s is before {earlier} %s',"
        f" s.{name}, s.{earlier})"
        for earlier in reversed(MILESTONES[:index])
    )
    return Check(name, f"CASE {cases} END")


def _needs_check() -> Check:
    """What the event's state needs: the milestones up to it, its department, its score."""
    value = {
        "department": "s.department",
        "satisfaction": "s.satisfaction",
        **{m: f"s.{_ts(m)}" for m in MILESTONES},
    }
    wanted = sorted({need for needs in NEEDS.values() for need in needs}, key=_need_order)
    missing = ", ".join(
        f"CASE WHEN {value[need]} IS NULL AND s.state = ANY (ARRAY"
        f"{[s for s, needs in NEEDS.items() if need in needs]!r}) THEN '{need}' END"
        for need in wanted
    )
    return Check(
        "state",
        f"CASE WHEN concat_ws(', ', {missing}) <> ''"
        f" THEN format('a %s event needs %s', s.state, concat_ws(', ', {missing})) END",
    )


def _need_order(need: str) -> int:
    order = [*MILESTONES, "department", "satisfaction"]
    return order.index(need)


_CLOSED_STATES = ["closed", "evaluated", *ENDED]
_AFTER_STATE = (
    Check(
        "closed_at",
        f"CASE WHEN s.closed_ts IS NOT NULL AND NOT (s.state = ANY (ARRAY{_CLOSED_STATES!r}))"
        " THEN format('a %s event has not been closed', s.state) END",
    ),
    Check(
        "evaluated_at",
        "CASE WHEN s.evaluated_ts IS NOT NULL AND s.state <> 'evaluated'"
        " THEN format('a %s event has not been evaluated', s.state) END",
    ),
    Check(
        "satisfaction",
        "CASE WHEN s.satisfaction IS NOT NULL AND s.state <> 'evaluated'"
        " THEN format('a %s event has no satisfaction score yet', s.state) END",
    ),
)


def _check_references(conn: Connection) -> None:
    """A reference (channel + 工单编号) twice in the file, or already imported."""
    conn.execute(
        text(
            "INSERT INTO stage_rejects (row_no, field, value, reason)"
            " SELECT row_no, 'source_ref', source_ref, format('duplicate reference %s %s in the"
            " file (first at row %s)', channel, source_ref, first) FROM (SELECT row_no, channel,"
            " source_ref, min(row_no) OVER (PARTITION BY channel, source_ref) AS first"
            " FROM stage WHERE source_ref IS NOT NULL) d WHERE row_no > first"
        )
    )
    conn.execute(
        text(
            "INSERT INTO stage_rejects (row_no, field, value, reason)"
            " SELECT s.row_no, 'source_ref', s.source_ref, format('%s %s already imported"
            " (event %s)', s.channel, s.source_ref, e.id)"
            " FROM stage s JOIN events e ON e.channel = s.channel AND e.source_ref = s.source_ref"
        )
    )


def _check_departments(conn: Connection) -> None:
    conn.execute(
        text(
            "INSERT INTO stage_rejects (row_no, field, value, reason)"
            " SELECT s.row_no, 'department', s.department, format('unknown department %s (or it"
            " does not serve your jurisdiction)', s.department) FROM stage s"
            " WHERE s.department IS NOT NULL"
            " AND NOT EXISTS (SELECT 1 FROM departments d WHERE d.code = s.department)"
        )
    )


# -- the move -------------------------------------------------------------------------------

_ON_TIME = {
    column: f"CASE WHEN s.{column} IS NULL THEN s.{computed}"
    f" ELSE lower(s.{column}) = ANY (ARRAY{TRUE_WORDS!r}) END"
    for column, computed in (
        ("handled_on_time", "on_time_handled"),
        ("closed_on_time", "on_time_closed"),
    )
}
_COUNT = "coalesce(s.{0}::int, 0)"
_IN_DISPATCH = f"s.state = ANY (ARRAY{list(DISPATCHED)!r})"
_DISPATCHES = (
    f"CASE WHEN s.dispatched_ts IS NULL THEN 0 ELSE greatest(1, {_COUNT.format('returns')}"
    f" + CASE WHEN {_IN_DISPATCH} THEN 1 ELSE 0 END) END"
)
_LEVEL = "coalesce(s.level, :first_level)"
_ESCALATIONS = (
    f"coalesce(s.escalations::int, array_position(CAST(:levels AS text[]), {_LEVEL}) - 1, 0)"
)
_LATEST = "greatest(" + ", ".join(f"s.{_ts(m)}" for m in MILESTONES) + ")"
_IS_ENDED = f"s.state = ANY (ARRAY{list(ENDED)!r})"
# history rows from the staged milestones: (action, at, from state, to state)
_STEPS = (
    ("report", "s.reported_ts", None, "reported"),
    ("register", "s.registered_ts", "reported", "registered"),
    ("dispatch", "s.dispatched_ts", "registered", "dispatched"),
    ("accept", "s.accepted_ts", "dispatched", "accepted"),
    ("report_back", "s.handled_ts", "accepted", "handled"),
    (
        "close",
        f"CASE WHEN {_IS_ENDED} THEN NULL ELSE s.closed_ts END",
        "handled",
        "closed",
    ),
    ("evaluate", "s.evaluated_ts", "closed", "evaluated"),
    ("reject", f"CASE WHEN s.state = 'rejected' THEN {_LATEST} END", "reported", "rejected"),
    (
        "mark_duplicate",
        f"CASE WHEN s.state = 'duplicate' THEN {_LATEST} END",
        "reported",
        "duplicate",
    ),
)
_UNIT_STEPS = ("dispatch", "accept", "report_back")


def _history_values() -> str:
    """The VALUES of the history rows an event's milestones imply. Like the transitions',
    each row's detail names the deadline it set where the ledger knows it (the handle
    deadline on acceptance, the close deadline on the report back, the current step's on the
    row that entered the current state), so the KPIs can be recomputed from the log."""
    rows = []
    for action, at, source, target in _STEPS:
        unit = "d.id" if action in _UNIT_STEPS else "NULL::bigint"
        details = {
            "report": "'channel', s.channel, 'imported', CAST(:file AS text)",
            "dispatch": "'unit', d.code",
            "evaluate": "'score', s.satisfaction::smallint",
        }
        deadline = {
            "accept": "s.handle_deadline_ts",
            "report_back": "s.close_deadline_ts",
        }.get(action, "NULL::timestamptz")
        deadline = f"CASE WHEN s.state = '{target}' THEN s.deadline_ts ELSE {deadline} END"
        keys = f"{details[action]}, " if action in details else ""
        detail = (
            f"nullif(jsonb_strip_nulls(jsonb_build_object({keys}'deadline', {deadline})), '{{}}')"
        )
        source_sql = f"'{source}'" if source else "NULL"
        rows.append(f"('{action}', {at}, {source_sql}, '{target}', {unit}, {detail})")
    return ",\n".join(rows)


MOVE = f"""
    WITH moved AS (
      INSERT INTO events AS e (
        channel, category, urgency, title, description, address, pt, grid_code, micro_code,
        level, max_level, tries, state, public, department_id, departments, reporter,
        reporter_name_cipher, reporter_name_masked, reporter_phone_hash,
        reporter_phone_cipher, reporter_phone_masked, source_ref, deadline, amber_at,
        deadline_step, reported_at, registered_at, dispatched_at, accepted_at, handled_at,
        closed_at, evaluated_at, handle_deadline, handled_on_time, closed_on_time,
        dispatches, reworks, returns, escalations, satisfaction, generated, updated_at)
      SELECT s.channel, s.category, s.urgency, s.title, s.description, s.address, s.pt,
             s.grid_code, s.micro_code, {_LEVEL}, {_LEVEL},
             CASE WHEN {_ESCALATIONS} > 0 THEN ({_IN_DISPATCH})::int
                  ELSE least({_DISPATCHES}, :tries_per_level) END,
             s.state, s.channel = ANY (CAST(:public_channels AS text[])),
             CASE WHEN {_IN_DISPATCH} THEN d.id END,
             CASE WHEN d.id IS NULL THEN '{{}}'::bigint[] ELSE ARRAY[d.id] END,
             gridmap_actor(), s.name_cipher, s.name_masked, s.phone_hash, s.phone_cipher,
             s.phone_masked, s.source_ref, s.deadline_ts, s.amber_ts, s.deadline_step,
             s.reported_ts, s.registered_ts, s.dispatched_ts, s.accepted_ts, s.handled_ts,
             CASE WHEN {_IS_ENDED} THEN NULL ELSE s.closed_ts END,
             s.evaluated_ts, s.handle_deadline_ts, {_ON_TIME["handled_on_time"]},
             {_ON_TIME["closed_on_time"]}, {_DISPATCHES}, {_COUNT.format("reworks")},
             {_COUNT.format("returns")}, {_ESCALATIONS}, s.satisfaction::smallint, :generated,
             {_LATEST}
        FROM stage s LEFT JOIN departments d ON d.code = s.department
       WHERE NOT s.rejected
       ORDER BY s.row_no
      ON CONFLICT (channel, source_ref) DO NOTHING
      RETURNING e.id, e.channel, e.source_ref),
    elsewhere AS (
      INSERT INTO stage_rejects (row_no, field, value, reason)
      SELECT s.row_no, 'source_ref', s.source_ref,
             format('%s %s was already imported in another jurisdiction', s.channel,
                    s.source_ref)
        FROM stage s
       WHERE NOT s.rejected AND NOT EXISTS (
             SELECT 1 FROM moved m
              WHERE m.channel = s.channel AND m.source_ref = s.source_ref))
    UPDATE stage s SET event_id = m.id FROM moved m
     WHERE NOT s.rejected AND m.channel = s.channel AND m.source_ref = s.source_ref
"""


# the history of the moved events: a statement of its own, as row-level security admits an
# event's history only once the event is there (a CTE of the move does not see it yet)
HISTORY = f"""
    INSERT INTO event_history (event_id, at, action, from_state, to_state, level, department_id,
                               detail)
    SELECT s.event_id, v.at, v.action, v.from_state, v.to_state, {_LEVEL}, v.department_id,
           v.detail
      FROM stage s LEFT JOIN departments d ON d.code = s.department
     CROSS JOIN LATERAL (VALUES {_history_values()})
           AS v(action, at, from_state, to_state, department_id, detail)
     WHERE s.event_id IS NOT NULL AND v.at IS NOT NULL
"""


def _params(settings: Any) -> dict[str, Any]:
    config: EventSettings = settings.events
    return {
        "channels": list(config.channels),
        "categories": list(config.categories),
        "urgencies": list(config.urgencies),
        "states": list(config.states),
        "levels": list(config.levels),
        "first_level": next(iter(config.levels)),
        "public_channels": list(config.public_channels),
        "tries_per_level": config.tries_per_level,
    }


EVENTS = Ledger(
    layer="events",
    columns=COLUMNS,
    prepared=(
        *(f"{_ts(m)} timestamptz" for m in MILESTONES),
        "deadline_ts timestamptz",
        "amber_ts timestamptz",
        "deadline_step text",
        "handle_deadline_ts timestamptz",
        "close_deadline_ts timestamptz",
        "on_time_handled boolean",
        "on_time_closed boolean",
        "name_cipher bytea",
        "name_masked text",
        "phone_hash bytea",
        "phone_cipher bytea",
        "phone_masked text",
        "event_id bigint",
    ),
    prepare=_prepare,
    checks=(
        required("source_ref"),
        required("channel"),
        required("category"),
        required("title"),
        required("reported_at"),
        one_of("channel", "channels", "channel"),
        one_of("category", "categories", "category"),
        one_of("urgency", "urgencies", "urgency"),
        one_of("state", "states", "state"),
        one_of("level", "levels", "level"),
        phone("reporter_phone"),
        *(_time_check(m) for m in MILESTONES),
        *(_order_check(i) for i in range(1, len(MILESTONES))),
        _needs_check(),
        *_AFTER_STATE,
        whole_number("satisfaction", 1, 5),
        whole_number("reworks", 0, 999),
        whole_number("returns", 0, 999),
        whole_number("escalations", 0, 99),
        boolean("handled_on_time"),
        boolean("closed_on_time"),
    ),
    resolve=(_check_references, _check_departments),
    located=True,
    by_building=True,
    by_grid=True,
    params=_params,
    move=MOVE,
    after_move=(HISTORY,),
)
