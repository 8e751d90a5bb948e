"""Nearest candidates by travel time: who reaches the scene soonest.

ETA definition (the reference in routing.reference uses the same one):
each candidate and the scene are snapped onto the nearest road segment usable by the
travel mode (see routing.snap). Travel along an edge is at uniform speed, so a
fraction f of an edge costs f × the edge's travel time. The ETA of a candidate is the
least, over all routes the mode may take, of

    time from the candidate's snapped point to the end of its edge in the chosen direction
  + travel times of the whole edges in between
  + time from the start of the scene's edge (in the direction of travel) to the scene's snapped point,

or, when both are on the same segment and the mode may drive from one to the other
along it, just the time of that stretch. The walk from the raw GPS fix to the road
(the snap distance) is not part of the ETA; it is reported as `snap_distance_m`.

Search: from the scene *backwards* over the junction graph (routing.contract: bend
points folded into chains, so a search settles junctions only). The scene's edge seeds
the junctions upstream of it; each candidate enters at the junctions it reaches first
(its edge's end, then along its chain); candidates on the scene's own segment or
upstream on the scene's chain are checked directly. Dense candidates: Dijkstra with a
binary heap on CSR arrays, stopping as soon as k candidates are settled. Sparse ones:
that search would cover much of the city in Python, so it hands over to scipy's C
Dijkstra with a time limit learned from earlier queries, grown until k candidates fall
inside it. Routes are expanded from junctions and chains back to the graph's own arcs.
Sums are added in a different order than a search over every node would (a chain's
time is summed once), so ETAs can differ from the reference in the last bits only.
"""

from __future__ import annotations

import heapq
import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from .compiled import view
from .snap import PointSnap, snap, snap_point, split_polyline
from .speeds import TRAVEL_MODES, check_mode

if TYPE_CHECKING:  # pragma: no cover
    from .compiled import ModeNet
    from .contract import Contracted
    from .graph import RoadGraph

INF = math.inf
# The Python heap search settles ~200k junctions/s here (~3.6 chains each); scipy's C
# Dijkstra ~4M/s but pays ~1 ms per run for its O(J) set-up. So the heap search is used
# when few junctions should need settling (dense candidates: 25,000 officers on the demo
# city expect ~20), with a budget after which scipy takes over. With 1,000 officers
# (~560 expected) scipy wins at the 95th percentile (measured: 3.4 vs 4-6 ms).
HEAP_EXPECTED_NODES = 200
HEAP_BUDGET_NODES = 1000
# the sparse search's time limit: first guess from the learned ETA / crow-time ratios,
# then grown by this factor while fewer than k candidates fall inside (see _guess_limit)
LIMIT_PERCENTILE = 90
LIMIT_GROWTH = 1.4

# candidate status codes (why a candidate is or is not searched)
C_OK, C_NO_FIX, C_OFF_NETWORK, C_EXCLUDED, C_WRONG_MODE = 0, 1, 2, 3, 4
_STATUS_REASON = {C_NO_FIX: "no_fix", C_OFF_NETWORK: "off_network", C_WRONG_MODE: "wrong_mode"}


@dataclass(eq=False)
class Candidates:
    """Officers (or any movers) that may be sent.

    `lonlat` NaN = no fix. `modes` (optional) gives each candidate's own travel mode.
    `excluded` maps id -> reason decided by the caller (stale fix, wrong department,
    off duty...): such candidates are reported in `left_out` with that reason, never routed.
    """

    ids: np.ndarray
    lonlat: np.ndarray
    modes: Sequence[str] | np.ndarray | None = None
    excluded: Mapping[int, str] | None = None
    max_snap_m: float = 500.0
    _cache: dict[tuple[int, str], SnappedCandidates] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.ids = np.asarray(self.ids, dtype=np.int64).reshape(-1)
        self.lonlat = np.asarray(self.lonlat, dtype=np.float64)
        n = len(self.ids)
        if self.lonlat.shape != (n, 2):
            raise ValueError(f"candidates: lonlat must be ({n},2) to match ids, got {self.lonlat.shape}")
        if len(np.unique(self.ids)) != n:
            raise ValueError("candidates: ids must be unique")
        if self.modes is not None:
            self.modes = np.asarray([str(m) for m in self.modes], dtype=object)
            if self.modes.shape != (n,):
                raise ValueError(f"candidates: modes must have one entry per candidate ({n})")
            for m in set(self.modes.tolist()):
                check_mode(m)

    def __len__(self) -> int:
        return int(len(self.ids))

    def snapped(self, graph: RoadGraph, mode: str = "car") -> SnappedCandidates:
        """The candidates of `mode` mapped onto the network once (cached per graph and mode),
        so that repeated queries against one snapshot never re-snap."""
        key = (id(graph), mode)
        got = self._cache.get(key)
        if got is None or got.graph is not graph:
            got = SnappedCandidates.build(graph, self, mode)
            self._cache[key] = got
        return got


