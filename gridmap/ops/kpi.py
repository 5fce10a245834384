"""The KPIs of event handling (考核指标), from counts: the 数字城管 evaluation formulas and the
centres' own (local resolution, same-day clearance, satisfaction), and the composite.

Cohorts of a period [from, to) — the definitions the API documents and an outside check can
recompute from the event log:

- ``reported``: events reported in the period (intake, by channel);
- ``registered`` (立案数): events registered in the period; ``closed`` and ``closed_on_time``
  count those of them closed (on time: before the close step's deadline);
- ``dispatched`` (应处置数): events first dispatched in the period; ``handled`` and
  ``handled_on_time`` count those of them reported back (on time: before the handle deadline),
  ``reworked`` those sent back at least once after a report-back;
- ``closed_local``: closed events of the registered cohort that never went above township;
- ``same_day``: events of the reported cohort closed the day they were reported.

Rates: 处置率 = handled / dispatched; 按期处置率 = handled_on_time / dispatched; 结案率 = closed /
registered; 按期结案率 = closed_on_time / registered; 返工率 = reworked / handled; 准确派遣率 =
(dispatched − reworked) / dispatched; local resolution = closed_local / closed; 日清日结 =
same_day / reported. 综合指标值 = Σ weight × rate over ``on_time_handled`` (按期处置率),
``closed`` (结案率) and ``not_reworked`` (1 − 返工率), weights from configuration (60/30/10).
A rate over an empty cohort is None, never 0 or 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def combine(parts: Iterable[Iterable[Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """The counts per group (``key``) of disjoint parts of a period, added up, the intake per
    channel too; by key. Means come as sums and counts (``satisfaction_sum`` and ``_n``,
    ``{step}_s`` in seconds and ``{step}_n``) so that they add up too (``finish``)."""
    found: dict[str, dict[str, Any]] = {}
    for part in parts:
        for row in part:
            total = found.get(row["key"])
            if total is None:
                found[row["key"]] = {**row, "intake": dict(row.get("intake") or {})}
                continue
            for name, value in row.items():
                if name not in ("key", "intake"):
                    total[name] += value
            for channel, count in (row.get("intake") or {}).items():
                total["intake"][channel] = total["intake"].get(channel, 0) + int(count)
    return [found[key] for key in sorted(found)]


def finish(counts: Mapping[str, Any]) -> dict[str, Any]:
    """A group's counts as the API gives them: the mean satisfaction (of the registered
    cohort) and the mean hours of each step in place of their sums and counts."""
    shown = {k: v for k, v in counts.items() if not k.endswith(("_s", "_n", "_sum"))}
    rated = counts["satisfaction_n"]
    shown["satisfaction"] = round(counts["satisfaction_sum"] / rated, 2) if rated else None
    steps = [name[:-2] for name in counts if name.endswith("_s")]
    shown["mean_hours"] = {
        step: round(counts[f"{step}_s"] / counts[f"{step}_n"] / 3600, 2)
        if counts[f"{step}_n"]
        else None
        for step in steps
    }
    return shown


def _ratio(part: float, whole: float) -> float | None:
    return None if not whole else round(part / whole, 4)


def rates(counts: Mapping[str, Any]) -> dict[str, float | None]:
    """The rates of one group's counts (see the module's docstring)."""
    dispatched, handled = counts["dispatched"], counts["handled"]
    reworked = counts["reworked"]
    return {
        "handled": _ratio(handled, dispatched),
        "on_time_handled": _ratio(counts["handled_on_time"], dispatched),
        "closed": _ratio(counts["closed"], counts["registered"]),
        "on_time_closed": _ratio(counts["closed_on_time"], counts["registered"]),
        "reworked": _ratio(reworked, handled),
        "accurate_dispatch": _ratio(dispatched - reworked, dispatched),
        "local_resolution": _ratio(counts["closed_local"], counts["closed"]),
        "disputes_local_resolution": _ratio(
            counts["disputes_closed_local"], counts["disputes_closed"]
        ),
        "same_day": _ratio(counts["same_day"], counts["reported"]),
        "satisfied": _ratio(counts["satisfied"], counts["evaluated"]),
    }


def composite(rate: Mapping[str, float | None], weights: Mapping[str, float]) -> float | None:
    """综合指标值: Σ weight × rate; ``not_reworked`` is 1 − 返工率. None while a rate it needs
    is undefined (an empty cohort)."""
    values = dict(rate)
    values["not_reworked"] = None if rate.get("reworked") is None else 1 - rate["reworked"]
    total = 0.0
    for name, weight in weights.items():
        value = values.get(name)
        if value is None:
            return None
        total += weight * value
    return round(total, 2)


RATE_LABELS = {
    "handled": "处置率",
    "on_time_handled": "按期处置率",
    "closed": "结案率",
    "on_time_closed": "按期结案率",
    "reworked": "返工率",
    "accurate_dispatch": "准确派遣率",
    "local_resolution": "就地化解率",
    "disputes_local_resolution": "矛盾纠纷就地化解率",
    "same_day": "日清日结率",
    "satisfied": "满意率",
}
