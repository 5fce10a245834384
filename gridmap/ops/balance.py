"""Re-divide a region into ``n`` grids of balanced load: contiguous, gap-free, non-overlapping.

The region is cut into small square building blocks, each block carries the summed weight of
the points inside it, and the blocks are grouped into ``n`` contiguous regions of nearly equal
load with PySAL's spopt, then dissolved into the grids. Everything is in one metric CRS (metres).

spopt and libpysal are imported on first use: importing them costs about 2 s.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from shapely import MultiPolygon, Polygon

from gridmap.core.errors import InvalidInput

if TYPE_CHECKING:
    from libpysal.graph import Graph
    from spopt.region.objective_function import ObjectiveFunction

METHODS = ("azp", "bisect", "skater")


@dataclass(frozen=True)
class DivideOptions:
    """How :func:`divide_region` builds and groups its blocks.

    Attributes
    ----------
    block_size_m : float
        Side of the square building blocks in metres: the units the grids are made of. Smaller
        blocks balance more finely and cost more time (the count grows as 1 / side²).
    method : str
        ``"azp"`` (default): cut the blocks by recursive coordinate bisection at the load
        quantiles (straight cuts, each piece carrying its share of the load), then let spopt's
        :class:`~spopt.region.AZP` (automatic zoning procedure) move boundary blocks between
        neighbouring grids while the squared relative deviation from the target load plus
        ``compactness`` times a shape penalty falls. Contiguity is kept at every move.
        ``"bisect"``: the bisection alone; fastest, loads even only to within a block or two.
        ``"skater"``: spopt's :class:`~spopt.region.Skater` prunes a spanning tree of the
        blocks, each cut leaving pieces as close as it can to whole multiples of the target
        load; no shape control (grids are subtrees of the tree, often ragged), and about four
        times slower than ``"azp"``.
    seed : int
        Seeds AZP's random choices (spopt seeds Python's global ``random`` with it) and the
        tie-breaking of Skater's spanning tree.
    compactness : float
        Weight of the shape penalty against the load spread in ``"azp"``: 0 balances only
        (ragged grids), larger values give rounder grids and less even loads. The penalty is
        a grid's moment of inertia over that of a square of the same block count, so a 2:1
        rectangle costs 0.25 more than a square, as much as a 3.5 % load deviation at 0.05.
    """

    block_size_m: float = 150.0
    method: str = "azp"
    seed: int = 0
    compactness: float = 0.05


@dataclass
class DivideResult:
    """The grids of :func:`divide_region` and how evenly they share the load.

    Attributes
    ----------
    grids : geopandas.GeoDataFrame
        One row per grid: ``geometry`` (Polygon, or MultiPolygon where the region itself is in
        pieces), ``load`` (summed point weight) and ``blocks`` (building blocks in the grid), in
        the CRS of the points.
    report : dict
        ``n``, ``loads`` (list, one per grid), ``min``, ``max``, ``mean``, ``cv`` (standard
        deviation / mean of the loads), ``method``, ``blocks`` (blocks in the region) and
        ``seconds`` (wall time).
    """

    grids: gpd.GeoDataFrame
    report: dict


def divide_region(
    region: Polygon | MultiPolygon,
    points: gpd.GeoDataFrame,
    n: int,
    weight: str | None = None,
    options: DivideOptions = DivideOptions(),
) -> DivideResult:
    """Divide ``region`` into ``n`` contiguous grids of balanced load (网格划分).

    Parameters
    ----------
    region : Polygon or MultiPolygon
        The area to divide (a township, say), in the metric CRS of ``points`` (metres).
    points : geopandas.GeoDataFrame
        Points carrying the load: buildings with their households, population points. Points
        outside ``region`` are ignored.
    n : int
        Number of grids, from 1 to the number of building blocks in the region.
    weight : str, optional
        Column of ``points`` with each point's load; each point counts 1 when omitted.
    options : DivideOptions
        Block size, method, seed and shape weight.

    Returns
    -------
    DivideResult
        ``n`` grids forming a valid polygonal coverage whose union is ``region``, each one
        connected wherever the region is, with their loads and the spread of the loads.

    Raises
    ------
    ValueError
        If ``region`` is empty, ``n`` is below 1 or above the number of blocks, ``weight`` is
        not a column, the CRS is geographic, or an option is out of range.
    """
    started = time.perf_counter()
    _check_args(region, points, n, weight, options)
    blocks = square_blocks(region, options.block_size_m)
    if n > len(blocks):
        raise InvalidInput(
            f"n={n} grids need at least {n} blocks, but the region has {len(blocks)} blocks of "
            f"{options.block_size_m} m: use smaller blocks or fewer grids"
        )
    loads = block_loads(blocks, points, weight)
    labels = _regionalise(blocks, loads, n, options)
    grids = _dissolve(blocks, loads, labels, points.crs)
    report = _report(grids, options, len(blocks), started)
    total = len(points) if weight is None else float(points[weight].sum())
    # points outside the region (or a hair outside its edge) carry no grid's load: say how much
    report["weight_outside"] = float(total - loads.sum())
    return DivideResult(grids, report)


def _check_args(
    region: Polygon | MultiPolygon,
    points: gpd.GeoDataFrame,
    n: int,
    weight: str | None,
    options: DivideOptions,
) -> None:
    if region is None or shapely.is_empty(region) or shapely.area(region) <= 0:
        raise InvalidInput(f"cannot divide an empty region: {region}")
    if n < 1:
        raise InvalidInput(f"n must be at least 1 grid, got {n}")
    if weight is not None and weight not in points.columns:
        raise InvalidInput(f"weight column {weight!r} is not in points: {list(points.columns)}")
    if points.crs is not None and points.crs.is_geographic:
        raise InvalidInput(f"points are in geographic CRS {points.crs.to_string()}: use metres")
    if options.method not in METHODS:
        raise InvalidInput(f"unknown method {options.method!r}: choose one of {METHODS}")
    if options.block_size_m <= 0:
        raise InvalidInput(f"block_size_m must be positive, got {options.block_size_m}")
    if options.compactness < 0:
        raise InvalidInput(f"compactness must be 0 or more, got {options.compactness}")


def square_blocks(region: Polygon | MultiPolygon, size: float) -> np.ndarray:
    """Square building blocks of side ``size`` over ``region``, clipped to it.

    The lattice starts at the region's lower-left corner and neighbouring cells share the very
    same edge coordinates, so the clipped blocks form a valid coverage whose union is
    ``region``. A cell that the clipping splits gives one block per piece: every block is a
    Polygon. Units are those of the region's CRS (metres).
    """
    minx, miny, maxx, maxy = region.bounds
    xs = minx + size * np.arange(max(int(np.ceil((maxx - minx) / size)), 1) + 1)
    ys = miny + size * np.arange(max(int(np.ceil((maxy - miny) / size)), 1) + 1)
    col, row = (a.ravel() for a in np.meshgrid(np.arange(len(xs) - 1), np.arange(len(ys) - 1)))
    cells = shapely.box(xs[col], ys[row], xs[col + 1], ys[row + 1])
    shapely.prepare(region)
    cells = cells[shapely.intersects(region, cells)]
    parts = shapely.get_parts(shapely.intersection(cells, region))
    parts = parts[shapely.get_type_id(parts) == shapely.GeometryType.POLYGON]
    return parts[shapely.area(parts) > 0]


def block_loads(blocks: np.ndarray, points: gpd.GeoDataFrame, weight: str | None) -> np.ndarray:
    """Summed ``weight`` of the points in each block (1 per point when ``weight`` is None).

    A point on an edge shared by blocks counts once; points outside every block are left out.
    """
    values = np.ones(len(points)) if weight is None else points[weight].to_numpy(dtype=float)
    point_ix, block_ix = shapely.STRtree(blocks).query(
        points.geometry.to_numpy(), predicate="intersects"
    )
    first = np.unique(point_ix, return_index=True)[1]
    return np.bincount(block_ix[first], weights=values[point_ix[first]], minlength=len(blocks))


def block_contiguity(blocks: np.ndarray) -> Graph:
    """Rook contiguity of the blocks (neighbours share an edge), joined into one component.

    A piece of the region that shares no edge with the rest (an island, or a part that touches
    it only at a corner) is linked to the nearest block outside it, so that it can join a grid;
    a grid holding such a link is a MultiPolygon, as the region is.
    """
    from libpysal.graph import Graph

    rook = Graph.build_contiguity(gpd.GeoSeries(blocks), rook=True, strict=True)
    adjacency = sparse.csr_array(rook.sparse)
    adjacency.data[:] = 1.0
    while True:
        count, component = sparse.csgraph.connected_components(adjacency, directed=False)
        if count == 1:
            return Graph.from_sparse(adjacency)
        adjacency = adjacency + _nearest_link(blocks, component)


def _nearest_link(blocks: np.ndarray, component: np.ndarray) -> sparse.csr_array:
    """A symmetric one-edge matrix joining the smallest component to its nearest block."""
    inside = component == np.bincount(component).argmin()
    within, outside = np.flatnonzero(inside), np.flatnonzero(~inside)
    (src, dst), distance = shapely.STRtree(blocks[outside]).query_nearest(
        blocks[within], return_distance=True
    )
    i, j = within[src[distance.argmin()]], outside[dst[distance.argmin()]]
    return sparse.csr_array((np.ones(2), ([i, j], [j, i])), shape=(len(blocks), len(blocks)))


def _regionalise(
    blocks: np.ndarray, loads: np.ndarray, n: int, options: DivideOptions
) -> np.ndarray:
    """Grid label (0 … n-1) of each block."""
    if n == 1:
        return np.zeros(len(blocks), dtype=int)
    graph = block_contiguity(blocks)
    xy = shapely.get_coordinates(shapely.centroid(blocks))
    if options.method == "skater":
        return _skater(xy, loads, graph, n, options.seed)
    start = _make_contiguous(_bisect(xy, loads, n), graph)
    if options.method == "bisect":
        return start
    objective = _spread_and_shape(loads.sum() / n, options.compactness, options.block_size_m**2)
    return _azp(xy, loads, graph, n, options.seed, start, objective)


def _bisect(xy: np.ndarray, loads: np.ndarray, n: int) -> np.ndarray:
    """Recursive coordinate bisection: cut across the longer side at the load quantile.

    A piece to be split into ``k`` grids is cut into pieces for ``k // 2`` and ``k - k // 2``
    grids carrying those shares of its load. A tiny weight per block lets empty land be cut
    by block count.
    """
    labels = np.zeros(len(xy), dtype=int)
    weights = loads + max(loads.sum(), 1.0) * 1e-6 / len(loads)
    stack = [(np.arange(len(xy)), n, 0)]
    while stack:
        ix, k, first = stack.pop()
        if k == 1:
            labels[ix] = first
            continue
        half = k // 2
        axis = np.ptp(xy[ix], axis=0).argmax()
        order = ix[np.argsort(xy[ix, axis], kind="stable")]
        cumulative = np.cumsum(weights[order])
        cut = int(np.searchsorted(cumulative, cumulative[-1] * half / k))
        cut = min(max(cut, half), len(ix) - (k - half))
        stack += [(order[:cut], half, first), (order[cut:], k - half, first + half)]
    return labels


def _make_contiguous(labels: np.ndarray, graph: Graph) -> np.ndarray:
    """Hand every detached piece of a grid to the neighbour it shares most edges with.

    Each grid keeps its largest piece; one piece moves per round, smallest first, and every
    move merges two pieces, so the rounds end.
    """
    adjacency = sparse.coo_array(graph.sparse)
    rows, cols = adjacency.row, adjacency.col
    labels = labels.copy()
    while True:
        piece = _pieces(labels, rows, cols)
        size = np.bincount(piece)
        order = np.lexsort((size[piece], labels))
        last = np.r_[labels[order][1:] != labels[order][:-1], True]
        largest = np.full(labels.max() + 1, -1)
        largest[labels[order][last]] = piece[order][last]
        detached = np.unique(piece[piece != largest[labels]])
        if len(detached) == 0:
            return labels
        members = piece == detached[size[detached].argmin()]
        border = members[rows] & ~members[cols]
        labels[members] = np.bincount(labels[cols[border]]).argmax()


def _pieces(labels: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Connected piece of each block, moving only between blocks of the same grid."""
    same = labels[rows] == labels[cols]
    inner = sparse.csr_array(
        (np.ones(same.sum()), (rows[same], cols[same])), shape=(len(labels), len(labels))
    )
    return sparse.csgraph.connected_components(inner, directed=False)[1]