@dataclass(eq=False)
class SnappedCandidates:
    graph: RoadGraph
    mode: str
    ids: np.ndarray            # all candidate ids (same order as Candidates)
    status: np.ndarray         # int8 C_* per candidate
    edge: np.ndarray           # int32 representative edge (-1 when not OK)
    fraction: np.ndarray
    snap_distance_m: np.ndarray
    xy: np.ndarray             # (N,2) snapped point (metres), NaN when not OK
    node_a: np.ndarray         # exit forward: head of edge
    cost_a: np.ndarray         # seconds to get there (inf: barred)
    node_b: np.ndarray         # exit backward: tail of edge
    cost_b: np.ndarray
    excluded: Mapping[int, str]
    # every way a candidate reaches a junction of the contracted graph (an *entry*):
    # leaving its edge by node_a (side +1) or node_b (side -1), then, when that node is a
    # bend point, driving on along a chain (by ent_arc) to the chain's last junction
    ent_junction: np.ndarray    # (X,) int32 junction id, entries sorted by it
    ent_cost: np.ndarray        # (X,) seconds from the candidate to the junction
    ent_cand: np.ndarray        # (X,) int64 candidate index
    ent_side: np.ndarray        # (X,) int8 +1 / -1
    ent_arc: np.ndarray         # (X,) int64 mode arc leaving the exit node along a chain (-1: exit node is a junction)
    ent_exit_cost: np.ndarray   # (X,) seconds from the candidate to the exit node
    # the same entries grouped by junction, as memoryviews (the heap search reads them per settled junction)
    node_ptr: memoryview        # (J+1,) int64
    node_cost: memoryview
    node_cid: memoryview        # candidate id
    node_idx: memoryview        # candidate index
    node_ent: memoryview        # entry index
    chain_sorted: np.ndarray    # chains of the entries leaving a bend point, sorted
    chain_members: np.ndarray   # entry indices in that order
    edge_sorted: np.ndarray     # representative edges of OK candidates, sorted
    edge_members: np.ndarray    # candidate indices in that order

    @classmethod
    def build(cls, graph: RoadGraph, cands: Candidates, mode: str) -> SnappedCandidates:
        check_mode(mode)
        n = len(cands)
        status = np.zeros(n, dtype=np.int8)
        excluded = dict(cands.excluded or {})
        if excluded:
            status[np.isin(cands.ids, np.fromiter(excluded.keys(), dtype=np.int64, count=len(excluded)))] = C_EXCLUDED
        if cands.modes is not None:
            status[(status == C_OK) & (np.asarray(cands.modes) != mode)] = C_WRONG_MODE
        no_fix = ~np.isfinite(cands.lonlat).all(axis=1)
        status[(status == C_OK) & no_fix] = C_NO_FIX
        todo = np.flatnonzero(status == C_OK)
        edge = np.full(n, -1, dtype=np.int32)
        frac = np.full(n, np.nan)
        dist = np.full(n, np.nan)
        xy = np.full((n, 2), np.nan)
        if len(todo):
            res = snap(graph, cands.lonlat[todo], cands.max_snap_m, mode)
            status[todo[res.status == 2]] = C_NO_FIX  # out-of-range coordinates
            status[todo[res.status == 1]] = C_OFF_NETWORK
            edge[todo], frac[todo], dist[todo], xy[todo] = res.edge, res.fraction, res.distance_m, res.point_xy
        net = graph.net(mode)
        con = graph.contracted(mode)
        ok = status == C_OK
        e = np.maximum(edge, 0)
        node_a = np.where(ok, graph.edge_v[e], -1).astype(np.int64)
        node_b = np.where(ok, graph.edge_u[e], -1).astype(np.int64)
        f0 = np.nan_to_num(frac)
        tf, tb = net.seg_fwd_time_s[e], net.seg_bwd_time_s[e]
        with np.errstate(invalid="ignore"):  # 0 × inf at an edge end of a barred direction
            cost_a = np.where(ok & np.isfinite(tf), (1.0 - f0) * tf, INF)
            cost_b = np.where(ok & np.isfinite(tb), f0 * tb, INF)
        # vectorised: no Python loop over 25,000 officers on each snapshot
        idx_ok = np.flatnonzero(ok)
        x_node = np.concatenate([node_a[idx_ok], node_b[idx_ok]])
        x_cost = np.concatenate([cost_a[idx_ok], cost_b[idx_ok]])
        x_cand = np.concatenate([idx_ok, idx_ok])
        x_side = np.concatenate([np.ones(len(idx_ok), np.int8), -np.ones(len(idx_ok), np.int8)])
        keep = np.isfinite(x_cost)
        x_node, x_cost, x_cand, x_side = x_node[keep], x_cost[keep], x_cand[keep], x_side[keep]
        src, junction, cost, arc = con.exits(x_node, x_cost)
        order = np.argsort(junction, kind="stable")
        src, junction, cost, arc = src[order], junction[order], cost[order], arc[order]
        cand = x_cand[src]
        ptr = np.searchsorted(junction, np.arange(con.n_junctions + 1)).astype(np.int64)
        bend = np.flatnonzero(arc >= 0)
        c_order = np.argsort(con.arc_chain[arc[bend]], kind="stable")
        e_order = np.argsort(edge[idx_ok], kind="stable")
        return cls(graph=graph, mode=mode, ids=cands.ids, status=status, edge=edge, fraction=frac,
                   snap_distance_m=dist, xy=xy, node_a=node_a, cost_a=cost_a, node_b=node_b, cost_b=cost_b,
                   excluded=excluded, ent_junction=junction, ent_cost=cost, ent_cand=cand, ent_side=x_side[src],
                   ent_arc=arc, ent_exit_cost=x_cost[src],
                   node_ptr=view(ptr), node_cost=view(cost), node_cid=view(cands.ids[cand]),
                   node_idx=view(cand.astype(np.int64)), node_ent=view(np.arange(len(cand), dtype=np.int64)),
                   chain_sorted=con.arc_chain[arc[bend]][c_order], chain_members=bend[c_order],
                   edge_sorted=edge[idx_ok][e_order], edge_members=idx_ok[e_order])

    @property
    def n_routable(self) -> int:
        return int((self.status == C_OK).sum())


