"""The life of generated events through the closed loop, for whole arrays at once.

Each event gets the full sequence of its transitions — registered (at once for a grid worker's
own report), maybe rejected or marked a duplicate, maybe escalated, dispatched, maybe returned
and dispatched again, accepted, reported back, maybe reworked (accepted and reported back
again), closed, maybe evaluated — each taking a share of the time its step allows (the
deployment's deadline rules, counted on its work calendar): most well within it, a lognormal
tail beyond it, slower departments slower, a few events stuck. The sequence is then cut at the
moment the history ends, so recent events are still open and some old ones overdue.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gridmap.core.event_settings import EventSettings
from gridmap.demo.events.clock import UNITS, WorkClock
from gridmap.ops import workflow

STEPS = ("register", "dispatch", "accept", "handle", "close", "evaluate")
# (median, spread) of the share of its allowed time a step takes: P(late) = P(share > 1)
SHARE = {
    "register": (0.15, 0.9),
    "dispatch": (0.25, 0.8),
    "accept": (0.2, 0.9),
    "handle": (0.4, 0.65),
    "close": (0.3, 0.75),
    "evaluate": (0.35, 0.7),
}
REJECTED = 0.04  # of events that must be verified first (not a grid worker's own report)
DUPLICATE = 0.03  # of events residents report (public channels)
ESCALATED = (0.05, 0.012)  # one level up, two levels up
RETURNED = 0.05
REWORKED = 0.06
STUCK = 0.01  # handled very late (the long tail of the overdue list)
STUCK_FACTOR = 25.0
DEPARTMENT_SPREAD = 0.3  # how much departments differ in speed (lognormal sigma)
AT_TOWNSHIP = 0.65  # village and township events handled by a township office when one takes it
SATISFACTION = {  # P(score 5, 4, 3, 2, 1)
    "good": (0.55, 0.30, 0.10, 0.03, 0.02),
    "poor": (0.15, 0.25, 0.30, 0.18, 0.12),
}
_DEFAULT_RULE = (1.0, UNITS.index("working_days"))


@dataclass(frozen=True)
class Rules:
    """Deadline rules as arrays: amount and unit (index into ``UNITS``) by category, step and
    urgency (normal, urgent, critical as drawn)."""

    amount: np.ndarray  # (categories, steps, 3)
    unit: np.ndarray

    @classmethod
    def of(cls, config: EventSettings, categories: list[str], urgencies: tuple[str, ...]):
        shape = (len(categories), len(STEPS), len(urgencies))
        amount, unit = np.empty(shape), np.empty(shape, dtype=np.int64)
        for c, category in enumerate(categories):
            group = config.categories[category].group
            for s, step in enumerate(STEPS):
                for u, urgency in enumerate(urgencies):
                    rule = workflow.deadline_rule(config.deadlines, category, group, step, urgency)
                    amount[c, s, u], unit[c, s, u] = (
                        (rule.amount, UNITS.index(rule.unit)) if rule else _DEFAULT_RULE
                    )
        return cls(amount, unit)


@dataclass
class Loop:
    """The events' state and what the ledger's lifecycle columns say of them."""

    state: np.ndarray
    level: np.ndarray  # index into the configured levels
    department: np.ndarray  # index into the departments, -1: none
    times: dict[str, np.ndarray]  # registered … evaluated (closed: also when rejected)
    satisfaction: np.ndarray  # 0: none
    reworks: np.ndarray
    returns: np.ndarray
    escalations: np.ndarray


@dataclass(frozen=True)
class Events:
    """What the loop needs to know of each event."""

    reported: np.ndarray
    category: np.ndarray
    urgency: np.ndarray  # 0 normal, 1 urgent, 2 critical
    auto: np.ndarray  # registered on intake
    public: np.ndarray  # reported by residents (may be duplicates)
    called_back: np.ndarray  # P(evaluated once closed)
    town_department: np.ndarray  # -1: none takes it
    county_department: np.ndarray


def live(
    events: Events,
    rules: Rules,
    clock: WorkClock,
    slowness: np.ndarray,
    levels: int,
    until: float,
    rng: np.random.Generator,
) -> Loop:
    """Every event's transitions, cut at ``until`` (see the module)."""
    n = len(events.reported)

    def share(step: str) -> np.ndarray:
        median, spread = SHARE[step]
        return median * np.exp(rng.normal(0, spread, n))

    def take(step: str, start: np.ndarray, factor: np.ndarray | float = 1.0) -> np.ndarray:
        """The moments a step started at ``start`` is done, taking ``factor`` × a share of
        the time it allows (``factor`` may be the share itself, see ``handling``)."""
        s = STEPS.index(step)
        amount = rules.amount[events.category, s, events.urgency]
        unit = rules.unit[events.category, s, events.urgency]
        taken = factor if step == "handle" and np.ndim(factor) else share(step) * factor
        return clock.add(start, taken * amount, unit)

    def maybe(p: np.ndarray | float) -> np.ndarray:
        return rng.random(n) < p

    registered = np.where(events.auto, events.reported, take("register", events.reported))
    ended = ~events.auto & maybe(REJECTED + DUPLICATE * events.public)
    duplicate = ended & events.public & maybe(DUPLICATE / (REJECTED + DUPLICATE))
    # escalated: each level takes half a working day more or less before the next dispatch
    up = rng.random(n)
    escalations = np.where(up < ESCALATED[1], 2, np.where(up < sum(ESCALATED), 1, 0))
    escalations = np.minimum(escalations, levels - 1) * ~ended
    first_escalation = _later(clock, registered, escalations >= 1, rng)
    second_escalation = _later(clock, first_escalation, escalations >= 2, rng)
    ready = np.fmax(registered, np.fmax(first_escalation, second_escalation))
    # the department: a township office below county level when one takes the category
    at_township = (escalations < 2) & (events.town_department >= 0) & maybe(AT_TOWNSHIP)
    department = np.where(at_township, events.town_department, events.county_department)
    department = np.where(department < 0, events.town_department, department)
    assigned = (department >= 0) & ~ended
    slow = np.where(assigned, slowness[np.clip(department, 0, None)], 1.0)
    dispatched = np.where(assigned, take("dispatch", ready), np.nan)
    returned = assigned & maybe(RETURNED)
    returned_at = np.where(returned, take("accept", dispatched), np.nan)
    redispatched = np.where(returned, take("dispatch", returned_at), np.nan)
    accepted = take("accept", np.fmax(dispatched, redispatched), slow)
    # how long handling takes, as a share of the time allowed (above 1: late)
    handling = share("handle") * slow * np.where(maybe(STUCK), STUCK_FACTOR, 1.0)
    handled = take("handle", accepted, handling)
    reworked = assigned & maybe(REWORKED)
    reworked_at = np.where(reworked, take("close", handled), np.nan)
    accepted_again = np.where(reworked, take("accept", reworked_at, slow), np.nan)
    handled_again = np.where(
        reworked, take("handle", accepted_again, share("handle") * slow), np.nan
    )
    closed = take("close", np.fmax(handled, handled_again))
    evaluated = np.where(maybe(events.called_back), take("evaluate", closed), np.nan)

    # the sequence of transitions and the state each leaves; cut at ``until``
    nothing = np.full(n, np.nan)
    sequence = [
        (np.where(ended, nothing, registered), "registered"),
        (np.where(ended, take("register", events.reported), nothing), "ended"),
        (first_escalation, "registered"),
        (second_escalation, "registered"),
        (dispatched, "dispatched"),
        (returned_at, "registered"),
        (redispatched, "dispatched"),
        (accepted, "accepted"),
        (handled, "handled"),
        (reworked_at, "dispatched"),
        (accepted_again, "accepted"),
        (handled_again, "handled"),
        (np.where(assigned, closed, nothing), "closed"),
        (np.where(assigned, evaluated, nothing), "evaluated"),
    ]
    moments = np.column_stack([t for t, _ in sequence])
    reached = moments <= until  # NaN: never
    last = np.where(reached.any(axis=1), len(sequence) - 1 - np.argmax(reached[:, ::-1], 1), -1)
    states = np.array(["reported", *(s for _, s in sequence)], dtype=object)[last + 1]
    states = np.where(states == "ended", np.where(duplicate, "duplicate", "rejected"), states)

    def at(i: int) -> np.ndarray:
        return np.where(reached[:, i], moments[:, i], np.nan)

    # a rework counts once it is reported back again: until then the first round stands
    again = reached[:, 11]
    times = {
        "registered": at(0),
        "dispatched": at(4),
        "accepted": np.where(again, at(10), at(7)),
        "handled": np.where(again, at(11), at(8)),
        "closed": np.fmax(at(1), at(12)),
        "evaluated": at(13),
    }
    escalated = reached[:, 2].astype(np.int64) + reached[:, 3]
    # residents are pleased by quick work done once, less by late or redone work
    scores = _scores((handling <= 1) & ~again, rng)
    return Loop(
        state=states,
        level=escalated,
        department=np.where(reached[:, 4], department, -1),
        times=times,
        satisfaction=np.where(reached[:, 13], scores, 0),
        reworks=again.astype(np.int64),
        returns=reached[:, 5].astype(np.int64),
        escalations=escalated,
    )


def _later(
    clock: WorkClock, start: np.ndarray, happens: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Half a working day or so after ``start``, where ``happens``."""
    days = 0.5 * np.exp(rng.normal(0, 0.5, len(start)))
    at = clock.add(start, days, np.full(len(start), UNITS.index("working_days")))
    return np.where(happens, at, np.nan)


def _scores(good: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Satisfaction 1-5: mostly 4-5 after quick work, lower after late or redone work."""
    u = rng.random(len(good))
    scores = np.empty(len(good), dtype=np.int64)
    for kind, mask in (("good", good), ("poor", ~good)):
        edges = np.cumsum(SATISFACTION[kind])
        scores[mask] = 5 - np.searchsorted(edges, u[mask], side="right").clip(0, 4)
    return scores
