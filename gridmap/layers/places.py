"""Places (场所), things (物/部件) and organisations (组织): located records tied to grids.

Places are schools, hospitals, markets, industrial parks, the nine small places (九小场所) and
other key places, as a point or a polygon; ``must_visit`` marks a must-visit point (必到点) of the
daily patrol. Things are public facilities with a category code (hydrants, manholes, lamps);
organisations are enterprises, social organisations and party branches, optionally in a
building. Kinds and categories are configuration (``GRIDMAP_PEOPLE_*``).
"""

from __future__ import annotations