# ---------------------------------------------------------------------------------------
class Pick:
    """One chosen candidate: ETA, road distance and route. The route geometry is
    assembled on first access (most callers only need the ids and ETAs)."""

    __slots__ = ("id", "eta_s", "mode", "rank", "snap_distance_m", "_route", "_graph", "_xy", "_dist", "_nodes")

    def __init__(self, id: int, eta_s: float, mode: str, rank: int, snap_distance_m: float,
                 route: _Route, graph: RoadGraph) -> None:
        self.id = id
        self.eta_s = eta_s
        self.mode = mode
        self.rank = rank
        self.snap_distance_m = snap_distance_m
        self._route = route
        self._graph = graph
        self._xy: np.ndarray | None = None
        self._dist: float | None = None
        self._nodes: list[int] | None = None

    @property
    def reason(self) -> str:
        return (f"rank {self.rank} by {self.mode} ETA: {self.eta_s / 60:.1f} min, "
                f"{self.distance_m / 1000:.2f} km by road")

    @property
    def path_nodes(self) -> list[int]:
        """Graph node indices from the candidate's first junction to the scene's last one
        (empty when the route stays on one segment)."""
        if self._nodes is None:
            self._nodes = self._route.nodes(self._graph)
        return self._nodes

    @property
    def path_xy(self) -> np.ndarray:
        if self._xy is None:
            self._xy, self._dist = self._route.geometry(self._graph)
        return self._xy

    @property
    def path_lonlat(self) -> np.ndarray:
        return self._graph.xy_to_lonlat(self.path_xy)

    @property
    def distance_m(self) -> float:
        if self._dist is None:
            self._xy, self._dist = self._route.geometry(self._graph)
        return float(self._dist)

    def as_dict(self) -> dict[str, Any]:
        return {"id": int(self.id), "eta_s": round(float(self.eta_s), 3), "distance_m": round(self.distance_m, 2),
                "mode": self.mode, "rank": self.rank, "snap_distance_m": round(float(self.snap_distance_m), 2),
                "path_lonlat": [[round(x, 7), round(y, 7)] for x, y in self.path_lonlat.tolist()]}

    def __repr__(self) -> str:
        return f"Pick(id={self.id}, eta_s={self.eta_s:.1f}, mode={self.mode!r}, rank={self.rank})"


