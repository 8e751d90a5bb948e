"""Routes of chosen candidates: expanded from junctions and chains back to the graph's own
arcs, and turned into geometry only when someone asks for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .candidates import SnappedCandidates
from .outcome import SearchOutcome
from .seeding import MAX_SEEDS, Hit, Seed
from .snap import PointSnap, split_polyline

if TYPE_CHECKING:  # pragma: no cover
    from .compiled import ModeNet
    from .contract import Contracted
    from .graph import RoadGraph


class Pick:
    """One chosen candidate: ETA, road distance and route. The route geometry is
    assembled on first access (most callers only need the ids and ETAs)."""

    __slots__ = ("id", "eta_s", "mode", "rank", "snap_distance_m", "_route", "_graph", "_xy", "_dist", "_nodes")

    def __init__(self, id: int, eta_s: float, mode: str, rank: int, snap_distance_m: float,
                 route: Route, graph: RoadGraph) -> None:
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
class Route:
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


def route_for(net: ModeNet, con: Contracted, s: SnappedCandidates, sc: PointSnap, seeds: list[Seed],
              outcome: SearchOutcome, hit: Hit) -> Route:
    """The chosen candidate's route, expanded from junctions and chains back to mode arcs."""
    _eta, _cid, i, via = hit
    e = int(s.edge[i])
    f = float(s.fraction[i])
    if via == -1:
        return Route(net, e, f, 0, (), sc.edge, sc.fraction, 0)
    if via <= -2:   # along the scene's chain, no junction on the way
        x, si = divmod(-2 - via, MAX_SEEDS)
        a, b = int(s.ent_arc[x]), seeds[si].arc
        c = int(con.arc_chain[a])
        base = int(con.chain_ptr[c])
        arcs = con.chain_arcs[base + int(con.arc_pos[a]):base + int(con.arc_pos[b])].tolist()
        return Route(net, e, f, int(s.ent_side[x]), tuple(arcs), sc.edge, sc.fraction, seeds[si].s_dir)
    parts: list[np.ndarray] = []
    a = int(s.ent_arc[via])
    if a >= 0:
        parts.append(con.chain_rest(a))
    between, seed = outcome.trace(con, seeds, int(s.ent_junction[via]))
    parts.extend(between)
    if seed.arc >= 0:
        parts.append(con.chain_head(seed.arc))
    arcs = np.concatenate(parts).tolist() if parts else []
    return Route(net, e, f, int(s.ent_side[via]), tuple(arcs), sc.edge, sc.fraction, seed.s_dir)
