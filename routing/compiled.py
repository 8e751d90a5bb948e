"""Compiled per-mode network: CSR arrays (forward and reverse) over the arcs a travel
mode may use. This is what the hot path searches; networkx never appears here.

An *arc* is a directed edge as a mode may traverse it. Usually arc == edge; a mode that
ignores one-way rules (walking) also gets the reverse of every one-way edge. Parallel
arcs between the same two nodes are reduced to the fastest, as any shortest path would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
from scipy.sparse import csr_matrix

if TYPE_CHECKING:  # pragma: no cover
    from .graph import RoadGraph


def view(arr: np.ndarray) -> memoryview:
    """A memoryview of a contiguous copy (or the array itself when already contiguous)."""
    return memoryview(np.ascontiguousarray(arr))  # type: ignore[arg-type]


@dataclass(eq=False)
class ModeNet:
    mode: str
    n_nodes: int
    arc_tail: np.ndarray     # (A,) int32
    arc_head: np.ndarray     # (A,) int32
    arc_time_s: np.ndarray   # (A,) float64
    arc_edge: np.ndarray     # (A,) int32 edge index
    arc_reversed: np.ndarray  # (A,) bool: traverses the edge against its direction
    f_indptr: np.ndarray     # forward CSR rows = tail
    f_arc: np.ndarray        # arc ids sorted by tail
    r_indptr: np.ndarray     # reverse CSR rows = head
    r_arc: np.ndarray        # arc ids sorted by head
    seg_fwd_time_s: np.ndarray  # (E,) time along edge e in its direction (inf: barred)
    seg_bwd_time_s: np.ndarray  # (E,) time along edge e's segment against its direction (inf: barred)
    edge_u: np.ndarray       # (E,) the graph's edge_u / edge_v (shared, not copied)
    edge_v: np.ndarray
    arc_length_m: np.ndarray  # (A,)
    _reverse_views: tuple[memoryview, memoryview, memoryview, memoryview] | None = field(default=None, repr=False)

    @classmethod
    def build(cls, graph: RoadGraph, mode: str) -> ModeNet:
        tt = graph.travel_time_s(mode)
        edges = np.flatnonzero(np.isfinite(tt))
        ignores = mode in graph.speeds.ignores_oneway
        rev_edges = edges[graph.edge_twin[edges] < 0] if ignores else np.empty(0, dtype=edges.dtype)
        tail = np.concatenate([graph.edge_u[edges], graph.edge_v[rev_edges]]).astype(np.int64)
        head = np.concatenate([graph.edge_v[edges], graph.edge_u[rev_edges]]).astype(np.int64)
        time_s = np.concatenate([tt[edges], tt[rev_edges]])
        edge = np.concatenate([edges, rev_edges]).astype(np.int32)
        reversed_ = np.concatenate([np.zeros(len(edges), bool), np.ones(len(rev_edges), bool)])
        # sort by (tail, head, time) and keep the fastest of parallel arcs; one int64 key
        # (edges come numbered by tail, so the sort has little to do)
        n = graph.n_nodes
        key = tail * n + head
        order = np.argsort(key, kind="stable")
        key, time_s = key[order], time_s[order]
        same = np.flatnonzero(key[1:] == key[:-1])
        if len(same):   # parallel arcs: order each run by time (rare, so a lexsort of the runs only)
            run = np.unique(np.concatenate([same, same + 1]))
            sub = run[np.lexsort((time_s[run], key[run]))]
            order[run] = order[sub]
            time_s[run] = time_s[sub]
        first = np.ones(len(key), dtype=bool)
        first[1:] = key[1:] != key[:-1]
        order = order[first]
        head_k = head[order]
        r_arc = np.argsort(head_k, kind="stable").astype(np.int32)
        return cls.from_arrays(graph, mode, edge[order], reversed_[order], r_arc)

    @classmethod
    def from_arrays(cls, graph: RoadGraph, mode: str, arc_edge: np.ndarray, arc_reversed: np.ndarray,
                    r_arc: np.ndarray) -> ModeNet:
        """The net from its defining arrays (what a saved graph keeps); the rest are gathers."""
        arc_edge = np.asarray(arc_edge, dtype=np.int32)
        arc_reversed = np.asarray(arc_reversed, dtype=bool)
        r_arc = np.asarray(r_arc, dtype=np.int32)
        a = len(arc_edge)
        if arc_reversed.shape != (a,) or r_arc.shape != (a,) or \
                (a and (int(arc_edge.min()) < 0 or int(arc_edge.max()) >= graph.n_edges)):
            raise ValueError("saved mode net does not fit this graph")
        tt = graph.travel_time_s(mode)
        ignores = mode in graph.speeds.ignores_oneway
        u, v = graph.edge_u[arc_edge], graph.edge_v[arc_edge]
        tail = np.where(arc_reversed, v, u).astype(np.int32)
        head = np.where(arc_reversed, u, v).astype(np.int32)
        n = graph.n_nodes
        f_indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(tail, minlength=n), out=f_indptr[1:])
        r_indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(head, minlength=n), out=r_indptr[1:])
        twin = graph.edge_twin
        bwd = np.where(twin >= 0, tt[np.maximum(twin, 0)], tt if ignores else np.inf)
        return cls(mode=mode, n_nodes=n, arc_tail=tail, arc_head=head, arc_time_s=np.asarray(tt[arc_edge], np.float64),
                   arc_edge=arc_edge, arc_reversed=arc_reversed, f_indptr=f_indptr,
                   f_arc=np.arange(a, dtype=np.int32), r_indptr=r_indptr, r_arc=r_arc,
                   seg_fwd_time_s=np.asarray(tt, dtype=np.float64), seg_bwd_time_s=bwd.astype(np.float64),
                   edge_u=graph.edge_u, edge_v=graph.edge_v, arc_length_m=graph.edge_length_m[arc_edge])

    def arrays(self) -> dict[str, np.ndarray]:
        """What a saved graph keeps of the net (see from_arrays)."""
        return {"arc_edge": self.arc_edge, "arc_reversed": self.arc_reversed, "r_arc": self.r_arc}

    def nbytes(self) -> int:
        shared = (id(self.edge_u), id(self.edge_v))
        total = sum(v.nbytes for v in vars(self).values() if isinstance(v, np.ndarray) and id(v) not in shared)
        for name in ("forward_matrix", "reverse_matrix"):
            m = vars(self).get(name)
            if m is not None:
                total += m.data.nbytes + m.indices.nbytes + m.indptr.nbytes
        if self._reverse_views is not None:
            total += sum(x.nbytes for x in self._reverse_views)
        return int(total)

    @property
    def n_arcs(self) -> int:
        return int(len(self.arc_tail))

    # ---- scipy matrices (C Dijkstra for wide searches) -----------------------------------
    @cached_property
    def forward_matrix(self) -> csr_matrix:
        """N×N CSR, entry [tail, head] = travel time. Arcs are unique per (tail, head)."""
        return csr_matrix((self.arc_time_s, self.arc_head.astype(np.int32), self.f_indptr.astype(np.int32)),
                          shape=(self.n_nodes, self.n_nodes))

    @cached_property
    def reverse_matrix(self) -> csr_matrix:
        """N×N CSR of the reversed graph: entry [head, tail]."""
        return csr_matrix((self.arc_time_s[self.r_arc], self.arc_tail[self.r_arc].astype(np.int32),
                           self.r_indptr.astype(np.int32)), shape=(self.n_nodes, self.n_nodes))

    # ---- Python-indexable views (the heapq search reads them element by element) -------
    def reverse_lists(self) -> tuple[memoryview, memoryview, memoryview, memoryview]:
        """(indptr, tail, time_s, arc) of the reverse CSR as memoryviews: indexing one gives a
        plain Python number as fast as a list would, without a list's 30+ bytes per item."""
        got = self._reverse_views
        if got is None:
            got = (view(self.r_indptr), view(self.arc_tail[self.r_arc]),
                   view(self.arc_time_s[self.r_arc]), view(self.r_arc))
            self._reverse_views = got
        return got

    @cached_property
    def _arc_keys(self) -> np.ndarray:
        # arcs are sorted by (tail, head) and unique per pair, so tail*N+head is sorted
        keys: np.ndarray = self.arc_tail.astype(np.int64) * self.n_nodes + self.arc_head
        return keys

    def arcs_between(self, tails: np.ndarray, heads: np.ndarray) -> np.ndarray:
        """Arc ids for node pairs (vectorised); -1 where there is no such arc."""
        keys = np.asarray(tails, dtype=np.int64) * self.n_nodes + np.asarray(heads, dtype=np.int64)
        pos = np.searchsorted(self._arc_keys, keys)
        pos = np.minimum(pos, len(self._arc_keys) - 1)
        return np.where(self._arc_keys[pos] == keys, pos, -1)

    def arc_between(self, tail: int, head: int) -> int:
        """The arc id from `tail` to `head` (-1 if none)."""
        return int(self.arcs_between(np.array([tail]), np.array([head]))[0])

    @cached_property
    def median_speed_mps(self) -> float:
        """Typical speed over the arcs (used to turn distances into first time guesses)."""
        if not self.n_arcs:
            return 1.0
        return float(np.median(self.arc_length_m / self.arc_time_s))