@dataclass(frozen=True)
class _Route:
    """A route as: start on edge `c_edge` at `c_frac` leaving `c_dir` (+1 forward / -1 backward,
    0 = direct along the scene's own segment), the arcs between, and the scene's entry
    (`s_dir` +1 from the edge's tail / -1 from its head)."""

    net: ModeNet
    c_edge: int
    c_frac: float
    c_dir: int
    arcs: tuple[int, ...]
    s_edge: int
    s_frac: float
    s_dir: int

    def nodes(self, graph: RoadGraph) -> list[int]:
        if self.c_dir == 0:
            return []
        first = int(graph.edge_v[self.c_edge] if self.c_dir > 0 else graph.edge_u[self.c_edge])
        return [first] + [int(self.net.arc_head[a]) for a in self.arcs]

    def geometry(self, graph: RoadGraph) -> tuple[np.ndarray, float]:
        cpts = graph.edge_xy(self.c_edge)
        clen = float(graph.edge_length_m[self.c_edge])
        if self.c_dir == 0:  # same segment
            a, b = self.c_frac * clen, self.s_frac * clen
            lo, hi = (a, b) if a <= b else (b, a)
            _, rest = split_polyline(cpts, lo)
            mid, _ = split_polyline(rest, hi - lo)
            return (mid if a <= b else mid[::-1]), hi - lo
        parts: list[np.ndarray] = []
        dist = 0.0
        before, after = split_polyline(cpts, self.c_frac * clen)
        if self.c_dir > 0:
            parts.append(after)
            dist += (1.0 - self.c_frac) * clen
        else:
            parts.append(before[::-1])
            dist += self.c_frac * clen
        for a in self.arcs:
            e = int(self.net.arc_edge[a])
            pts = graph.edge_xy(e)
            parts.append(pts[::-1] if self.net.arc_reversed[a] else pts)
            dist += float(graph.edge_length_m[e])
        spts = graph.edge_xy(self.s_edge)
        slen = float(graph.edge_length_m[self.s_edge])
        before, after = split_polyline(spts, self.s_frac * slen)
        if self.s_dir > 0:
            parts.append(before)
            dist += self.s_frac * slen
        else:
            parts.append(after[::-1])
            dist += (1.0 - self.s_frac) * slen
        xy = np.vstack(parts)
        keep = np.ones(len(xy), dtype=bool)
        keep[1:] = np.any(xy[1:] != xy[:-1], axis=1)
        return xy[keep], dist


@dataclass
class NearestResult:
    """Outcome of `nearest`. status: 'ok' | 'scene_off_network' | 'scene_invalid' | 'none_reachable'."""

    status: str
    picked: list[Pick]
    k: int
    modes: tuple[str, ...]
    scene: dict[str, PointSnap]          # per mode
    stats: dict[str, Any]
    _candidates: Candidates
    _searched: dict[str, SnappedCandidates]
    _outcome: dict[str, dict[str, Any]]  # per mode: found (index->eta), exhausted, max_time, stopped

    @property
    def left_out(self) -> list[tuple[int, str]]:
        """(id, reason) for every candidate not picked; reasons: no_fix, off_network,
        wrong_mode, caller reasons (stale_fix, wrong_department...), scene_off_network,
        scene_invalid, unreachable, beyond_max_time, not_in_top_k."""
        picked = {p.id for p in self.picked}
        out: list[tuple[int, str]] = []
        ids = self._candidates.ids.tolist()
        excluded = dict(self._candidates.excluded or {})
        # a candidate's verdict comes from the search of its own mode
        mode_of: list[str | None]
        if self._candidates.modes is not None:
            mode_of = list(self._candidates.modes)
        else:
            mode_of = [self.modes[0]] * len(ids)
        for i, cid in enumerate(ids):
            if cid in picked:
                continue
            if cid in excluded:
                out.append((cid, str(excluded[cid])))
                continue
            m = mode_of[i]
            if m not in self._searched:
                out.append((cid, "wrong_mode"))
                continue
            sc = self._searched[m]
            st = int(sc.status[i])
            if st != C_OK:
                out.append((cid, _STATUS_REASON.get(st, "excluded")))
                continue
            oc = self._outcome.get(m)
            if oc is None or oc.get("scene") is not None:
                out.append((cid, oc["scene"] if oc else self.status))
                continue
            eta = oc["found"].get(i)
            if eta is not None:
                out.append((cid, "not_in_top_k"))
            elif oc["max_time"] is not None and oc["bounded"]:
                out.append((cid, "beyond_max_time"))
            elif oc["exhausted"]:
                out.append((cid, "unreachable"))
            else:
                out.append((cid, "not_in_top_k"))
        return out

    def eta_of(self, cid: int) -> float | None:
        """ETA of any candidate the search settled (picked or not), else None."""
        for p in self.picked:
            if p.id == cid:
                return p.eta_s
        where = np.flatnonzero(self._candidates.ids == cid)
        if not len(where):
            return None
        for oc in self._outcome.values():
            if int(where[0]) in oc.get("found", {}):
                return float(oc["found"][int(where[0])])
        return None


# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Seed:
    """Where the reverse search starts: a junction from which the scene is `cost` seconds
    away, reached through the scene's edge from its tail (`s_dir` +1) or head (-1); when
    the node next to the scene is a bend point, along a chain whose arc out of that node
    is `arc` (the scene is `node_cost` seconds beyond that node)."""

    junction: int
    cost: float
    s_dir: int
    arc: int
    node_cost: float


def _seeds(graph: RoadGraph, net: ModeNet, con: Contracted, sc: PointSnap) -> list[_Seed]:
    e = sc.edge
    nodes, costs, dirs = [], [], []
    tf = float(net.seg_fwd_time_s[e])
    tb = float(net.seg_bwd_time_s[e])
    if tf < INF:
        nodes.append(int(graph.edge_u[e]))
        costs.append(sc.fraction * tf)
        dirs.append(+1)
    if tb < INF:
        nodes.append(int(graph.edge_v[e]))
        costs.append((1.0 - sc.fraction) * tb)
        dirs.append(-1)
    if not nodes:
        return []
    src, junction, cost, arc = con.entries(np.array(nodes), np.array(costs))
    return [_Seed(int(j), float(c), dirs[i], int(a), costs[i])
            for i, j, c, a in zip(src.tolist(), junction.tolist(), cost.tolist(), arc.tolist())]


def _direct(net: ModeNet, con: Contracted, s: SnappedCandidates, sc: PointSnap,
            seeds: list[_Seed]) -> list[tuple[float, int, int, int]]:
    """Candidates that reach the scene without passing a junction: (eta, id, index, via).

    On the scene's own segment, driving straight to it (via -1); or leaving their edge into
    a bend point of the chain the scene lies on, upstream of the scene (via -2 - code)."""
    out = []
    e = sc.edge
    tf = float(net.seg_fwd_time_s[e])
    tb = float(net.seg_bwd_time_s[e])
    ids = s.ids
    lo, hi = np.searchsorted(s.edge_sorted, [e, e + 1])
    for i in s.edge_members[lo:hi].tolist():
        f = float(s.fraction[i])
        if f <= sc.fraction and tf < INF:
            out.append(((sc.fraction - f) * tf, int(ids[i]), i, -1))
        if f >= sc.fraction and tb < INF:
            out.append(((f - sc.fraction) * tb, int(ids[i]), i, -1))
    for si, seed in enumerate(seeds):
        if seed.arc < 0:
            continue
        c = int(con.arc_chain[seed.arc])
        q = int(con.arc_pos[seed.arc])
        lo, hi = np.searchsorted(s.chain_sorted, [c, c + 1])
        for x in s.chain_members[lo:hi].tolist():
            a = int(s.ent_arc[x])
            if int(con.arc_pos[a]) > q:
                continue
            between = float(con.arc_prefix_s[seed.arc]) - float(con.arc_prefix_s[a])
            eta = float(s.ent_exit_cost[x]) + between + seed.node_cost
            i = int(s.ent_cand[x])
            out.append((eta, int(ids[i]), i, -2 - (x * _MAX_SEEDS + si)))
    return out


_MAX_SEEDS = 8   # a scene has at most 4 seeds (2 entry nodes × 2 chains)


