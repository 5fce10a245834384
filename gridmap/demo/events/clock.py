"""Working time over whole arrays of moments: the work calendar (``gridmap.ops.worktime``)
unrolled into a table of working periods, so that adding working hours or days to a million
moments is a few ``searchsorted`` calls instead of a million calendar walks.

Moments are float seconds since the epoch (NaN: none). The table covers the days it was built
for; a moment beyond it has no answer (NaN).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from gridmap.ops.worktime import WorkCalendar

UNITS = ("hours", "working_hours", "working_days")


class WorkClock:
    """The working periods of ``calendar`` from ``first`` to ``last`` (dates), as arrays."""

    def __init__(self, calendar: WorkCalendar, first: date, last: date) -> None:
        zone = ZoneInfo(calendar.tz)
        days = [first + timedelta(days=k) for k in range((last - first).days + 1)]
        self.first = first
        self.midnights = np.array([datetime.combine(d, time(), zone).timestamp() for d in days])
        self.offsets = np.array(
            [datetime.combine(d, time(12), zone).utcoffset().total_seconds() for d in days]
        )
        self.workday = np.array([calendar.is_workday(d) for d in days])
        starts, ends = [], []
        for day, working in zip(days, self.workday, strict=True):
            if not working:
                continue
            for begin, end in calendar.periods:
                finish = datetime.combine(
                    day + timedelta(days=1) if end == time() else day, end, zone
                )
                starts.append(datetime.combine(day, begin, zone).timestamp())
                ends.append(finish.timestamp())
        self.starts = np.array(starts)
        lengths = np.array(ends) - self.starts
        self.lengths = lengths
        self.after = np.cumsum(lengths)
        self.before = self.after - lengths
        self.day_seconds = calendar.day_seconds

    def worked(self, moment: np.ndarray) -> np.ndarray:
        """Working seconds from the table's start to each moment."""
        i = np.searchsorted(self.starts, moment, side="right") - 1
        j = np.clip(i, 0, None)
        inside = np.clip(moment - self.starts[j], 0, self.lengths[j])
        return np.where(i >= 0, self.before[j] + inside, 0.0)

    def advance(self, moment: np.ndarray, seconds: np.ndarray) -> np.ndarray:
        """The moments ``seconds`` of working time after each moment (a start outside working
        time counts from the next period; a span ending with a period is due at its end)."""
        target = self.worked(moment) + seconds
        j = np.searchsorted(self.after, target, side="left")
        beyond = j >= len(self.after)
        j = np.clip(j, 0, len(self.after) - 1)
        at = self.starts[j] + (target - self.before[j])
        at = np.where(seconds > 0, at, moment)
        return np.where(beyond | np.isnan(moment), np.nan, at)

    def add(self, moment: np.ndarray, amount: np.ndarray, unit: np.ndarray) -> np.ndarray:
        """``amount`` of each moment's ``unit`` (an index into ``UNITS``) after it."""
        moment = np.asarray(moment, dtype=float)
        amount = np.broadcast_to(np.asarray(amount, dtype=float), moment.shape)
        unit = np.broadcast_to(np.asarray(unit), moment.shape)
        working = np.where(unit == 2, amount * self.day_seconds, amount * 3600.0)
        return np.where(unit == 0, moment + amount * 3600.0, self.advance(moment, working))

    def local(self, moment: np.ndarray) -> np.ndarray:
        """Moments as local wall-clock ``datetime64[s]`` (NaT for none)."""
        moment = np.asarray(moment, dtype=float)
        day = np.clip(np.searchsorted(self.midnights, moment, side="right") - 1, 0, None)
        shifted = moment + self.offsets[np.clip(day, 0, len(self.offsets) - 1)]
        out = np.full(moment.shape, np.datetime64("NaT"), dtype="datetime64[s]")
        known = ~np.isnan(moment)
        out[known] = np.round(shifted[known]).astype(np.int64).astype("datetime64[s]")
        return out
