"""Where the next Sharp Eyes (雪亮工程) cameras go: maximal coverage with the existing ones kept.

A candidate camera is a (site, heading) pair whose coverage is its occluded view sector, a
polygon computed elsewhere. Demand points (residents, key places) carry a weight. The existing
cameras stay; a budget of ``p`` new cameras is placed to cover as much demand weight as possible
on top of theirs (the maximal covering location problem, MCLP, of Church and ReVelle), with at
most one heading per site (a pole holds one camera) and, optionally, a minimum number of cameras
per village (existing + new). A greedy baseline is solved for the same budget. Everything is in
one metric CRS (metres).

The model
---------
It is spopt's :class:`spopt.locate.MCLP` formulation, built directly with pulp and solved by CBC
(one thread). spopt's ``MCLP.from_cost_matrix`` is not used: it takes a dense demand × facility
matrix and writes a term for every pair (about 23 ms per demand row at 4,000 candidates, two
minutes for 5,000 demand points before CBC starts), its budget row is an equality, and it has no
place for the side constraints. Built here, sparse:

* variables: ``x[j]`` binary, candidate ``j`` is built; ``y[i]`` in [0, 1], demand row ``i`` is
  covered (continuous: with integral ``x`` the optimum puts every ``y`` at 0 or 1);
* objective: maximise ``Σ w[i] y[i]``;
* coverage: ``y[i] ≤ Σ x[j]`` over the candidates ``j`` whose sector holds row ``i``;
* budget: ``Σ x[j] ≤ p``;
* one heading per site: ``Σ x[j] ≤ 1`` over the headings of each site with more than one;
* quotas: ``Σ x[j] ≥ quota[v] - existing[v]`` over the candidates of each village ``v`` whose
  existing cameras fall short of its quota.

The existing cameras are not variables: the demand they cover is covered whatever is built, so
it is left out of the model and added back to the result (spopt's ``predefined_facilities_arr``
would fix them at 1 to the same effect). The demand is reduced first, the classic MCLP
reduction: points with no weight, points an existing camera sees and points no candidate sees
are dropped, and points seen by exactly the same candidates are merged into one row carrying
their summed weight. Candidates that see no remaining row and serve no short village are left
out. The greedy solution is CBC's starting incumbent, so a time limit returns at least as good
a plan, with the MIP gap reported. Chosen cameras that add nothing (every point they see is
seen by another) are dropped afterwards unless a quota needs them: the budget is a maximum.

Speed: 500 sites × 8 headings over 5,000 points take under a second to cover, reduce, run the
greedy and build the model; CBC proves the optimum in 1-3 s when sectors overlap little (about
4 candidates per point) and, with 17 per point and a budget of 100-200, stops on the time limit
within 0.2-0.8 % of its bound. ``time_limit_s`` bounds the whole call.

pulp is imported on first use.
"""

from __future__ import annotations

import re
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike
from scipy import sparse

from gridmap.core.errors import InvalidInput

if TYPE_CHECKING:
    import pulp

_POLYGONAL = ("Polygon", "MultiPolygon")
_MIN_CBC_S = 1.0  # CBC's shortest time limit, whatever the deadline


@dataclass(frozen=True)
class SitingResult:
    """The cameras :func:`plan_cameras` chose and what they cover.

    Attributes
    ----------
    chosen : geopandas.GeoDataFrame
        The candidates chosen, with their index and columns (``site``, ``heading``, ``village``
        when given, the sector ``geometry``) in the candidates' CRS, plus ``gain`` (weight seen
        by this camera and by no existing or other chosen one: what removing it would lose) and
        ``new_weight`` (weight it sees that no existing camera sees). Sorted by ``gain``,
        largest first.
    covered_weight : float
        Demand weight seen by the existing and the chosen cameras (each point counted once).
    existing_weight : float
        Demand weight seen by the existing cameras alone.
    greedy : dict
        The greedy baseline for the same budget and quotas: ``chosen`` (candidate index labels
        in the order picked), ``covered_weight``, ``seconds``.
    report : dict
        ``counts`` (demand points, candidates, sites, existing cameras, rows and columns of the
        reduced model), ``total_weight``, ``budget``, ``used`` (new cameras placed),
        ``solver`` (``time_limit_s``; ``status``, CBC's result line such as "Optimal solution
        found" or "Stopped on time limit"; ``solution``, "optimal" or "feasible"; ``objective``
        and ``bound``, the weight the new cameras add and CBC's upper bound on it; ``gap``,
        (bound - objective) / bound; ``cbc_time_limit_s``, ``cbc_cpu_s``, ``cbc_wall_s``; and
        ``fallback`` when CBC's plan was missing or worse than the greedy one, which was kept
        instead), ``quotas`` (one dict
        per village with a quota: ``code``, ``quota``, ``existing``, ``new``, ``met``, and the
        village's ``weight`` and ``covered_weight`` when demand has a ``village`` column),
        ``seconds`` (``coverage``, ``greedy``, ``build``, ``solve``, ``total``).
    """

    chosen: gpd.GeoDataFrame
    covered_weight: float
    existing_weight: float
    greedy: dict
    report: dict


