"""Coverage: ETA from the nearest of a set of origins (available officers) to every node,
in one multi-source Dijkstra run, plus the reach area as polygons and the share of
given points (sites, grid centroids) reachable within a time.

Each origin is snapped onto an edge and enters the network at the ends of its edge with
the partial-edge time, so ETAs follow the same definition as `nearest` (see
routing.search). The run itself is over the junction graph (routing.contract): origins
drive on to their chains' junctions, the junctions are solved in one multi-source run
(vectorised relaxation rounds when origins are dense, scipy's Dijkstra from a virtual
source when they are few), then every bend point is filled in one sweep along all chains.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from .snap import SnapResult, snap
from .speeds import check_mode

if TYPE_CHECKING:  # pragma: no cover
    from .compiled import ModeNet
    from .contract import Contracted
    from .graph import RoadGraph
    from .candidates import Candidates

INF = np.inf


def _exit_arcs(graph: RoadGraph, net: ModeNet, ok_mask: np.ndarray, edge: np.ndarray, fraction: np.ndarray,
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(origin index, node, cost_s) for every way an origin can enter the node network."""
    ok = np.flatnonzero(ok_mask)
    e = edge[ok]
    f = fraction[ok]
    tf, tb = net.seg_fwd_time_s[e], net.seg_bwd_time_s[e]
    with np.errstate(invalid="ignore"):
        ca = (1.0 - f) * tf
        cb = f * tb
    origin = np.concatenate([ok[np.isfinite(tf)], ok[np.isfinite(tb)]])
    node = np.concatenate([graph.edge_v[e][np.isfinite(tf)], graph.edge_u[e][np.isfinite(tb)]])
    cost = np.concatenate([ca[np.isfinite(tf)], cb[np.isfinite(tb)]])
    return origin, node.astype(np.int64), cost


# Sources per junction above which the vectorised relaxation rounds beat scipy's Dijkstra:
# with officers everywhere every junction is a few hops from its nearest source, so a
# dozen rounds over the frontier settle the city, while a heap holding tens of thousands
# of scattered sources is slow; with few sources the rounds would be many. (Measured:
# demo city 0.009, synthetic lattice below 0.008; 25,000 officers are ~0.3.)
DENSE_SOURCES_SHARE = 0.007


