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

Search: from the scene *backwards* over reverse arcs (Dijkstra with a binary heap on CSR
arrays), stopping as soon as k candidates are settled. When candidates are sparse
that search would cover much of the city in Python, so it hands over to scipy's C
Dijkstra with a time limit that doubles until k candidates fall inside it.
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
    from .graph import RoadGraph

INF = math.inf
# The Python heap search settles ~400k nodes/s here; scipy's C Dijkstra ~4M/s but pays
# ~1 ms per run for its O(N) set-up. So the heap search is used when few nodes should
# need settling (dense candidates), with a budget after which scipy takes over.
HEAP_EXPECTED_NODES = 600
HEAP_BUDGET_NODES = 3000

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
    # candidates waiting at each node, CSR by node (memoryviews: read per settled node)
    node_ptr: memoryview        # (N+1,) int64
    node_cost: memoryview       # seconds from the candidate to that node
    node_cid: memoryview        # candidate id
    node_idx: memoryview        # candidate index
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
        ok = status == C_OK
        e = np.maximum(edge, 0)
        node_a = np.where(ok, graph.edge_v[e], -1).astype(np.int64)
        node_b = np.where(ok, graph.edge_u[e], -1).astype(np.int64)
        f0 = np.nan_to_num(frac)
        tf, tb = net.seg_fwd_time_s[e], net.seg_bwd_time_s[e]
        with np.errstate(invalid="ignore"):  # 0 × inf at an edge end of a barred direction
            cost_a = np.where(ok & np.isfinite(tf), (1.0 - f0) * tf, INF)
            cost_b = np.where(ok & np.isfinite(tb), f0 * tb, INF)
        # every way a candidate reaches a junction, grouped by junction (vectorised: no
        # Python loop over 25,000 officers on each snapshot)
        idx_ok = np.flatnonzero(ok)
        ent_node = np.concatenate([node_a[idx_ok], node_b[idx_ok]])
        ent_cost = np.concatenate([cost_a[idx_ok], cost_b[idx_ok]])
        ent_idx = np.concatenate([idx_ok, idx_ok])
        keep = np.isfinite(ent_cost)
        ent_node, ent_cost, ent_idx = ent_node[keep], ent_cost[keep], ent_idx[keep]
        order = np.argsort(ent_node, kind="stable")
        ent_node, ent_cost, ent_idx = ent_node[order], ent_cost[order], ent_idx[order]
        ptr = np.searchsorted(ent_node, np.arange(graph.n_nodes + 1)).astype(np.int64)
        e_order = np.argsort(edge[idx_ok], kind="stable")
        return cls(graph=graph, mode=mode, ids=cands.ids, status=status, edge=edge, fraction=frac,
                   snap_distance_m=dist, xy=xy, node_a=node_a, cost_a=cost_a, node_b=node_b, cost_b=cost_b,
                   excluded=excluded, node_ptr=view(ptr), node_cost=view(ent_cost),
                   node_cid=view(cands.ids[ent_idx]), node_idx=view(ent_idx.astype(np.int64)),
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
def _seeds(graph: RoadGraph, net: ModeNet, sc: PointSnap) -> list[tuple[int, float, int]]:
    """(node, time from node to scene, entry direction) for the scene's edge."""
    e = sc.edge
    out = []
    tf = float(net.seg_fwd_time_s[e])
    tb = float(net.seg_bwd_time_s[e])
    if tf < INF:
        out.append((int(graph.edge_u[e]), sc.fraction * tf, +1))
    if tb < INF:
        out.append((int(graph.edge_v[e]), (1.0 - sc.fraction) * tb, -1))
    return out


def _direct(net: ModeNet, s: SnappedCandidates, sc: PointSnap) -> list[tuple[float, int, int]]:
    """Candidates on the scene's own segment that can drive straight to it: (eta, id, index)."""
    out = []
    e = sc.edge
    tf = float(net.seg_fwd_time_s[e])
    tb = float(net.seg_bwd_time_s[e])
    ids = s.ids
    lo, hi = np.searchsorted(s.edge_sorted, [e, e + 1])
    for i in s.edge_members[lo:hi].tolist():
        f = float(s.fraction[i])
        if f <= sc.fraction and tf < INF:
            out.append(((sc.fraction - f) * tf, int(ids[i]), i))
        if f >= sc.fraction and tb < INF:
            out.append(((f - sc.fraction) * tb, int(ids[i]), i))
    return out


def _heap_search(net: ModeNet, seeds: list[tuple[int, float, int]], s: SnappedCandidates,
                 direct: list[tuple[float, int, int]], k: int, max_time_s: float | None,
                 budget: int) -> dict[str, Any] | None:
    """Reverse Dijkstra from the scene with early stop; None when the budget runs out."""
    indptr, tails, times, arcs = net.reverse_lists()
    nptr, ncost, ncid, nidx = s.node_ptr, s.node_cost, s.node_cid, s.node_idx
    dist: dict[int, float] = {}
    best: dict[int, float] = {}
    pred: dict[int, int] = {}     # node -> arc towards the scene (or -1/-2: scene entry)
    heap: list[tuple[float, int]] = []
    for node, cost, direction in seeds:
        if cost < best.get(node, INF):
            best[node] = cost
            pred[node] = -1 if direction > 0 else -2
            heap.append((cost, node))
    heapq.heapify(heap)
    tent: list[tuple[float, int, int, int]] = [(eta, cid, i, -1) for eta, cid, i in direct]  # -1: direct
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
            heappush(tent, (d + ncost[c0], ncid[c0], nidx[c0], n))
            c0 += 1
        if len(dist) > budget:
            return None
        for j in range(indptr[n], indptr[n + 1]):
            m = tails[j]
            if m in dist:
                continue
            nd = d + times[j]
            if nd < best.get(m, INF):
                best[m] = nd
                pred[m] = arcs[j]
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
    """scipy Dijkstra on the reverse CSR plus a virtual source node (index N) whose two arcs
    carry the scene's partial-edge times; node N+1 is a sink for unused slots."""

    def __init__(self, net: ModeNet) -> None:
        n = net.n_nodes
        rm = net.reverse_matrix
        a = rm.nnz
        self.n = n
        self.indptr = np.concatenate([rm.indptr, [a + 2, a + 2]]).astype(np.int32)
        self.indices = np.concatenate([rm.indices, [n + 1, n + 1]]).astype(np.int32)
        self.data = np.concatenate([rm.data, [1.0, 1.0]])
        self.matrix = csr_matrix((self.data, self.indices, self.indptr), shape=(n + 2, n + 2))
        # csr_matrix may copy; write through the matrix's own arrays
        self.data = self.matrix.data
        self.indices = self.matrix.indices
        self.lock = threading.Lock()

    def run(self, seeds: list[tuple[int, float, int]], limit: float) -> tuple[np.ndarray, np.ndarray]:
        with self.lock:
            for slot in (0, 1):
                if slot < len(seeds):
                    self.indices[-2 + slot] = seeds[slot][0]
                    self.data[-2 + slot] = seeds[slot][1]
                else:
                    self.indices[-2 + slot] = self.n + 1
                    self.data[-2 + slot] = 1.0
            dist, pred = dijkstra(self.matrix, directed=True, indices=self.n, return_predecessors=True,
                                  limit=limit)
        return dist, pred


def _scipy_search(net: ModeNet, seeds: list[tuple[int, float, int]], s: SnappedCandidates,
                  direct: list[tuple[float, int, int]], k: int, max_time_s: float | None,
                  start_limit: float) -> dict[str, Any]:
    runner: _ScipyReverse = net._lists.get("scipy_reverse")  # type: ignore[assignment]
    if runner is None:
        runner = _ScipyReverse(net)
        net._lists["scipy_reverse"] = runner  # type: ignore[assignment]
    ok = np.flatnonzero(s.status == C_OK)
    limit = max(start_limit, 60.0)
    runs = 0
    while True:
        if max_time_s is not None and limit >= max_time_s:
            limit = max_time_s
        runs += 1
        dist, pred = runner.run(seeds, limit)
        da = dist[np.maximum(s.node_a[ok], 0)] + s.cost_a[ok]
        db = dist[np.maximum(s.node_b[ok], 0)] + s.cost_b[ok]
        eta = np.minimum(da, db)
        via = np.where(da <= db, s.node_a[ok], s.node_b[ok])
        for e_, cid, i in direct:
            j = int(np.searchsorted(ok, i))
            if e_ < eta[j]:
                eta[j] = e_
                via[j] = -1
        inside = np.isfinite(eta) & ((eta < limit) if (max_time_s is None or limit < max_time_s) else (eta <= limit))
        full = limit == INF or (max_time_s is not None and limit >= max_time_s)
        if inside.sum() >= k or full:
            break
        reached = dist[:net.n_nodes]
        if not np.isfinite(reached).any() or np.isfinite(reached).all():
            limit = INF  # nothing more to find by growing gradually
        else:
            limit = limit * 1.6
        if limit > 1e6:
            limit = INF
    sel = np.flatnonzero(inside)
    order = np.lexsort((s.ids[ok][sel], eta[sel]))
    sel = sel[order]
    found = {int(ok[j]): float(eta[j]) for j in sel.tolist()}
    chosen = [(float(eta[j]), int(s.ids[ok[j]]), int(ok[j]), int(via[j])) for j in sel[:k].tolist()]
    exhausted = limit == INF
    bounded = max_time_s is not None and limit >= max_time_s and not exhausted
    return {"chosen": chosen, "pred_array": pred, "found": found, "exhausted": exhausted, "bounded": bounded,
            "settled": int(np.isfinite(dist).sum()), "method": f"scipy×{runs}", "n": net.n_nodes}


def _route_for(net: ModeNet, s: SnappedCandidates, sc: PointSnap, res: dict[str, Any],
               item: tuple[float, int, int, int]) -> _Route:
    eta, _cid, i, via = item
    e = int(s.edge[i])
    f = float(s.fraction[i])
    if via == -1:
        return _Route(net, e, f, 0, (), sc.edge, sc.fraction, 0)
    c_dir = +1 if via == int(s.node_a[i]) else -1
    arcs: list[int] = []
    n = via
    if "pred" in res:
        pred = res["pred"]
        a = pred.get(n, -1)
        while a >= 0:
            arcs.append(a)
            n = int(net.arc_head[a])
            a = pred.get(n, -1)
        s_dir = +1 if a == -1 else -1
    else:
        p = res["pred_array"]
        virtual = res["n"]
        chain = [n]
        nxt = int(p[n])
        while nxt != virtual:
            chain.append(nxt)
            nxt = int(p[nxt])
        if len(chain) > 1:
            arcs = net.arcs_between(np.array(chain[:-1]), np.array(chain[1:])).tolist()
        s_dir = _entry_dir(net, sc, chain[-1])
    return _Route(net, e, f, c_dir, tuple(arcs), sc.edge, sc.fraction, s_dir)


def _entry_dir(net: ModeNet, sc: PointSnap, node: int) -> int:
    return +1 if node == int(net.edge_u[sc.edge]) and net.seg_fwd_time_s[sc.edge] < INF else -1


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
    for m in modes:
        sc = snap_point(graph, lon, lat, max_scene_snap_m, m)
        scenes[m] = sc
        s = candidates.snapped(graph, m)
        searched[m] = s
        if not sc.ok:
            outcome[m] = {"scene": "scene_invalid" if sc.status == "invalid" else "scene_off_network"}
            continue
        net = graph.net(m)
        seeds = _seeds(graph, net, sc)
        direct = _direct(net, s, sc)
        n_ok = s.n_routable
        res: dict[str, Any] | None = None
        if n_ok == 0:
            res = {"chosen": [], "found": {}, "exhausted": True, "bounded": False, "settled": 0, "method": "none"}
        else:
            expected = graph.n_nodes * min(k, n_ok) / n_ok
            if expected <= HEAP_EXPECTED_NODES:
                res = _heap_search(net, seeds, s, direct, k, max_time_s, HEAP_BUDGET_NODES)
            if res is None:
                limit0, base = _guess_limit(net, s, sc, k)
                res = _scipy_search(net, seeds, s, direct, k, max_time_s, start_limit=limit0)
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
        net = graph.net(m)
        s = searched[m]
        route = _route_for(net, s, scenes[m], results[m], item)
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
    factor learned from earlier queries on this network (the 95th percentile of the
    observed ETA / straight-line-time ratio, plus 10 %). A guess too small only costs a
    re-run with a larger limit; the answer is exact either way."""
    ok = s.status == C_OK
    d = np.hypot(s.xy[ok, 0] - sc.x, s.xy[ok, 1] - sc.y)
    if not len(d):
        return INF, INF
    kk = min(k, len(d))
    base = float(np.partition(d, kk - 1)[kk - 1]) / max(net.median_speed_mps, 0.1)
    ratios = net._lists.get("limit_ratios")
    factor = 1.3 if not ratios or len(ratios) < 10 else 1.1 * float(np.percentile(ratios, 95))
    return factor * base + 30.0, base


def _learn_limit(net: ModeNet, base: float, eta_k: float) -> None:
    if not (0 < base < INF and eta_k < INF):
        return
    from collections import deque
    ratios = net._lists.setdefault("limit_ratios", deque(maxlen=200))  # type: ignore[arg-type]
    ratios.append(eta_k / base)  # type: ignore[union-attr]


__all__ = ["Candidates", "NearestResult", "Pick", "SnappedCandidates", "nearest", "TRAVEL_MODES"]