@dataclass(frozen=True)
class _Quotas:
    """Village quotas, indexed 0 … k-1 over the villages that have one."""

    codes: np.ndarray  # village code of each quota
    quota: np.ndarray  # minimum cameras, existing + new
    existing: np.ndarray  # existing cameras in the village
    village: np.ndarray  # quota index of each candidate, -1 for none

    @property
    def need(self) -> np.ndarray:
        """New cameras each village still needs."""
        return np.maximum(self.quota - self.existing, 0)


@dataclass(frozen=True)
class _Reduced:
    """The demand rows the model keeps: merged, with their summed weight."""

    coverage: sparse.csc_array  # rows × candidates, 1 where the candidate sees the row
    weight: np.ndarray


def plan_cameras(
    demand: gpd.GeoDataFrame,
    weight: str,
    candidates: gpd.GeoDataFrame,
    existing: gpd.GeoSeries | gpd.GeoDataFrame | None,
    budget: int,
    villages: gpd.GeoDataFrame | pd.DataFrame | None = None,
    quota: str | None = None,
    time_limit_s: float = 60.0,
) -> SitingResult:
    """Choose up to ``budget`` new cameras covering the most demand weight (MCLP, CBC).

    Parameters
    ----------
    demand : geopandas.GeoDataFrame
        Demand points (Point geometries) in a metric CRS (metres), with the ``weight`` column
        and, optionally, a ``village`` column (code) for the per-village figures of the report.
    weight : str
        Column of ``demand`` with each point's weight (residents, a key place's importance):
        finite and 0 or more.
    candidates : geopandas.GeoDataFrame
        One row per (site, heading): ``site`` (id), ``heading`` (degrees clockwise from north;
        carried through, not used) and the view sector (Polygon or MultiPolygon, empty for a
        blind heading) in the CRS of ``demand``. With quotas, ``village`` (code; missing for a
        site in no village), or else ``villages`` must have polygons and each site goes to the
        village holding most of its sectors' area.
    existing : geopandas.GeoSeries or geopandas.GeoDataFrame or None
        View sectors (polygons) of the cameras kept, in the CRS of ``demand``; may be empty or
        None. Their coverage counts and they use no budget. For quotas a GeoDataFrame may carry
        a ``village`` column; otherwise each goes to the village holding most of its sector's
        area.
    budget : int
        Most new cameras to place, 0 or more. Fewer are placed when more would add nothing.
    villages : geopandas.GeoDataFrame or pandas.DataFrame, optional
        ``code`` and the ``quota`` column (minimum cameras, existing + new), and the village
        polygons (CRS of ``demand``) when cameras have no ``village`` column.
    quota : str, optional
        Column of ``villages`` with the minimum number of cameras; with ``villages`` only.
    time_limit_s : float
        Wall-clock budget of the whole call in seconds. CBC gets what the coverage, the greedy
        baseline and the model building leave, less 10 % (at least 1 s) kept back for pulp's
        files and CBC's overshoot, and never less than 1 s. When CBC runs out of time the best
        plan it has (never worse than the greedy one) is returned and the report gives the MIP
        gap.

    Returns
    -------
    SitingResult
        The chosen cameras, the weight covered with and without them, the greedy baseline and
        a report.

    Raises
    ------
    InvalidInput
        A ``ValueError`` naming the bad argument and why: negative or non-integer budget,
        missing column, bad weight, empty or non-polygonal candidates, non-point demand,
        different or geographic CRSs, duplicated (site, heading) pairs, a site in two villages,
        or quotas that no plan within the budget can meet.
    """
    started = time.perf_counter()
    existing = _existing_frame(existing)
    _check_args(demand, weight, candidates, existing, budget, villages, quota, time_limit_s)
    weights = demand[weight].to_numpy(dtype=float)
    seen, by_existing = coverage_matrix(
        demand.geometry.to_numpy(), candidates.geometry.to_numpy(), existing.geometry.to_numpy()
    )
    sites = pd.factorize(candidates["site"])[0]
    quotas = _quotas(candidates, sites, existing, villages, quota)
    _check_feasible(quotas, sites, budget, quota)
    reduced = reduce_demand(seen, weights, by_existing)
    existing_weight = float(weights[by_existing].sum())
    timing = {"coverage": time.perf_counter() - started}

    greedy = greedy_cover(
        reduced.coverage,
        reduced.weight,
        budget,
        sites=sites,
        village=quotas.village,
        need=quotas.need,
    )
    timing["greedy"] = time.perf_counter() - started - timing["coverage"]
    chosen, solver, seconds = _solve(reduced, sites, quotas, budget, greedy, started + time_limit_s)
    chosen = _prune(reduced.coverage, chosen, quotas)
    counts = _camera_counts(reduced.coverage, chosen)
    columns = solver.pop("columns")
    report = {
        "counts": {
            "demand": len(demand),
            "candidates": len(candidates),
            "sites": int(sites.max()) + 1,
            "existing": len(existing),
            "coverage_pairs": int(seen.nnz),
            "rows": int(reduced.coverage.shape[0]),
            "columns": int(columns),
        },
        "total_weight": float(weights.sum()),
        "budget": budget,
        "used": len(chosen),
        "solver": {"time_limit_s": time_limit_s, **solver},
        "quotas": _quota_table(quotas, chosen, demand, weights, seen, by_existing),
        "seconds": _rounded({**timing, **seconds, "total": time.perf_counter() - started}),
    }
    baseline = {
        "chosen": candidates.index[greedy].tolist(),
        "covered_weight": existing_weight + _covered(reduced, greedy),
        "seconds": round(timing["greedy"], 3),
    }
    return SitingResult(
        chosen=_chosen_frame(candidates, reduced, chosen, counts),
        covered_weight=existing_weight + float(reduced.weight[counts > 0].sum()),
        existing_weight=existing_weight,
        greedy=baseline,
        report=report,
    )


