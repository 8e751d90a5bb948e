"""Plain networkx reference for `nearest`: full Dijkstra over the graph of record.

Written independently of the CSR search (its own arc list from the networkx edge
attributes, networkx's own Dijkstra) but with the same ETA definition (see
routing.search), so tests can demand equality and the benchmark can time the baseline.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

from .snap import SnapResult, snap, snap_point
from .speeds import check_mode

if TYPE_CHECKING:  # pragma: no cover
    from .graph import RoadGraph
    from .candidates import Candidates

INF = math.inf


class ReferenceRouter:
    """Reversed networkx DiGraph of the arcs `mode` may use (fastest of parallel arcs)."""

    def __init__(self, graph: RoadGraph, mode: str = "car") -> None:
        check_mode(mode)
        self.graph = graph
        self.mode = mode
        g = graph.to_networkx(with_geometry=False) if graph._nx is None else graph._nx
        attr = f"travel_time_{mode}"
        ignores = mode in graph.speeds.ignores_oneway
        rev = nx.DiGraph()
        rev.add_nodes_from(g.nodes)
        self.edge_time: dict[int, tuple[int, int, float, float]] = {}  # key -> (u, v, fwd_s, bwd_s)
        times = {key: d[attr] for _u, _v, key, d in g.edges(keys=True, data=True)}
        for u, v, key, d in g.edges(keys=True, data=True):
            t = d[attr]
            back = times[d["twin"]] if d["twin"] >= 0 else (t if ignores else INF)
            self.edge_time[key] = (u, v, t, back)
            arcs = []
            if t < INF:
                arcs.append((u, v, t))
            if d["oneway"] and ignores and t < INF:
                arcs.append((v, u, t))
            for a, b, w in arcs:  # reversed graph: b -> a
                old = rev.get_edge_data(b, a)
                if old is None or w < old["weight"]:
                    rev.add_edge(b, a, weight=w)
        self.reverse = rev
        self._snaps: dict[int, tuple[Candidates, SnapResult]] = {}

    def etas(self, scene_lonlat: tuple[float, float], candidates: Candidates,
             max_scene_snap_m: float = 500.0) -> dict[int, float] | str:
        """ETA per routable candidate id (inf = unreachable); or 'scene_invalid' /
        'scene_off_network'. Candidates of another mode, excluded or off-network are absent."""
        sc = snap_point(self.graph, scene_lonlat[0], scene_lonlat[1], max_scene_snap_m, self.mode)
        if sc.status == "invalid":
            return "scene_invalid"
        if sc.status != "ok":
            return "scene_off_network"
        su, sv, stf, stb = self.edge_time[sc.edge]
        virtual = ("scene",)
        self.reverse.add_node(virtual)
        if stf < INF:
            self.reverse.add_edge(virtual, su, weight=sc.fraction * stf)
        if stb < INF:
            self.reverse.add_edge(virtual, sv, weight=(1.0 - sc.fraction) * stb)
        try:
            dist = nx.single_source_dijkstra_path_length(self.reverse, virtual, weight="weight")
        finally:
            self.reverse.remove_node(virtual)
        excluded = set((candidates.excluded or {}).keys())
        ids = candidates.ids.tolist()
        use = [i for i, cid in enumerate(ids)
               if cid not in excluded and np.isfinite(candidates.lonlat[i]).all()
               and (candidates.modes is None or candidates.modes[i] == self.mode)]
        out: dict[int, float] = {}
        if not use:
            return out
        # candidates are snapped once per candidate set (as the fast path does), so the
        # baseline's time is its search, not re-snapping
        cached = self._snaps.get(id(candidates))
        if cached is None or cached[0] is not candidates:
            cached = (candidates, snap(self.graph, candidates.lonlat[use], candidates.max_snap_m, self.mode))
            self._snaps[id(candidates)] = cached
        res = cached[1]
        for j, i in enumerate(use):
            if not res.ok[j]:
                continue
            e, f = int(res.edge[j]), float(res.fraction[j])
            u, v, tf, tb = self.edge_time[e]
            best = min((1.0 - f) * tf + dist.get(v, INF) if tf < INF else INF,
                       f * tb + dist.get(u, INF) if tb < INF else INF)
            if e == sc.edge:
                if f <= sc.fraction and stf < INF:
                    best = min(best, (sc.fraction - f) * stf)
                if f >= sc.fraction and stb < INF:
                    best = min(best, (f - sc.fraction) * stb)
            out[ids[i]] = best
        return out

    def nearest(self, scene_lonlat: tuple[float, float], candidates: Candidates, k: int = 5,
                max_time_s: float | None = None) -> list[tuple[int, float]] | str:
        """[(id, eta_s)] of the k best by (eta, id), or the scene status string."""
        etas = self.etas(scene_lonlat, candidates)
        if isinstance(etas, str):
            return etas
        limit = INF if max_time_s is None else max_time_s
        ranked = sorted(((eta, cid) for cid, eta in etas.items() if eta < INF and eta <= limit))
        return [(cid, eta) for eta, cid in ranked[:k]]
