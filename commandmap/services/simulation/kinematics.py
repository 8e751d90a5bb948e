"""Simulator kinematics: movers patrolling the road graph and movers following a route.

Pure (numpy, no SQL): positions are computed from graph arrays only, so the rules
are tested directly and are deterministic for a seeded generator.

Patrol: each mover is on an *arc* of its travel mode's network (routing.compiled),
at `s_m` metres from the arc's tail. Advancing moves `speed × dt` metres, carrying
any remainder into the next arc, chosen at random among the arcs leaving the
junction (no U-turn unless it is a dead end). Route: a mover follows a polyline
(the task's route) at its own speed and stops at the end.
"""

from __future__ import annotations

import numpy as np

_MAX_ARCS_PER_STEP = 64   # a huge time step never loops forever on very short arcs


class EdgeGeometry:
    """Vectorised point-at-distance along the graph's edge polylines."""

    def __init__(self, graph) -> None:  # type: ignore[no-untyped-def]
        self.graph = graph
        off = graph.edge_geom_offsets
        xy = graph.edge_geom_xy
        self.off = off
        self.xy = xy
        n_pts = len(xy)
        edge_of_point = np.repeat(np.arange(graph.n_edges), np.diff(off))
        step = np.zeros(n_pts)
        if n_pts > 1:
            seg = np.hypot(*np.diff(xy, axis=0).T)
            same = edge_of_point[1:] == edge_of_point[:-1]
            step[1:] = np.where(same, seg, 0.0)
        cum_all = np.cumsum(step)
        first = off[:-1]
        self.geom_len = cum_all[off[1:] - 1] - cum_all[first]
        # a global, non-decreasing coordinate: edge e's point p sits at base[e] + (distance along e)
        self.base = np.r_[0.0, np.cumsum(self.geom_len + 1.0)][:-1]    # +1 m gap keeps edges apart
        self.key = self.base[edge_of_point] + (cum_all - cum_all[first][edge_of_point])

    def point_at(self, edge: np.ndarray, s_m: np.ndarray, reverse: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
        """(xy (N,2), heading_deg (N,)) at `s_m` metres along each edge (from its end if `reverse`).

        `s_m` is in the edge's nominal length (edge_length_m) and is scaled to its geometry.
        """
        e = np.asarray(edge, dtype=np.int64)
        length = self.graph.edge_length_m[e]
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = np.clip(np.where(length > 0, np.asarray(s_m, float) / length, 0.0), 0.0, 1.0)
        rev = np.zeros(len(e), bool) if reverse is None else np.asarray(reverse, bool)
        frac = np.where(rev, 1.0 - frac, frac)
        pos = self.base[e] + frac * self.geom_len[e]
        j = np.searchsorted(self.key, pos, side="right") - 1
        j = np.clip(j, self.off[e], self.off[e + 1] - 2)
        a, b = self.xy[j], self.xy[j + 1]
        span = self.key[j + 1] - self.key[j]
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.clip(np.where(span > 0, (pos - self.key[j]) / span, 0.0), 0.0, 1.0)
        xy = a + t[:, None] * (b - a)
        d = np.where(rev[:, None], a - b, b - a)
        heading = (np.degrees(np.arctan2(d[:, 0], d[:, 1])) + 360.0) % 360.0
        return xy, heading


class PatrolWalk:
    """Random patrols of movers of one travel mode."""

    def __init__(self, graph, mode: str, rng: np.random.Generator, speed_factor: float = 0.6) -> None:  # type: ignore[no-untyped-def]
        self.graph = graph
        self.mode = mode
        self.net = graph.net(mode)
        self.rng = rng
        self.speed_factor = speed_factor
        net = self.net
        with np.errstate(invalid="ignore", divide="ignore"):
            self.arc_speed_mps = np.where(net.arc_time_s > 0, net.arc_length_m / net.arc_time_s, 1.0)
        self._indptr = net.f_indptr.tolist()
        self._f_arc = net.f_arc.tolist()
        self._head = net.arc_head.tolist()
        self._tail = net.arc_tail.tolist()
        self._len = net.arc_length_m.tolist()

    def random_arcs(self, n: int) -> np.ndarray:
        return self.rng.integers(0, self.net.n_arcs, size=n)

    def arcs_at(self, edge: np.ndarray, fraction: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(arc, s_m) for points snapped on edges (forward arc when the mode may use it)."""
        net = self.net
        e = np.asarray(edge, np.int64)
        f = np.nan_to_num(np.asarray(fraction, float))
        fwd = net.arcs_between(net.edge_u[e], net.edge_v[e])
        bwd = net.arcs_between(net.edge_v[e], net.edge_u[e])
        use_fwd = fwd >= 0
        arc = np.where(use_fwd, fwd, bwd)
        s = np.where(use_fwd, f, 1.0 - f) * net.arc_length_m[np.maximum(arc, 0)]
        missing = arc < 0
        if missing.any():   # not usable by this mode at all: start somewhere random
            arc[missing] = self.random_arcs(int(missing.sum()))
            s[missing] = 0.0
        return arc.astype(np.int64), s

    def _next_arc(self, arc: int) -> int:
        node = self._head[arc]
        lo, hi = self._indptr[node], self._indptr[node + 1]
        options = [self._f_arc[i] for i in range(lo, hi)]
        if not options:
            return arc  # nowhere to go (cannot happen on a strongly connected graph)
        if len(options) > 1:
            back = self._tail[arc]
            forward = [a for a in options if self._head[a] != back]
            if forward:
                options = forward
        return options[int(self.rng.integers(len(options)))]

    def advance(self, arc: np.ndarray, s_m: np.ndarray, dt_s: float) -> tuple[np.ndarray, np.ndarray]:
        """New (arc, s_m) after `dt_s` seconds of patrol."""
        arc = np.asarray(arc, np.int64).copy()
        s = np.asarray(s_m, float) + self.arc_speed_mps[arc] * self.speed_factor * dt_s
        length = self.net.arc_length_m[arc]
        over = np.flatnonzero(s >= length)
        for i in over.tolist():     # the few movers that pass a junction this step
            a, rest = int(arc[i]), float(s[i])
            for _ in range(_MAX_ARCS_PER_STEP):
                if rest < self._len[a]:
                    break
                rest -= self._len[a]
                nxt = self._next_arc(a)
                # the remainder continues at the new arc's speed
                rest *= self.arc_speed_mps[nxt] / max(self.arc_speed_mps[a], 1e-6)
                a = nxt
            arc[i], s[i] = a, min(rest, self._len[a])
        return arc, s

    def positions(self, geometry: EdgeGeometry, arc: np.ndarray, s_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        net = self.net
        a = np.asarray(arc, np.int64)
        return geometry.point_at(net.arc_edge[a], s_m, net.arc_reversed[a])


class RouteFollower:
    """One mover along a polyline (metres) at a constant speed."""

    def __init__(self, xy: np.ndarray, speed_mps: float) -> None:
        pts = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        if len(pts) == 1:
            pts = np.vstack([pts, pts])
        self.xy = pts
        seg = np.hypot(*np.diff(pts, axis=0).T)
        self.cum = np.r_[0.0, np.cumsum(seg)]
        self.length_m = float(self.cum[-1])
        self.speed_mps = max(float(speed_mps), 0.1)
        self.s_m = 0.0

    @property
    def done(self) -> bool:
        return self.s_m >= self.length_m

    def advance(self, dt_s: float) -> None:
        self.s_m = min(self.length_m, self.s_m + self.speed_mps * dt_s)

    def position(self) -> tuple[np.ndarray, float]:
        """(xy, heading_deg) now."""
        j = int(np.clip(np.searchsorted(self.cum, self.s_m, side="right") - 1, 0, len(self.xy) - 2))
        span = self.cum[j + 1] - self.cum[j]
        t = 0.0 if span <= 0 else min(max((self.s_m - self.cum[j]) / span, 0.0), 1.0)
        a, b = self.xy[j], self.xy[j + 1]
        d = b - a
        heading = float((np.degrees(np.arctan2(d[0], d[1])) + 360.0) % 360.0)
        return a + t * d, heading
