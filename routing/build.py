"""Build a RoadGraph from plain arrays: validate, project, split directions, keep the
largest strongly connected component, and report everything that was dropped.

The file builders (OSM, vector layers, demo city) all end here, so every source gets
the same checks and the same report.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from .errors import GraphBuildError
from .graph import RoadGraph
from .projection import check_metric_crs, to_xy, utm_crs_for
from .speeds import HIGHWAY_TO_CLASS, ROAD_CLASSES, SpeedTable

ZERO_LENGTH_M = 0.05  # shorter than this is a duplicate point, not a road
# Bumped whenever the builder would produce a different graph from the same input
# (caches keyed on it are rebuilt). 2: nodes numbered along a Hilbert curve.
BUILDER_VERSION = 2


@dataclass
class BuildReport:
    """What the builder kept and what it dropped, and why."""

    source: str
    nodes: int = 0                 # nodes kept
    edges: int = 0                 # directed edges kept
    segments: int = 0              # road segments kept (a two-way segment gives two edges)
    oneway_segments: int = 0
    input_nodes: int = 0
    input_segments: int = 0
    invalid_edges: int = 0         # node index out of range, or u == v
    invalid_geometries: int = 0    # NaN / out-of-range coordinates, broken polylines
    zero_length_edges: int = 0
    unknown_classes: int = 0       # road class not recognised -> treated as residential
    dropped_components: int = 0    # strongly connected pieces left out (all but the largest)
    dropped_nodes: int = 0         # nodes in those pieces (or used by no edge)
    dropped_edges: int = 0         # directed edges touching those pieces
    crs: str = ""
    build_s: float = 0.0
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [
            f"road graph from {self.source}: {self.nodes:,} nodes, {self.edges:,} directed edges "
            f"({self.segments:,} segments, {self.oneway_segments:,} one-way), CRS {self.crs}, built in {self.build_s:.2f} s",
            f"  input: {self.input_nodes:,} nodes, {self.input_segments:,} segments",
        ]
        dropped = [(self.invalid_edges, "invalid edges (bad node index or loop)"),
                   (self.invalid_geometries, "edges with invalid geometry"),
                   (self.zero_length_edges, "zero-length edges"),
                   (self.dropped_edges, f"directed edges in {self.dropped_components:,} disconnected pieces "
                                        f"({self.dropped_nodes:,} nodes) outside the largest strongly connected component")]
        for count, what in dropped:
            if count:
                lines.append(f"  dropped {count:,} {what}")
        if self.unknown_classes:
            lines.append(f"  {self.unknown_classes:,} segments had an unknown road class (treated as residential)")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)


def _class_codes(road_class: Sequence[str] | np.ndarray, m: int) -> tuple[np.ndarray, int]:
    arr = np.asarray(road_class)
    if arr.shape != (m,):
        raise GraphBuildError(f"road_class must have one entry per edge ({m}), got shape {arr.shape}")
    if arr.dtype.kind in "iu":
        if m and (arr.min() < 0 or arr.max() >= len(ROAD_CLASSES)):
            raise GraphBuildError(f"road_class codes must be 0..{len(ROAD_CLASSES) - 1}")
        return arr.astype(np.int8), 0
    lookup = {name: ROAD_CLASSES.index(cls) for name, cls in HIGHWAY_TO_CLASS.items()}
    residential = ROAD_CLASSES.index("residential")
    codes = np.empty(m, dtype=np.int8)
    unknown = 0
    for i, value in enumerate(arr.tolist()):
        code = lookup.get(str(value).strip().lower()) if value is not None else None
        if code is None:
            unknown += 1
            code = residential
        codes[i] = code
    return codes, unknown


def _name_ids(names: Sequence[str] | None, m: int) -> tuple[np.ndarray, tuple[str, ...]]:
    if names is None:
        return np.zeros(m, dtype=np.int32), ("",)
    if len(names) != m:
        raise GraphBuildError(f"names must have one entry per edge ({m}), got {len(names)}")
    table: dict[str, int] = {"": 0}
    ids = np.empty(m, dtype=np.int32)
    for i, name in enumerate(names):
        if name is None or (isinstance(name, float) and math.isnan(name)):
            name = ""
        ids[i] = table.setdefault(str(name).strip(), len(table))
    return ids, tuple(table)


def _polyline_lengths(xy: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Length of each flat polyline (NaN stays confined to the polyline that has it)."""
    counts = np.diff(offsets)
    owner = np.repeat(np.arange(len(counts)), counts)
    seg = np.hypot(*np.diff(xy, axis=0).T)
    inside = owner[1:] == owner[:-1]
    return np.bincount(owner[1:][inside], weights=seg[inside], minlength=len(counts))