def _azp(
    xy: np.ndarray,
    loads: np.ndarray,
    graph: Graph,
    n: int,
    seed: int,
    start: np.ndarray,
    objective: ObjectiveFunction,
) -> np.ndarray:
    from spopt.region import AZP

    frame = pd.DataFrame({"load": loads, "x": xy[:, 0], "y": xy[:, 1]})
    model = AZP(
        frame,
        graph.to_W(),
        ["load", "x", "y"],
        n_clusters=n,
        random_state=seed,
        initial_labels=start,
        objective_func=objective,
    )
    model.solve()
    return np.asarray(model.labels_, dtype=int)


def _spread_and_shape(target: float, compactness: float, cell_area: float) -> ObjectiveFunction:
    """AZP objective over grids: ((load - target) / target)² + compactness × shape penalty.

    The shape penalty is the grid's moment of inertia about its centroid (block centroids,
    m²) over that of a square of as many full blocks: about 1 for a square, more when ragged.
    AZP's columns are load, x, y.
    """
    from spopt.region.objective_function import ObjectiveFunction

    def cost(members: np.ndarray) -> float:
        if len(members) == 0:
            return 0.0
        spread = ((members[:, 0].sum() - target) / target) ** 2
        xy = members[:, 1:]
        inertia = ((xy - xy.mean(axis=0)) ** 2).sum()
        return spread + compactness * 6 * inertia / (len(members) ** 2 * cell_area)

    class SpreadAndShape(ObjectiveFunction):
        def __call__(self, labels: np.ndarray, attr: np.ndarray) -> float:
            return float(sum(cost(attr[labels == grid]) for grid in np.unique(labels)))

        def update(
            self, moving_area: int, recipient_region: int, labels: np.ndarray, attr: np.ndarray
        ) -> float:
            donor = labels == labels[moving_area]
            recipient = labels == recipient_region
            before = cost(attr[donor]) + cost(attr[recipient])
            donor[moving_area], recipient[moving_area] = False, True
            return cost(attr[donor]) + cost(attr[recipient]) - before

    return SpreadAndShape()


