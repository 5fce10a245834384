"""Generated events (生成的事件): a year of the closed loop for a generated population, as an
``events.csv`` in the events ledger's columns for the ordinary import path.

Everything is **generated**: plausible in space (hot spots around some grids, at homes and
places), time (seasons, working days, hours), mix (channels, categories by area) and life
(most closed within their deadlines, some late, reworked, returned, escalated, rejected or
duplicates, with satisfaction scores), but no event happened. Generation is vectorised with
numpy and chunked; the same inputs and seed give the same file.
"""

from gridmap.demo.events.generate import COLUMNS, default_count, generate_events

__all__ = ["COLUMNS", "default_count", "generate_events"]
