"""Move-up: which idle officers to reposition where, to cover the most uncovered sites.

Only *free* officers are moved: available officers that are not the nearest officer of
either end of any site's road segment and do not stand on a site's segment. Removing
any set of free officers leaves every site's ETA unchanged (each site's best time comes
through an end of its segment, or from an officer on it), so a move's gain is exactly
the uncovered sites its target reaches in time, and applying the moves raises coverage
by exactly the sum of the claimed gains (tests recompute it).

Targets are uncovered sites themselves (a moved officer stands where the site is);
candidates are thinned by local density of uncovered sites, the reach of each is one
bounded Dijkstra from its point, and greedy maximal coverage (routing.maxcover) picks
the moves, each officer going to the nearest target by straight line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from .maxcover import greedy_max_cover

if TYPE_CHECKING:  # pragma: no cover
    from .coverage import CoverageResult
    from .graph import RoadGraph
    from .snap import SnapResult

INF = np.inf


@dataclass(frozen=True)
class Move:
    officer: int          # index into the coverage run's origins
    site: int             # index of the target site (the officer is sent to its location)
    gain: float           # uncovered sites (or their weight) this move covers, net of earlier moves
    distance_m: float     # straight-line distance from the officer to the target


@dataclass(frozen=True)
class MoveUpPlan:
    moves: tuple[Move, ...]
    free_officers: int
    candidates: int
    reach: tuple[np.ndarray, ...]   # per candidate target: the site indices it covers (uncovered only)
    candidate_sites: tuple[int, ...]

    @property
    def total_gain(self) -> float:
        return float(sum(m.gain for m in self.moves))


def free_officers(cov: CoverageResult, sites: SnapResult, movable: np.ndarray) -> np.ndarray:
    """Indices of movable origins whose removal changes no site's ETA (see module docstring)."""
    graph = cov.graph
    ok = sites.ok
    e = sites.edge[ok]
    lab = cov.nearest_origin
    used = np.zeros(len(cov.origin_ok), dtype=bool)
    for ends in (graph.edge_u[e], graph.edge_v[e]):
        hit = lab[ends]
        used[hit[hit >= 0]] = True
    site_edge = np.zeros(graph.n_edges + 1, dtype=bool)   # last slot: origins with no edge (-1)
    site_edge[e] = True
    on_site_edge = site_edge[np.where(cov.origin_ok, cov.origin_edge, -1)] & cov.origin_ok
    free = np.asarray(movable, dtype=bool) & cov.origin_ok & ~used & ~on_site_edge
    return np.flatnonzero(free)


def pick_candidates(xy: np.ndarray, radius_m: float, n: int) -> np.ndarray:
    """Up to n indices of points, densest first (neighbours within radius_m), no two closer
    than radius_m / 2: spread-out seeds where uncovered sites cluster."""
    if not len(xy):
        return np.zeros(0, dtype=np.int64)
    tree = cKDTree(xy)
    counts = np.asarray(tree.query_ball_point(xy, radius_m, return_length=True))
    order = np.lexsort((np.arange(len(xy)), -counts))
    chosen: list[int] = []
    blocked = np.zeros(len(xy), dtype=bool)
    for i in order.tolist():
        if blocked[i]:
            continue
        chosen.append(i)
        if len(chosen) == n:
            break
        blocked[tree.query_ball_point(xy[i], radius_m / 2)] = True
    return np.array(chosen, dtype=np.int64)


def max_speed_mps(graph: RoadGraph, mode: str) -> float:
    """Fastest straight-line progress any arc allows (polyline or chord, per second): no
    route of time t ends farther than t times this from where it starts."""
    net = graph.net(mode)
    ok = np.isfinite(net.arc_time_s) & (net.arc_time_s > 0)
    chord = np.hypot(*(graph.node_xy[net.arc_head[ok]] - graph.node_xy[net.arc_tail[ok]]).T)
    per_s = np.maximum(net.arc_length_m[ok], chord) / net.arc_time_s[ok]
    return float(per_s.max()) * 1.01 + 0.01 if len(per_s) else 0.0


@dataclass(eq=False)
class NodeIndex:
    """A spatial index of the graph's nodes and its speed bound, built once per city, so a
    reach search runs on the nodes it can possibly reach instead of the whole city."""

    tree: cKDTree
    speed_mps: float

    @classmethod
    def build(cls, graph: RoadGraph, mode: str) -> NodeIndex:
        return cls(cKDTree(graph.node_xy), max_speed_mps(graph, mode))


