"""Deadlines of event steps on the work calendar: the most specific rule, working hours across
a weekend that China works (调休), natural hours, amber before red, an unknown year warned of."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from gridmap.core.event_settings import DeadlineRule, EventSettings
from gridmap.services.events import due

CST = ZoneInfo("Asia/Shanghai")


def test_a_category_rule_beats_the_default_and_counts_working_hours() -> None:
    config = EventSettings()
    # Friday 26 September 2025, 16:00: Sunday 28 September was a make-up working day
    start = datetime(2025, 9, 26, 16, 0, tzinfo=CST)
    garbage = due(config, "exposed_garbage", "accepted", "normal", start)
    assert garbage.step == "handle" and garbage.warnings == ()
    # 1.5 h on Friday (to 17:30), then 08:30–11:00 on the working Sunday
    assert garbage.at == datetime(2025, 9, 28, 11, 0, tzinfo=CST)
    assert start < garbage.amber_at < garbage.at
    road = due(config, "road_damage", "accepted", "normal", start)  # the default: 5 working days
    assert road.at > garbage.at


def test_urgency_and_natural_hours() -> None:
    config = EventSettings()
    start = datetime(2025, 10, 1, 9, 0, tzinfo=CST)  # National Day: a holiday
    urgent = due(config, "fire", "accepted", "urgent", start)
    assert urgent.at == datetime(2025, 10, 2, 9, 0, tzinfo=CST)  # 24 natural hours
    normal = due(config, "fire", "accepted", "normal", start)
    assert normal.at > datetime(2025, 10, 8, tzinfo=CST)  # working days start after the holiday


def test_a_group_rule_and_a_deployment_s_own_table() -> None:
    config = EventSettings(
        deadlines=[
            DeadlineRule(step="handle", amount=5, unit="working_days"),
            DeadlineRule(category="dispute", step="handle", amount=2, unit="working_days"),
        ],
        holidays=["2027-01-04"],
    )
    start = datetime(2027, 1, 1, 10, 0, tzinfo=CST)  # a year chinese-calendar does not know
    neighbour = due(config, "neighbour", "accepted", "normal", start)
    assert any("2027" in warning for warning in neighbour.warnings) is False  # the table knows it
    # 2 working days = 14 working hours: Fri 1st 10:00–17:30 (5.5 h), Mon 4th off (the table),
    # Tue 5th (7 h), Wed 6th 08:30–10:00 (1.5 h)
    assert neighbour.at == datetime(2027, 1, 6, 10, 0, tzinfo=CST)
    later = due(
        EventSettings(), "neighbour", "accepted", "normal", datetime(2030, 3, 1, 9, 0, tzinfo=CST)
    )
    assert any("2030" in warning for warning in later.warnings)


def test_terminal_states_have_no_deadline() -> None:
    config = EventSettings()
    start = datetime(2025, 6, 2, 9, 0, tzinfo=CST)
    for state in ("rejected", "duplicate", "evaluated"):
        assert due(config, "fire", state, "normal", start).at is None