def _heap_search(con: Contracted, seeds: list[_Seed], s: SnappedCandidates,
                 direct: list[tuple[float, int, int, int]], k: int, max_time_s: float | None,
                 budget: int) -> dict[str, Any] | None:
    """Reverse Dijkstra over junctions from the scene with early stop; None when the budget runs out."""
    indptr, frm, times, chains = con.reverse_lists()
    nptr, ncost, ncid, nidx, nent = s.node_ptr, s.node_cost, s.node_cid, s.node_idx, s.node_ent
    dist: dict[int, float] = {}
    best: dict[int, float] = {}
    pred: dict[int, int] = {}     # junction -> chain towards the scene (or -1 - seed index)
    heap: list[tuple[float, int]] = []
    for si, seed in enumerate(seeds):
        if seed.cost < best.get(seed.junction, INF):
            best[seed.junction] = seed.cost
            pred[seed.junction] = -1 - si
            heap.append((seed.cost, seed.junction))
    heapq.heapify(heap)
    tent: list[tuple[float, int, int, int]] = list(direct)
    heapq.heapify(tent)
    final: list[tuple[float, int, int, int]] = []
    done: set[int] = set()
    limit = INF if max_time_s is None else max_time_s
    bounded = False
    exhausted = True
    heappop, heappush = heapq.heappop, heapq.heappush
    while heap:
        d, n = heappop(heap)
        if n in dist:
            continue
        while tent and tent[0][0] <= d:
            item = heappop(tent)
            if item[2] not in done:
                done.add(item[2])
                final.append(item)
        if len(final) >= k and final[k - 1][0] < d:
            exhausted = False
            break
        if d > limit:
            bounded = True
            exhausted = False
            break
        dist[n] = d
        c0, c1 = nptr[n], nptr[n + 1]
        while c0 < c1:
            heappush(tent, (d + ncost[c0], ncid[c0], nidx[c0], nent[c0]))
            c0 += 1
        if len(dist) > budget:
            return None
        for j in range(indptr[n], indptr[n + 1]):
            m = frm[j]
            if m in dist:
                continue
            nd = d + times[j]
            if nd < best.get(m, INF):
                best[m] = nd
                pred[m] = chains[j]
                heappush(heap, (nd, m))
    if exhausted:
        while tent:
            item = heappop(tent)
            if item[2] not in done:
                done.add(item[2])
                final.append(item)
    final.sort()
    found = {i: eta for eta, _cid, i, _via in final if eta <= limit}
    chosen = [f for f in final if f[0] <= limit][:k]
    return {"chosen": chosen, "pred": pred, "found": found, "exhausted": exhausted, "bounded": bounded,
            "settled": len(dist), "method": "heap"}


class _ScipyReverse:
    """scipy Dijkstra on the reverse junction CSR plus a virtual source (index J) whose
    arcs carry the seeds' times; node J+1 is a sink for unused slots."""

    SLOTS = 4

    def __init__(self, con: Contracted) -> None:
        n = con.n_junctions
        rm = con.reverse_matrix
        a = rm.nnz
        s = self.SLOTS
        self.n = n
        indptr = np.concatenate([rm.indptr, [a + s, a + s]]).astype(np.int32)
        indices = np.concatenate([rm.indices, np.full(s, n + 1)]).astype(np.int32)
        data = np.concatenate([rm.data, np.ones(s)])
        self.matrix = csr_matrix((data, indices, indptr), shape=(n + 2, n + 2))
        # csr_matrix may copy; write through the matrix's own arrays
        self.data = self.matrix.data
        self.indices = self.matrix.indices
        self.lock = threading.Lock()

    def run(self, seeds: list[_Seed], limit: float) -> tuple[np.ndarray, np.ndarray]:
        cheapest: dict[int, float] = {}
        for seed in seeds:
            if seed.cost < cheapest.get(seed.junction, INF):
                cheapest[seed.junction] = seed.cost
        slots = sorted(cheapest.items())
        with self.lock:
            for slot in range(self.SLOTS):
                if slot < len(slots):
                    self.indices[slot - self.SLOTS] = slots[slot][0]
                    self.data[slot - self.SLOTS] = slots[slot][1]
                else:
                    self.indices[slot - self.SLOTS] = self.n + 1
                    self.data[slot - self.SLOTS] = 1.0
            dist, pred = dijkstra(self.matrix, directed=True, indices=self.n, return_predecessors=True,
                                  limit=limit)
        return dist, pred


def _scipy_search(con: Contracted, seeds: list[_Seed], s: SnappedCandidates,
                  direct: list[tuple[float, int, int, int]], k: int, max_time_s: float | None,
                  start_limit: float) -> dict[str, Any]:
    runner: _ScipyReverse = con._extra.get("scipy_reverse")  # type: ignore[assignment]
    if runner is None:
        runner = _ScipyReverse(con)
        con._extra["scipy_reverse"] = runner
    limit = max(start_limit, 60.0)
    runs = 0
    while True:
        if max_time_s is not None and limit >= max_time_s:
            limit = max_time_s
        runs += 1
        dist, pred = runner.run(seeds, limit)
        ev = dist[s.ent_junction] + s.ent_cost
        fin = np.flatnonzero(ev < INF)
        order = np.lexsort((ev[fin], s.ent_cand[fin]))
        fin = fin[order]
        first = np.ones(len(fin), dtype=bool)
        first[1:] = s.ent_cand[fin[1:]] != s.ent_cand[fin[:-1]]
        cand = s.ent_cand[fin[first]].tolist()
        eta = dict(zip(cand, ev[fin[first]].tolist()))
        via = dict(zip(cand, fin[first].tolist()))
        for e_, _cid, i, v in direct:
            if e_ < eta.get(i, INF):
                eta[i] = e_
                via[i] = v
        full = limit == INF or (max_time_s is not None and limit >= max_time_s)
        inside = [i for i, t in eta.items() if (t <= limit if full else t < limit)]
        if len(inside) >= k or full:
            break
        reached = dist[:con.n_junctions]
        if not np.isfinite(reached).any() or np.isfinite(reached).all():
            limit = INF  # nothing more to find by growing gradually
        else:
            limit = limit * LIMIT_GROWTH
        if limit > 1e6:
            limit = INF
    ranked = sorted((eta[i], int(s.ids[i]), i) for i in inside)
    found = {i: t for t, _cid, i in ranked}
    chosen = [(t, cid, i, int(via[i])) for t, cid, i in ranked[:k]]
    exhausted = limit == INF
    bounded = max_time_s is not None and limit >= max_time_s and not exhausted
    return {"chosen": chosen, "pred_array": pred, "found": found, "exhausted": exhausted, "bounded": bounded,
            "settled": int(np.isfinite(dist).sum()), "method": f"scipy×{runs}", "n": con.n_junctions}


