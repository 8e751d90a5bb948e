"""The demo city's road network as arrays for `routing.build_from_arrays`.

A warped, jittered lattice clipped to the land, thinned by a density level per
block (dense urban cores, sparse hills). Line index decides the hierarchy: a
line whose index has more trailing zero bits is a bigger road, so arterials run
every 1.6 km in a core and collectors and local streets fill in between, and
every other local street in a core is one-way, alternating direction. Rivers are
crossed only on bridges, expressways follow data/demo/expressways.json and meet
the street grid only at interchanges. All vectorised with numpy; no Python loop
runs per node.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from routing.projection import geom_to_xy, to_lonlat, to_xy

from . import sources
from .config import ScaleConfig
from .density import DensityField
from .naming import road_name

MOTORWAY, TRUNK, PRIMARY, SECONDARY, TERTIARY, RESIDENTIAL = 0, 1, 2, 3, 4, 5
BIG_LEVEL = 30            # the level of line 0 (it is every kind of road at once)
SEGMENT_NAME_M = {PRIMARY: 12_000.0, SECONDARY: 6_000.0, TERTIARY: 3_000.0, RESIDENTIAL: 1_200.0}


@dataclass
class RoadArrays:
    node_xy: np.ndarray        # (N,2) metres in `crs`
    node_lonlat: np.ndarray    # (N,2)
    edge_u: np.ndarray         # (M,) int64
    edge_v: np.ndarray
    road_class: np.ndarray     # (M,) int8 codes in routing.ROAD_CLASSES order
    oneway: np.ndarray         # (M,) bool: only u -> v
    names: list[str]
    crs: str

    @property
    def n_nodes(self) -> int:
        return len(self.node_xy)

    @property
    def n_edges(self) -> int:
        return len(self.edge_u)


def _line_level(idx: np.ndarray) -> np.ndarray:
    """Trailing zero bits of each index (how 'big' the lattice line is); line 0 is biggest."""
    idx = np.asarray(idx, dtype=np.int64)
    low = idx & -idx
    out = np.full(idx.shape, BIG_LEVEL, dtype=np.int8)
    nz = idx > 0
    out[nz] = np.log2(low[nz]).astype(np.int8)
    return out


def _class_of(rank: np.ndarray) -> np.ndarray:
    return np.select([rank >= 4, rank == 3, rank == 2], [PRIMARY, SECONDARY, TERTIARY], RESIDENTIAL).astype(np.int8)


@dataclass
class _Lattice:
    nx: int
    ny: int
    x0: float
    y0: float
    s: float


def _edges_along(lat: _Lattice, block_level: np.ndarray, block_step: np.ndarray, block: int,
                 vertical: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Lattice edges along rows (or columns): (line index, start index, step, level of the block)."""
    # work in "line along" terms: lines are rows for horizontal edges, columns for vertical ones
    n_lines, n_along = (lat.nx, lat.ny) if vertical else (lat.ny, lat.nx)
    lv_line = _line_level(np.arange(n_lines))
    bl = block_level.T if vertical else block_level      # [line block, along block]
    bs = block_step.T if vertical else block_step
    lines = np.arange(n_lines)
    lb_hi = np.minimum(lines // block, bl.shape[0] - 1)
    lb_lo = np.clip(lines // block - 1, 0, bl.shape[0] - 1)
    on_border = (lines % block == 0)
    out_line, out_start, out_step, out_level = [], [], [], []
    for step in np.unique(bs).tolist():
        starts = np.arange(0, n_along - step, step)
        ab = np.minimum(starts // block, bl.shape[1] - 1)
        lvl = np.where(on_border[:, None], np.minimum(bl[lb_lo][:, ab], bl[lb_hi][:, ab]), bl[lb_hi][:, ab])
        stp = np.where(on_border[:, None], np.minimum(bs[lb_lo][:, ab], bs[lb_hi][:, ab]), bs[lb_hi][:, ab])
        keep = (stp == step) & (lv_line[:, None] >= lvl)
        li, si = np.nonzero(keep)
        out_line.append(li)
        out_start.append(starts[si])
        out_step.append(np.full(len(li), step, dtype=np.int64))
        out_level.append(lvl[li, si])
    return (np.concatenate(out_line), np.concatenate(out_start), np.concatenate(out_step),
            np.concatenate(out_level).astype(np.int8))


def _warp(xy: np.ndarray, seed: int, amp_m: float) -> np.ndarray:
    """A smooth displacement so lattice lines bend gently like real roads."""
    rng = np.random.default_rng([seed, 202])
    out = xy.copy()
    for axis in (0, 1):
        for _ in range(2):
            wavelength = rng.uniform(4_000.0, 11_000.0)
            angle = rng.uniform(0, 2 * np.pi)
            phase = rng.uniform(0, 2 * np.pi)
            proj = xy[:, 0] * np.cos(angle) + xy[:, 1] * np.sin(angle)
            out[:, axis] += amp_m * 0.5 * np.sin(2 * np.pi * proj / wavelength + phase)
    return out


def water_polygons_xy() -> tuple[shapely.Geometry, shapely.Geometry]:
    rivers, lakes = sources.water()
    river_polys = [geom_to_xy(sources.crs(), shapely.LineString(r.lonlat)).buffer(r.width_m / 2.0, cap_style="flat")
                   for r in rivers]
    lake_polys = []
    for lake in lakes:
        c = to_xy(sources.crs(), np.array([lake.center_lonlat]))[0]
        t = np.linspace(0, 2 * np.pi, 48, endpoint=False)
        lake_polys.append(shapely.Polygon(np.column_stack([c[0] + lake.radius_x_m * np.cos(t),
                                                           c[1] + lake.radius_y_m * np.sin(t)])))
    return shapely.union_all(river_polys), shapely.union_all(lake_polys)


def _lattice_edges(cfg: ScaleConfig, seed: int, land_xy: shapely.Geometry, field: DensityField,
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[str], np.ndarray]:
    s, k = cfg.road_spacing_m, cfg.max_level
    block = 2 ** k
    bx0, by0, bx1, by1 = land_xy.bounds
    nbx = int(np.ceil((bx1 - bx0) / (s * block))) + 1
    nby = int(np.ceil((by1 - by0) / (s * block))) + 1
    lat = _Lattice(nbx * block + 1, nby * block + 1, bx0 - s * block / 2, by0 - s * block / 2, s)
    # density level per block, sampled at block centres
    cy, cx = np.meshgrid(lat.y0 + (np.arange(nby) + 0.5) * block * s,
                         lat.x0 + (np.arange(nbx) + 0.5) * block * s, indexing="ij")
    block_level = field.level(np.column_stack([cx.ravel(), cy.ravel()])).reshape(nby, nbx)
    block_step = (2 ** np.maximum(block_level.astype(np.int64) - 1, 0))   # node spacing along sparse lines

    h = _edges_along(lat, block_level, block_step, block, vertical=False)
    v = _edges_along(lat, block_level, block_step, block, vertical=True)
    # node ids j*nx + i
    hu = h[0] * lat.nx + h[1]
    hv = h[0] * lat.nx + h[1] + h[2]
    vu = v[1] * lat.nx + v[0]
    vv = (v[1] + v[2]) * lat.nx + v[0]
    u = np.concatenate([hu, vu])
    w = np.concatenate([hv, vv])
    line = np.concatenate([h[0], v[0]])
    start = np.concatenate([h[1], v[1]])
    zone = np.concatenate([h[3], v[3]])
    vertical = np.concatenate([np.zeros(len(hu), bool), np.ones(len(vu), bool)])
    lv_line = _line_level(line)
    rank = lv_line.astype(np.int64) - zone
    cls = _class_of(rank)

    ids, inv = np.unique(np.concatenate([u, w]), return_inverse=True)
    eu, ev = inv[: len(u)], inv[len(u):]
    ii, jj = ids % lat.nx, ids // lat.nx
    base = np.column_stack([lat.x0 + ii * s, lat.y0 + jj * s])
    rng = np.random.default_rng([seed, 203])
    xy = _warp(base, seed, amp_m=max(120.0, 0.3 * s)) + np.clip(rng.normal(0, 0.07 * s, base.shape), -0.2 * s, 0.2 * s)

    # land and water
    shapely.prepare(land_xy)
    on_land = shapely.contains_xy(land_xy, xy[:, 0], xy[:, 1])
    keep = on_land[eu] & on_land[ev]
    river, lake = water_polygons_xy()
    water = shapely.union(river, lake)
    shapely.prepare(water)
    wx0, wy0, wx1, wy1 = water.bounds
    mid = (xy[eu] + xy[ev]) / 2
    near = keep & (mid[:, 0] > wx0 - s * 8) & (mid[:, 0] < wx1 + s * 8) & (mid[:, 1] > wy0 - s * 8) & (mid[:, 1] < wy1 + s * 8)
    cand = np.flatnonzero(near)
    if len(cand):
        segs = shapely.linestrings(np.stack([xy[eu[cand]], xy[ev[cand]]], axis=1))
        wet = shapely.intersects(segs, water)
        shapely.prepare(lake)
        in_lake = shapely.intersects(segs, lake)
        bridge_ok = lv_line[cand] >= k + 1   # bridges on the bigger lines only
        keep[cand[wet & (in_lake | ~bridge_ok)]] = False

    # one-way: every other local street of an urban core, alternating direction
    oneway = (zone == 0) & (lv_line == 0)
    flip = oneway & (((line >> 1) & 1) == 1)
    eu2 = np.where(flip, ev, eu)
    ev2 = np.where(flip, eu, ev)

    # names: one per stretch of a line; key = orientation, line, stretch, class
    pos = start * s
    seg_len = np.select([cls == PRIMARY, cls == SECONDARY, cls == TERTIARY],
                        [SEGMENT_NAME_M[PRIMARY], SEGMENT_NAME_M[SECONDARY], SEGMENT_NAME_M[TERTIARY]],
                        SEGMENT_NAME_M[RESIDENTIAL])
    stretch = (pos // seg_len).astype(np.int64)
    keys = np.column_stack([vertical.astype(np.int64), line, stretch, cls.astype(np.int64)])
    sel = np.flatnonzero(keep)
    ukeys, kinv = np.unique(keys[sel], axis=0, return_inverse=True)
    # which side of the centre each stretch lies on (for 东路/西路, 南路/北路)
    centre = field.centre_xy
    mids = np.zeros((len(ukeys), 2))
    np.add.at(mids, kinv.ravel(), mid[sel])
    cnt = np.bincount(kinv.ravel(), minlength=len(ukeys))[:, None]
    mids /= np.maximum(cnt, 1)
    along = np.where(ukeys[:, 0] == 0, mids[:, 0] - centre[0], mids[:, 1] - centre[1])
    side = np.where(along > 2_500, 1, np.where(along < -2_500, -1, 0))
    key_names = [road_name(seed, tuple(kk), int(kk[3]), int(sd)) for kk, sd in zip(ukeys.tolist(), side.tolist(),
                                                                                       strict=True)]
    names = [key_names[i] for i in kinv.ravel().tolist()]
    return xy, eu2[sel], ev2[sel], cls[sel], oneway[sel], names, zone[sel]


def _densify(line_xy: shapely.LineString, step_m: float) -> np.ndarray:
    n = max(int(np.ceil(line_xy.length / step_m)), 1)
    pts = shapely.line_interpolate_point(line_xy, np.linspace(0.0, line_xy.length, n + 1))
    return shapely.get_coordinates(pts)


def _expressways(cfg: ScaleConfig, land_xy: shapely.Geometry, node_xy: np.ndarray, node_major: np.ndarray,
                 n_base: int) -> tuple[np.ndarray, list[tuple[int, int, int, str]]]:
    """Expressway nodes (appended after the lattice's) and their edges (u, v, class, name)."""
    step = max(600.0, 2.0 * cfg.road_spacing_m)
    interchange_every = max(1, int(round((6_000.0 if cfg.road_spacing_m <= 200 else 12_000.0) / step)))
    reach = land_xy.buffer(300.0)   # bridges over bays stay; stubs out of the city do not
    shapely.prepare(reach)
    pts_all: list[np.ndarray] = []
    owner: list[np.ndarray] = []
    edges: list[tuple[int, int, int, str]] = []
    nxt = n_base
    major_idx = np.flatnonzero(node_major)
    tree = cKDTree(node_xy[major_idx])
    max_ramp = 2_500.0 if cfg.road_spacing_m <= 200 else 6_000.0
    for k, ew in enumerate(sources.expressways()):
        coords = to_xy(sources.crs(), np.array(ew.lonlat))
        closed = np.allclose(coords[0], coords[-1])
        pts = _densify(shapely.LineString(coords), step)
        if closed:
            pts = pts[:-1]
        pts = pts[shapely.contains_xy(reach, pts[:, 0], pts[:, 1])]
        if len(pts) < 2:
            continue
        ids = np.arange(nxt, nxt + len(pts))
        nxt += len(pts)
        pts_all.append(pts)
        owner.append(np.full(len(pts), k))
        edges += [(int(a), int(b), MOTORWAY, ew.name) for a, b in zip(ids[:-1], ids[1:], strict=True)]
        if closed:
            edges.append((int(ids[-1]), int(ids[0]), MOTORWAY, ew.name))
        ramps = sorted(set(range(0, len(pts), interchange_every)) | {len(pts) - 1})
        dist, near = tree.query(pts[ramps])
        for r, d, nb in zip(ramps, dist.tolist(), near.tolist(), strict=True):
            if d <= max_ramp:
                edges.append((int(ids[r]), int(major_idx[nb]), MOTORWAY, f"{ew.name}匝道"))
    if not pts_all:
        return np.empty((0, 2)), edges
    pts = np.concatenate(pts_all)
    own = np.concatenate(owner)
    # junctions where two expressways meet (hub links between their nearest nodes)
    pairs = cKDTree(pts).query_pairs(step * 0.75, output_type="ndarray")
    pairs = pairs[own[pairs[:, 0]] != own[pairs[:, 1]]]
    for a, b in pairs.tolist():
        edges.append((n_base + a, n_base + b, MOTORWAY, "枢纽"))
    return pts, edges


def _strongly_connect(u: np.ndarray, v: np.ndarray, oneway: np.ndarray, n: int, rounds: int = 4) -> np.ndarray:
    """Turn one-way streets that trap traffic (dead ends at the coast or river) into two-way ones."""
    oneway = oneway.copy()
    for _ in range(rounds):
        du = np.concatenate([u, v[~oneway]])
        dv = np.concatenate([v, u[~oneway]])
        adj = coo_matrix((np.ones(len(du), np.int8), (du, dv)), shape=(n, n)).tocsr()
        _, labels = connected_components(adj, directed=True, connection="strong")
        sizes = np.bincount(labels)
        big = labels == np.argmax(sizes)
        bad = oneway & ~(big[u] & big[v])
        if not bad.any():
            break
        oneway[bad] = False
    return oneway


def _bridge_islands(xy: np.ndarray, u: np.ndarray, v: np.ndarray, min_nodes: int, max_len_m: float,
                    ) -> list[tuple[int, int]]:
    """Link sizeable road islands (Meishan, Daxie, Nantian …) to the mainland as real bridges do."""
    n = len(xy)
    adj = coo_matrix((np.ones(len(u), np.int8), (u, v)), shape=(n, n)).tocsr()
    ncomp, labels = connected_components(adj, directed=False)
    used = np.zeros(n, bool)
    used[u] = True
    used[v] = True
    sizes = np.bincount(labels[used], minlength=ncomp)
    main = int(np.argmax(sizes))
    main_nodes = np.flatnonzero(used & (labels == main))
    tree = cKDTree(xy[main_nodes])
    links = []
    for comp in np.flatnonzero(sizes >= min_nodes).tolist():
        if comp == main:
            continue
        members = np.flatnonzero(used & (labels == comp))
        d, j = tree.query(xy[members])
        best = int(np.argmin(d))
        if d[best] <= max_len_m:
            links.append((int(members[best]), int(main_nodes[j[best]])))
    return links


def road_arrays(cfg: ScaleConfig, seed: int) -> RoadArrays:
    """The demo city's road arrays (before the routing builder keeps the largest SCC)."""
    land_xy = geom_to_xy(sources.crs(), sources.land_ll())
    field = DensityField(cfg.max_level, seed)
    xy, u, v, cls, oneway, names, _zone = _lattice_edges(cfg, seed, land_xy, field)
    # compact to the nodes in use
    used = np.zeros(len(xy), bool)
    used[u] = True
    used[v] = True
    remap = np.full(len(xy), -1, np.int64)
    remap[used] = np.arange(int(used.sum()))
    xy = xy[used]
    u, v = remap[u], remap[v]

    major = np.zeros(len(xy), bool)
    major[u[cls <= TERTIARY]] = True
    major[v[cls <= TERTIARY]] = True
    ex_xy, ex_edges = _expressways(cfg, land_xy, xy, major, len(xy))
    if len(ex_xy):
        xy = np.concatenate([xy, ex_xy])
        eu, ev, ec, en = zip(*ex_edges, strict=True)
        u = np.concatenate([u, np.array(eu, np.int64)])
        v = np.concatenate([v, np.array(ev, np.int64)])
        cls = np.concatenate([cls, np.array(ec, np.int8)])
        oneway = np.concatenate([oneway, np.zeros(len(eu), bool)])
        names = names + list(en)
    links = _bridge_islands(xy, u, v, min_nodes=20 if cfg.road_spacing_m <= 200 else 3,
                            max_len_m=4_000.0 if cfg.road_spacing_m <= 200 else 8_000.0)
    if links:
        lu, lv = zip(*links, strict=True)
        u = np.concatenate([u, np.array(lu, np.int64)])
        v = np.concatenate([v, np.array(lv, np.int64)])
        cls = np.concatenate([cls, np.full(len(lu), SECONDARY, np.int8)])
        oneway = np.concatenate([oneway, np.zeros(len(lu), bool)])
        names = names + ["跨海大桥"] * len(lu)
    oneway = _strongly_connect(u, v, oneway, len(xy))
    return RoadArrays(xy, to_lonlat(sources.crs(), xy), u, v, cls, oneway, names, sources.crs())
