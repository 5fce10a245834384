"""Small vectorised tools of the generator: string arrays, group ranks and fills, draws.

They work on whole numpy arrays at once; the rest of the generated population (生成的人口)
is built from them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce

import numpy as np

_STR = np.dtypes.StringDType()


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _join(*parts: np.ndarray | str) -> np.ndarray:
    """Element-wise string concatenation of arrays and scalars."""
    return reduce(np.strings.add, [np.asarray(p).astype(_STR) for p in parts])


def _starts(counts: np.ndarray) -> np.ndarray:
    return np.cumsum(counts) - counts


def _ranks(counts: np.ndarray) -> np.ndarray:
    """0-based position of each item within consecutive groups of the given sizes."""
    counts = np.asarray(counts, dtype=np.int64)
    return np.arange(counts.sum()) - np.repeat(_starts(counts), counts)


def _rank_by(keys: np.ndarray) -> np.ndarray:
    """0-based position of each item among the items with an equal key, in array order."""
    if not len(keys):
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    first = np.r_[True, ordered[1:] != ordered[:-1]]
    ranks = np.empty(len(keys), dtype=np.int64)
    ranks[order] = np.arange(len(keys)) - np.flatnonzero(first)[np.cumsum(first) - 1]
    return ranks


def _fill(sizes: np.ndarray, drawn: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, ...]:
    """Keep each group's draws until their sizes reach its target; the last one is trimmed.

    ``sizes`` lists ``drawn[g]`` draws per group in group order. Returns the kept mask and the
    kept sizes, which add up to each target exactly when enough was drawn.
    """
    group = np.repeat(np.arange(len(drawn)), drawn)
    total = np.r_[0, np.cumsum(sizes)]
    before = total[:-1] - np.repeat(total[_starts(drawn)], drawn)
    keep = before < targets[group]
    return keep, np.minimum(sizes, targets[group] - before)[keep]


def _choice(rng: np.random.Generator, words: Sequence[str], n: int) -> np.ndarray:
    return np.asarray(words, dtype=object)[rng.integers(0, len(words), n)]
