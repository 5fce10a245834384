"""Step 4 of `gridmap.ops.merge.merge_sources`: slivers (碎片) join the neighbour they share
the longest edge with, greedily, smallest first, on the adjacency graph of the pieces.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

from gridmap.ops.coverage import _grouped, _is_small, _small

if TYPE_CHECKING:
    from gridmap.ops.merge import MergeOptions


def _dissolve_slivers(
    pieces: pd.DataFrame, options: MergeOptions
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Merge small cells, small gap pieces and small parts into their longest-edge neighbour.

    Returns the merged cells (geometry and attributes; a gap piece left without neighbours
    becomes ``"uncovered"``) and one row per small piece handled: ``origin``, ``area_m2``
    and ``merged`` (False: it had no neighbour and stays).
    """
    parts, owner = shapely.get_parts(pieces["geometry"].to_numpy(), return_index=True)
    real = ~shapely.is_empty(parts)
    parts, owner = parts[real], owner[real]
    node, attrs = _initial_nodes(parts, owner, pieces, options)
    area = np.bincount(node, shapely.area(parts), minlength=len(attrs))
    perimeter = np.bincount(node, shapely.length(parts), minlength=len(attrs))
    movable = (attrs["origin"] == "gap").to_numpy() | _small(
        area, perimeter, options.sliver_area_m2, options.sliver_width_m
    )
    movable |= attrs["detached_from"].to_numpy() >= 0
    adjacency = _adjacency(parts, node, movable)
    root, merged = _contract(area, perimeter, movable, attrs, adjacency, options)
    detached = attrs["detached_from"].to_numpy()
    cell = np.where(detached[root] >= 0, detached[root], root)
    ids, geometry = _grouped(parts, cell[node], shapely.coverage_union_all)
    cells = attrs.iloc[ids][["source_department", "source_id", "origin"]].reset_index(drop=True)
    cells["origin"] = cells["origin"].replace({"gap": "uncovered"})
    for column in ("source_department", "source_id"):
        cells[column] = cells[column].astype(object).where(cells[column].notna(), None)
    cells.insert(0, "geometry", geometry)
    return cells, merged


def _initial_nodes(
    parts: np.ndarray, owner: np.ndarray, pieces: pd.DataFrame, options: MergeOptions
) -> tuple[np.ndarray, pd.DataFrame]:
    """Graph nodes: one per piece, plus one per small non-largest part of a large piece."""
    areas = shapely.area(parts)
    small_part = _is_small(parts, options.sliver_area_m2, options.sliver_width_m)
    order = np.lexsort((-areas, owner))
    first = np.ones(len(order), dtype=bool)
    first[1:] = owner[order][1:] != owner[order][:-1]
    largest = np.zeros(len(parts), dtype=bool)
    largest[order[first]] = True
    owner_area = np.bincount(owner, areas, minlength=len(pieces))
    owner_small = _small(
        owner_area,
        np.bincount(owner, shapely.length(parts), minlength=len(pieces)),
        options.sliver_area_m2,
        options.sliver_width_m,
    )
    is_gap = (pieces["origin"] == "gap").to_numpy()
    detach = small_part & ~largest & ~owner_small[owner] & ~is_gap[owner]
    node = owner.copy()
    node[detach] = len(pieces) + np.arange(detach.sum())
    attrs = pd.concat(
        [pieces.drop(columns="geometry"), pieces.drop(columns="geometry").iloc[owner[detach]]],
        ignore_index=True,
    )
    attrs["detached_from"] = np.r_[np.full(len(pieces), -1), owner[detach]]
    return node, attrs


def _adjacency(parts: np.ndarray, node: np.ndarray, movable: np.ndarray) -> pd.DataFrame:
    """Shared edge length between each movable node and its neighbours (both directions)."""
    query = np.flatnonzero(movable[node])
    src, dst = shapely.STRtree(parts).query(parts[query], predicate="intersects")
    src = query[src]
    a, b = np.minimum(src, dst), np.maximum(src, dst)
    pairs = np.unique(np.c_[a, b][node[a] != node[b]], axis=0).reshape(-1, 2)
    a, b = pairs[:, 0], pairs[:, 1]
    edges = shapely.boundary(parts)
    length = shapely.length(shapely.intersection(edges[a], edges[b]))
    frame = pd.DataFrame({"a": node[a], "b": node[b], "length": length})
    frame = frame[frame["length"] > 0]
    both = pd.concat([frame, frame.rename(columns={"a": "b", "b": "a"})], ignore_index=True)
    return both.groupby(["a", "b"], as_index=False)["length"].sum()


def _contract(
    area: np.ndarray,
    perimeter: np.ndarray,
    movable: np.ndarray,
    attrs: pd.DataFrame,
    adjacency: pd.DataFrame,
    options: MergeOptions,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Greedy merging on the adjacency graph, smallest movable node first.

    Sequential by nature (each merge changes its neighbour's size and edges), so this runs
    over node numbers only: no geometry is touched. Returns each node's final node and one
    row per small node handled (merged, or kept for want of a neighbour).
    """
    area, perimeter = area.astype(float).copy(), perimeter.astype(float).copy()
    origin = attrs["origin"].to_numpy()
    always = (origin == "gap") | (attrs["detached_from"].to_numpy() >= 0)
    neighbours: dict[int, dict[int, float]] = defaultdict(dict)
    for a, b, length in adjacency.itertuples(index=False):
        neighbours[int(a)][int(b)] = float(length)
    parent = np.arange(len(area))
    merges: list[tuple[str, float, bool]] = []

    def still_small(n: int) -> bool:
        if always[n]:
            return True
        return bool(_small(area[n], perimeter[n], options.sliver_area_m2, options.sliver_width_m))

    heap = [(area[n], n) for n in np.flatnonzero(movable)]
    heapq.heapify(heap)
    while heap:
        size, n = heapq.heappop(heap)
        if parent[n] != n or size != area[n]:
            continue
        edges = neighbours.pop(n, {})
        if not edges:
            merges.append((origin[n], float(area[n]), False))
            continue
        target = max(edges, key=lambda k: (edges[k], -k))
        parent[n] = target
        merges.append((origin[n], float(area[n]), True))
        area[target] += area[n]
        perimeter[target] += perimeter[n] - 2 * edges[target]
        for k, length in edges.items():
            neighbours[k].pop(n, None)
            if k != target:
                neighbours[target][k] = neighbours[target].get(k, 0.0) + length
                neighbours[k][target] = neighbours[k].get(target, 0.0) + length
        if movable[target] and still_small(target):
            heapq.heappush(heap, (area[target], target))
    return _roots(parent), pd.DataFrame(merges, columns=["origin", "area_m2", "merged"])


def _roots(parent: np.ndarray) -> np.ndarray:
    root = parent.copy()
    while True:
        up = root[root]
        if np.array_equal(up, root):
            return root
        root = up
