"""Contracted search network: junctions only, each chain of bend points folded into one arc.

Most nodes of a real road graph are bend points of one street (58 % on the demo city):
a node with exactly two neighbours, entered from one and left to the other. A search
settling them learns nothing it could not add up in advance, so the hot path searches
a graph of *junctions* whose arcs are *chains*: maximal runs of mode arcs through bend
points, with the chain's summed travel time. The graph of record (RoadGraph, ModeNet)
is unchanged; points on the network still snap onto original edges and are mapped onto
chains here (`exits` / `entries`), and routes are expanded back to original arcs.

A bend point is a node with two distinct neighbours and either one arc in and one out
(a one-way chain) or two in and two out (a two-way chain). Every other node is a
junction (dead ends, forks, one-way/two-way changes, nodes with a loop). A two-way chain
is two *directed* chains, one per direction, so every mode arc lies on exactly one
directed chain, at one position. Rings with no junction at all get junctions too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
from scipy.sparse import csr_matrix

if TYPE_CHECKING:  # pragma: no cover
    from .compiled import ModeNet


@dataclass(eq=False)
class Contracted:
    n_nodes: int               # original nodes
    junction_node: np.ndarray  # (J,) int32 original node of each junction (ascending)
    node_junction: np.ndarray  # (N,) int32 junction id, -1 for a bend point
    arc_chain: np.ndarray      # (A,) int32 directed chain holding each mode arc (-1: a loop arc, never useful)
    arc_pos: np.ndarray        # (A,) int32 position of the arc on its chain
    arc_prefix_s: np.ndarray   # (A,) seconds from the chain's first junction to the arc's tail
    arc_suffix_s: np.ndarray   # (A,) seconds from the arc's tail to the chain's last junction
    chain_ptr: np.ndarray      # (C+1,) int64 into chain_arcs
    chain_arcs: np.ndarray     # mode arc ids chain by chain, in driving order
    chain_from: np.ndarray     # (C,) int32 junction id
    chain_to: np.ndarray       # (C,) int32 junction id
    chain_time_s: np.ndarray   # (C,)
    out_ptr: np.ndarray        # (N+1,) the mode net's forward CSR (bend points have 1 or 2 out-arcs)
    arc_time_s: np.ndarray     # (A,) the mode net's arc times (shared)
    _reverse_views: tuple[memoryview, memoryview, memoryview, memoryview] | None = field(default=None, repr=False)

    @property
    def n_junctions(self) -> int:
        return int(len(self.junction_node))

    @property
    def n_chains(self) -> int:
        return int(len(self.chain_from))

    # ---- build -----------------------------------------------------------------------
    @classmethod
    def build(cls, net: ModeNet) -> Contracted:
        n = net.n_nodes
        tail, head = net.arc_tail, net.arc_head
        loop = tail == head
        nl = ~loop
        indeg = np.bincount(head[nl], minlength=n)
        outdeg = np.bincount(tail[nl], minlength=n)
        # distinct neighbours = out + in - those linked both ways (arcs are unique per pair)
        both = nl & (net.arcs_between(head, tail) >= 0)
        nb = indeg + outdeg - np.bincount(tail[both], minlength=n)
        bend = (nb == 2) & (((indeg == 1) & (outdeg == 1)) | ((indeg == 2) & (outdeg == 2)))
        bend[tail[loop]] = False
        f_ptr = net.f_indptr
        while True:
            succ = _successors(tail, head, nl, bend, f_ptr, outdeg)
            starts = np.flatnonzero(nl & ~bend[tail])
            chain, pos = _walk(starts, succ, len(tail))
            stray = nl & (chain < 0)
            if not stray.any():
                break
            bend[tail[stray]] = False  # a ring of bend points only: its nodes become junctions
        n_chain = len(starts)
        chain_ptr = np.zeros(n_chain + 1, dtype=np.int64)
        np.cumsum(np.bincount(chain[nl], minlength=n_chain), out=chain_ptr[1:])
        chain_arcs = np.empty(int(chain_ptr[-1]), dtype=np.int32)
        arcs_nl = np.flatnonzero(nl)
        chain_arcs[chain_ptr[chain[arcs_nl]] + pos[arcs_nl]] = arcs_nl
        return cls.from_chains(net, chain_ptr, chain_arcs)

    @classmethod
    def from_chains(cls, net: ModeNet, chain_ptr: np.ndarray, chain_arcs: np.ndarray) -> Contracted:
        """Everything else follows from the chains (this is all a saved graph keeps)."""
        chain_ptr = np.asarray(chain_ptr, dtype=np.int64)
        chain_arcs = np.asarray(chain_arcs, dtype=np.int32)
        n, a = net.n_nodes, net.n_arcs
        tail, head, t = net.arc_tail, net.arc_head, net.arc_time_s
        n_chain = len(chain_ptr) - 1
        lengths = np.diff(chain_ptr)
        if n_chain < 0 or chain_ptr[0] != 0 or chain_ptr[-1] != len(chain_arcs) or (n_chain and lengths.min() < 1) \
                or (len(chain_arcs) and (int(chain_arcs.min()) < 0 or int(chain_arcs.max()) >= a)):
            raise ValueError("saved chains do not fit this network")
        arc_chain = np.full(a, -1, dtype=np.int32)
        arc_chain[chain_arcs] = np.repeat(np.arange(n_chain, dtype=np.int32), lengths)
        arc_pos = np.zeros(a, dtype=np.int32)
        arc_pos[chain_arcs] = np.arange(len(chain_arcs)) - np.repeat(chain_ptr[:-1], lengths)
        inner = arc_pos[chain_arcs[1:]] > 0          # consecutive arcs of one chain must meet
        if (head[chain_arcs[:-1]][inner] != tail[chain_arcs[1:]][inner]).any():
            raise ValueError("saved chains are not connected")
        bend = np.zeros(n, dtype=bool)
        bend[tail[chain_arcs[arc_pos[chain_arcs] > 0]]] = True
        jid = np.full(n, -1, dtype=np.int32)
        junction_node = np.flatnonzero(~bend).astype(np.int32)
        jid[junction_node] = np.arange(len(junction_node), dtype=np.int32)
        prefix, suffix, total = _sums(chain_ptr, chain_arcs, lengths, t, a)
        first = chain_arcs[chain_ptr[:-1]]
        last = chain_arcs[chain_ptr[1:] - 1]
        return cls(n_nodes=n, junction_node=junction_node, node_junction=jid, arc_chain=arc_chain,
                   arc_pos=arc_pos, arc_prefix_s=prefix, arc_suffix_s=suffix, chain_ptr=chain_ptr,
                   chain_arcs=chain_arcs, chain_from=jid[tail[first]], chain_to=jid[head[last]],
                   chain_time_s=total, out_ptr=net.f_indptr, arc_time_s=t)

    # ---- persistence -------------------------------------------------------------------
    def arrays(self) -> dict[str, np.ndarray]:
        """What a saved graph keeps (see from_chains)."""
        small = np.int32 if len(self.chain_arcs) < 2**31 else np.int64
        return {"chain_ptr": self.chain_ptr.astype(small), "chain_arcs": self.chain_arcs}

    # ---- the junction graph ------------------------------------------------------------
    @cached_property
    def best_chains(self) -> np.ndarray:
        """Chain ids of the junction graph's arcs: the fastest chain per (from, to) pair,
        loops left out, sorted by (from, to)."""
        use = np.flatnonzero(self.chain_from != self.chain_to)
        order = np.lexsort((self.chain_time_s[use], self.chain_to[use], self.chain_from[use]))
        use = use[order]
        f, to = self.chain_from[use], self.chain_to[use]
        first = np.ones(len(use), dtype=bool)
        first[1:] = (f[1:] != f[:-1]) | (to[1:] != to[:-1])
        return use[first].astype(np.int32)

    @cached_property
    def forward_matrix(self) -> csr_matrix:
        """J×J CSR, entry [from, to] = fastest chain time."""
        c = self.best_chains
        j = self.n_junctions
        indptr = np.searchsorted(self.chain_from[c], np.arange(j + 1)).astype(np.int32)
        return csr_matrix((self.chain_time_s[c], self.chain_to[c].astype(np.int32), indptr), shape=(j, j))

    @cached_property
    def reverse_order(self) -> np.ndarray:
        """best_chains sorted by (to, from): the reverse CSR's arcs."""
        c = self.best_chains
        return c[np.lexsort((self.chain_from[c], self.chain_to[c]))]

    @cached_property
    def reverse_indptr(self) -> np.ndarray:
        return np.searchsorted(self.chain_to[self.reverse_order], np.arange(self.n_junctions + 1)).astype(np.int64)

    @cached_property
    def reverse_matrix(self) -> csr_matrix:
        """J×J CSR of the reversed junction graph: entry [to, from]."""
        c = self.reverse_order
        return csr_matrix((self.chain_time_s[c], self.chain_from[c].astype(np.int32),
                           self.reverse_indptr.astype(np.int32)), shape=(self.n_junctions, self.n_junctions))

    def reverse_lists(self) -> tuple[memoryview, memoryview, memoryview, memoryview]:
        """(indptr, from-junction, time_s, chain) of the reverse junction CSR as memoryviews
        (the Python heap search indexes them one element at a time)."""
        got = self._reverse_views
        if got is None:
            from .compiled import view
            c = self.reverse_order
            got = (view(self.reverse_indptr), view(self.chain_from[c]), view(self.chain_time_s[c]), view(c))
            self._reverse_views = got
        return got

    @cached_property
    def _best_keys(self) -> np.ndarray:
        c = self.best_chains
        keys: np.ndarray = self.chain_from[c].astype(np.int64) * self.n_junctions + self.chain_to[c]
        return keys

    def chains_between(self, frm: np.ndarray, to: np.ndarray) -> np.ndarray:
        """The junction-graph chain from junction `frm` to `to` (vectorised; -1: none)."""
        keys = np.asarray(frm, dtype=np.int64) * self.n_junctions + np.asarray(to, dtype=np.int64)
        if not len(self._best_keys):
            return np.full(len(keys), -1, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self._best_keys, keys), len(self._best_keys) - 1)
        return np.where(self._best_keys[pos] == keys, self.best_chains[pos], -1)

    # ---- points on the network -> junctions -------------------------------------------
    def _expand(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(index into `nodes`, junction id or -1, arc or -1): one row per junction node,
        one per out-arc of each bend point."""
        nodes = np.asarray(nodes, dtype=np.int64)
        jid = self.node_junction[nodes]
        isj = jid >= 0
        bi = np.flatnonzero(~isj)
        o0 = self.out_ptr[nodes[bi]]
        two = (self.out_ptr[nodes[bi] + 1] - o0) == 2
        ji = np.flatnonzero(isj)
        src = np.concatenate([ji, bi, bi[two]])
        junction = np.concatenate([jid[ji], np.full(len(bi) + int(two.sum()), -1, dtype=np.int32)])
        arc = np.concatenate([np.full(len(ji), -1, dtype=np.int64), o0, o0[two] + 1])
        return src, junction, arc

    def exits(self, nodes: np.ndarray, cost_s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Where a mover standing at `nodes` (having spent `cost_s`) first meets a junction,
        driving on: (index into nodes, junction, cost_s there, arc it leaves by or -1)."""
        src, junction, arc = self._expand(nodes)
        cost = np.asarray(cost_s, dtype=np.float64)[src]
        b = arc >= 0
        c = self.arc_chain[arc[b]]
        junction[b] = self.chain_to[c]
        cost[b] = cost[b] + self.arc_suffix_s[arc[b]]
        return src, junction, cost, arc

    def entries(self, nodes: np.ndarray, cost_s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The junctions a mover comes from to reach `nodes` (and then spend `cost_s`):
        (index into nodes, junction, cost_s from there, arc of the node on that chain or -1)."""
        src, junction, arc = self._expand(nodes)
        cost = np.asarray(cost_s, dtype=np.float64)[src]
        b = arc >= 0
        junction[b] = self.chain_from[self.arc_chain[arc[b]]]
        cost[b] = self.arc_prefix_s[arc[b]] + cost[b]
        return src, junction, cost, arc

    # ---- routes ------------------------------------------------------------------------
    def chain_rest(self, arc: int) -> np.ndarray:
        """Mode arcs from `arc` (inclusive) to the end of its chain."""
        c = int(self.arc_chain[arc])
        return self.chain_arcs[self.chain_ptr[c] + int(self.arc_pos[arc]):self.chain_ptr[c + 1]]

    def chain_head(self, arc: int) -> np.ndarray:
        """Mode arcs from the start of `arc`'s chain up to (not including) `arc`."""
        c = int(self.arc_chain[arc])
        return self.chain_arcs[self.chain_ptr[c]:self.chain_ptr[c] + int(self.arc_pos[arc])]

    def chain(self, c: int) -> np.ndarray:
        return self.chain_arcs[self.chain_ptr[c]:self.chain_ptr[c + 1]]

    @cached_property
    def sweep(self) -> Sweep:
        """The plan for walking along every chain at once (see Sweep)."""
        return Sweep.build(self)

    def nbytes(self) -> int:
        total = sum(v.nbytes for k, v in vars(self).items() if isinstance(v, np.ndarray) and k != "arc_time_s")
        if "sweep" in vars(self):
            total += sum(v.nbytes for v in vars(self.sweep).values() if isinstance(v, np.ndarray))
        for name in ("forward_matrix", "reverse_matrix"):
            m = vars(self).get(name)
            if m is not None:
                total += m.data.nbytes + m.indices.nbytes + m.indptr.nbytes
        return int(total)


@dataclass(eq=False)
class Sweep:
    """Arcs leaving bend points in *level order*: by position on their chain (1, 2, ...),
    then by chain. A value carried along every chain at once (the time from the chain's
    start junction, or from a source standing on the chain) then takes one vectorised
    step per position, each step reading the previous level's contiguous slice."""

    ptr: np.ndarray          # (L+1,) level boundaries; level 0 holds position 1
    arc: np.ndarray          # (R,) mode arc of each row
    prev: np.ndarray         # (R,) row of the arc before it on the chain (-1: the chain's first arc)
    time_prev_s: np.ndarray  # (R,) time of that previous arc
    start: np.ndarray        # (R,) chain's first junction (used on level 0)
    arc_row: np.ndarray      # (A,) row of each arc (-1: the arc leaves a junction)
    bend_node: np.ndarray    # (B,) bend points
    bend_row0: np.ndarray    # (B,) row of each bend point's out-arc(s) (equal when one-way)
    bend_row1: np.ndarray

    @classmethod
    def build(cls, con: Contracted) -> Sweep:
        inner = np.flatnonzero(con.arc_pos > 0)
        pos = con.arc_pos[inner]
        chain = con.arc_chain[inner]
        order = np.lexsort((chain, pos))
        inner, pos, chain = inner[order], pos[order], chain[order]
        prev_arc = con.chain_arcs[con.chain_ptr[chain] + pos - 1]
        arc_row = np.full(len(con.arc_chain), -1, dtype=np.int64)
        arc_row[inner] = np.arange(len(inner))
        top = int(pos[-1]) if len(pos) else 0
        ptr = np.searchsorted(pos, np.arange(1, top + 2)).astype(np.int64)
        bends = np.flatnonzero(con.node_junction < 0)
        o0 = con.out_ptr[bends]
        two = (con.out_ptr[bends + 1] - o0) == 2
        return cls(ptr=ptr, arc=inner.astype(np.int64), prev=arc_row[prev_arc],
                   time_prev_s=con.arc_time_s[prev_arc], start=con.chain_from[chain].astype(np.int64),
                   arc_row=arc_row, bend_node=bends.astype(np.int64), bend_row0=arc_row[o0],
                   bend_row1=arc_row[np.where(two, o0 + 1, o0)])


def _successors(tail: np.ndarray, head: np.ndarray, nl: np.ndarray, bend: np.ndarray, f_ptr: np.ndarray,
                outdeg: np.ndarray) -> np.ndarray:
    """For each arc into a bend point, the arc that carries on (not back where it came from)."""
    succ = np.full(len(tail), -1, dtype=np.int64)
    into = np.flatnonzero(nl & bend[head])
    x = head[into]
    o0 = f_ptr[x]
    turn_back = (outdeg[x] == 2) & (head[o0] == tail[into])
    succ[into] = np.where(turn_back, o0 + 1, o0)
    return succ


def _walk(starts: np.ndarray, succ: np.ndarray, n_arcs: int) -> tuple[np.ndarray, np.ndarray]:
    """Follow every chain from its first arc, all chains at once: chain id and position of every arc."""
    chain = np.full(n_arcs, -1, dtype=np.int32)
    pos = np.zeros(n_arcs, dtype=np.int32)
    cur = starts.astype(np.int64)
    cid = np.arange(len(starts), dtype=np.int32)
    step = 0
    while len(cur):
        if step > n_arcs:  # cannot happen: each step assigns new arcs
            raise RuntimeError("chain walk did not end")
        fresh = chain[cur] < 0
        cur, cid = cur[fresh], cid[fresh]
        chain[cur] = cid
        pos[cur] = step
        nxt = succ[cur]
        go = nxt >= 0
        cur, cid = nxt[go], cid[go]
        step += 1
    return chain, pos


def _sums(chain_ptr: np.ndarray, chain_arcs: np.ndarray, lengths: np.ndarray, t: np.ndarray, n_arcs: int,
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per arc: seconds from its chain's start to its tail (prefix) and from its tail to the
    chain's end (suffix); per chain: total. Added arc by arc along each chain (all chains at
    once, one step per position), so building and loading give the same bits."""
    n_chain = len(lengths)
    t_ca = t[chain_arcs]                 # times in chain order: every step reads ascending positions
    pre = np.empty(len(chain_arcs))
    suf = np.empty(len(chain_arcs))
    first = chain_ptr[:-1]
    pre[first] = 0.0
    run = 0.0 + t_ca[first]
    alive = np.flatnonzero(lengths > 1)
    steps: list[tuple[np.ndarray | None, np.ndarray]] = [(None, first)]
    p = 1
    while len(alive):
        at = chain_ptr[alive] + p
        pre[at] = run[alive]
        run[alive] = run[alive] + t_ca[at]
        steps.append((alive, at))
        p += 1
        alive = alive[lengths[alive] > p]
    acc = np.zeros(n_chain)
    for alive, at in reversed(steps):
        if alive is None:
            acc = t_ca[at] + acc
            suf[at] = acc
        else:
            acc[alive] = t_ca[at] + acc[alive]
            suf[at] = acc[alive]
    prefix = np.zeros(n_arcs)
    suffix = np.zeros(n_arcs)
    prefix[chain_arcs] = pre
    suffix[chain_arcs] = suf
    return prefix, suffix, run
