"""Events (事件): many channels in, one point of dispatch (多端口收集、一端口交办), the six-step
closed loop (六步闭环), deadlines and escalation village → township → county.

- ``intake``: what a channel brings in, placed and checked (``Intake``);
- ``desk``: ``EventDesk``, taking events in and taking actions of the configured workflow
  (``gridmap.ops.workflow``) in one transaction of one caller;
- ``effects``: what each action changes besides the state;
- ``deadlines``: each step's deadline on the work calendar (``gridmap.ops.worktime``);
- ``kpis``: the KPIs of a period, and the months kept for them (``count_months``).
"""

from gridmap.services.events.deadlines import Due, due, work_calendar
from gridmap.services.events.desk import EventDesk
from gridmap.services.events.intake import Intake
from gridmap.services.events.kpis import count_months, counting_config, kpis

__all__ = [
    "Due",
    "EventDesk",
    "Intake",
    "count_months",
    "counting_config",
    "due",
    "kpis",
    "work_calendar",
]
