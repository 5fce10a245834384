"""Tests for gridmap.ops.worktime: event deadlines in working time (办件时限).

Holiday facts asserted here are the State Council's published arrangements as recorded by
chinese-calendar: National Day 2025 is Oct 1–8 off with Sun Sept 28 and Sat Oct 11 worked;
Spring Festival 2026 is Feb 15–23 off with Sat Feb 14 and Sat Feb 28 worked.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from gridmap.core.errors import InvalidInput
from gridmap.ops.worktime import UNITS, Deadline, WorkCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Beijing-time moment."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def due(start: datetime, amount: float, unit: str, cal: WorkCalendar = CAL) -> datetime:
    """The deadline, checked to be in Beijing time and to carry no warning."""
    deadline = cal.add(start, amount, unit)
    assert deadline.warnings == ()
    assert deadline.at.tzinfo == SHANGHAI
    return deadline.at


# -- the official calendar ------------------------------------------------------------------------


def test_national_day_2025_as_chinese_calendar_records_it() -> None:
    off = [date(2025, 10, d) for d in range(1, 9)]
    assert not any(CAL.is_workday(d) for d in off)
    assert all(chinese_calendar.is_holiday(d) for d in off)
    # make-up working days (调休): a Sunday before and a Saturday after
    assert CAL.is_workday(date(2025, 9, 28)) and date(2025, 9, 28).weekday() == 6
    assert CAL.is_workday(date(2025, 10, 11)) and date(2025, 10, 11).weekday() == 5
    assert not CAL.is_workday(date(2025, 9, 27))
    assert CAL.is_workday(date(2025, 10, 9))
    assert not CAL.is_workday(date(2025, 10, 12))


def test_national_day_2025_deadlines() -> None:
    # Tuesday before the holiday, 10:00 + 2 working days: 5.5 h on Sept 30, 7 h on Oct 9,
    # the last 1.5 h on Oct 10
    assert due(sh(2025, 9, 30, 10), 2, "working_days") == sh(2025, 10, 10, 10)
    # reported on the afternoon before the holiday week: due after it
    assert due(sh(2025, 9, 30, 15), 1, "working_days") == sh(2025, 10, 9, 15)
    # Friday 16:00 + 4 working hours lands on the make-up Sunday, not on Monday
    assert due(sh(2025, 9, 26, 16), 4, "working_hours") == sh(2025, 9, 28, 11)
    # Friday after the holiday + 1 working day: the make-up Saturday
    assert due(sh(2025, 10, 10, 10), 1, "working_days") == sh(2025, 10, 11, 10)


def test_spring_festival_2026() -> None:
    assert CAL.is_workday(date(2026, 2, 14)) and CAL.is_workday(date(2026, 2, 28))
    assert not any(CAL.is_workday(date(2026, 2, d)) for d in range(15, 24))
    # Friday 16:00 + 1 working day: 1.5 h Friday, 5.5 h on the make-up Saturday
    assert due(sh(2026, 2, 13, 16), 1, "working_days") == sh(2026, 2, 14, 16)
    # make-up Saturday 16:00 + 3 working days: 1.5 h + Feb 24 + Feb 25 + 5.5 h on Feb 26
    assert due(sh(2026, 2, 14, 16), 3, "working_days") == sh(2026, 2, 26, 16)
    # ending exactly at the end of a morning period: due at 12:00, not 14:00
    assert due(sh(2026, 2, 14, 17), 4, "working_hours") == sh(2026, 2, 24, 12)


# -- working hours and days -----------------------------------------------------------------------


def test_friday_afternoon_plus_four_working_hours() -> None:
    # 2025-06-13 is an ordinary Friday: 1.5 h on Friday, 2.5 h on Monday morning
    assert due(sh(2025, 6, 13, 16), 4, "working_hours") == sh(2025, 6, 16, 11)


def test_lunch_break_is_skipped() -> None:
    assert due(sh(2025, 6, 16, 11), 2, "working_hours") == sh(2025, 6, 16, 15)
    assert due(sh(2025, 6, 16, 12, 30), 1, "working_hours") == sh(2025, 6, 16, 15)
    assert due(sh(2025, 6, 16, 11, 30), 0.5, "working_hours") == sh(2025, 6, 16, 12)
    assert due(sh(2025, 6, 16, 11, 30), 1.5, "working_hours") == sh(2025, 6, 16, 15)


def test_start_at_night_counts_from_the_next_working_period() -> None:
    assert due(sh(2025, 6, 16, 22), 1, "working_hours") == sh(2025, 6, 17, 9, 30)
    assert due(sh(2025, 6, 17, 3), 1, "working_hours") == sh(2025, 6, 17, 9, 30)
    assert due(sh(2025, 6, 14, 9), 3.5, "working_hours") == sh(2025, 6, 16, 12)  # Saturday


def test_working_days_across_a_weekend() -> None:
    assert due(sh(2025, 6, 16, 10), 1, "working_days") == sh(2025, 6, 17, 10)
    assert due(sh(2025, 6, 13, 10), 1, "working_days") == sh(2025, 6, 16, 10)
    assert due(sh(2025, 6, 13, 10), 5, "working_days") == sh(2025, 6, 20, 10)
    assert due(sh(2025, 6, 13, 10), 0.5, "working_days") == sh(2025, 6, 13, 15, 30)
    assert due(sh(2025, 6, 14, 10), 1, "working_days") == sh(2025, 6, 16, 17, 30)  # Saturday


def test_natural_hours_ignore_the_holiday() -> None:
    assert due(sh(2025, 9, 30, 18), 72, "hours") == sh(2025, 10, 3, 18)
    # given in UTC, answered in Beijing time
    at = due(datetime(2025, 9, 30, 10, tzinfo=UTC), 1.5, "hours")
    assert at == sh(2025, 9, 30, 19, 30)
    assert at.hour == 19 and at.utcoffset() == timedelta(hours=8)


def test_zero_amount_is_due_at_the_start() -> None:
    assert due(sh(2025, 10, 3, 22), 0, "working_hours") == sh(2025, 10, 3, 22)
    assert due(sh(2025, 10, 3, 22), 0, "hours") == sh(2025, 10, 3, 22)


def test_start_in_another_zone_uses_the_beijing_working_day() -> None:
    # 2025-06-16 01:00 UTC is Monday 09:00 in Beijing
    assert due(datetime(2025, 6, 16, 1, tzinfo=UTC), 1, "working_hours") == sh(2025, 6, 16, 10)


def test_custom_periods_and_day_length() -> None:
    shifts = WorkCalendar(periods=((time(9), time(13)), (time(13), time(18))))
    assert shifts.day_seconds == 9 * 3600
    assert due(sh(2025, 6, 16, 12), 2, "working_hours", shifts) == sh(2025, 6, 16, 14)
    assert due(sh(2025, 6, 16, 12), 1, "working_days", shifts) == sh(2025, 6, 17, 12)
    round_the_clock = WorkCalendar(periods=((time(0), time(0)),))
    assert round_the_clock.day_seconds == 86_400
    assert due(sh(2025, 6, 13, 20), 6, "working_hours", round_the_clock) == sh(2025, 6, 16, 2)
    assert due(sh(2025, 6, 13, 20), 4, "working_hours", round_the_clock) == sh(2025, 6, 14)


# -- the deployment's table -----------------------------------------------------------------------


def test_deployment_extra_holiday() -> None:
    cal = WorkCalendar(holidays=frozenset({date(2025, 6, 16)}))
    assert not cal.is_workday(date(2025, 6, 16))
    assert due(sh(2025, 6, 13, 16), 4, "working_hours", cal) == sh(2025, 6, 17, 11)


def test_deployment_extra_working_day() -> None:
    cal = WorkCalendar(workdays=frozenset({date(2025, 6, 14)}))
    assert cal.is_workday(date(2025, 6, 14))
    assert due(sh(2025, 6, 13, 16), 4, "working_hours", cal) == sh(2025, 6, 14, 11)


def test_deployment_table_wins_over_the_official_calendar() -> None:
    # a local day off on the official make-up Sunday
    cal = WorkCalendar(holidays=frozenset({date(2025, 9, 28)}))
    assert due(sh(2025, 9, 26, 16), 4, "working_hours", cal) == sh(2025, 9, 29, 11)
    # a local working day inside the official National Day holiday
    cal = WorkCalendar(workdays=[date(2025, 10, 8)])  # any iterable of dates is accepted
    assert cal.workdays == frozenset({date(2025, 10, 8)})
    assert due(sh(2025, 9, 30, 15), 1, "working_days", cal) == sh(2025, 10, 8, 15)


def test_official_off_counts_the_table_and_monday_to_friday_only() -> None:
    cal = WorkCalendar(official=False, holidays=frozenset({date(2025, 10, 1)}))
    assert cal.known(2025)  # the table names a 2025 date
    assert not cal.is_workday(date(2025, 10, 1))
    assert cal.is_workday(date(2025, 10, 2))
    assert not cal.is_workday(date(2025, 9, 28))
    assert not WorkCalendar(official=False).known(2025)


# -- unknown years --------------------------------------------------------------------------------


def test_unknown_year_counts_monday_to_friday_with_a_warning() -> None:
    assert not CAL.known(2030)
    assert CAL.known(2004) and CAL.known(2026)
    # Oct 1, 2030 is a Tuesday and would be National Day: unknown, so counted as worked
    deadline = CAL.add(sh(2030, 9, 30, 10), 2, "working_days")
    assert deadline.at == sh(2030, 10, 2, 10)
    assert len(deadline.warnings) == 1
    assert "2030" in deadline.warnings[0]
    assert "Monday to Friday" in deadline.warnings[0]


def test_one_warning_per_unknown_year_touched() -> None:
    deadline = CAL.add(sh(2029, 12, 28, 10), 10, "working_days")  # a Friday
    assert deadline.at == sh(2030, 1, 11, 10)
    assert [w.split(" is ")[0] for w in deadline.warnings] == [
        "the work calendar of 2029",
        "the work calendar of 2030",
    ]
    # leaving a known year for an unknown one warns about the unknown one only
    deadline = CAL.add(sh(2026, 12, 31, 16), 1, "working_days")
    assert deadline.at == sh(2027, 1, 1, 16)
    assert len(deadline.warnings) == 1 and "2027" in deadline.warnings[0]
    assert CAL.warnings_between(sh(2026, 12, 31, 16), sh(2027, 1, 1, 16)) == deadline.warnings


def test_warning_names_the_deployment_table() -> None:
    cal = WorkCalendar(table_name="GRIDMAP_EVENTS_HOLIDAYS")
    (warning,) = cal.add(sh(2030, 3, 1, 9), 1, "working_hours").warnings
    assert warning == (
        "the work calendar of 2030 is unknown: counted Monday to Friday; "
        "add its holidays and make-up working days to GRIDMAP_EVENTS_HOLIDAYS"
    )


def test_deployment_table_makes_a_later_year_known() -> None:
    cal = WorkCalendar(holidays=frozenset({date(2027, 1, 1)}))
    assert cal.known(2027)
    # Friday Jan 1, 2027 off, then the weekend
    assert due(sh(2026, 12, 31, 16), 1, "working_days", cal) == sh(2027, 1, 4, 16)


def test_natural_hours_need_no_calendar() -> None:
    assert CAL.add(sh(2030, 10, 1), 24, "hours") == Deadline(sh(2030, 10, 2), ())


# -- measuring ------------------------------------------------------------------------------------

STARTS = [
    sh(2025, 6, 16, 10),  # Monday morning
    sh(2025, 6, 16, 12, 45),  # lunch break
    sh(2025, 6, 13, 22, 17),  # Friday night
    sh(2025, 9, 30, 16, 59),  # before the National Day holiday
    sh(2025, 10, 3, 9),  # inside it
    sh(2026, 2, 14, 8),  # make-up Saturday, before work
    sh(2026, 12, 30, 11, 11),  # into the unknown 2027
]


@pytest.mark.parametrize("start", STARTS, ids=lambda s: s.strftime("%Y%m%d-%H%M"))
@pytest.mark.parametrize(
    ("amount", "unit"),
    [
        (4, "working_hours"),
        (0.75, "working_hours"),
        (1, "working_days"),
        (3.5, "working_days"),
        (20, "working_days"),
    ],
)
def test_add_then_measure_gives_the_amount_back(start: datetime, amount: float, unit: str) -> None:
    at = CAL.add(start, amount, unit).at
    seconds = amount * (3600 if unit == "working_hours" else CAL.day_seconds)
    assert CAL.working_seconds(start, at) == pytest.approx(seconds, abs=1e-6)
    assert CAL.working_seconds(at, start) == pytest.approx(-seconds, abs=1e-6)
    assert CAL.elapsed_share(start, at, at, unit) == pytest.approx(1.0)
    halfway = CAL.add(start, amount / 2, unit).at
    assert CAL.elapsed_share(start, at, halfway, unit) == pytest.approx(0.5)
    assert CAL.elapsed_share(start, at, start - timedelta(days=1), unit) == 0.0


@pytest.mark.parametrize("start", STARTS, ids=lambda s: s.strftime("%Y%m%d-%H%M"))
def test_natural_hours_share(start: datetime) -> None:
    at = CAL.add(start, 48, "hours").at
    assert CAL.elapsed_share(start, at, start + timedelta(hours=12), "hours") == 0.25
    assert CAL.elapsed_share(start, at, at + timedelta(hours=48), "hours") == 2.0


def test_working_seconds_over_the_holiday_week_is_zero() -> None:
    assert CAL.working_seconds(sh(2025, 9, 30, 17, 30), sh(2025, 10, 9, 8, 30)) == 0
    assert CAL.working_seconds(sh(2025, 6, 16, 9), sh(2025, 6, 16, 15)) == 4 * 3600  # 9–12, 14–15
    # a Monday to a Monday: 5 working days
    assert CAL.working_seconds(sh(2025, 6, 16, 9), sh(2025, 6, 23, 9)) == 5 * CAL.day_seconds


def test_overdue_share_is_above_one() -> None:
    start, deadline = sh(2025, 6, 16, 10), sh(2025, 6, 17, 10)  # 1 working day
    # Monday 10:00–17:30 is 5.5 h, Tuesday 08:30–15:00 is 4.5 h: 10 h used of 7
    assert CAL.elapsed_share(start, deadline, sh(2025, 6, 17, 15), "working_days") == 10 / 7


def test_share_with_no_allowed_time() -> None:
    start = sh(2025, 10, 3, 10)  # a holiday
    assert CAL.elapsed_share(start, start, start, "working_hours") == 1.0
    assert CAL.elapsed_share(start, sh(2025, 10, 4), sh(2025, 10, 3, 12), "working_hours") == 0


# -- bad input ------------------------------------------------------------------------------------


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(InvalidInput, match="2025-06-16T10:00:00 has no time zone") as err:
        CAL.add(datetime(2025, 6, 16, 10), 1, "working_hours")
    assert err.value.field == "start"
    with pytest.raises(InvalidInput, match="has no time zone") as err:
        CAL.working_seconds(sh(2025, 6, 16), datetime(2025, 6, 17))
    assert err.value.field == "end"
    with pytest.raises(InvalidInput) as err:
        CAL.elapsed_share(sh(2025, 6, 16), sh(2025, 6, 17), datetime(2025, 6, 17), "hours")
    assert err.value.field == "now"
    with pytest.raises(InvalidInput):
        CAL.add("2025-06-16T10:00+08:00", 1, "hours")  # type: ignore[arg-type]


def test_bad_unit_lists_the_units() -> None:
    with pytest.raises(InvalidInput) as err:
        CAL.add(sh(2025, 6, 16), 1, "days")
    assert err.value.field == "unit"
    assert "'days'" in str(err.value)
    assert all(unit in str(err.value) for unit in UNITS)
    with pytest.raises(InvalidInput, match="working_hours, working_days, hours"):
        CAL.elapsed_share(sh(2025, 6, 16), sh(2025, 6, 17), sh(2025, 6, 17), "minutes")


@pytest.mark.parametrize("amount", [-1, math.nan, math.inf, "4", True])
def test_bad_amount(amount: object) -> None:
    with pytest.raises(InvalidInput) as err:
        CAL.add(sh(2025, 6, 16), amount, "working_hours")  # type: ignore[arg-type]
    assert err.value.field == "amount"


def test_amount_too_far_ahead() -> None:
    with pytest.raises(InvalidInput, match="days"):
        CAL.add(sh(2025, 6, 16), 1e9, "hours")
    with pytest.raises(InvalidInput, match="days"):
        CAL.add(sh(2025, 6, 16), 1e7, "working_days")


@pytest.mark.parametrize(
    ("periods", "reason"),
    [
        ((), "empty"),
        (((time(14), time(17)), (time(8), time(12))), "sorted"),
        (((time(8), time(12)), (time(11), time(17))), "non-overlapping"),
        (((time(8), time(8)),), "does not end after it starts"),
        (((time(17), time(8)),), "does not end after it starts"),
        ((("08:00", "12:00"),), "not two times"),
        ((time(8),), "sequence of"),
    ],
)
def test_bad_periods(periods: object, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason) as err:
        WorkCalendar(periods=periods)  # type: ignore[arg-type]
    assert err.value.field == "periods"


def test_a_date_both_off_and_worked_is_refused() -> None:
    day = date(2025, 6, 14)
    with pytest.raises(InvalidInput, match="2025-06-14 is both"):
        WorkCalendar(holidays=frozenset({day}), workdays=frozenset({day}))


def test_bad_time_zone() -> None:
    with pytest.raises(InvalidInput, match="Mars/Olympus") as err:
        WorkCalendar(tz="Mars/Olympus")
    assert err.value.field == "tz"


def test_deadline_before_start_is_refused() -> None:
    with pytest.raises(InvalidInput, match="before start") as err:
        CAL.elapsed_share(sh(2025, 6, 17), sh(2025, 6, 16), sh(2025, 6, 17), "working_hours")
    assert err.value.field == "deadline"