def _rounded(seconds: dict[str, float]) -> dict[str, float]:
    return {key: round(value, 3) for key, value in seconds.items()}


def coverage_matrix(
    points: np.ndarray, sectors: np.ndarray, existing: np.ndarray
) -> tuple[sparse.csc_array, np.ndarray]:
    """Which candidate sectors see each point, and which points an existing sector sees.

    A point on a sector's edge is seen. One bulk ``STRtree.query`` over the candidate and
    existing sectors together; no loop over pairs.

    Parameters
    ----------
    points : numpy.ndarray of shapely.Point
        Demand points, metric CRS.
    sectors : numpy.ndarray of shapely.Polygon
        Candidate view sectors in the same CRS.
    existing : numpy.ndarray of shapely.Polygon
        Existing cameras' view sectors in the same CRS.

    Returns
    -------
    coverage : scipy.sparse.csc_array
        Points × candidates, 1 where the candidate's sector holds the point (int8).
    seen : numpy.ndarray of bool
        Points held by at least one existing sector.
    """
    tree = shapely.STRtree(np.concatenate([sectors, existing]))
    point_ix, sector_ix = tree.query(points, predicate="intersects")
    candidate = sector_ix < len(sectors)
    coverage = sparse.csc_array(
        (
            np.ones(candidate.sum(), dtype=np.int8),
            (point_ix[candidate], sector_ix[candidate]),
        ),
        shape=(len(points), len(sectors)),
    )
    seen = np.zeros(len(points), dtype=bool)
    seen[point_ix[~candidate]] = True
    return coverage, seen


def reduce_demand(coverage: sparse.csc_array, weights: np.ndarray, preset: np.ndarray) -> _Reduced:
    """The demand rows an MCLP needs: uncovered, seen by a candidate, distinct, weighted.

    Rows with no weight, rows already covered (``preset``) and rows no candidate sees cannot
    change the choice and are dropped; rows seen by the very same candidates are merged, their
    weights summed. The optimum of the reduced problem is the optimum of the full one.
    """
    csr = sparse.csr_array(coverage)
    csr.sort_indices()
    nnz = np.diff(csr.indptr)
    keep = np.flatnonzero((weights > 0) & ~preset & (nnz > 0))
    if len(keep) == 0:
        return _Reduced(sparse.csc_array((0, coverage.shape[1]), dtype=np.int8), np.zeros(0))
    rows = csr[keep]
    width = np.diff(rows.indptr)
    padded = np.full((len(keep), width.max()), -1, dtype=np.int64)
    row = np.repeat(np.arange(len(keep)), width)
    padded[row, np.arange(rows.nnz) - np.repeat(rows.indptr[:-1], width)] = rows.indices
    _, first, inverse = np.unique(padded, axis=0, return_index=True, return_inverse=True)
    merged = np.bincount(inverse.ravel(), weights=weights[keep], minlength=len(first))
    return _Reduced(sparse.csc_array(rows[first]), merged)


