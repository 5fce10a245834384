"""Working-time arithmetic for event deadlines (办件时限).

A deadline of digital city management is counted in working hours, working days or natural
hours from the moment an event is reported. Working time runs only inside the daily working
periods of a working day, and which days are working days follows China's public holidays and
make-up working days (调休):

1. a date in the deployment's own table (extra days off, extra working days) is decided by it;
2. else, for the years ``chinese-calendar`` knows (2004 to the last year of the installed
   package), the official calendar decides;
3. else the day counts Monday to Friday, and every result touching that year carries a warning
   naming it, so that the deployment adds the year's holidays to its table.

Everything here is pure: the caller builds a :class:`WorkCalendar` from its settings. Times are
timezone-aware datetimes; the working periods are wall-clock times in the calendar's time zone
(``Asia/Shanghai`` by default), and every result is expressed in that zone. Working time is
counted in whole microseconds internally, so adding an amount and measuring it back is exact.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import chinese_calendar

from gridmap.core.errors import InvalidInput

__all__ = ["UNITS", "Deadline", "WorkCalendar"]

UNITS: Final = ("working_hours", "working_days", "hours")
"""Units of a time limit: working hours, working days (of the calendar's day length), natural
hours."""

OFFICIAL_YEARS: Final = range(
    min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1
)
"""Years the installed ``chinese-calendar`` knows (2004–2026 for version 1.11)."""

MAX_DAYS: Final = 100 * 366
"""Longest span a deadline may reach, in calendar days (about 100 years)."""

_US: Final = 1_000_000
_DAY_US: Final = 86_400 * _US
_DEFAULT_PERIODS: Final = ((time(8, 30), time(12, 0)), (time(14, 0), time(17, 30)))


@dataclass(frozen=True)
class Deadline:
    """When a time limit runs out.

    Attributes
    ----------
    at : datetime
        The deadline, timezone-aware, in the calendar's time zone.
    warnings : tuple of str
        One sentence per year on the way whose work calendar is unknown (counted Monday to
        Friday); empty when the calendar knew every day counted.
    """

    at: datetime
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class WorkCalendar:
    """Work calendar (工作日历): working days and daily working periods, in one time zone.

    Attributes
    ----------
    periods : tuple of (time, time)
        Daily working periods, wall-clock times in ``tz``: sorted, non-overlapping, each
        starting before it ends. An end of ``time(0, 0)`` means midnight at the end of the day.
        Default 08:30–12:00 and 14:00–17:30 (7 working hours a day).
    holidays : frozenset of date
        The deployment's extra days off; they win over the official calendar.
    workdays : frozenset of date
        The deployment's extra working days (make-up days); they win over the official calendar.
    official : bool
        Use ``chinese-calendar`` for the years it knows. When false, only the deployment's table
        and Monday to Friday count.
    tz : str
        IANA time zone of the periods and of every result.
    table_name : str
        What the deployment's table is called, for the warning about an unknown year (e.g. the
        setting's environment variable).
    """

    periods: tuple[tuple[time, time], ...] = _DEFAULT_PERIODS
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    official: bool = True
    tz: str = "Asia/Shanghai"
    table_name: str = "the deployment's holiday table"
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _spans: tuple[tuple[int, int], ...] = field(init=False, repr=False, compare=False)
    _table_years: frozenset[int] = field(init=False, repr=False, compare=False)
    _days: dict[int, bool] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        try:
            periods = tuple((start, end) for start, end in self.periods)
        except (TypeError, ValueError) as exc:
            raise InvalidInput(
                f"periods {self.periods!r} is not a sequence of (start, end) times",
                field="periods",
            ) from exc
        holidays, workdays = _dates(self.holidays, "holidays"), _dates(self.workdays, "workdays")
        both = holidays & workdays
        if both:
            raise InvalidInput(
                f"{min(both).isoformat()} is both an extra holiday and an extra working day",
                field="holidays",
            )
        object.__setattr__(self, "periods", periods)
        object.__setattr__(self, "holidays", holidays)
        object.__setattr__(self, "workdays", workdays)
        object.__setattr__(self, "_zone", _zone(self.tz))
        object.__setattr__(self, "_spans", _spans(periods))
        object.__setattr__(self, "_table_years", frozenset(d.year for d in holidays | workdays))

    # -- days ---------------------------------------------------------------------------------

    @property
    def day_seconds(self) -> float:
        """Working time of one working day in seconds: the summed length of ``periods``."""
        return sum(end - start for start, end in self._spans) / _US

    def known(self, year: int) -> bool:
        """Whether the work calendar of ``year`` is known: ``chinese-calendar`` covers it (when
        ``official``) or the deployment's table names a date in it."""
        return (self.official and year in OFFICIAL_YEARS) or year in self._table_years

    def is_workday(self, day: date) -> bool:
        """Whether ``day`` (a date in the calendar's time zone) is a working day.

        The deployment's table wins, then the official calendar for the years it knows, else
        Monday to Friday. An aware datetime is taken as its date in ``tz``."""
        if isinstance(day, datetime):
            day = self._local(day, "day").date()
        return self._workday(day.toordinal())

    def warnings_between(self, start: datetime, end: datetime) -> tuple[str, ...]:
        """One warning per year from ``start`` to ``end`` (dates in ``tz``) whose calendar is
        unknown, e.g. for a :meth:`working_seconds` measurement."""
        first, last = sorted((self._local(start, "start"), self._local(end, "end")))
        return self._warnings(first.year, last.year)

    # -- arithmetic ---------------------------------------------------------------------------

    def add(self, start: datetime, amount: float, unit: str) -> Deadline:
        """The deadline ``amount`` ``unit`` after ``start``.

        Parameters
        ----------
        start : datetime
            When the clock starts (e.g. the report time); timezone-aware.
        amount : float
            Finite and ≥ 0; fractions allowed.
        unit : str
            ``"hours"``: natural hours, holidays included. ``"working_hours"``: hours of working
            time, counted only inside ``periods`` on working days; a start outside working time
            counts from the next working period. ``"working_days"``: ``amount`` × the working
            day's length (:attr:`day_seconds`) of working time, so one working day from Monday
            10:00 is Tuesday 10:00 and one from the afternoon before a holiday week falls after
            it.

        Returns
        -------
        Deadline
            ``at`` in ``tz``; a time limit that ends exactly at the end of a working period is
            due then (12:00), not at the start of the next one. An amount of 0 is due at
            ``start``.
        """
        local = self._local(start, "start")
        seconds = self._seconds(amount, unit)
        if unit == "hours":
            at = local.astimezone(UTC) + timedelta(seconds=seconds)
            return Deadline(at.astimezone(self._zone))
        if seconds == 0:
            return Deadline(local)
        at = self._advance(local, round(seconds * _US))
        return Deadline(at, self._warnings(local.year, at.year))

    def working_seconds(self, start: datetime, end: datetime) -> float:
        """Working time between ``start`` and ``end`` in seconds (negative if ``end`` comes
        first). Unknown years count Monday to Friday; see :meth:`warnings_between`."""
        first, last = self._local(start, "start"), self._local(end, "end")
        if last < first:
            return -self._between(last, first) / _US
        return self._between(first, last) / _US

    def elapsed_share(self, start: datetime, deadline: datetime, now: datetime, unit: str) -> float:
        """Share of the allowed time used at ``now``: 0 at ``start``, 1 at ``deadline``, above 1
        when overdue, 0 before ``start``.

        Natural time for ``unit`` ``"hours"``, working time for the working units. With no
        allowed time (``deadline`` at ``start``, or only non-working time between them), the
        share is 0 before ``deadline`` and 1 from it."""
        _check_unit(unit)
        start, deadline = self._local(start, "start"), self._local(deadline, "deadline")
        now = self._local(now, "now")
        if deadline < start:
            raise InvalidInput(
                f"deadline {deadline.isoformat()} is before start {start.isoformat()}",
                field="deadline",
            )
        if unit == "hours":
            used = _elapsed(start, now)
            allowed = _elapsed(start, deadline)
        else:
            used = self.working_seconds(start, now)
            allowed = self.working_seconds(start, deadline)
        if allowed <= 0:
            return 1.0 if now >= deadline else 0.0
        return max(used, 0.0) / allowed

    # -- internals ----------------------------------------------------------------------------

    def _local(self, moment: datetime, name: str) -> datetime:
        if not isinstance(moment, datetime):
            raise InvalidInput(f"{name} {moment!r} is not a datetime", field=name)
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise InvalidInput(
                f"{name} {moment.isoformat()} has no time zone; give an aware datetime",
                field=name,
            )
        return moment.astimezone(self._zone)

    def _seconds(self, amount: float, unit: str) -> float:
        _check_unit(unit)
        if isinstance(amount, bool) or not isinstance(amount, int | float):
            raise InvalidInput(f"amount {amount!r} is not a number", field="amount")
        if not math.isfinite(amount) or amount < 0:
            raise InvalidInput(f"amount {amount!r} must be finite and ≥ 0", field="amount")
        seconds = amount * (self.day_seconds if unit == "working_days" else 3600)
        if unit == "hours" and seconds > MAX_DAYS * 86_400:
            raise InvalidInput(
                f"amount {amount!r} hours reaches more than {MAX_DAYS} days ahead", field="amount"
            )
        return seconds

    def _workday(self, ordinal: int) -> bool:
        decided = self._days.get(ordinal)
        if decided is None:
            decided = self._decide(date.fromordinal(ordinal))
            self._days[ordinal] = decided
        return decided

    def _decide(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        if self.official and day.year in OFFICIAL_YEARS:
            return bool(chinese_calendar.is_workday(day))
        return day.weekday() < 5

    def _worked(self, ordinal: int, begin: int, end: int) -> int:
        """Working microseconds of one day between two times of day (microseconds)."""
        if not self._workday(ordinal):
            return 0
        return sum(max(0, min(end, e) - max(begin, s)) for s, e in self._spans)

    def _advance(self, local: datetime, remaining: int) -> datetime:
        """The moment ``remaining`` (> 0) working microseconds after ``local``."""
        ordinal, clock = local.toordinal(), _clock(local)
        full = sum(e - s for s, e in self._spans)
        for _ in range(MAX_DAYS):
            if self._workday(ordinal):
                if clock == 0 and remaining > full:
                    remaining -= full
                else:
                    for s, e in self._spans:
                        begin = max(clock, s)
                        if begin >= e:
                            continue
                        if remaining <= e - begin:
                            return self._moment(ordinal, begin + remaining)
                        remaining -= e - begin
            ordinal, clock = ordinal + 1, 0
        raise InvalidInput(
            f"the deadline lies more than {MAX_DAYS} days after {local.isoformat()}",
            field="amount",
        )

    def _between(self, first: datetime, last: datetime) -> int:
        """Working microseconds from ``first`` to ``last`` (both local, ``first`` ≤ ``last``)."""
        a, b = first.toordinal(), last.toordinal()
        if a == b:
            return self._worked(a, _clock(first), _clock(last))
        full = sum(e - s for s, e in self._spans)
        total = self._worked(a, _clock(first), _DAY_US) + self._worked(b, 0, _clock(last))
        return total + full * sum(self._workday(o) for o in range(a + 1, b))

    def _moment(self, ordinal: int, clock: int) -> datetime:
        midnight = datetime.combine(date.fromordinal(ordinal), time(), tzinfo=self._zone)
        return midnight + timedelta(microseconds=clock)

    def _warnings(self, first: int, last: int) -> tuple[str, ...]:
        return tuple(
            f"the work calendar of {year} is unknown: counted Monday to Friday; "
            f"add its holidays and make-up working days to {self.table_name}"
            for year in range(first, last + 1)
            if not self.known(year)
        )


def _check_unit(unit: str) -> None:
    if unit not in UNITS:
        raise InvalidInput(f"unit {unit!r} is not one of {', '.join(UNITS)}", field="unit")


def _elapsed(start: datetime, end: datetime) -> float:
    """Natural seconds from ``start`` to ``end`` (absolute time, whatever the zone's offsets)."""
    return (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds()


def _clock(moment: datetime) -> int:
    """Microseconds since local midnight of a (local) datetime."""
    return _time_us(moment.time())


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise InvalidInput(f"tz {name!r} is not a known IANA time zone", field="tz") from exc


def _dates(days: Iterable[date], name: str) -> frozenset[date]:
    days = frozenset(days)
    for day in days:
        if isinstance(day, datetime) or not isinstance(day, date):
            raise InvalidInput(f"{name} entry {day!r} is not a date", field=name)
    return days


def _spans(periods: tuple[tuple[time, time], ...]) -> tuple[tuple[int, int], ...]:
    """The periods as (start, end) microseconds of the day, checked."""
    if not periods:
        raise InvalidInput("periods is empty: give at least one working period", field="periods")
    spans: list[tuple[int, int]] = []
    for start, end in periods:
        if not isinstance(start, time) or not isinstance(end, time):
            raise InvalidInput(f"period {start!r}–{end!r} is not two times", field="periods")
        if start.tzinfo is not None or end.tzinfo is not None:
            raise InvalidInput(
                f"period {start}–{end} has a time zone; periods are wall-clock times in tz",
                field="periods",
            )
        begin, finish = _time_us(start), _time_us(end) or _DAY_US
        if finish <= begin:
            raise InvalidInput(
                f"period {start}–{end} does not end after it starts", field="periods"
            )
        if spans and begin < spans[-1][1]:
            raise InvalidInput(
                f"period {start}–{end} is not after the one before it: periods must be sorted "
                "and non-overlapping",
                field="periods",
            )
        spans.append((begin, finish))
    return tuple(spans)


def _time_us(moment: time) -> int:
    """Microseconds since midnight of a time of day."""
    return (moment.hour * 3600 + moment.minute * 60 + moment.second) * _US + moment.microsecond