def _skater(xy: np.ndarray, loads: np.ndarray, graph: Graph, n: int, seed: int) -> np.ndarray:
    from spopt.region import Skater

    frame = pd.DataFrame({"load": loads, "x": xy[:, 0], "y": xy[:, 1]})
    forest = {
        "dissimilarity": _tree_or_spread(_edge_lengths(graph, xy, seed), loads.sum() / n),
        "reduction": np.sum,
        "center": np.sum,
    }
    model = Skater(
        frame, graph.to_W(), ["load", "x", "y"], n_clusters=n, spanning_forest_kwds=forest
    )
    model.solve()
    return np.asarray(model.labels_, dtype=int)


def _edge_lengths(graph: Graph, xy: np.ndarray, seed: int) -> sparse.csr_array:
    """Centroid distances between neighbouring blocks (metres), jittered by up to 1 %.

    The jitter breaks the ties of a regular lattice, so ``seed`` picks the spanning tree.
    """
    adjacency = sparse.coo_array(graph.sparse)
    upper = adjacency.row < adjacency.col
    rows, cols = adjacency.row[upper], adjacency.col[upper]
    length = np.hypot(*(xy[rows] - xy[cols]).T)
    length *= np.random.default_rng(seed).uniform(1.0, 1.01, size=len(rows))
    tri = sparse.coo_array((length, (rows, cols)), shape=adjacency.shape)
    return (tri + tri.T).tocsr()