def greedy_cover(
    coverage: sparse.sparray | sparse.spmatrix | np.ndarray,
    weights: ArrayLike,
    budget: int,
    preset: ArrayLike | None = None,
    *,
    sites: ArrayLike | None = None,
    village: ArrayLike | None = None,
    need: ArrayLike | None = None,
) -> list[int]:
    """Greedy maximal cover: pick the candidate adding the most uncovered weight, repeatedly.

    Parameters
    ----------
    coverage : scipy sparse matrix or numpy.ndarray of bool
        Demand × candidates, non-zero where the candidate sees the demand point.
    weights : array_like
        Weight of each demand point, 0 or more.
    budget : int
        Most candidates to pick, 0 or more.
    preset : array_like of bool, optional
        Demand points already covered (by the existing cameras): they add nothing.
    sites : array_like, optional
        Site of each candidate: once one heading of a site is picked, the others are closed.
        Every candidate is its own site when omitted.
    village : array_like of int, optional
        Index into ``need`` of each candidate's village, -1 for none.
    need : array_like of int, optional
        Candidates each village must get. When the budget left only just covers what villages
        still need, or nothing adds weight any more, only candidates of those villages are
        picked, so the quotas are met whenever the budget and the sites allow it.

    Returns
    -------
    list of int
        Column indices of the candidates picked, in order. Fewer than ``budget`` when no open
        candidate adds weight and no village needs more; ties go to the lower index.
    """
    matrix = sparse.csc_array(coverage, dtype=float)
    n_rows, n_cols = matrix.shape
    w = np.asarray(weights, dtype=float)
    uncovered = np.ones(n_rows, bool) if preset is None else ~np.asarray(preset, dtype=bool)
    site = np.arange(n_cols) if sites is None else pd.factorize(np.asarray(sites))[0]
    group = np.full(n_cols, -1) if village is None else np.asarray(village, dtype=int)
    short = np.zeros(0, dtype=int) if need is None else np.array(need, dtype=int)
    _check_greedy(matrix, w, budget, uncovered, site, group, short)

    rows = matrix.tocsr()
    live = uncovered & (w > 0)
    gain = matrix.T @ (w * live)
    fresh = matrix.T @ live.astype(float)  # uncovered weighted rows: exact zero test
    open_ = np.ones(n_cols, dtype=bool)
    chosen: list[int] = []
    while len(chosen) < budget:
        pool = _greedy_pool(open_, fresh, group, short, budget - len(chosen))
        if not pool.any():
            break
        j = int(np.argmax(np.where(pool, gain, -np.inf)))
        chosen.append(j)
        open_[site == site[j]] = False
        if group[j] >= 0 and short[group[j]] > 0:
            short[group[j]] -= 1
        col = matrix.indices[matrix.indptr[j] : matrix.indptr[j + 1]]
        new = col[live[col]]
        live[new] = False
        gain -= rows[new].T @ w[new]
        fresh -= rows[new].T @ np.ones(len(new))
        gain[fresh < 0.5] = 0.0
    return chosen


def _greedy_pool(
    open_: np.ndarray, fresh: np.ndarray, group: np.ndarray, short: np.ndarray, left: int
) -> np.ndarray:
    """Candidates the next greedy pick may come from."""
    useful = open_ & (fresh > 0.5)
    needy = open_ & (group >= 0)
    needy[needy] = short[group[needy]] > 0
    if short.sum() >= left or not useful.any():
        return needy
    return useful


def _check_greedy(
    matrix: sparse.csc_array,
    w: np.ndarray,
    budget: int,
    uncovered: np.ndarray,
    site: np.ndarray,
    group: np.ndarray,
    short: np.ndarray,
) -> None:
    n_rows, n_cols = matrix.shape
    _check_budget(budget)
    if w.shape != (n_rows,) or not np.isfinite(w).all() or (w < 0).any():
        raise InvalidInput(
            f"weights must be {n_rows} finite values of 0 or more, one per coverage row",
            field="weights",
        )
    if uncovered.shape != (n_rows,):
        raise InvalidInput(f"preset must have one flag per coverage row ({n_rows})", field="preset")
    for name, values in (("sites", site), ("village", group)):
        if values.shape != (n_cols,):
            raise InvalidInput(f"{name} must have one value per candidate ({n_cols})", field=name)
    if (group >= len(short)).any() or (group < -1).any():
        raise InvalidInput(
            f"village indices must be -1 or below len(need)={len(short)}", field="need"
        )


def _solve(
    reduced: _Reduced,
    sites: np.ndarray,
    quotas: _Quotas,
    budget: int,
    start: list[int],
    deadline: float,
) -> tuple[list[int], dict, dict]:
    """The MCLP solved by CBC: chosen candidate indices, the solver's report, its times.

    CBC gets the time left before ``deadline`` (a ``time.perf_counter`` value) less a reserve
    for pulp's files and CBC's overshoot, and at least ``_MIN_CBC_S``.
    """
    began = time.perf_counter()
    columns = _model_columns(reduced.coverage, quotas)
    solver: dict[str, Any] = {"columns": len(columns)}
    if budget == 0 or len(columns) == 0:
        solver.update(status="not needed", solution="optimal", objective=0.0, bound=0.0, gap=0.0)
        return [], solver, {"build": 0.0, "solve": 0.0}
    local = np.full(reduced.coverage.shape[1], -1)
    local[columns] = np.arange(len(columns))
    coverage = reduced.coverage[:, columns]
    problem, x, y = _build(coverage, reduced.weight, sites[columns], quotas, columns, budget)
    _warm_start(x, y, coverage, local[start])
    built = time.perf_counter()
    limit = max(deadline - built - _reserve(deadline - began), _MIN_CBC_S)
    solver.update(_run_cbc(problem, limit))
    picked = [int(columns[j]) for j, var in enumerate(x) if (var.value() or 0.0) > 0.5]
    greedy = _covered(reduced, start)
    if solver["solution"] == "none" or _covered(reduced, picked) < greedy:
        solver["fallback"] = "greedy"
        picked = list(start)
    return picked, solver, {"build": built - began, "solve": time.perf_counter() - built}


