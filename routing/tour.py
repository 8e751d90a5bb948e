"""Inspection tours: order a team's stops into a short route with per-leg ETAs.

Travel times between stops use the same ETA definition as `nearest` (snapped onto
edges, partial edges at both ends, one-way streets respected, so A->B may differ from
B->A). The order comes from networkx's approximation TSP (greedy start, then threshold
accepting) on that asymmetric travel-time matrix; it is short, not proven optimal.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from .snap import SnapResult, snap
from .speeds import check_mode

if TYPE_CHECKING:  # pragma: no cover
    from .graph import RoadGraph

INF = np.inf


@dataclass(frozen=True)
class Leg:
    from_stop: int    # index into stops_lonlat; -1 = the start point
    to_stop: int      # index into stops_lonlat; -1 = back to the start point
    eta_s: float


@dataclass
class Tour:
    order: list[int]              # stop indices in visiting order
    legs: list[Leg]
    total_eta_s: float
    mode: str
    left_out: list[tuple[int, str]] = field(default_factory=list)  # (stop index, 'off_network' | 'invalid' | 'unreachable')


def travel_time_matrix(graph: RoadGraph, sr: SnapResult, mode: str = "car") -> np.ndarray:
    """(P,P) ETA from snapped point i to snapped point j (inf if unreachable or not snapped)."""
    net = graph.net(mode)
    n = net.n_nodes
    p = len(sr)
    ok = np.flatnonzero(sr.ok)
    out = np.full((p, p), INF)
    if not len(ok):
        return out
    e, f = sr.edge[ok], sr.fraction[ok]
    tf, tb = net.seg_fwd_time_s[e], net.seg_bwd_time_s[e]
    u, v = graph.edge_u[e], graph.edge_v[e]
    # one virtual node per point with arcs to the ends of its edge
    rows, cols, vals = [], [], []
    for j, i in enumerate(ok.tolist()):
        if np.isfinite(tf[j]):
            rows.append(n + j); cols.append(int(v[j])); vals.append((1.0 - f[j]) * tf[j])  # noqa: E702
        if np.isfinite(tb[j]):
            rows.append(n + j); cols.append(int(u[j])); vals.append(f[j] * tb[j])  # noqa: E702
    fm = net.forward_matrix.tocoo()
    m = len(ok)
    aug = csr_matrix((np.concatenate([fm.data, vals]), (np.concatenate([fm.row, rows]), np.concatenate([fm.col, cols]))),
                     shape=(n + m, n + m))
    for b0 in range(0, m, 16):  # 16 sources at a time bounds memory to 16 × N
        src = np.arange(b0, min(m, b0 + 16))
        dist = dijkstra(aug, directed=True, indices=n + src)
        with np.errstate(invalid="ignore"):
            via_u = np.where(np.isfinite(tf), dist[:, u] + f * tf, INF)
            via_v = np.where(np.isfinite(tb), dist[:, v] + (1.0 - f) * tb, INF)
        block = np.minimum(via_u, via_v)
        for r, s in enumerate(src.tolist()):
            same = np.flatnonzero(e == e[s])
            for t in same.tolist():
                if f[t] >= f[s] and np.isfinite(tf[s]):
                    block[r, t] = min(block[r, t], (f[t] - f[s]) * tf[s])
                if f[t] <= f[s] and np.isfinite(tb[s]):
                    block[r, t] = min(block[r, t], (f[s] - f[t]) * tb[s])
            block[r, s] = 0.0
        out[np.ix_(ok[src], ok)] = block
    return out


def plan_tour(graph: RoadGraph, stops_lonlat: np.ndarray, start_lonlat: tuple[float, float] | None = None,
              mode: str = "car", return_to_start: bool = False, seed: int = 0,
              max_snap_m: float = 500.0) -> Tour:
    """Visit every reachable stop once, starting at `start_lonlat` (or wherever is best)."""
    check_mode(mode)
    stops = np.asarray(stops_lonlat, dtype=np.float64).reshape(-1, 2)
    if len(stops) == 0:
        raise ValueError("plan_tour: no stops given")
    pts = stops if start_lonlat is None else np.vstack([stops, np.asarray(start_lonlat, dtype=np.float64)[None]])
    sr = snap(graph, pts, max_snap_m, mode)
    left_out: list[tuple[int, str]] = []
    if start_lonlat is not None and not sr.ok[-1]:
        raise ValueError(f"plan_tour: the start point is {'invalid' if sr.status[-1] == 2 else 'off the road network'}")
    mat = travel_time_matrix(graph, sr, mode)
    start = len(stops) if start_lonlat is not None else None
    use = [i for i in range(len(stops)) if sr.ok[i]]
    left_out += [(i, "invalid" if sr.status[i] == 2 else "off_network") for i in range(len(stops)) if not sr.ok[i]]
    if start is not None:
        reach = [i for i in use if np.isfinite(mat[start, i]) and np.isfinite(mat[i, start])]
        left_out += [(i, "unreachable") for i in use if i not in reach]
        use = reach
    elif use:  # keep the largest set of mutually reachable stops (greedy)
        sub = mat[np.ix_(use, use)]
        counts = (np.isfinite(sub) & np.isfinite(sub.T)).sum(axis=1)
        hub = use[int(np.argmax(counts))]
        reach = [i for i in use if np.isfinite(mat[hub, i]) and np.isfinite(mat[i, hub])]
        left_out += [(i, "unreachable") for i in use if i not in reach]
        use = reach
    left_out.sort()
    if not use:
        return Tour(order=[], legs=[], total_eta_s=0.0, mode=mode, left_out=left_out)
    depot = -1  # the start point, or a free "anywhere" start when none is given
    g = nx.DiGraph()
    nodes = list(use) + [depot]
    for a, b in itertools.permutations(nodes, 2):
        if a == depot:
            w = mat[start, b] if start is not None else 0.0
        elif b == depot:
            w = mat[a, start] if (start is not None and return_to_start) else 0.0
        else:
            w = mat[a, b]
        g.add_edge(a, b, weight=float(w) if np.isfinite(w) else 1e12)
    if len(nodes) <= 3:
        cycle = nx.approximation.greedy_tsp(g, source=depot)
    else:
        init = nx.approximation.greedy_tsp(g, source=depot)
        cycle = nx.approximation.threshold_accepting_tsp(g, init, source=depot, seed=seed)
    order = [int(x) for x in cycle[1:-1]]
    legs: list[Leg] = []
    prev = -1 if start is not None else None
    for s in order:
        if prev is None:
            prev = s
            continue
        legs.append(Leg(prev, s, float(mat[start if prev == -1 else prev, s])))
        prev = s
    if start is not None and return_to_start and order:
        legs.append(Leg(order[-1], -1, float(mat[order[-1], start])))
    return Tour(order=order, legs=legs, total_eta_s=float(sum(leg.eta_s for leg in legs)), mode=mode,
                left_out=left_out)