def _tree_or_spread(edges: sparse.csr_array, target: float) -> Callable:
    """Skater's dissimilarity: edge lengths for the spanning tree, load spread for a cut.

    Skater calls it once as ``metric(data, None)`` for the tree's edge costs, then as
    ``metric(members, center)`` for every subtree of a candidate cut; with ``center=np.sum``
    the subtree's load is ``center[0, 0]``. A subtree costs its squared relative distance to
    the nearest whole number (at least 1) of target loads, spread over its members, so each
    cut leaves pieces that can be split evenly later. Skater's own ``floor`` counts blocks,
    not load, which is why the balance lives here.
    """

    def metric(data: np.ndarray, center: np.ndarray | None) -> np.ndarray | sparse.csr_array:
        if center is None:
            return edges
        load = center[0, 0]
        shares = max(round(load / target), 1)
        return np.full(len(data), ((load - shares * target) / target) ** 2 / len(data))

    return metric


def _dissolve(
    blocks: np.ndarray, loads: np.ndarray, labels: np.ndarray, crs: object
) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame({"grid": labels, "load": loads, "blocks": 1}, geometry=blocks, crs=crs)
    grids = frame.dissolve(by="grid", aggfunc="sum", method="coverage")
    return grids.reset_index(drop=True)[["geometry", "load", "blocks"]]


def _report(grids: gpd.GeoDataFrame, options: DivideOptions, blocks: int, started: float) -> dict:
    loads = grids["load"].to_numpy(dtype=float)
    mean = float(loads.mean())
    return {
        "n": len(grids),
        "loads": loads.tolist(),
        "min": float(loads.min()),
        "max": float(loads.max()),
        "mean": mean,
        "cv": float(loads.std() / mean) if mean > 0 else 0.0,
        "method": options.method,
        "blocks": blocks,
        "seconds": round(time.perf_counter() - started, 3),
    }