def _reserve(seconds: float) -> float:
    """Time kept back from CBC: 10 % of what is left, at least 1 s."""
    return max(0.1 * seconds, 1.0)


def _covered(reduced: _Reduced, chosen: list[int]) -> float:
    """Weight of the reduced rows the chosen candidates see."""
    return float(reduced.weight[_camera_counts(reduced.coverage, chosen) > 0].sum())


def _model_columns(coverage: sparse.csc_array, quotas: _Quotas) -> np.ndarray:
    """Candidates worth a variable: they see a remaining row or serve a short village."""
    sees = np.diff(coverage.indptr) > 0
    serves = quotas.village >= 0
    serves[serves] = quotas.need[quotas.village[serves]] > 0
    return np.flatnonzero(sees | serves)


def _build(
    coverage: sparse.csc_array,
    weight: np.ndarray,
    sites: np.ndarray,
    quotas: _Quotas,
    columns: np.ndarray,
    budget: int,
) -> tuple[pulp.LpProblem, list[pulp.LpVariable], list[pulp.LpVariable]]:
    """The pulp model (see the module docstring) over the model's columns."""
    import pulp

    problem = pulp.LpProblem("camera_mclp", pulp.LpMaximize)
    x = [_variable(problem, f"x{j}", pulp.LpBinary) for j in range(len(columns))]
    y = [_variable(problem, f"y{i}", pulp.LpContinuous) for i in range(len(weight))]
    problem += pulp.LpAffineExpression(list(zip(y, weight.tolist(), strict=True)))
    rows = coverage.tocsr()
    for i in range(len(y)):
        terms = [(x[j], 1) for j in rows.indices[rows.indptr[i] : rows.indptr[i + 1]]]
        problem += _constraint(pulp, [*terms, (y[i], -1)], pulp.LpConstraintGE, 0, f"cover{i}")
    problem += _constraint(pulp, [(v, 1) for v in x], pulp.LpConstraintLE, budget, "budget")
    for name, members in _groups(sites).items():
        if len(members) > 1:
            terms = [(x[j], 1) for j in members]
            problem += _constraint(pulp, terms, pulp.LpConstraintLE, 1, f"site{name}")
    village = quotas.village[columns]
    for v in np.flatnonzero(quotas.need > 0):
        terms = [(x[j], 1) for j in np.flatnonzero(village == v)]
        problem += _constraint(pulp, terms, pulp.LpConstraintGE, int(quotas.need[v]), f"quota{v}")
    return problem, x, y


def _variable(problem: pulp.LpProblem, name: str, cat: str) -> pulp.LpVariable:
    """A variable in [0, 1]: ``problem.add_variable`` where pulp has it (3.3+), else the old way."""
    import pulp

    if hasattr(problem, "add_variable"):
        return problem.add_variable(name, lowBound=0, upBound=1, cat=cat)
    return pulp.LpVariable(name, lowBound=0, upBound=1, cat=cat)


def _cbc(**options: Any) -> pulp.LpSolver:
    """CBC on the PATH (pulp's ``COIN_CMD``, PuLP 4's way), else the binary bundled with pulp.

    pulp 3.3 deprecates ``PULP_CBC_CMD`` (the bundled binary) for PuLP 4; it is still the one
    CBC most installs have, so its warning is silenced here rather than shown on every solve.
    """
    import pulp

    installed = pulp.COIN_CMD(**options)
    if installed.available():
        return installed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return pulp.PULP_CBC_CMD(**options)


def _constraint(pulp: Any, terms: list, sense: int, rhs: float, name: str) -> pulp.LpConstraint:
    return pulp.LpConstraint(pulp.LpAffineExpression(terms), sense=sense, rhs=rhs, name=name)


def _groups(labels: np.ndarray) -> dict[int, np.ndarray]:
    """Positions of each label."""
    order = np.argsort(labels, kind="stable")
    cuts = np.flatnonzero(np.diff(labels[order])) + 1
    return {int(labels[part[0]]): part for part in np.split(order, cuts) if len(part)}


def _warm_start(x: list, y: list, coverage: sparse.csc_array, start: np.ndarray) -> None:
    """Give CBC the greedy plan as its first incumbent."""
    picked = np.zeros(len(x))
    picked[start[start >= 0]] = 1.0
    covered = coverage @ picked > 0
    for var, value in zip(x, picked.tolist(), strict=True):
        var.setInitialValue(int(value))
    for var, value in zip(y, covered.tolist(), strict=True):
        var.setInitialValue(int(value))


