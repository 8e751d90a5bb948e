"""Candidates (officers or any movers) mapped once onto a travel mode's junction graph.

Each candidate is snapped to a road segment and then grouped by the junctions it reaches
first (its *entries*), so a search from the scene can add every candidate standing
behind a junction the moment it settles that junction, without a loop over all of them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .compiled import view
from .snap import snap
from .speeds import check_mode

if TYPE_CHECKING:  # pragma: no cover
    from .graph import RoadGraph

INF = math.inf


# candidate status codes (why a candidate is or is not searched)
C_OK, C_NO_FIX, C_OFF_NETWORK, C_EXCLUDED, C_WRONG_MODE = 0, 1, 2, 3, 4
STATUS_REASON = {C_NO_FIX: "no_fix", C_OFF_NETWORK: "off_network", C_WRONG_MODE: "wrong_mode"}


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
        ids = self.ids    # a roster comes sorted by id: checked in one pass, not by a 25,000-id np.unique
        if n > 1 and not bool((ids[1:] > ids[:-1]).all()) and len(np.unique(ids)) != n:
            raise ValueError("candidates: ids must be unique")
        if self.modes is not None:
            given = self.modes
            if isinstance(given, np.ndarray) and given.dtype == object and given.ndim == 1:
                modes: np.ndarray = given
                kinds = set(modes.tolist())
            else:
                modes, kinds = np.zeros(0, dtype=object), {0}
            if not all(isinstance(m, str) for m in kinds):
                # anything but an array of str (a list, numpy strings, numbers): made str one by one
                modes = np.asarray([str(m) for m in given], dtype=object)
                kinds = set(modes.tolist())
            self.modes = modes
            if modes.shape != (n,):
                raise ValueError(f"candidates: modes must have one entry per candidate ({n})")
            for m in kinds:
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
    """Candidates of one mode on one graph, snapped and grouped by the junctions they reach
    first: built once per snapshot (vectorised), read by every query against it."""

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
        ptr = np.zeros(con.n_junctions + 1, dtype=np.int64)   # entries before each junction (a counting
        np.cumsum(np.bincount(junction, minlength=con.n_junctions), out=ptr[1:])   # pass, not J binary searches)
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

