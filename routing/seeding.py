"""Where a reverse search from the scene starts (seeds), and the candidates that reach the
scene without passing any junction (checked directly, outside the search)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .candidates import SnappedCandidates
from .snap import PointSnap

if TYPE_CHECKING:  # pragma: no cover
    from .compiled import ModeNet
    from .contract import Contracted
    from .graph import RoadGraph

INF = math.inf
MAX_SEEDS = 8   # a scene has at most 4 seeds (2 entry nodes × 2 chains)

# A candidate reached: (eta_s, candidate id, candidate index, via). `via` says how: >= 0 the
# entry index through which it joined the junction search; -1 along the scene's own
# segment; <= -2 upstream on the scene's chain (code -2 - (entry × MAX_SEEDS + seed)).
# A plain tuple, not a class: the heap search pushes thousands of them per query.
Hit = tuple[float, int, int, int]
@dataclass(frozen=True)
class Seed:
    """Where the reverse search starts: a junction from which the scene is `cost` seconds
    away, reached through the scene's edge from its tail (`s_dir` +1) or head (-1); when
    the node next to the scene is a bend point, along a chain whose arc out of that node
    is `arc` (the scene is `node_cost` seconds beyond that node)."""

    junction: int
    cost: float
    s_dir: int
    arc: int
    node_cost: float


def seeds_of(graph: RoadGraph, net: ModeNet, con: Contracted, sc: PointSnap) -> list[Seed]:
    """The junctions the scene is reached from, each with its time to the scene (empty when
    the mode may use the scene's segment in neither direction)."""
    e = sc.edge
    nodes: list[int] = []
    costs: list[float] = []
    dirs: list[int] = []
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
    return [Seed(int(j), float(c), dirs[i], int(a), costs[i])
            for i, j, c, a in zip(src.tolist(), junction.tolist(), cost.tolist(), arc.tolist())]


def direct_hits(net: ModeNet, con: Contracted, s: SnappedCandidates, sc: PointSnap,
                seeds: list[Seed]) -> list[Hit]:
    """Candidates that reach the scene without passing a junction: (eta, id, index, via).

    On the scene's own segment, driving straight to it (via -1); or leaving their edge into
    a bend point of the chain the scene lies on, upstream of the scene (via -2 - code)."""
    out: list[Hit] = []
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
            out.append((eta, int(ids[i]), i, -2 - (x * MAX_SEEDS + si)))
    return out