def _run_cbc(problem: pulp.LpProblem, time_limit_s: float) -> dict:
    """Solve with CBC, one thread, warm-started: status, objective, bound, gap and times."""
    import pulp

    with tempfile.TemporaryDirectory(prefix="gridmap-cbc-") as tmp:
        log = Path(tmp) / "cbc.log"
        solver = _cbc(
            msg=False, timeLimit=time_limit_s, threads=1, warmStart=True, logPath=str(log)
        )
        problem.solve(solver)
        text = log.read_text(errors="replace") if log.exists() else ""
    solution = {
        pulp.LpSolutionOptimal: "optimal",
        pulp.LpSolutionIntegerFeasible: "feasible",
    }.get(problem.sol_status, "none")
    objective = float(pulp.value(problem.objective) or 0.0)
    bound = _log_number(text, r"^Upper bound:\s+(\S+)") if solution == "feasible" else objective
    result = re.findall(r"^Result - (.+?)\s*$", text, flags=re.MULTILINE)
    return {
        "status": result[-1] if result else pulp.LpStatus[problem.status],
        "solution": solution,
        "objective": objective,
        "bound": bound,
        "gap": None if bound is None else max(bound - objective, 0.0) / max(abs(bound), 1e-12),
        "cbc_time_limit_s": round(time_limit_s, 3),
        "cbc_cpu_s": _log_number(text, r"^Total time \(CPU seconds\):\s+(\S+)"),
        "cbc_wall_s": _log_number(text, r"\(Wallclock seconds\):\s+(\S+)\s*$"),
    }


def _log_number(text: str, pattern: str) -> float | None:
    """The last number ``pattern`` captures in CBC's log, or None."""
    found = re.findall(pattern, text, flags=re.MULTILINE)
    try:
        return float(found[-1]) if found else None
    except ValueError:
        return None


def _prune(coverage: sparse.csc_array, chosen: list[int], quotas: _Quotas) -> list[int]:
    """Drop chosen cameras that add no weight, unless a village quota needs them."""
    counts = _camera_counts(coverage, chosen)
    village = quotas.village
    served = village[chosen] if chosen else np.zeros(0, dtype=int)
    surplus = np.bincount(served[served >= 0], minlength=len(quotas.need)) - quotas.need
    kept = []
    for j in chosen:
        col = coverage.indices[coverage.indptr[j] : coverage.indptr[j + 1]]
        spare = village[j] < 0 or surplus[village[j]] > 0
        if spare and not (counts[col] == 1).any():
            counts[col] -= 1
            if village[j] >= 0:
                surplus[village[j]] -= 1
            continue
        kept.append(j)
    return kept


def _camera_counts(coverage: sparse.csc_array, chosen: list[int]) -> np.ndarray:
    """How many chosen cameras see each row."""
    picked = np.zeros(coverage.shape[1])
    picked[chosen] = 1.0
    return np.rint(coverage @ picked).astype(int)


def _chosen_frame(
    candidates: gpd.GeoDataFrame, reduced: _Reduced, chosen: list[int], counts: np.ndarray
) -> gpd.GeoDataFrame:
    """The chosen candidates with their exclusive ``gain`` and their ``new_weight``."""
    cols = reduced.coverage[:, chosen] if chosen else sparse.csc_array((len(counts), 0))
    alone = (counts == 1).astype(float)
    frame = candidates.iloc[chosen].copy()
    frame["gain"] = cols.T @ (reduced.weight * alone)
    frame["new_weight"] = cols.T @ reduced.weight
    return frame.sort_values("gain", ascending=False, kind="stable")