def reach_within(cov: CoverageResult, from_sites: np.ndarray, sites: SnapResult, targets: np.ndarray,
                 limit_s: float, batch: int = 16, index: NodeIndex | None = None) -> list[np.ndarray]:
    """For each site in `from_sites` (an officer standing there), the sites of `targets`
    it reaches within limit_s, by the same ETA definition as `coverage` + `eta_at`.

    The search runs on the nodes within limit_s × (top speed) of the starting points: no
    route within the limit leaves that disc, so the answer is the whole graph's."""
    graph, net = cov.graph, cov.graph.net(cov.mode)
    index = index or NodeIndex.build(graph, cov.mode)
    fm = net.forward_matrix
    ce, cf = sites.edge[from_sites], sites.fraction[from_sites]
    near = index.tree.query_ball_point(sites.point_xy[from_sites], limit_s * index.speed_mps)
    keep = np.unique(np.concatenate([np.asarray(x, dtype=np.int64) for x in near])) if len(near) else \
        np.zeros(0, np.int64)
    local = np.full(net.n_nodes + 1, -1, dtype=np.int64)   # last slot: "outside" stays outside
    local[keep] = np.arange(len(keep))
    sub = fm[keep][:, keep].tocsr()
    n = len(keep)
    te, tf_ = sites.edge[targets], sites.fraction[targets]
    t_fwd, t_bwd = net.seg_fwd_time_s[te], net.seg_bwd_time_s[te]
    tu, tv = local[graph.edge_u[te]], local[graph.edge_v[te]]
    c_fwd, c_bwd = net.seg_fwd_time_s[ce], net.seg_bwd_time_s[ce]
    out: list[np.ndarray] = []
    for b0 in range(0, len(from_sites), batch):
        idx = np.arange(b0, min(len(from_sites), b0 + batch))
        m = len(idx)
        cols, vals, counts = [], [], []
        for j in idx.tolist():
            k = 0
            for end, cost in ((local[graph.edge_v[ce[j]]], (1.0 - cf[j]) * c_fwd[j]),
                              (local[graph.edge_u[ce[j]]], cf[j] * c_bwd[j])):
                if end >= 0 and np.isfinite(cost):
                    cols.append(int(end)); vals.append(float(cost)); k += 1  # noqa: E702
            counts.append(k)
        indptr = np.concatenate([sub.indptr, sub.nnz + np.cumsum(counts)]).astype(np.int64)
        aug = csr_matrix((np.concatenate([sub.data, vals]), np.concatenate([sub.indices, cols]).astype(np.int64),
                          indptr), shape=(n + m, n + m))
        dist = np.hstack([dijkstra(aug, directed=True, indices=n + np.arange(m), limit=limit_s)[:, :n],
                          np.full((m, 1), INF)])   # column n: nodes outside the disc
        with np.errstate(invalid="ignore"):
            via_u = np.where(np.isfinite(t_fwd), dist[:, tu] + tf_ * t_fwd, INF)
            via_v = np.where(np.isfinite(t_bwd), dist[:, tv] + (1.0 - tf_) * t_bwd, INF)
        eta = np.minimum(via_u, via_v)
        for r, j in enumerate(idx.tolist()):
            same = np.flatnonzero(te == ce[j])
            for t in same.tolist():
                if tf_[t] >= cf[j] and np.isfinite(c_fwd[j]):
                    eta[r, t] = min(eta[r, t], (tf_[t] - cf[j]) * c_fwd[j])
                if tf_[t] <= cf[j] and np.isfinite(c_bwd[j]):
                    eta[r, t] = min(eta[r, t], (cf[j] - tf_[t]) * c_bwd[j])
            out.append(targets[np.flatnonzero(eta[r] <= limit_s)])
    return out


def suggest_moves(cov: CoverageResult, sites: SnapResult, site_eta_s: np.ndarray, officer_xy: np.ndarray,
                  movable: np.ndarray, limit_s: float, k: int = 10, n_candidates: int = 48,
                  radius_m: float | None = None, weights: np.ndarray | None = None,
                  index: NodeIndex | None = None) -> MoveUpPlan:
    """Up to k moves of free officers to uncovered sites, greedy by marginal gain."""
    uncovered = np.flatnonzero(sites.ok & ~(site_eta_s <= limit_s))
    free = free_officers(cov, sites, movable)
    if not len(uncovered) or not len(free) or k < 1:
        return MoveUpPlan((), int(len(free)), 0, (), ())
    radius = float(radius_m) if radius_m is not None else max(200.0, limit_s * 5.0)
    cand_local = pick_candidates(sites.point_xy[uncovered], radius, n_candidates)
    cand = uncovered[cand_local]
    reach = reach_within(cov, cand, sites, uncovered, limit_s, index=index)
    w = None if weights is None else np.asarray(weights, dtype=np.float64)
    mc = greedy_max_cover(reach, min(k, len(free)), len(site_eta_s), w)
    taken = np.zeros(len(free), dtype=bool)
    fxy = officer_xy[free]
    moves: list[Move] = []
    for j, gain in zip(mc.chosen, mc.gains, strict=True):
        target = int(cand[j])
        d = np.hypot(*(fxy - sites.point_xy[target]).T)
        d[taken] = INF
        i = int(np.argmin(d))
        taken[i] = True
        moves.append(Move(int(free[i]), target, float(gain), float(d[i])))
    return MoveUpPlan(tuple(moves), int(len(free)), int(len(cand)), tuple(reach), tuple(int(c) for c in cand))