def _geometry(node_xy: np.ndarray, u: np.ndarray, v: np.ndarray, crs: str,
              geometry_lonlat: Sequence[np.ndarray] | None, valid: np.ndarray,
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flat polylines in metres for every edge, and a mask of edges whose geometry is broken.

    Polylines always start exactly at node u and end at node v (endpoints are replaced
    by the node positions so that partial-edge fractions and node positions agree)."""
    m = len(u)
    bad = np.zeros(m, dtype=bool)
    if geometry_lonlat is None:
        xy = np.empty((2 * m, 2))
        xy[0::2] = node_xy[u]
        xy[1::2] = node_xy[v]
        return xy, np.arange(0, 2 * m + 1, 2, dtype=np.int64), bad
    if len(geometry_lonlat) != m:
        raise GraphBuildError(f"edge_geometry_lonlat must have one polyline per edge ({m}), got {len(geometry_lonlat)}")
    parts: list[np.ndarray] = []
    counts = np.zeros(m, dtype=np.int64)
    for i, g in enumerate(geometry_lonlat):
        if not valid[i] or g is None:
            continue  # no geometry given: a straight line between the nodes
        try:
            pts = np.asarray(g, dtype=np.float64)
        except (TypeError, ValueError):
            bad[i] = True
            continue
        if pts.ndim != 2 or pts.shape[0] < 2 or pts.shape[1] < 2 or not np.isfinite(pts[:, :2]).all() \
                or np.abs(pts[:, 0]).max() > 180 or np.abs(pts[:, 1]).max() > 90:
            bad[i] = True
            continue
        parts.append(pts[:, :2])
        counts[i] = len(pts)
    flat = to_xy(crs, np.concatenate(parts)) if parts else np.empty((0, 2))
    offsets = np.concatenate([[0], np.cumsum(counts)])
    has = counts > 0
    starts, ends = offsets[:-1][has], offsets[1:][has] - 1
    flat[starts] = node_xy[u[has]]
    flat[ends] = node_xy[v[has]]
    # edges with no (valid) geometry get a straight line so every edge has a polyline
    missing = ~has
    if missing.any():
        counts2 = np.where(has, counts, 2)
        offsets2 = np.concatenate([[0], np.cumsum(counts2)])
        out = np.empty((int(offsets2[-1]), 2))
        src_rows = np.repeat(offsets[:-1], counts2) + (np.arange(offsets2[-1]) - np.repeat(offsets2[:-1], counts2))
        keep_rows = np.repeat(has, counts2)
        out[keep_rows] = flat[src_rows[keep_rows]]
        out[offsets2[:-1][missing]] = node_xy[u[missing]]
        out[offsets2[1:][missing] - 1] = node_xy[v[missing]]
        return out, offsets2.astype(np.int64), bad
    return flat, offsets.astype(np.int64), bad


def hilbert_keys(xy: np.ndarray, order: int = 16) -> np.ndarray:
    """Position of each point along a Hilbert curve over the points' bounding box."""
    if len(xy) == 0:
        return np.empty(0, dtype=np.int64)
    lo = xy.min(axis=0)
    span = float(max((xy.max(axis=0) - lo).max(), 1e-9))
    side = (1 << order) - 1
    q = np.clip(((xy - lo) / span * side).astype(np.int64), 0, side)
    x, y = q[:, 0].copy(), q[:, 1].copy()
    d = np.zeros(len(xy), dtype=np.int64)
    s = 1 << (order - 1)
    while s > 0:
        rx = (x & s) > 0
        ry = (y & s) > 0
        d += s * s * ((3 * rx.astype(np.int64)) ^ ry.astype(np.int64))
        flip = ~ry & rx
        x = np.where(flip, s - 1 - x, x)
        y = np.where(flip, s - 1 - y, y)
        swap = ~ry
        x, y = np.where(swap, y, x), np.where(swap, x, y)
        s >>= 1
    return d


def build_from_arrays(node_lonlat: np.ndarray, edge_u: np.ndarray, edge_v: np.ndarray,
                      road_class: Sequence[str] | np.ndarray, oneway: np.ndarray,
                      names: Sequence[str] | None = None, maxspeed_kmh: np.ndarray | None = None,
                      edge_geometry_lonlat: Sequence[np.ndarray] | None = None, crs: str | None = None,
                      speeds: SpeedTable | None = None, source: str = "arrays",
                      ) -> tuple[RoadGraph, BuildReport]:
    """One road segment per (u, v) between node indices; oneway[i] True means only u->v.

    Keeps the largest strongly connected component so that every kept node can reach
    and be reached from every other: a route answer is then never silently missing.
    """
    t0 = time.perf_counter()
    report = BuildReport(source=source)
    lonlat = np.asarray(node_lonlat, dtype=np.float64)
    if lonlat.ndim != 2 or lonlat.shape[1] != 2:
        raise GraphBuildError(f"{source}: node_lonlat must be (N,2), got shape {lonlat.shape}")
    u = np.asarray(edge_u)
    v = np.asarray(edge_v)
    m = len(u)
    if u.shape != (m,) or v.shape != (m,):
        raise GraphBuildError(f"{source}: edge_u and edge_v must be 1-D of the same length")
    if m and (u.dtype.kind not in "iu" or v.dtype.kind not in "iu"):
        raise GraphBuildError(f"{source}: edge_u / edge_v must be integer node indices")
    u = u.astype(np.int64)
    v = v.astype(np.int64)
    one = np.asarray(oneway, dtype=bool)
    if one.shape != (m,):
        raise GraphBuildError(f"{source}: oneway must have one entry per edge ({m}), got shape {one.shape}")
    codes, report.unknown_classes = _class_codes(road_class, m)
    name_ids, name_table = _name_ids(names, m)
    if maxspeed_kmh is None:
        vmax = np.full(m, np.nan, dtype=np.float32)
    else:
        vmax = np.asarray(maxspeed_kmh, dtype=np.float32)
        if vmax.shape != (m,):
            raise GraphBuildError(f"{source}: maxspeed_kmh must have one entry per edge ({m})")
    n = len(lonlat)
    report.input_nodes, report.input_segments = n, m
    if m == 0:
        raise GraphBuildError(f"{source}: no road segments")

    # -- invalid references and coordinates
    in_range = (u >= 0) & (u < n) & (v >= 0) & (v < n)
    ok_node = np.isfinite(lonlat).all(axis=1) & (np.abs(lonlat[:, 0]) <= 180) & (np.abs(lonlat[:, 1]) <= 90)
    uu, vv = np.where(in_range, u, 0), np.where(in_range, v, 0)
    valid = in_range & (u != v)
    report.invalid_edges = int((~valid).sum())
    bad_coords = valid & ~(ok_node[uu] & ok_node[vv])
    valid &= ~bad_coords
    if not valid.any():
        raise GraphBuildError(f"{source}: no valid road segments (all have bad node indices or coordinates)")
    if crs is None:
        crs = utm_crs_for(lonlat[ok_node])
    else:
        try:
            check_metric_crs(crs)
        except ValueError as exc:
            raise GraphBuildError(f"{source}: {exc}") from None
    report.crs = crs
    node_xy = np.full((n, 2), np.nan)
    node_xy[ok_node] = to_xy(crs, lonlat[ok_node])
    geom_xy, geom_off, bad_geom = _geometry(node_xy, uu, vv, crs, edge_geometry_lonlat, valid)
    report.invalid_geometries = int(bad_coords.sum() + bad_geom.sum())
    valid &= ~bad_geom
    length = _polyline_lengths(geom_xy, geom_off)
    zero = valid & ~(length >= ZERO_LENGTH_M)
    report.zero_length_edges = int(zero.sum())
    valid &= ~zero
    if not valid.any():
        raise GraphBuildError(f"{source}: no road segments left after dropping invalid and zero-length ones")

    # -- directed edges: forward for every segment, backward for two-way ones
    seg = np.flatnonzero(valid)
    two = seg[~one[seg]]
    de_seg = np.concatenate([seg, two])
    de_rev = np.concatenate([np.zeros(len(seg), bool), np.ones(len(two), bool)])
    de_u = np.where(de_rev, vv[de_seg], uu[de_seg])
    de_v = np.where(de_rev, uu[de_seg], vv[de_seg])
    twin = np.full(len(de_seg), -1, dtype=np.int64)
    fwd_pos = np.full(m, -1, dtype=np.int64)
    fwd_pos[seg] = np.arange(len(seg))
    back_idx = len(seg) + np.arange(len(two))
    twin[fwd_pos[two]] = back_idx
    twin[back_idx] = fwd_pos[two]

    # -- largest strongly connected component
    adj = csr_matrix((np.ones(len(de_u), dtype=np.int8), (de_u, de_v)), shape=(n, n))
    n_comp, labels = connected_components(adj, directed=True, connection="strong")
    used = np.zeros(n, dtype=bool)
    used[de_u] = True
    used[de_v] = True
    sizes = np.bincount(labels[used], minlength=n_comp)
    biggest = int(np.argmax(sizes))
    keep_node = used & (labels == biggest)
    report.dropped_components = int((sizes > 0).sum() - 1)
    report.dropped_nodes = int(n - keep_node.sum())
    keep_edge = keep_node[de_u] & keep_node[de_v]
    report.dropped_edges = int((~keep_edge).sum())
    if keep_node.sum() < 2:
        raise GraphBuildError(f"{source}: the road network has no strongly connected part with more than one node")

    # number nodes along a Hilbert curve and edges by (tail, head): nodes close on the map
    # are close in memory, which makes every search several times more cache-friendly
    kept = np.flatnonzero(keep_node)
    kept = kept[np.argsort(hilbert_keys(node_xy[kept]), kind="stable")]
    new_id = np.full(n, -1, dtype=np.int64)
    new_id[kept] = np.arange(len(kept))
    e_idx = np.flatnonzero(keep_edge)
    e_idx = e_idx[np.lexsort((new_id[de_v[e_idx]], new_id[de_u[e_idx]]))]
    new_e = np.full(len(de_seg), -1, dtype=np.int64)
    new_e[e_idx] = np.arange(len(e_idx))
    twin_k = twin[e_idx]
    twin_k = np.where(twin_k >= 0, new_e[np.maximum(twin_k, 0)], -1)
    seg_k, rev_k = de_seg[e_idx], de_rev[e_idx]
    # only the names of kept edges
    used_names, kept_name_ids = np.unique(np.concatenate([[0], name_ids[seg_k]]), return_inverse=True)
    kept_name_ids = kept_name_ids[1:].astype(np.int32)
    name_table = tuple(name_table[i] for i in used_names.tolist())

    # -- per directed edge polylines (reversed for backward edges)
    cnt = np.diff(geom_off)[seg_k]
    off = np.concatenate([[0], np.cumsum(cnt)]).astype(np.int64)
    local = np.arange(off[-1]) - np.repeat(off[:-1], cnt)
    start = np.repeat(geom_off[:-1][seg_k], cnt)
    src = np.where(np.repeat(rev_k, cnt), start + np.repeat(cnt, cnt) - 1 - local, start + local)
    graph = RoadGraph(
        crs=crs, node_xy=node_xy[kept], node_lonlat=lonlat[kept],
        edge_u=new_id[de_u[e_idx]], edge_v=new_id[de_v[e_idx]], edge_length_m=length[seg_k],
        edge_class=codes[seg_k], edge_name_id=kept_name_ids, names=name_table,
        edge_twin=twin_k, edge_maxspeed_kmh=vmax[seg_k], edge_geom_offsets=off, edge_geom_xy=geom_xy[src],
        speeds=speeds, source=source,
    )
    report.nodes, report.edges = graph.n_nodes, graph.n_edges
    report.oneway_segments = int((twin_k < 0).sum())
    report.segments = int(report.oneway_segments + (twin_k >= 0).sum() // 2)
    report.build_s = time.perf_counter() - t0
    return graph, report