def _existing_frame(existing: gpd.GeoSeries | gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    if existing is None:
        return gpd.GeoDataFrame(geometry=gpd.GeoSeries([]))
    if isinstance(existing, gpd.GeoSeries):
        return gpd.GeoDataFrame(geometry=existing)
    if isinstance(existing, gpd.GeoDataFrame):
        return existing
    raise InvalidInput(
        f"existing must be a GeoSeries or GeoDataFrame of view sectors, got "
        f"{type(existing).__name__}",
        field="existing",
    )


def _check_args(
    demand: gpd.GeoDataFrame,
    weight: str,
    candidates: gpd.GeoDataFrame,
    existing: gpd.GeoDataFrame,
    budget: int,
    villages: pd.DataFrame | None,
    quota: str | None,
    time_limit_s: float,
) -> None:
    _check_budget(budget)
    if not time_limit_s > 0:
        raise InvalidInput(
            f"time_limit_s must be positive, got {time_limit_s}", field="time_limit_s"
        )
    _check_demand(demand, weight)
    _check_candidates(candidates)
    kinds = existing.geometry.geom_type
    bad = existing.index[~kinds.isin(_POLYGONAL)]
    if len(bad):
        raise InvalidInput(
            f"existing sectors must be polygons: rows {bad[:5].tolist()} are "
            f"{kinds.loc[bad[:5]].tolist()}",
            field="existing",
        )
    _check_crs(demand, candidates, existing, villages)
    if (villages is None) != (quota is None):
        raise InvalidInput("villages and quota go together: give both or neither", field="quota")
    if villages is not None:
        _check_villages(villages, quota)


def _check_budget(budget: int) -> None:
    if isinstance(budget, bool) or not isinstance(budget, int | np.integer):
        raise InvalidInput(
            f"budget must be a whole number of cameras, got {budget!r}", field="budget"
        )
    if budget < 0:
        raise InvalidInput(f"budget must be 0 or more new cameras, got {budget}", field="budget")


def _check_demand(demand: gpd.GeoDataFrame, weight: str) -> None:
    if not isinstance(demand, gpd.GeoDataFrame) or len(demand) == 0:
        raise InvalidInput("demand must be a non-empty GeoDataFrame of points", field="demand")
    if weight not in demand.columns:
        raise InvalidInput(
            f"weight column {weight!r} is not in demand: {list(demand.columns)}", field="weight"
        )
    kinds = demand.geometry.geom_type
    bad = demand.index[(kinds != "Point") | demand.geometry.is_empty.to_numpy()]
    if len(bad):
        raise InvalidInput(
            f"demand must be non-empty points: rows {bad[:5].tolist()} are "
            f"{kinds.loc[bad[:5]].tolist()}",
            field="demand",
        )
    values = pd.to_numeric(demand[weight], errors="coerce").to_numpy(dtype=float)
    bad = demand.index[~np.isfinite(values) | (values < 0)]
    if len(bad):
        raise InvalidInput(
            f"weight {weight!r} must be a finite number of 0 or more: rows {bad[:5].tolist()} "
            f"hold {demand.loc[bad[:5], weight].tolist()}",
            field="weight",
        )


def _check_candidates(candidates: gpd.GeoDataFrame) -> None:
    if not isinstance(candidates, gpd.GeoDataFrame) or len(candidates) == 0:
        raise InvalidInput(
            "no candidates: give at least one (site, heading) view sector", field="candidates"
        )
    missing = [c for c in ("site", "heading") if c not in candidates.columns]
    if missing:
        raise InvalidInput(
            f"candidates lack column(s) {missing}: {list(candidates.columns)}",
            field="candidates",
        )
    if candidates["site"].isna().any():
        raise InvalidInput("every candidate needs a site id; some are missing", field="candidates")
    kinds = candidates.geometry.geom_type
    bad = candidates.index[~kinds.isin(_POLYGONAL)]
    if len(bad):
        raise InvalidInput(
            f"candidate sectors must be polygons: rows {bad[:5].tolist()} are "
            f"{kinds.loc[bad[:5]].tolist()}",
            field="candidates",
        )
    twice = candidates.duplicated(["site", "heading"], keep=False)
    if twice.any():
        pairs = candidates.loc[twice, ["site", "heading"]].drop_duplicates().head(5)
        raise InvalidInput(
            f"(site, heading) pairs must be unique; repeated: {pairs.values.tolist()}",
            field="candidates",
        )


def _check_crs(
    demand: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame,
    existing: gpd.GeoDataFrame,
    villages: pd.DataFrame | None,
) -> None:
    crs = demand.crs
    if crs is not None and not crs.is_projected:
        raise InvalidInput(
            f"demand is in {_crs_name(crs)}, not a projected CRS: use one in metres",
            field="demand",
        )
    others = {"candidates": candidates, "existing": existing}
    if isinstance(villages, gpd.GeoDataFrame):
        others["villages"] = villages
    for name, frame in others.items():
        if name == "existing" and len(frame) == 0 and frame.crs is None:
            continue
        if frame.crs != crs:
            raise InvalidInput(
                f"{name} is in {_crs_name(frame.crs)} but demand is in {_crs_name(crs)}: "
                "give every layer in the same metric CRS",
                field=name,
            )


def _crs_name(crs: Any) -> str:
    return "no CRS" if crs is None else crs.to_string()


def _check_villages(villages: pd.DataFrame, quota: str) -> None:
    missing = [c for c in ("code", quota) if c not in villages.columns]
    if missing:
        raise InvalidInput(
            f"villages lack column(s) {missing}: {list(villages.columns)}", field="villages"
        )
    if villages["code"].duplicated().any():
        twice = villages.loc[villages["code"].duplicated(), "code"].tolist()[:5]
        raise InvalidInput(f"village codes must be unique; repeated: {twice}", field="villages")
    values = pd.to_numeric(villages[quota], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values < 0) | (values != np.round(values))
    if bad.any():
        raise InvalidInput(
            f"quota {quota!r} must be a whole number of cameras, 0 or more: villages "
            f"{villages.loc[bad, 'code'].tolist()[:5]} hold "
            f"{villages.loc[bad, quota].tolist()[:5]}",
            field="quota",
        )


def _quotas(
    candidates: gpd.GeoDataFrame,
    sites: np.ndarray,
    existing: gpd.GeoDataFrame,
    villages: pd.DataFrame | None,
    quota: str | None,
) -> _Quotas:
    """Quota index of each candidate and each village's quota and existing cameras."""
    if villages is None or quota is None:
        empty = np.zeros(0, dtype=int)
        return _Quotas(empty, empty, empty, np.full(len(candidates), -1))
    codes = villages["code"].to_numpy()
    index = pd.Index(codes)
    if "village" in candidates.columns:
        per_site = pd.Series(candidates["village"].to_numpy()).groupby(sites).nunique(dropna=False)
        if (per_site > 1).any():
            split = candidates["site"].to_numpy()[np.isin(sites, per_site.index[per_site > 1])]
            raise InvalidInput(
                f"a site must lie in one village; sites in several: {pd.unique(split)[:5]}",
                field="candidates",
            )
        village = index.get_indexer(candidates["village"])
    else:
        village = _overlap_village(candidates.geometry.to_numpy(), sites, villages)[sites]
    if "village" in existing.columns:
        held = index.get_indexer(existing["village"])
    else:
        held = _overlap_village(existing.geometry.to_numpy(), np.arange(len(existing)), villages)
    count = np.bincount(held[held >= 0], minlength=len(codes))
    return _Quotas(codes, villages[quota].to_numpy(dtype=int), count, village)


def _overlap_village(sectors: np.ndarray, group: np.ndarray, villages: pd.DataFrame) -> np.ndarray:
    """Village index of each group of sectors: the one holding most of their area (-1: none)."""
    n_groups = int(group.max()) + 1 if len(group) else 0
    if n_groups == 0:
        return np.zeros(0, dtype=int)
    if not isinstance(villages, gpd.GeoDataFrame):
        raise InvalidInput(
            "cameras without a village column need villages with polygons to be placed in one",
            field="villages",
        )
    polygons = villages.geometry.to_numpy()
    sector_ix, village_ix = shapely.STRtree(polygons).query(sectors, predicate="intersects")
    area = shapely.area(shapely.intersection(sectors[sector_ix], polygons[village_ix]))
    shares = (
        pd.DataFrame({"group": group[sector_ix], "village": village_ix, "area": area})
        .groupby(["group", "village"])["area"]
        .sum()
        .reset_index()
    )
    shares = shares[shares["area"] > 0].sort_values(["group", "area"], ascending=[True, False])
    best = shares.drop_duplicates("group")
    out = np.full(n_groups, -1)
    out[best["group"].to_numpy()] = best["village"].to_numpy()
    return out


def _check_feasible(quotas: _Quotas, sites: np.ndarray, budget: int, quota: str | None) -> None:
    """Refuse quotas that no plan can meet: too few sites in a village, or too small a budget."""
    need = quotas.need
    inside = quotas.village >= 0
    pairs = np.unique(np.column_stack([quotas.village[inside], sites[inside]]), axis=0)
    free = np.bincount(pairs[:, 0], minlength=len(need)) if len(pairs) else np.zeros_like(need)
    short = np.flatnonzero(need > free)
    if len(short):
        details = [
            f"{quotas.codes[v]} (quota {quotas.quota[v]}, {quotas.existing[v]} existing, "
            f"{free[v]} candidate sites)"
            for v in short[:5]
        ]
        raise InvalidInput(
            f"quota {quota!r} cannot be met: too few candidate sites in {'; '.join(details)}",
            field="quota",
        )
    if need.sum() > budget:
        raise InvalidInput(
            f"the village quotas need {int(need.sum())} new cameras but the budget is {budget}",
            field="budget",
        )


def _quota_table(
    quotas: _Quotas,
    chosen: list[int],
    demand: gpd.GeoDataFrame,
    weights: np.ndarray,
    coverage: sparse.csc_array,
    by_existing: np.ndarray,
) -> list[dict]:
    """One row per village with a quota: quota, existing, new, met, and its weights."""
    served = quotas.village[chosen] if chosen else np.zeros(0, dtype=int)
    new = np.bincount(served[served >= 0], minlength=len(quotas.codes))
    table = [
        {
            "code": code,
            "quota": int(q),
            "existing": int(e),
            "new": int(n),
            "met": bool(e + n >= q),
        }
        for code, q, e, n in zip(
            quotas.codes.tolist(), quotas.quota, quotas.existing, new, strict=True
        )
    ]
    if "village" not in demand.columns or not table:
        return table
    picked = np.zeros(coverage.shape[1])
    picked[chosen] = 1.0
    covered = by_existing | (coverage @ picked > 0)
    frame = pd.DataFrame(
        {"village": demand["village"].to_numpy(), "w": weights, "c": weights * covered}
    )
    sums = frame.groupby("village")[["w", "c"]].sum()
    for row in table:
        total, seen = sums.loc[row["code"]] if row["code"] in sums.index else (0.0, 0.0)
        row["weight"], row["covered_weight"] = float(total), float(seen)
    return table
