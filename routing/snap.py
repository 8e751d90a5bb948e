"""Snapping lon/lat points onto the nearest road *edge* (not node), in batches.

Why edges: an officer halfway along a 400 m block is 200 m from either junction;
snapping to nodes would add or remove up to half a block of driving. The ETA model
(see routing.search) starts and ends partway along edges.

Index: a uniform grid of cells (side `cell_m`); each straight piece of every segment is
registered in every cell that comes within `buffer_m` of the piece's bounding box.
So a point's own cell lists every piece within `buffer_m` of it, and the answer from
that one cell is exact whenever the best distance found is <= `buffer_m`. Points where
that does not hold look at the 3×3 block (exact up to buffer + distance to the block's
border), and the rare rest (far from any road) go to a shapely STRtree, exact too.
Pieces are stored in cell order, one 64-byte record each, so testing a candidate piece
costs one cache line (25,000 points take ~13 ms on the 269k-node demo city).

One index serves every travel mode: a mode that may not use some roads (walkers on a
motorway) passes a per-piece mask, and those pieces never win.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from .speeds import check_mode

if TYPE_CHECKING:  # pragma: no cover
    from .graph import RoadGraph

SNAP_OK, SNAP_OFF_NETWORK, SNAP_INVALID = 0, 1, 2
SNAP_STATUS = ("ok", "off_network", "invalid")
_MAX_CELLS = 4_000_000
_MIN_CELL_M = 50.0
_BUFFER_SHARE = 0.6      # buffer_m = share * cell_m
_SPLIT_CELLS = 3.0       # pieces longer than this many cells are split for the index




@dataclass(eq=False)
class SnapIndex:
    """One index over every segment, shared by all travel modes: a mode that may not use
    some segments passes a per-piece mask (`usable`) and those pieces are skipped."""

    origin: np.ndarray        # (2,) grid origin (metres); piece coordinates are relative to it
    cell_m: float
    buffer_m: float
    nx: int
    ny: int
    cell_indptr: np.ndarray   # (nx*ny+1,) into cell_piece
    cell_piece: np.ndarray    # (R,) int32 piece ids
    # (P,8) one 64-byte row per piece, so a candidate costs one cache line: start ax, ay
    # (relative to origin), vector dx, dy, squared length, distance along the edge where the
    # piece starts, the edge's length, the representative edge id
    piece_rec: np.ndarray
    _trees: dict[str, object] = field(default_factory=dict, repr=False)
    _usable: dict[str, np.ndarray | None] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # row-major whatever the source: a saved index is read back column-major, and gathering
        # rows from that made each snap ~15x slower (4 ms for 64 officers, most of a recommendation)
        self.piece_rec = np.ascontiguousarray(self.piece_rec, dtype=np.float64)

    @classmethod
    def build(cls, graph: RoadGraph) -> SnapIndex:
        """Index every segment (one representative edge per two-way pair)."""
        e_all = np.arange(graph.n_edges)
        rep = (graph.edge_twin < 0) | (e_all < graph.edge_twin)
        edges = np.flatnonzero(rep)
        off = graph.edge_geom_offsets
        xy = graph.edge_geom_xy
        cnt = off[edges + 1] - off[edges] - 1  # pieces per edge
        piece_edge = np.repeat(edges, cnt).astype(np.int32)
        first_piece = np.repeat(np.cumsum(cnt) - cnt, cnt)
        start_row = np.repeat(off[edges], cnt) + np.arange(int(cnt.sum())) - first_piece
        a = xy[start_row]
        b = xy[start_row + 1]
        seglen = np.hypot(*(b - a).T)
        cum = np.concatenate([[0.0], np.cumsum(seglen)])
        s0 = cum[:-1] - cum[first_piece]
        keep = seglen > 0
        a, b, s0, piece_edge, seglen = a[keep], b[keep], s0[keep], piece_edge[keep], seglen[keep]
        if len(a):
            lo = np.minimum(a.min(axis=0), b.min(axis=0))
            hi = np.maximum(a.max(axis=0), b.max(axis=0))
        else:
            lo = hi = np.zeros(2)
        span = np.maximum(hi - lo, 1.0)
        cell = max(_MIN_CELL_M, float(np.sqrt(span[0] * span[1] / _MAX_CELLS)))
        buffer_m = _BUFFER_SHARE * cell
        n_sub = np.maximum(1, np.ceil(seglen / (_SPLIT_CELLS * cell)).astype(np.int64))
        if len(n_sub) and n_sub.max() > 1:
            rep_i = np.repeat(np.arange(len(a)), n_sub)
            k = np.arange(int(n_sub.sum())) - np.repeat(np.cumsum(n_sub) - n_sub, n_sub)
            frac0 = k / n_sub[rep_i]
            frac1 = (k + 1) / n_sub[rep_i]
            d = b - a
            a, b = a[rep_i] + frac0[:, None] * d[rep_i], a[rep_i] + frac1[:, None] * d[rep_i]
            s0 = s0[rep_i] + frac0 * seglen[rep_i]
            piece_edge = piece_edge[rep_i]
        origin = lo - 3 * cell  # margin all round so 3×3 blocks never leave the grid
        a = a - origin
        b = b - origin
        nx, ny = _grid_shape(span, cell)
        # store pieces in cell order of their midpoints: neighbours in space are neighbours in memory
        mid = (a + b) / 2
        order = np.argsort(np.floor(mid[:, 1] / cell) * nx + np.floor(mid[:, 0] / cell), kind="stable")
        a, b, s0, piece_edge = a[order], b[order], s0[order], piece_edge[order]
        d = b - a
        cx0 = np.floor((np.minimum(a[:, 0], b[:, 0]) - buffer_m) / cell).astype(np.int64)
        cx1 = np.floor((np.maximum(a[:, 0], b[:, 0]) + buffer_m) / cell).astype(np.int64)
        cy0 = np.floor((np.minimum(a[:, 1], b[:, 1]) - buffer_m) / cell).astype(np.int64)
        cy1 = np.floor((np.maximum(a[:, 1], b[:, 1]) + buffer_m) / cell).astype(np.int64)
        wx = cx1 - cx0 + 1
        per = wx * (cy1 - cy0 + 1)
        pid = np.repeat(np.arange(len(a), dtype=np.int32), per)
        k = np.arange(int(per.sum())) - np.repeat(np.cumsum(per) - per, per)
        wxr = np.repeat(wx, per)
        cells = (np.repeat(cy0, per) + k // wxr) * nx + np.repeat(cx0, per) + k % wxr
        corder = np.argsort(cells, kind="stable")
        idx_dtype = np.int32 if len(corder) < 2**31 else np.int64
        indptr = np.zeros(nx * ny + 1, dtype=idx_dtype)
        np.cumsum(np.bincount(cells, minlength=nx * ny), out=indptr[1:])
        rec = np.column_stack([a, d, (d * d).sum(axis=1), s0, graph.edge_length_m[piece_edge], piece_edge])
        return cls(origin=origin, cell_m=cell, buffer_m=buffer_m, nx=nx, ny=ny, cell_indptr=indptr,
                   cell_piece=pid[corder], piece_rec=rec)

    # ---- persistence (see RoadGraph.save) ----------------------------------------------
    def arrays(self) -> dict[str, np.ndarray]:
        """What a saved graph keeps of the index: the cell index as per-cell counts (small
        integers), pieces without what follows from the rest (squared length, edge length)."""
        counts = np.diff(self.cell_indptr)
        top = int(counts.max()) if len(counts) else 0
        small = np.uint8 if top < 2**8 else np.uint16 if top < 2**16 else np.uint32
        return {"cell_counts": counts.astype(small), "cell_piece": self.cell_piece,
                "piece_geo": self.piece_rec[:, [0, 1, 2, 3, 5]], "piece_edge": self.piece_edge,
                "origin": self.origin, "grid": np.array([self.cell_m, self.buffer_m, self.nx, self.ny], dtype=np.float64)}

    @classmethod
    def from_arrays(cls, graph: RoadGraph, arrays: dict[str, np.ndarray]) -> SnapIndex:
        cell_m, buffer_m, nx_f, ny_f = (float(v) for v in arrays["grid"])
        nx, ny = int(nx_f), int(ny_f)
        counts = arrays["cell_counts"]
        piece = arrays["cell_piece"].astype(np.int32, copy=False)
        geo = arrays["piece_geo"].astype(np.float64, copy=False)
        p_edge = arrays["piece_edge"].astype(np.int64, copy=False)
        if counts.shape != (nx * ny,) or geo.ndim != 2 or geo.shape[1] != 5 or p_edge.shape != (len(geo),) \
                or (len(piece) and (int(piece.max()) >= len(geo) or int(piece.min()) < 0)) \
                or (len(p_edge) and not (0 <= int(p_edge.min()) and int(p_edge.max()) < graph.n_edges)):
            raise ValueError("saved snap index does not fit this graph")
        idx_dtype = np.int32 if len(piece) < 2**31 else np.int64
        indptr = np.zeros(nx * ny + 1, dtype=idx_dtype)
        np.cumsum(counts, out=indptr[1:])
        if int(indptr[-1]) != len(piece):
            raise ValueError("saved snap index is inconsistent")
        d = geo[:, 2:4]
        rec = np.column_stack([geo[:, 0:4], (d * d).sum(axis=1), geo[:, 4], graph.edge_length_m[p_edge], p_edge])
        return cls(origin=arrays["origin"].astype(np.float64), cell_m=cell_m, buffer_m=buffer_m, nx=nx, ny=ny,
                   cell_indptr=indptr, cell_piece=piece, piece_rec=rec)

    @property
    def n_pieces(self) -> int:
        return int(len(self.piece_rec))

    @cached_property
    def piece_edge(self) -> np.ndarray:
        return self.piece_rec[:, 7].astype(np.int32)

    def usable(self, graph: RoadGraph, mode: str | None) -> np.ndarray | None:
        """Per piece: may `mode` use its segment (either direction)? None when every piece is usable."""
        if mode is None:
            return None
        key = check_mode(mode)
        if key not in self._usable:
            tt = graph.travel_time_s(key)
            twin = graph.edge_twin
            seg_ok = np.isfinite(tt) | ((twin >= 0) & np.isfinite(tt[np.maximum(twin, 0)]))
            mask = seg_ok[self.piece_edge]
            self._usable[key] = None if mask.all() else mask
        return self._usable[key]

    # ------------------------------------------------------------------------------------
    def _cells_pass(self, q: np.ndarray, block: int, usable: np.ndarray | None = None,
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Best usable piece among the cells of the block×block square centred on each
        point's cell (block 1 or 3).
        (piece or -1, t, d2, exact, the piece's record row)."""
        n = len(q)
        half = block // 2
        gx = q[:, 0] / self.cell_m
        gy = q[:, 1] / self.cell_m
        ix = np.floor(gx)
        iy = np.floor(gy)
        inside = (ix >= half) & (ix < self.nx - half) & (iy >= half) & (iy < self.ny - half)
        base = (np.where(inside, iy, half) * self.nx + np.where(inside, ix, half)).astype(np.int64)
        if block == 1:
            cells = base
        else:
            dy, dx = np.divmod(np.arange(block * block), block)
            cells = (base[:, None] + ((dy - half) * self.nx + (dx - half))).ravel()
        st = self.cell_indptr[cells].astype(np.int64)
        cn = self.cell_indptr[cells + 1] - st
        if not inside.all():
            cn = np.where(np.repeat(inside, block * block), cn, 0)
        per = cn if block == 1 else cn.reshape(n, block * block).sum(axis=1)
        tot = int(per.sum())
        best_piece = np.full(n, -1, dtype=np.int64)
        best_t = np.zeros(n)
        best_d2 = np.full(n, np.inf)
        best_row = np.zeros((n, 8))
        if tot:
            ends = np.cumsum(per)
            pos = np.arange(tot) - np.repeat(np.cumsum(cn) - cn - st, cn)
            pc = self.cell_piece[pos]
            r = np.take(self.piece_rec, pc, axis=0)
            px = np.repeat(q[:, 0], per) - r[:, 0]
            py = np.repeat(q[:, 1], per) - r[:, 1]
            t = (px * r[:, 2] + py * r[:, 3]) / r[:, 4]
            np.clip(t, 0.0, 1.0, out=t)
            px -= t * r[:, 2]
            py -= t * r[:, 3]
            d2 = px * px + py * py
            if usable is not None:
                d2[~usable[pc]] = np.inf
            has = per > 0
            best_d2[has] = np.minimum.reduceat(d2, (ends - per)[has])
            hit = np.flatnonzero(d2 == np.repeat(best_d2, per))
            grp = np.searchsorted(ends, hit, side="right")
            new_grp = np.ones(len(hit), dtype=bool)
            new_grp[1:] = grp[1:] != grp[:-1]
            if len(hit) > new_grp.sum():  # ties (a point nearest to a junction): lowest piece id wins
                min_pc = np.minimum.reduceat(pc[hit], np.flatnonzero(new_grp))
                first = pc[hit] == np.repeat(min_pc, np.diff(np.append(np.flatnonzero(new_grp), len(hit))))
                hit, grp = hit[first], grp[first]
                new_grp = np.ones(len(hit), dtype=bool)
                new_grp[1:] = grp[1:] != grp[:-1]
            win, at = grp[new_grp], hit[new_grp]
            best_piece[win] = pc[at]
            best_t[win] = t[at]
            best_row[win] = r[at]
            if usable is not None:
                best_piece[best_d2 == np.inf] = -1
        margin: float | np.ndarray = self.buffer_m
        if block > 1:  # plus the distance from the point to the border of the block
            fx, fy = gx - ix, gy - iy
            margin = margin + (half + np.minimum(np.minimum(fx, 1 - fx), np.minimum(fy, 1 - fy))) * self.cell_m
        exact = inside & (best_d2 <= np.square(margin))
        return best_piece, best_t, best_d2, exact, best_row

    def _fallback(self, q: np.ndarray, max_distance_m: float, usable: np.ndarray | None = None,
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        import shapely
        n = len(q)
        piece = np.full(n, -1, dtype=np.int64)
        t = np.zeros(n)
        d2 = np.full(n, np.inf)
        ids = np.arange(self.n_pieces) if usable is None else np.flatnonzero(usable)
        if n == 0 or len(ids) == 0:
            return piece, t, d2
        key = "*" if usable is None else str(id(usable))
        tree = self._trees.get(key)
        if tree is None:
            a = self.piece_rec[ids, 0:2]
            tree = shapely.STRtree(shapely.linestrings(np.stack([a, a + self.piece_rec[ids, 2:4]], axis=1)))
            self._trees[key] = tree
        res = tree.query_nearest(shapely.points(q), max_distance=max_distance_m, all_matches=True)  # type: ignore[attr-defined]
        if res.shape[1] == 0:
            return piece, t, d2
        qi, pc = res[0], ids[res[1]]
        r = self.piece_rec[pc]
        p = q[qi] - r[:, 0:2]
        tt = np.clip((p * r[:, 2:4]).sum(axis=1) / r[:, 4], 0.0, 1.0)
        e = p - tt[:, None] * r[:, 2:4]
        dist2 = (e * e).sum(axis=1)
        order = np.lexsort((pc, dist2, qi))
        qi, pc, tt, dist2 = qi[order], pc[order], tt[order], dist2[order]
        first = np.concatenate([[True], qi[1:] != qi[:-1]])
        piece[qi[first]] = pc[first]
        t[qi[first]] = tt[first]
        d2[qi[first]] = dist2[first]
        return piece, t, d2

    def query_xy(self, xy: np.ndarray, max_distance_m: float, usable: np.ndarray | None = None,
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(edge, fraction, distance_m, point_xy) for points in metres; edge -1 when nothing is in range."""
        q = np.asarray(xy, dtype=np.float64) - self.origin
        n = len(q)
        # (sorting the points by cell first was measured: the gathers stay random across a
        # city either way, and the sort and scatter back cost more than they save)
        piece, t, d2, exact, row = self._cells_pass(q, 1, usable)
        todo = np.flatnonzero(~exact)
        if len(todo):
            p2, t2, d22, ex2, row2 = self._cells_pass(q[todo], 3, usable)
            piece[todo], t[todo], d2[todo], row[todo] = p2, t2, d22, row2
            todo = todo[~ex2]
        if len(todo):
            p3, t3, d23 = self._fallback(q[todo], max_distance_m, usable)
            better = (d23 < d2[todo]) | ((d23 == d2[todo]) & (p3 >= 0) & ((p3 < piece[todo]) | (piece[todo] < 0)))
            piece[todo] = np.where(better, p3, piece[todo])
            t[todo] = np.where(better, t3, t[todo])
            d2[todo] = np.where(better, d23, d2[todo])
            row[todo] = np.where(better[:, None], self.piece_rec[np.maximum(p3, 0)], row[todo])
        dist = np.sqrt(d2)
        ok = (piece >= 0) & (dist <= max_distance_m)
        along = row[:, 5] + t * np.sqrt(row[:, 4])
        with np.errstate(invalid="ignore", divide="ignore"):
            f = np.clip(along / row[:, 6], 0.0, 1.0)
        edge = np.where(ok, row[:, 7], -1).astype(np.int32)
        frac = np.where(ok, f, np.nan)
        point = np.where(ok[:, None], row[:, 0:2] + t[:, None] * row[:, 2:4] + self.origin, np.nan)
        return edge, frac, np.where(ok, dist, np.inf), point


def _grid_shape(span: np.ndarray, cell: float) -> tuple[int, int]:
    return int(np.floor(span[0] / cell)) + 7, int(np.floor(span[1] / cell)) + 7


@dataclass(eq=False)
class SnapResult:
    """Batched snap: one entry per input point. `edge` is a representative directed edge
    of the segment (-1 when not snapped); `fraction` runs along that edge from edge_u to
    edge_v by length; `point_xy` is the projected point on the road."""

    status: np.ndarray        # int8 codes into SNAP_STATUS
    edge: np.ndarray          # (P,) int32, -1 if not ok
    fraction: np.ndarray      # (P,) float64, NaN if not ok
    distance_m: np.ndarray    # (P,) distance from the point to the road (inf if nothing in range, NaN if invalid)
    query_xy: np.ndarray      # (P,2) the input projected (NaN when invalid)
    point_xy: np.ndarray      # (P,2) snapped point on the road (NaN if not ok)
    mode: str | None
    max_distance_m: float

    @property
    def ok(self) -> np.ndarray:
        ok: np.ndarray = self.status == SNAP_OK
        return ok

    def status_names(self) -> list[str]:
        return [SNAP_STATUS[s] for s in self.status.tolist()]

    def __len__(self) -> int:
        return int(len(self.status))

    def partial_times_s(self, graph: RoadGraph, mode: str = "car") -> tuple[np.ndarray, np.ndarray]:
        """(to_head_s, to_tail_s): time from the snapped point to the edge's head node
        going forward, and to its tail node going backward (inf where barred / not ok)."""
        net = graph.net(mode)
        e = np.maximum(self.edge, 0)
        f = self.fraction
        fwd = np.where(self.ok, (1.0 - f) * net.seg_fwd_time_s[e], np.inf)
        bwd = np.where(self.ok, f * net.seg_bwd_time_s[e], np.inf)
        return np.nan_to_num(fwd, nan=np.inf), np.nan_to_num(bwd, nan=np.inf)

    def point_lonlat(self, graph: RoadGraph) -> np.ndarray:
        return graph.xy_to_lonlat(self.point_xy)


def _along(pts: np.ndarray, s_m: float) -> np.ndarray:
    seg = np.hypot(*np.diff(pts, axis=0).T)
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    j = int(np.clip(np.searchsorted(cum, s_m, side="right") - 1, 0, len(seg) - 1))
    t = 0.0 if seg[j] == 0 else min(max((s_m - cum[j]) / seg[j], 0.0), 1.0)
    point: np.ndarray = pts[j] + t * (pts[j + 1] - pts[j])
    return point


def split_polyline(pts: np.ndarray, s_m: float) -> tuple[np.ndarray, np.ndarray]:
    """The polyline cut at distance `s_m` from its start: (before, after), both including the cut point."""
    seg = np.hypot(*np.diff(pts, axis=0).T)
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    j = int(np.clip(np.searchsorted(cum, s_m, side="right") - 1, 0, len(seg) - 1))
    t = 0.0 if seg[j] == 0 else min(max((s_m - cum[j]) / seg[j], 0.0), 1.0)
    cut = pts[j] + t * (pts[j + 1] - pts[j])
    return np.vstack([pts[:j + 1], cut[None]]), np.vstack([cut[None], pts[j + 1:]])


def snap(graph: RoadGraph, lonlat: np.ndarray, max_distance_m: float = 500.0,
         mode: str | None = None) -> SnapResult:
    """Snap (P,2) lon/lat points onto the nearest edge usable by `mode` (None: any road).

    Points with NaN or out-of-range coordinates get status 'invalid'; points farther than
    `max_distance_m` from every usable road get 'off_network'. Nothing is guessed.
    """
    pts = np.asarray(lonlat, dtype=np.float64)
    if pts.ndim == 1 and pts.shape == (2,):
        pts = pts[None, :]
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"lonlat must be (P,2) longitude/latitude pairs, got shape {pts.shape}")
    if not (np.isfinite(max_distance_m) and max_distance_m >= 0):
        raise ValueError(f"max_distance_m must be a finite number >= 0, got {max_distance_m!r}")
    n = len(pts)
    valid = np.isfinite(pts).all(axis=1) & (np.abs(pts[:, 0]) <= 180.0) & (np.abs(pts[:, 1]) <= 90.0)
    index = graph.snapper(mode)
    usable = index.usable(graph, mode)
    if n and valid.all():   # the usual case: no masked copies
        q = graph.lonlat_to_xy(pts)
        valid = np.isfinite(q).all(axis=1)
    else:
        q = np.full((n, 2), np.nan)
        if valid.any():
            q[valid] = graph.lonlat_to_xy(pts[valid])
        valid &= np.isfinite(q).all(axis=1)
    if n and valid.all():
        edge, frac, dist, point = index.query_xy(q, max_distance_m, usable)
    else:
        edge = np.full(n, -1, dtype=np.int32)
        frac = np.full(n, np.nan)
        dist = np.full(n, np.nan)
        point = np.full((n, 2), np.nan)
        if valid.any():
            e, f, d, p = index.query_xy(q[valid], max_distance_m, usable)
            edge[valid], frac[valid], dist[valid], point[valid] = e, f, d, p
    status = np.where(~valid, SNAP_INVALID, np.where(edge >= 0, SNAP_OK, SNAP_OFF_NETWORK)).astype(np.int8)
    return SnapResult(status=status, edge=edge, fraction=frac, distance_m=dist, query_xy=q, point_xy=point,
                      mode=mode, max_distance_m=float(max_distance_m))


@dataclass(frozen=True)
class PointSnap:
    """One point snapped (the fast path for a single scene)."""

    status: str               # 'ok' | 'off_network' | 'invalid'
    edge: int = -1
    fraction: float = float("nan")
    distance_m: float = float("nan")
    x: float = float("nan")
    y: float = float("nan")

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def snap_point(graph: RoadGraph, lon: float, lat: float, max_distance_m: float = 500.0,
               mode: str | None = None) -> PointSnap:
    """Snap one lon/lat; same answer as `snap` but without array overhead (~20 µs)."""
    import math
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError):
        return PointSnap("invalid")
    if not (math.isfinite(lon) and math.isfinite(lat) and abs(lon) <= 180.0 and abs(lat) <= 90.0):
        return PointSnap("invalid")
    from .projection import _transformer
    x, y = _transformer("EPSG:4326", graph.crs).transform(lon, lat)
    if not (math.isfinite(x) and math.isfinite(y)):
        return PointSnap("invalid")
    index = graph.snapper(mode)
    usable = index.usable(graph, mode)
    qx, qy = x - float(index.origin[0]), y - float(index.origin[1])
    ix, iy = math.floor(qx / index.cell_m), math.floor(qy / index.cell_m)
    fx, fy = qx / index.cell_m - ix, qy / index.cell_m - iy
    indptr, cell_piece, rec = index.cell_indptr, index.cell_piece, index.piece_rec
    best = (math.inf, -1, 0.0)
    for half in (0, 1):
        if not (half <= ix < index.nx - half and half <= iy < index.ny - half):
            break
        for cy in range(iy - half, iy + half + 1):
            for cx in range(ix - half, ix + half + 1):
                if half and cx == ix and cy == iy:
                    continue  # already looked at
                c = cy * index.nx + cx
                a, b = int(indptr[c]), int(indptr[c + 1])
                if b <= a:
                    continue
                pcs = cell_piece[a:b].tolist()
                for pc, (ax, ay, dx, dy, l2, *_rest) in zip(pcs, rec[pcs].tolist()):
                    if usable is not None and not usable[pc]:
                        continue
                    px, py = qx - ax, qy - ay
                    t = min(max((px * dx + py * dy) / l2, 0.0), 1.0)
                    ex, ey = px - t * dx, py - t * dy
                    d2 = ex * ex + ey * ey
                    if d2 < best[0] or (d2 == best[0] and pc < best[1]):
                        best = (d2, pc, t)
        margin = index.buffer_m + (half * index.cell_m + min(fx, 1 - fx, fy, 1 - fy) * index.cell_m if half else 0.0)
        d2, pc, t = best
        if pc >= 0 and d2 <= margin * margin:
            dist = math.sqrt(d2)
            if dist > max_distance_m:
                return PointSnap("off_network", distance_m=dist)
            ax, ay, dx, dy, l2, s0, length, e_f = rec[pc].tolist()
            e = int(e_f)
            frac = min(max((s0 + t * math.sqrt(l2)) / length, 0.0), 1.0)
            return PointSnap("ok", e, frac, dist, ax + t * dx + float(index.origin[0]), ay + t * dy + float(index.origin[1]))
    res = snap(graph, np.array([[lon, lat]]), max_distance_m, mode)
    if not res.ok[0]:
        return PointSnap(SNAP_STATUS[int(res.status[0])], distance_m=float(res.distance_m[0]))
    return PointSnap("ok", int(res.edge[0]), float(res.fraction[0]), float(res.distance_m[0]),
                     float(res.point_xy[0, 0]), float(res.point_xy[0, 1]))