def _route_for(net: ModeNet, con: Contracted, s: SnappedCandidates, sc: PointSnap, seeds: list[_Seed],
               res: dict[str, Any], item: tuple[float, int, int, int]) -> _Route:
    """The chosen candidate's route, expanded from junctions and chains back to mode arcs."""
    _eta, _cid, i, via = item
    e = int(s.edge[i])
    f = float(s.fraction[i])
    if via == -1:
        return _Route(net, e, f, 0, (), sc.edge, sc.fraction, 0)
    if via <= -2:   # along the scene's chain, no junction on the way
        x, si = divmod(-2 - via, _MAX_SEEDS)
        a, b = int(s.ent_arc[x]), seeds[si].arc
        c = int(con.arc_chain[a])
        base = int(con.chain_ptr[c])
        arcs = con.chain_arcs[base + int(con.arc_pos[a]):base + int(con.arc_pos[b])].tolist()
        return _Route(net, e, f, int(s.ent_side[x]), tuple(arcs), sc.edge, sc.fraction, seeds[si].s_dir)
    parts: list[np.ndarray] = []
    a = int(s.ent_arc[via])
    if a >= 0:
        parts.append(con.chain_rest(a))
    j = int(s.ent_junction[via])
    if "pred" in res:
        pred = res["pred"]
        p = pred[j]
        while p >= 0:
            parts.append(con.chain(p))
            j = int(con.chain_to[p])
            p = pred[j]
        seed = seeds[-1 - p]
    else:
        pa = res["pred_array"]
        virtual = res["n"]
        walk = [j]
        nxt = int(pa[j])
        while nxt != virtual:
            walk.append(nxt)
            nxt = int(pa[nxt])
        if len(walk) > 1:
            parts.extend(con.chain(c) for c in con.chains_between(np.array(walk[:-1]), np.array(walk[1:])).tolist())
        seed = min((sd for sd in seeds if sd.junction == walk[-1]), key=lambda sd: sd.cost)
    if seed.arc >= 0:
        parts.append(con.chain_head(seed.arc))
    arcs = np.concatenate(parts).tolist() if parts else []
    return _Route(net, e, f, int(s.ent_side[via]), tuple(arcs), sc.edge, sc.fraction, seed.s_dir)


def _modes_of(mode: str | Sequence[str], cands: Candidates) -> tuple[str, ...]:
    modes = (mode,) if isinstance(mode, str) else tuple(mode)
    if not modes:
        raise ValueError("mode: give at least one travel mode")
    for m in modes:
        check_mode(m)
    if cands.modes is None and len(modes) > 1:
        raise ValueError("several modes need per-candidate modes (Candidates.modes)")
    return modes


