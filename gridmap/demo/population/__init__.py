"""A generated population (合成人口) for a set of grids: people, buildings, places, things and
organisations (人、地、物、组织) as CSV files for the ordinary import path.

Everything here is **generated**: plausible in its proportions (China's 2020 census age
structure, household sizes, sex ratio, surname frequencies), valid in its codes (ID numbers with
their check character, unified social credit codes) and placed inside the grids, but no row is
a real person, place or organisation. Nothing touches a database or the network.

Grids are processed in chunks and each chunk's rows are appended to the files, so memory does
not grow with the population. The same inputs and seed give byte-identical files.
"""

from __future__ import annotations

from gridmap.demo.population.codes import credit_code_check_character, credit_codes, id_numbers
from gridmap.demo.population.generate import generate_population
from gridmap.demo.population.points import points_in
from gridmap.demo.population.writer import COLUMNS

__all__ = [
    "COLUMNS",
    "credit_code_check_character",
    "credit_codes",
    "generate_population",
    "id_numbers",
    "points_in",
]