def multi_source(net: ModeNet, con: Contracted, node: np.ndarray, cost: np.ndarray, limit_s: float | None = None,
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Forward search from many (node, start cost) sources at once: (eta per node, index of
    the source that reaches it first, -1 if none).

    Runs over the junction graph (routing.contract): sources first drive on to their
    chains' junctions, the junctions are solved in one run, then every bend point takes
    the best of its chain's start junction and any source on the chain before it, in one
    vectorised sweep along all chains."""
    n = net.n_nodes
    node = np.asarray(node, dtype=np.int64)
    cost = np.asarray(cost, dtype=np.float64)
    if len(node) == 0:
        return np.full(n, INF), np.full(n, -1, dtype=np.int64)
    limit = INF if limit_s is None else float(limit_s)
    src, junction, jcost, arc = con.exits(node, cost)
    eta_j, lab_j = _junction_run(con, junction, jcost, src, limit)
    bend = arc >= 0
    eta, lab = _fill_bends(net, con, eta_j, lab_j, arc[bend], cost[src[bend]], src[bend], limit)
    return eta, lab


def _junction_run(con: Contracted, junction: np.ndarray, cost: np.ndarray, label: np.ndarray, limit: float,
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(eta, label) per junction from sources (junction, cost, label)."""
    j = con.n_junctions
    keep = cost <= limit
    roots, root_cost, root_lab = _cheapest(junction[keep], cost[keep], label[keep], j)
    if len(roots) >= DENSE_SOURCES_SHARE * j:
        return _relax_rounds(con, roots, root_cost, root_lab, limit)
    fm = con.forward_matrix
    m = len(roots)
    indptr = np.concatenate([fm.indptr, [fm.nnz + m]]).astype(np.int32)
    aug = csr_matrix((np.concatenate([fm.data, root_cost]), np.concatenate([fm.indices, roots]).astype(np.int32),
                      indptr), shape=(j + 1, j + 1))
    dist, pred = dijkstra(aug, directed=True, indices=j, return_predecessors=True, limit=limit)
    # pointer jumping: follow predecessors until the junction whose predecessor is the virtual node
    up = pred[:j].astype(np.int64)
    reached = up >= 0
    up = np.where(up == j, np.arange(j), np.where(reached, up, np.arange(j)))  # roots point to themselves
    for _ in range(64):
        nxt = up[up]
        if np.array_equal(nxt, up):
            break
        up = nxt
    lab_of_root = np.full(j, -1, dtype=np.int64)
    lab_of_root[roots] = root_lab
    return dist[:j], np.where(reached, lab_of_root[up], -1)


def _cheapest(key: np.ndarray, cost: np.ndarray, label: np.ndarray, size: int,
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(keys, least cost, a label with that cost) per distinct key, without sorting."""
    best = np.full(size, INF)
    np.minimum.at(best, key, cost)
    lab = np.full(size, -1, dtype=np.int64)
    win = cost == best[key]
    lab[key[win]] = label[win]
    keys = np.flatnonzero(best < INF)
    return keys, best[keys], lab[keys]


def _relax_rounds(con: Contracted, roots: np.ndarray, root_cost: np.ndarray, root_lab: np.ndarray, limit: float,
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Multi-source shortest times by synchronous relaxation rounds (vectorised Bellman-Ford
    over the frontier of junctions whose time improved). Same sums as Dijkstra, so the
    same result; fast only when sources are dense (few rounds)."""
    j = con.n_junctions
    fm = con.forward_matrix
    ind = fm.indptr.astype(np.int64)
    to = fm.indices
    w = fm.data
    dist = np.full(j, INF)
    lab = np.full(j, -1, dtype=np.int64)
    dist[roots] = root_cost
    lab[roots] = root_lab
    active = roots
    mark = np.zeros(j, dtype=bool)
    for _ in range(j + 1):
        if not len(active):
            break
        st = ind[active]
        cnt = ind[active + 1] - st
        tot = int(cnt.sum())
        if not tot:
            break
        ends = np.cumsum(cnt)
        arcs = np.arange(tot) - np.repeat(ends - cnt - st, cnt)
        hd = to[arcs]
        cand = np.repeat(dist[active], cnt) + w[arcs]
        better = np.flatnonzero((cand < dist[hd]) & (cand <= limit))
        if not len(better):
            break
        hd, cand = hd[better], cand[better]
        np.minimum.at(dist, hd, cand)
        win = cand == dist[hd]
        lab[hd[win]] = np.repeat(lab[active], cnt)[better[win]]
        mark[hd] = True
        active = np.flatnonzero(mark)
        mark[active] = False
    return dist, lab


def _fill_bends(net: ModeNet, con: Contracted, eta_j: np.ndarray, lab_j: np.ndarray, seed_arc: np.ndarray,
                seed_cost: np.ndarray, seed_lab: np.ndarray, limit: float) -> tuple[np.ndarray, np.ndarray]:
    """ETA and label of every node: junctions from the junction run; a bend point from the
    start junction of each chain through it, or from a source on that chain upstream
    (added arc by arc along the chain, as Dijkstra would)."""
    sw = con.sweep
    rows = len(sw.arc)
    val = np.empty(rows)
    lab = np.empty(rows, dtype=np.int64)
    s_val = np.full(rows, INF)               # sources standing at the row's bend point
    s_lab = np.full(rows, -1, dtype=np.int64)
    if len(seed_arc):
        r, sc, sl = _cheapest(sw.arc_row[seed_arc], seed_cost, seed_lab, rows)
        s_val[r] = sc
        s_lab[r] = sl
    for lv in range(len(sw.ptr) - 1):
        lo, hi = int(sw.ptr[lv]), int(sw.ptr[lv + 1])
        if lv == 0:
            st = sw.start[lo:hi]
            v = eta_j[st] + sw.time_prev_s[lo:hi]
            lb = lab_j[st]
        else:
            p = sw.prev[lo:hi]
            v = val[p] + sw.time_prev_s[lo:hi]
            lb = lab[p]
        sv = s_val[lo:hi]
        use = sv < v
        val[lo:hi] = np.where(use, sv, v)
        lab[lo:hi] = np.where(use, s_lab[lo:hi], lb)
    eta = np.empty(net.n_nodes)
    out = np.empty(net.n_nodes, dtype=np.int64)
    eta[con.junction_node] = eta_j
    out[con.junction_node] = lab_j
    v0, v1 = val[sw.bend_row0], val[sw.bend_row1]
    use1 = v1 < v0
    eta[sw.bend_node] = np.where(use1, v1, v0)
    out[sw.bend_node] = np.where(use1, lab[sw.bend_row1], lab[sw.bend_row0])
    if limit < INF:
        over = eta > limit
        eta[over] = INF
    out[~(eta < INF)] = -1
    return eta, out


@dataclass(eq=False)
class CoverageResult:
    graph: RoadGraph
    mode: str
    eta_s: np.ndarray            # (N,) per node from the nearest origin (inf: not reached)
    nearest_origin: np.ndarray   # (N,) index into the origins (-1: none)
    origin_ok: np.ndarray        # (M,) bool: the origin is on the network (and not excluded)
    origin_edge: np.ndarray      # (M,) representative edge (-1 when not ok)
    origin_fraction: np.ndarray  # (M,)
    limit_s: float
    horizon_s: float | None

    @property
    def n_origins_on_network(self) -> int:
        return int(self.origin_ok.sum())

    def eta_at(self, points_lonlat: np.ndarray, max_snap_m: float = 500.0) -> np.ndarray:
        """ETA from the nearest origin to each point (snapped onto its edge); inf when the
        point is off the network, invalid, or not reached."""
        sr = snap(self.graph, np.asarray(points_lonlat, dtype=np.float64).reshape(-1, 2), max_snap_m, self.mode)
        return self.eta_at_snapped(sr)

    def eta_at_snapped(self, sr: SnapResult) -> np.ndarray:
        """`eta_at` for points snapped once (sites, grid centroids): a refresh then costs
        only the arithmetic, not the snapping."""
        graph, net = self.graph, self.graph.net(self.mode)
        out = np.full(len(sr), INF)
        ok = np.flatnonzero(sr.ok)
        if not len(ok):
            return out
        e, f = sr.edge[ok], sr.fraction[ok]
        tf, tb = net.seg_fwd_time_s[e], net.seg_bwd_time_s[e]
        with np.errstate(invalid="ignore"):
            via_u = np.where(np.isfinite(tf), self.eta_s[graph.edge_u[e]] + f * tf, INF)
            via_v = np.where(np.isfinite(tb), self.eta_s[graph.edge_v[e]] + (1.0 - f) * tb, INF)
        best = np.minimum(via_u, via_v)
        # origins on the same segment can drive straight there: the nearest origin behind the
        # point (forward) and ahead of it (backward), found by one sorted search on (edge, fraction)
        o_ok = np.flatnonzero(self.origin_ok)
        if len(o_ok):
            o_key = np.sort(self.origin_edge[o_ok].astype(np.float64) * 2.0 + self.origin_fraction[o_ok])
            p_key = e.astype(np.float64) * 2.0 + f
            behind = np.searchsorted(o_key, p_key, side="right") - 1
            ahead = np.searchsorted(o_key, p_key, side="left")
            with np.errstate(invalid="ignore"):
                kb = o_key[np.maximum(behind, 0)]
                hit_b = (behind >= 0) & (np.floor(kb / 2.0) == e) & np.isfinite(tf)
                fwd = np.where(hit_b, (p_key - kb) * tf, INF)
                ka = o_key[np.minimum(ahead, len(o_key) - 1)]
                hit_a = (ahead < len(o_key)) & (np.floor(ka / 2.0) == e) & np.isfinite(tb)
                bwd = np.where(hit_a, (ka - p_key) * tb, INF)
            best = np.minimum(best, np.minimum(np.where(hit_b, fwd, INF), np.where(hit_a, bwd, INF)))
        if self.horizon_s is not None:
            best = np.where(best <= self.horizon_s, best, INF)
        out[ok] = best
        return out

    def share_within(self, points_lonlat: np.ndarray, limit_s: float | None = None, max_snap_m: float = 500.0) -> float:
        """Share (0..1) of the points reachable within `limit_s` (default: the result's
        limit). Points off the network count as not covered."""
        pts = np.asarray(points_lonlat, dtype=np.float64).reshape(-1, 2)
        if len(pts) == 0:
            raise ValueError("share_within: no points given")
        limit = self.limit_s if limit_s is None else float(limit_s)
        return float((self.eta_at(pts, max_snap_m) <= limit).mean())

    def raster(self, cell_m: float = 100.0, step_m: float | None = None) -> EtaRaster:
        """Drive time (s) per grid cell: the least ETA of any road point in the cell (NaN where
        no road or not reached). Roads are sampled every `step_m` (default cell_m / 2)."""
        if not (cell_m > 0):
            raise ValueError("cell_m must be > 0")
        step = cell_m / 2 if step_m is None else float(step_m)
        graph, net = self.graph, self.graph.net(self.mode)
        x0, y0, x1, y1 = graph.bounds_xy
        cols = int(np.floor((x1 - x0) / cell_m)) + 1
        rows = int(np.floor((y1 - y0) / cell_m)) + 1
        # sample every arc at fractions k/n (n from its length): eta = eta[tail] + s * time
        tail, head, tt = net.arc_tail, net.arc_head, net.arc_time_s
        length = net.arc_length_m
        n_s = np.maximum(1, np.ceil(length / step).astype(np.int64))
        start = self.eta_s[tail]
        use = np.isfinite(start)
        arc = np.repeat(np.flatnonzero(use), n_s[use])
        k = np.arange(len(arc)) - np.repeat(np.cumsum(n_s[use]) - n_s[use], n_s[use])
        frac = k / n_s[arc]
        a = graph.node_xy[tail[arc]]
        b = graph.node_xy[head[arc]]
        # straight-line interpolation between the junctions is enough at raster resolution
        xy = a + frac[:, None] * (b - a)
        eta = start[arc] + frac * tt[arc]
        xy = np.vstack([xy, graph.node_xy])
        eta = np.concatenate([eta, self.eta_s])
        ok = np.isfinite(eta)
        c = np.clip(((xy[ok, 0] - x0) / cell_m).astype(np.int64), 0, cols - 1)
        r = np.clip(((xy[ok, 1] - y0) / cell_m).astype(np.int64), 0, rows - 1)
        values = np.full(rows * cols, np.inf)
        np.minimum.at(values, r * cols + c, eta[ok])
        values[~np.isfinite(values)] = np.nan
        return EtaRaster(x0=float(x0), y0=float(y0), cell_m=float(cell_m),
                         values=values.reshape(rows, cols).astype(np.float32))

    def polygons(self, limit_s: float | None = None, cell_m: float = 50.0) -> Any:
        """Reach area within the limit (shapely Polygon/MultiPolygon, metres in graph.crs):
        the cells of a `cell_m` grid holding a road point reachable in time, outlined.
        Tracing the outline of a raster stays fast on a whole city, where unioning
        buffered lines or boxes takes minutes."""
        limit = self.limit_s if limit_s is None else float(limit_s)
        ras = self.raster(cell_m)
        return mask_to_polygons(np.nan_to_num(ras.values, nan=np.inf) <= limit, ras.x0, ras.y0, cell_m)

    def polygons_lonlat(self, limit_s: float | None = None, cell_m: float = 50.0) -> Any:
        import shapely
        geom = self.polygons(limit_s, cell_m)
        return shapely.transform(geom, lambda xy: self.graph.xy_to_lonlat(xy))


@dataclass(frozen=True)
class EtaRaster:
    """Grid of drive times; row 0 is the SOUTH edge (same layout as the domain's RasterGrid)."""

    x0: float
    y0: float
    cell_m: float
    values: np.ndarray  # (rows, cols) float32 seconds, NaN = no road / not reached


def _fill_saddles(mask: np.ndarray) -> np.ndarray:
    """Fill one cell of every 2×2 block whose True cells touch only at a corner, so every
    outline corner has one way on and rings never touch (each ring is then simple)."""
    m = mask.copy()
    for _ in range(100):
        a, b = m[:-1, :-1], m[:-1, 1:]
        c, d = m[1:, :-1], m[1:, 1:]
        s1 = a & d & ~b & ~c   # diagonal SW-NE
        s2 = b & c & ~a & ~d   # diagonal SE-NW
        if not (s1.any() or s2.any()):
            break
        r, col = np.nonzero(s1)
        m[r, col + 1] = True
        r, col = np.nonzero(s2)
        m[r, col] = True
    return m


def mask_to_polygons(mask: np.ndarray, x0: float, y0: float, cell_m: float) -> Any:
    """Outline of the True cells of a grid (row 0 south) as shapely polygons with holes.

    Cells that touch only at a corner are first joined by filling one neighbour cell
    (a one-cell overstatement at such contacts), so the outline is valid by construction."""
    import shapely
    from scipy import ndimage
    if not mask.any():
        return shapely.MultiPolygon()
    mask = _fill_saddles(np.asarray(mask, dtype=bool))
    rows, cols = mask.shape
    labels, _n = ndimage.label(mask)
    m = np.pad(mask, 1)
    r, c = np.nonzero(mask)
    rp, cp = r + 1, c + 1
    w = cols + 1  # corners per row
    # boundary edges with their covered cell on the left: E=0, N=1, W=2, S=3
    parts = []
    for d, nb, (a_r, a_c), (b_r, b_c) in (
            (0, ~m[rp - 1, cp], (0, 0), (0, 1)),
            (1, ~m[rp, cp + 1], (0, 1), (1, 1)),
            (2, ~m[rp + 1, cp], (1, 1), (1, 0)),
            (3, ~m[rp, cp - 1], (1, 0), (0, 0))):
        sel = np.flatnonzero(nb)
        parts.append(np.column_stack([(r[sel] + a_r) * w + c[sel] + a_c, (r[sel] + b_r) * w + c[sel] + b_c,
                                      np.full(len(sel), d), labels[r[sel], c[sel]]]))
    edges = np.vstack(parts)
    start, end, dirs, lab = edges[:, 0], edges[:, 1], edges[:, 2], edges[:, 3]
    order = np.argsort(start)
    pos = np.searchsorted(start[order], end)   # without saddles each corner has one way on
    nxt = order[pos].tolist()
    dirs_l, start_l, lab_l = dirs.tolist(), start.tolist(), lab.tolist()
    seen = bytearray(len(nxt))
    shell_of: dict[int, np.ndarray] = {}
    holes_of: dict[int, list[np.ndarray]] = {}
    for e0 in range(len(nxt)):
        if seen[e0]:
            continue
        cycle = []
        e = e0
        while not seen[e]:
            seen[e] = 1
            cycle.append(e)
            e = nxt[e]
        ring = [start_l[e] for i, e in enumerate(cycle) if dirs_l[e] != dirs_l[cycle[i - 1]]]
        v = np.array(ring + ring[:1])
        xy = np.column_stack([x0 + (v % w) * cell_m, y0 + (v // w) * cell_m])
        area2 = float(np.sum(xy[:-1, 0] * xy[1:, 1] - xy[1:, 0] * xy[:-1, 1]))
        if area2 > 0:
            shell_of[lab_l[e0]] = xy
        else:
            holes_of.setdefault(lab_l[e0], []).append(xy)
    polys = [shapely.Polygon(sh, holes_of.get(k, [])) for k, sh in sorted(shell_of.items())]
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def coverage(graph: RoadGraph, origins: np.ndarray | Candidates, mode: str = "car", limit_s: float = 300.0,
             horizon_s: float | None = None, max_snap_m: float = 500.0) -> CoverageResult:
    """ETA from the nearest origin to every node (one multi-source run).

    `origins`: (M,2) lon/lat, or a `Candidates` set (its cached snap is reused, so a
    coverage refresh on a snapshot costs only the search; excluded candidates and those
    of another mode are not origins). `limit_s` is the reach threshold used by
    polygons()/share_within(); `horizon_s` (optional) stops the search there."""
    from .candidates import C_OK, Candidates
    check_mode(mode)
    if not (limit_s >= 0):
        raise ValueError(f"limit_s must be >= 0, got {limit_s!r}")
    net = graph.net(mode)
    if isinstance(origins, Candidates):
        sc = origins.snapped(graph, mode)
        ok, edge, frac = sc.status == C_OK, sc.edge, sc.fraction
    else:
        pts = np.asarray(origins, dtype=np.float64)
        if pts.size == 0:
            pts = pts.reshape(0, 2)
        if pts.ndim != 2 or pts.shape[1] != 2:
            raise ValueError(f"origins must be (M,2) lon/lat, got shape {pts.shape}")
        sr = snap(graph, pts, max_snap_m, mode)
        ok, edge, frac = sr.ok, sr.edge, sr.fraction
    origin, node, cost = _exit_arcs(graph, net, ok, edge, frac)
    eta, src = multi_source(net, graph.contracted(mode), node, cost, horizon_s)
    nearest_origin = np.where(src >= 0, origin[np.maximum(src, 0)] if len(origin) else -1, -1)
    return CoverageResult(graph=graph, mode=mode, eta_s=eta, nearest_origin=nearest_origin.astype(np.int64),
                          origin_ok=np.asarray(ok, dtype=bool), origin_edge=np.asarray(edge),
                          origin_fraction=np.asarray(frac), limit_s=float(limit_s), horizon_s=horizon_s)