def nearest(graph: RoadGraph, scene_lonlat: tuple[float, float], candidates: Candidates, k: int = 5,
            max_time_s: float | None = None, mode: str | Sequence[str] = "car",
            max_scene_snap_m: float = 500.0) -> NearestResult:
    """The k candidates with the shortest ETA to the scene (ties: lower id first)."""
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    if max_time_s is not None and not (max_time_s >= 0):
        raise ValueError(f"max_time_s must be >= 0 or None, got {max_time_s!r}")
    modes = _modes_of(mode, candidates)
    try:
        lon, lat = float(scene_lonlat[0]), float(scene_lonlat[1])
    except (TypeError, ValueError, IndexError):
        lon, lat = math.nan, math.nan
    scenes: dict[str, PointSnap] = {}
    searched: dict[str, SnappedCandidates] = {}
    outcome: dict[str, dict[str, Any]] = {}
    stats: dict[str, Any] = {}
    chosen_all: list[tuple[float, int, str, tuple[float, int, int, int]]] = []
    results: dict[str, dict[str, Any]] = {}
    seeds_of: dict[str, list[_Seed]] = {}
    for m in modes:
        sc = snap_point(graph, lon, lat, max_scene_snap_m, m)
        scenes[m] = sc
        s = candidates.snapped(graph, m)
        searched[m] = s
        if not sc.ok:
            outcome[m] = {"scene": "scene_invalid" if sc.status == "invalid" else "scene_off_network"}
            continue
        net = graph.net(m)
        con = graph.contracted(m)
        seeds = _seeds(graph, net, con, sc)
        seeds_of[m] = seeds
        direct = _direct(net, con, s, sc, seeds)
        n_ok = s.n_routable
        res: dict[str, Any] | None = None
        if n_ok == 0:
            res = {"chosen": [], "found": {}, "exhausted": True, "bounded": False, "settled": 0, "method": "none"}
        else:
            expected = con.n_junctions * min(k, n_ok) / n_ok
            if expected <= HEAP_EXPECTED_NODES:
                res = _heap_search(con, seeds, s, direct, k, max_time_s, HEAP_BUDGET_NODES)
            if res is None:
                limit0, base = _guess_limit(net, s, sc, k)
                res = _scipy_search(con, seeds, s, direct, k, max_time_s, start_limit=limit0)
                if len(res["chosen"]) >= k:
                    _learn_limit(net, base, res["chosen"][k - 1][0])
        results[m] = res
        outcome[m] = {"scene": None, "found": res["found"], "exhausted": res["exhausted"],
                      "bounded": res["bounded"], "max_time": max_time_s}
        stats[m] = {"settled": res["settled"], "method": res["method"], "routable": n_ok}
        for item in res["chosen"]:
            chosen_all.append((item[0], item[1], m, item))
    chosen_all.sort(key=lambda t: (t[0], t[1]))
    picked: list[Pick] = []
    for rank, (eta, cid, m, item) in enumerate(chosen_all[:k], start=1):
        s = searched[m]
        route = _route_for(graph.net(m), graph.contracted(m), s, scenes[m], seeds_of[m], results[m], item)
        picked.append(Pick(cid, float(eta), m, rank, float(s.snap_distance_m[item[2]]), route, graph))
    if all(not scenes[m].ok for m in modes):
        status = "scene_invalid" if all(scenes[m].status == "invalid" for m in modes) else "scene_off_network"
    elif not picked:
        status = "none_reachable"
    else:
        status = "ok"
    return NearestResult(status=status, picked=picked, k=int(k), modes=modes, scene=scenes, stats=stats,
                         _candidates=candidates, _searched=searched, _outcome=outcome)


def _guess_limit(net: ModeNet, s: SnappedCandidates, sc: PointSnap, k: int) -> tuple[float, float]:
    """A first time limit for the scipy search, and the straight-line time it scales.

    The k-th nearest candidate as the crow flies, at the network's median speed, times a
    factor learned from earlier queries on this network (the 90th percentile of the
    observed ETA / straight-line-time ratio). A guess too small only costs a re-run with
    a limit LIMIT_GROWTH times larger; the answer is exact either way. (Chosen on the demo
    city by replaying 600 queries with 50 and 200 officers: a higher percentile wastes
    area on most queries, a lower one re-runs too often; see routing_bench notes.)"""
    ok = s.status == C_OK
    d = np.hypot(s.xy[ok, 0] - sc.x, s.xy[ok, 1] - sc.y)
    if not len(d):
        return INF, INF
    kk = min(k, len(d))
    base = float(np.partition(d, kk - 1)[kk - 1]) / max(net.median_speed_mps, 0.1)
    ratios = net._lists.get("limit_ratios")
    factor = 1.3 if not ratios or len(ratios) < 10 else float(np.percentile(ratios, LIMIT_PERCENTILE))
    return factor * base, base


def _learn_limit(net: ModeNet, base: float, eta_k: float) -> None:
    if not (0 < base < INF and eta_k < INF):
        return
    from collections import deque
    ratios = net._lists.setdefault("limit_ratios", deque(maxlen=200))  # type: ignore[arg-type]
    ratios.append(eta_k / base)  # type: ignore[union-attr]


__all__ = ["Candidates", "NearestResult", "Pick", "SnappedCandidates", "nearest", "TRAVEL_MODES"]
