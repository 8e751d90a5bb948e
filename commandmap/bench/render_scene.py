"""A synthetic Ningbo-sized scene for the render benchmark and the map tests.

Seeded and vectorised: 10 districts, 156 towns, ~2,000 grids (Voronoi cells
clipped to a coastline-like outline), ~200,000 road polylines (a rotated street
lattice around every town centre, plus arterials and expressways between
towns), 50,000 sites, 25,000 officers, a few hundred incidents and routes —
placed in UTM 51N around Ningbo's real position so lon/lat tests make sense.
No Qt: the benchmark and tests import it without a display.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Polygon

from ..domain.snapshot import (CityStatic, IncidentArrays, OfficerArrays, OperationSnapshot, PolygonSet,
                               RasterGrid, RoadSet, RouteArrays, SiteSet)

CRS = "EPSG:32651"
CENTRE_XY = (360_000.0, 3_305_000.0)     # ≈ 121.55°E 29.87°N (Ningbo, Sanjiangkou)

DISTRICTS = (  # name, offset from centre (km) of the district seed, urban?
    ("海曙区", (-6, -2), True), ("江北区", (-2, 6), True), ("鄞州区", (6, -6), True),
    ("镇海区", (12, 14), True), ("北仑区", (30, 4), True), ("奉化区", (-8, -26), False),
    ("余姚市", (-42, 4), False), ("慈溪市", (-22, 30), False), ("宁海县", (-10, -58), False),
    ("象山县", (22, -50), False),
)
SITE_CATEGORIES = ("餐饮店", "建筑工地", "农贸市场", "娱乐场所", "加油站", "药店",
                   "沿街商铺", "物流仓储", "校园周边", "渣土消纳场")
STREET_PREFIX = ("中山", "解放", "人民", "百丈", "江东", "世纪", "天童", "鄞州", "环城", "兴宁", "宁穿",
                 "福明", "通途", "彩虹", "桑田", "钱湖", "四明", "甬江", "东部", "县前", "南塘", "文昌",
                 "学士", "泰康", "中兴", "惊驾", "槐树", "和义", "新典", "望春", "机场", "联丰", "丽园",
                 "长春", "大庆", "北环", "姚江", "庄桥", "孔浦", "育才", "宁东", "海晏", "启明", "天童南")
STREET_SUFFIX = ("路", "街", "大道", "中路", "东路", "西路", "南路", "北路", "巷")


@dataclass(frozen=True)
class SceneSize:
    roads: int = 200_000
    grids: int = 2_000
    sites: int = 50_000
    officers: int = 25_000
    incidents: int = 400
    routes: int = 120
    towns: int = 156

    @classmethod
    def scaled(cls, f: float) -> SceneSize:
        """A smaller scene for tests (districts/towns keep their count)."""
        return cls(max(500, int(200_000 * f)), max(200, int(2_000 * f)), max(100, int(50_000 * f)),
                   max(100, int(25_000 * f)), max(20, int(400 * f)), max(5, int(120 * f)), 156)


def _outline(rng: np.random.Generator) -> Polygon:
    """A coastline-like city outline, ~110 km across."""
    ang = np.linspace(0, 2 * np.pi, 180, endpoint=False)
    r = 52_000 + 0 * ang
    for k, amp in ((2, 6000), (3, 5000), (5, 2500), (9, 1200), (17, 600)):
        r = r + amp * np.sin(k * ang + rng.uniform(0, 2 * np.pi))
    x = CENTRE_XY[0] + r * np.cos(ang) * 1.05
    y = CENTRE_XY[1] - 12_000 + r * np.sin(ang) * 1.2
    poly = Polygon(np.column_stack([x, y])).buffer(0)
    # the sea: cut a bay to the east (Xiangshan harbour) and the Hangzhou Bay shore to the north
    bay = shapely.Point(CENTRE_XY[0] + 52_000, CENTRE_XY[1] - 30_000).buffer(20_000)
    north = shapely.box(CENTRE_XY[0] - 80_000, CENTRE_XY[1] + 46_000, CENTRE_XY[0] + 80_000, CENTRE_XY[1] + 90_000)
    return poly.difference(bay).difference(north)


def _voronoi(points: np.ndarray, clip) -> list:
    """Voronoi cells of `points` clipped to `clip`, in the order of `points`."""
    if len(points) == 1:
        return [clip]
    cells = shapely.voronoi_polygons(MultiPoint(points), extend_to=clip)
    cells = list(cells.geoms)
    tree = shapely.STRtree(cells)
    out = []
    for p in points:
        idx = tree.query(shapely.Point(p), predicate="within")
        cell = cells[int(idx[0])] if len(idx) else clip
        out.append(cell.intersection(clip))
    return out


def _sample_in(poly, n: int, rng: np.random.Generator, centre=None, spread: float | None = None) -> np.ndarray:
    """n points inside `poly`: uniform, or normal around `centre` when given."""
    out = np.zeros((0, 2))
    minx, miny, maxx, maxy = poly.bounds
    prepared = poly
    shapely.prepare(prepared)
    tries = 0
    while len(out) < n and tries < 50:
        m = max(64, (n - len(out)) * 3)
        if centre is None:
            cand = np.column_stack([rng.uniform(minx, maxx, m), rng.uniform(miny, maxy, m)])
        else:
            cand = rng.normal(centre, spread or 1.0, size=(m, 2))
        ok = shapely.contains_xy(prepared, cand[:, 0], cand[:, 1])
        out = np.vstack([out, cand[ok]])
        tries += 1
    return out[:n]


def _polygon_set(geoms: list, names: list[str], parents: np.ndarray, ids: np.ndarray) -> PolygonSet:
    coords, offsets, owner, labels = [], [0], [], []
    for i, g in enumerate(geoms):
        parts = [g] if g.geom_type == "Polygon" else [p for p in getattr(g, "geoms", []) if p.geom_type == "Polygon"]
        if not parts or g.is_empty:
            parts = [shapely.Point(0, 0).buffer(1)]
        for part in parts:
            for ring in [part.exterior, *part.interiors]:
                c = np.asarray(ring.coords)[:-1]
                coords.append(c)
                offsets.append(offsets[-1] + len(c))
                owner.append(i)
        lp = g.representative_point() if not g.is_empty else shapely.Point(0, 0)
        labels.append((lp.x, lp.y))
    return PolygonSet(ids=ids, names=tuple(names), coords=np.vstack(coords),
                      ring_offsets=np.asarray(offsets, dtype=np.int64), poly_ring=np.asarray(owner, dtype=np.int64),
                      label_xy=np.asarray(labels, dtype=np.float64), parent_ids=parents)


def _street_name(rng: np.random.Generator) -> str:
    return STREET_PREFIX[rng.integers(len(STREET_PREFIX))] + STREET_SUFFIX[rng.integers(len(STREET_SUFFIX))]


def _lattice_roads(rng: np.random.Generator, centre: np.ndarray, radius_m: float, spacing_m: float,
                   budget: int) -> tuple[list[np.ndarray], list[int], list[str]]:
    """Street lattice around a town centre: each block edge is one polyline
    (2–3 points, jittered), every 5th line a bigger road, lines share a name."""
    n = max(3, int(2 * radius_m / spacing_m))
    theta = rng.uniform(0, np.pi / 2)
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    g = (np.arange(n) - (n - 1) / 2) * spacing_m
    gx, gy = np.meshgrid(g, g, indexing="ij")
    nodes = np.stack([gx, gy], axis=-1) + rng.normal(0, spacing_m * 0.08, size=(n, n, 2))
    inside = (gx ** 2 + gy ** 2) <= radius_m ** 2 * rng.uniform(0.8, 1.0)
    world = nodes @ rot.T + centre
    line_names_x = [_street_name(rng) for _ in range(n)]
    line_names_y = [_street_name(rng) for _ in range(n)]
    lines, classes, names = [], [], []
    for axis in (0, 1):
        a0 = world[:-1, :] if axis == 0 else world[:, :-1]
        a1 = world[1:, :] if axis == 0 else world[:, 1:]
        ok = (inside[:-1, :] & inside[1:, :]) if axis == 0 else (inside[:, :-1] & inside[:, 1:])
        idx = np.argwhere(ok)
        for i, j in idx:
            p0, p1 = a0[i, j], a1[i, j]
            mid = (p0 + p1) / 2 + rng.normal(0, spacing_m * 0.03, 2)
            lines.append(np.vstack([p0, mid, p1]))
            line_id = j if axis == 0 else i
            major = line_id % 5 == 0
            classes.append(3 if major and line_id % 10 == 0 else 4 if major else 5)
            names.append((line_names_y if axis == 0 else line_names_x)[line_id])
            if len(lines) >= budget:
                return lines, classes, names
    return lines, classes, names


def make_city(seed: int = 7, size: SceneSize = SceneSize()) -> CityStatic:
    rng = np.random.default_rng(seed)
    outline = _outline(rng)
    # districts ---------------------------------------------------------------
    dseeds = np.array([[CENTRE_XY[0] + dx * 1000, CENTRE_XY[1] + dy * 1000] for _, (dx, dy), _ in DISTRICTS])
    dcells = _voronoi(dseeds, outline)
    districts = _polygon_set(dcells, [d[0] for d in DISTRICTS], np.full(len(DISTRICTS), -1, np.int64),
                             np.arange(1, len(DISTRICTS) + 1, dtype=np.int64))
    # towns: more, smaller towns in the urban districts ------------------------------
    weights = np.array([3.0 if urban else 1.0 for *_, urban in DISTRICTS]) * np.sqrt([c.area for c in dcells])
    counts = np.maximum(4, np.round(weights / weights.sum() * size.towns)).astype(int)
    counts[np.argmax(counts)] += size.towns - counts.sum()
    tgeoms, tnames, tparent, centre_list = [], [], [], []
    suffix = ("街道", "镇", "乡")
    for d, (cell, n) in enumerate(zip(dcells, counts)):
        urban = DISTRICTS[d][2]
        pts = _sample_in(cell, int(n), rng, centre=dseeds[d] if urban else None, spread=9_000 if urban else None)
        for k, c in enumerate(_voronoi(pts, cell)):
            tgeoms.append(c)
            tnames.append(f"{DISTRICTS[d][0][:2]}{_town_word(rng)}{suffix[0 if urban else (1 if k % 3 else 2)]}")
            tparent.append(d + 1)
            centre_list.append(pts[k])
    towns = _polygon_set(tgeoms, tnames, np.asarray(tparent, np.int64), np.arange(1, len(tgeoms) + 1, dtype=np.int64))
    tcentres = np.asarray(centre_list)
    town_area = np.array([g.area for g in tgeoms])
    urban_town = np.array([DISTRICTS[p - 1][2] for p in tparent])
    # grids ---------------------------------------------------------------------------
    gw = np.where(urban_town, 4.0, 1.0) * np.sqrt(town_area)
    gcount = np.maximum(3, np.round(gw / gw.sum() * size.grids)).astype(int)
    ggeoms, gnames, gparent = [], [], []
    for t, (cell, n) in enumerate(zip(tgeoms, gcount)):
        pts = _sample_in(cell, int(n), rng)
        if len(pts) == 0:
            continue
        for k, c in enumerate(_voronoi(pts, cell)):
            ggeoms.append(c)
            gnames.append(f"{tnames[t][:-2] if tnames[t].endswith('街道') else tnames[t][:-1]}第{k + 1}网格")
            gparent.append(t + 1)
    grids = _polygon_set(ggeoms, gnames, np.asarray(gparent, np.int64), np.arange(1, len(ggeoms) + 1, dtype=np.int64))
    # roads ------------------------------------------------------------------------------------
    lines, classes, names = _arterials(rng, dseeds, tcentres, outline)
    remaining = size.roads - len(lines)
    share = np.where(urban_town, 5.0, 1.0) * np.sqrt(town_area)
    share = share / share.sum()
    for t in np.argsort(-share):
        budget = int(round(share[t] * remaining))
        if budget < 8:
            continue
        urban = urban_town[t]
        spacing = rng.uniform(110, 170) if urban else rng.uniform(180, 280)
        radius = spacing * math.sqrt(budget / 2.2 / math.pi)
        ls, cs, ns = _lattice_roads(rng, tcentres[t], radius, spacing, budget)
        lines += ls
        classes += cs
        names += ns
    # service roads fill the remainder: short driveways off residential streets
    resid = [k for k, c in enumerate(classes) if c == 5]
    while len(lines) < size.roads and resid:
        k = size.roads - len(lines)
        pick = rng.choice(resid, size=k)
        for j in pick:
            a, b = lines[j][0], lines[j][-1]
            d = b - a
            norm = np.array([-d[1], d[0]]) / (np.hypot(*d) + 1e-9)
            base = a + d * rng.uniform(0.25, 0.75)
            tip = base + norm * rng.choice([-1.0, 1.0]) * rng.uniform(35, 80)
            lines.append(np.vstack([base, tip]))
            classes.append(6)
            names.append("")
    lines, classes, names = lines[:size.roads], classes[:size.roads], names[:size.roads]
    lengths = np.array([len(line) for line in lines])
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    roads = RoadSet(coords=np.vstack(lines), offsets=offsets, road_class=np.asarray(classes, np.int8), names=tuple(names))
    # sites: near streets of towns, denser downtown -------------------------------------------------
    sites = _sites(rng, size.sites, roads)
    # water: the three rivers meeting downtown (三江口) and a lake --------------------------------
    water = _water(outline)
    xmin, ymin, xmax, ymax = outline.bounds
    return CityStatic(crs=CRS, bounds=(xmin, ymin, xmax, ymax), districts=districts, towns=towns, grids=grids,
                      roads=roads, sites=sites, water=water)


def _town_word(rng: np.random.Generator) -> str:
    words = ("东", "西", "南", "北", "中", "新", "江", "湖", "山", "桥", "塘", "浦", "港", "湾", "屿", "岙", "溪", "林")
    return words[rng.integers(len(words))] + words[rng.integers(len(words))]


def _arterials(rng, dseeds, tcentres, outline) -> tuple[list[np.ndarray], list[int], list[str]]:
    """Expressways (ring + radials), trunk roads between district seats,
    primaries joining each town to its nearest neighbours; cut into ~400 m pieces."""
    lines, classes, names = [], [], []

    def add(path: np.ndarray, cls: int, name: str, piece_m: float = 400.0) -> None:
        seg_len = np.hypot(*np.diff(path, axis=0).T)
        total = seg_len.sum()
        if total <= 0:
            return
        n = max(1, int(total // piece_m))
        t = np.linspace(0, total, n + 1)
        cum = np.concatenate([[0], np.cumsum(seg_len)])
        pts = np.column_stack([np.interp(t, cum, path[:, 0]), np.interp(t, cum, path[:, 1])])
        inside = shapely.contains_xy(outline, pts[:, 0], pts[:, 1])
        for i in range(n):
            if inside[i] and inside[i + 1]:
                lines.append(pts[i:i + 2].copy())
                classes.append(cls)
                names.append(name)

    ang = np.linspace(0, 2 * np.pi, 73)
    ring = np.column_stack([CENTRE_XY[0] + 11_000 * np.cos(ang), CENTRE_XY[1] + 9_000 * np.sin(ang)])
    add(ring, 0, "绕城高速")
    for k, d in enumerate(dseeds):
        path = np.vstack([CENTRE_XY, d + rng.normal(0, 500, 2)])
        path = _wiggle(rng, path, 12)
        add(path, 0 if k in (4, 6, 7, 9) else 1, ("甬台温高速", "杭甬高速", "沈海高速", "穿山疏港高速", "象山港大道",
                                                  "机场路", "世纪大道", "东外环路", "宁镇公路", "甬江大道")[k])
    for k, c in enumerate(tcentres):
        d = np.hypot(*(tcentres - c).T)
        for j in np.argsort(d)[1:3]:
            if j > k or d[j] > 16_000:
                path = _wiggle(rng, np.vstack([c, tcentres[j]]), 6)
                add(path, 2, _street_name(rng))
    return lines, classes, names


def _wiggle(rng, path: np.ndarray, n: int) -> np.ndarray:
    t = np.linspace(0, 1, n + 1)
    p = path[0] + (path[-1] - path[0]) * t[:, None]
    normal = np.array([-(path[-1] - path[0])[1], (path[-1] - path[0])[0]])
    normal = normal / (np.linalg.norm(normal) + 1e-9)
    p[1:-1] += normal * rng.normal(0, 500, n - 1)[:, None]
    return p


def _sites(rng, n: int, roads: RoadSet) -> SiteSet:
    """Sites sit beside streets (minor-road vertices), weighted to downtown."""
    cls = np.repeat(roads.road_class, np.diff(roads.offsets))
    cand = roads.coords[cls >= 4]
    d = np.hypot(*(cand - np.asarray(CENTRE_XY)).T)
    w = 1.0 / (1.0 + (d / 14_000.0) ** 2) + 0.05
    pick = rng.choice(len(cand), size=n, p=w / w.sum())
    xy = cand[pick] + rng.normal(0, 25, size=(n, 2))
    category = rng.choice(len(SITE_CATEGORIES), size=n, p=_cat_weights()).astype(np.int16)
    risk = rng.choice([1, 2, 3, 4], size=n, p=[0.45, 0.3, 0.17, 0.08]).astype(np.int8)
    names = tuple(f"{SITE_CATEGORIES[c][:2]}{i:05d}号" for i, c in enumerate(category))
    return SiteSet(ids=np.arange(1, n + 1, dtype=np.int64), xy=xy, category=category, categories=SITE_CATEGORIES,
                   names=names, risk_level=risk)


def _cat_weights() -> np.ndarray:
    w = np.array([30, 6, 3, 6, 2, 6, 35, 5, 4, 1], dtype=np.float64)
    return w / w.sum()


def _water(outline) -> PolygonSet:
    c = np.asarray(CENTRE_XY)
    rivers = [
        np.array([c + (-30_000, -2_000), c + (-15_000, 1_000), c + (-6_000, 1_500), c]),       # 姚江
        np.array([c + (-20_000, -22_000), c + (-9_000, -9_000), c + (-2_000, -2_500), c]),    # 奉化江
        np.array([c, c + (6_000, 4_000), c + (13_000, 10_000), c + (20_000, 16_000)]),        # 甬江
    ]
    geoms = [shapely.LineString(r).buffer(w) for r, w in zip(rivers, (180, 160, 260))]
    geoms.append(shapely.Point(c + (9_000, -14_000)).buffer(3_200).intersection(outline))   # 东钱湖
    geoms = [g.intersection(outline) for g in geoms]
    names = ["姚江", "奉化江", "甬江", "东钱湖"]
    return _polygon_set(geoms, names, np.full(len(geoms), -1, np.int64), np.arange(1, len(geoms) + 1, dtype=np.int64))


# --- the operation --------------------------------------------------------------------------------

def make_snapshot(city: CityStatic, seed: int = 11, size: SceneSize = SceneSize(), time_s: float = 1_764_000_000.0,
                  with_rasters: bool = True) -> OperationSnapshot:
    rng = np.random.default_rng(seed)
    officers = _officers(rng, city, size.officers)
    incidents = _incidents(rng, city, size.incidents)
    routes = _routes(rng, officers, incidents, size.routes)
    density = coverage = None
    if with_rasters:
        density, coverage = _rasters(city, officers, incidents)
    return OperationSnapshot(sequence=1, time_s=time_s, officers=officers, incidents=incidents, routes=routes,
                             incident_density=density, coverage_s=coverage)


def _officers(rng, city: CityStatic, n: int) -> OfficerArrays:
    base = city.sites.xy[rng.integers(len(city.sites.xy), size=n)]
    xy = base + rng.normal(0, 60, size=(n, 2))
    status = rng.choice(5, size=n, p=[0.12, 0.58, 0.1, 0.1, 0.1]).astype(np.int8)
    stale = rng.random(n) < 0.03
    age = np.where(stale, rng.uniform(180, 3600, n), rng.uniform(0, 20, n)).astype(np.float32)
    heading = rng.uniform(0, 360, n).astype(np.float32)
    heading[rng.random(n) < 0.1] = np.nan
    return OfficerArrays(ids=np.arange(1, n + 1, dtype=np.int64), xy=xy, heading_deg=heading, status=status,
                         fix_age_s=age, stale=stale, department=rng.integers(1, 9, n).astype(np.int32),
                         badges=tuple(f"NB{i:05d}" for i in range(1, n + 1)))


def _incidents(rng, city: CityStatic, n: int) -> IncidentArrays:
    xy = city.sites.xy[rng.integers(len(city.sites.xy), size=n)] + rng.normal(0, 30, size=(n, 2))
    priority = rng.choice([1, 2, 3, 4], size=n, p=[0.08, 0.22, 0.45, 0.25]).astype(np.int8)
    status = rng.choice([0, 1, 2, 3, 4], size=n, p=[0.3, 0.15, 0.2, 0.25, 0.1]).astype(np.int8)
    age = rng.uniform(10, 5400, n).astype(np.float32)
    cats = ("占道经营", "违规排污", "噪声扰民", "违章搭建", "渣土撒漏", "油烟扰民", "无证经营", "非法广告")
    return IncidentArrays(ids=np.arange(1, n + 1, dtype=np.int64), xy=xy, priority=priority, status=status,
                          age_s=age, codes=tuple(f"NB-{i:04d}" for i in range(1, n + 1)),
                          categories=tuple(cats[i % len(cats)] for i in rng.integers(0, len(cats), n)))


def _routes(rng, officers: OfficerArrays, incidents: IncidentArrays, n: int) -> RouteArrays:
    """Manhattan-ish routes from en-route officers to nearby open incidents."""
    busy = np.nonzero(officers.status == 3)[0]
    targets = np.nonzero(incidents.status <= 2)[0]
    coords, offsets, eta = [], [0], []
    for k in range(min(n, len(busy), len(targets))):
        dst = incidents.xy[targets[k]]
        src = dst + rng.normal(0, 900, 2)
        mid1 = np.array([src[0], (src[1] + dst[1]) / 2])
        mid2 = np.array([dst[0], (src[1] + dst[1]) / 2])
        path = np.vstack([src, mid1, mid2, dst])
        coords.append(path)
        offsets.append(offsets[-1] + len(path))
        eta.append(float(np.abs(dst - src).sum() / 8.0))
    m = len(eta)
    if m == 0:
        from ..domain.snapshot import empty_routes
        return empty_routes()
    preview = np.zeros(m, bool)
    preview[0] = True
    return RouteArrays(coords=np.vstack(coords), offsets=np.asarray(offsets, np.int64),
                       task_ids=np.where(preview, -1, np.arange(1, m + 1)), eta_s=np.asarray(eta, np.float32),
                       preview=preview)


def _rasters(city: CityStatic, officers: OfficerArrays, incidents: IncidentArrays) -> tuple[RasterGrid, RasterGrid]:
    xmin, ymin, xmax, ymax = city.bounds
    cell = 1000.0
    cols = int((xmax - xmin) // cell) + 1
    rows = int((ymax - ymin) // cell) + 1
    hist, _, _ = np.histogram2d(incidents.xy[:, 1], incidents.xy[:, 0], bins=(rows, cols),
                                range=((ymin, ymin + rows * cell), (xmin, xmin + cols * cell)))
    density = RasterGrid(xmin, ymin, cell, hist.astype(np.float32))
    avail = officers.xy[officers.status == 1]
    ax = ((avail[:, 0] - xmin) // cell).astype(int).clip(0, cols - 1)
    ay = ((avail[:, 1] - ymin) // cell).astype(int).clip(0, rows - 1)
    has = np.zeros((rows, cols), bool)
    has[ay, ax] = True
    # drive time ≈ distance to the nearest cell with an available officer at 8 m/s (crude, synthetic)
    from scipy.ndimage import distance_transform_edt
    dist_cells = distance_transform_edt(~has)
    cov = (dist_cells * cell / 8.0 + 60.0).astype(np.float32)
    gx = xmin + (np.arange(cols) + 0.5) * cell
    gy = ymin + (np.arange(rows) + 0.5) * cell
    mx, my = np.meshgrid(gx, gy)
    land = np.zeros_like(cov, dtype=bool)
    for k in range(len(city.districts.ring_offsets) - 1):
        a, b = city.districts.ring_offsets[k], city.districts.ring_offsets[k + 1]
        land |= shapely.contains_xy(Polygon(city.districts.coords[a:b]), mx, my)
    cov[~land] = np.nan
    return density, RasterGrid(xmin, ymin, cell, cov)


def move_officers(snapshot: OperationSnapshot, rng: np.random.Generator, step_m: float = 8.0) -> OperationSnapshot:
    """The next tick: every officer moved a little (benchmark case 'move all')."""
    o = snapshot.officers
    heading = np.deg2rad(np.nan_to_num(o.heading_deg, nan=0.0))
    xy = o.xy + np.column_stack([np.sin(heading), np.cos(heading)]) * step_m + rng.normal(0, 1.0, o.xy.shape)
    moved = OfficerArrays(ids=o.ids, xy=xy, heading_deg=o.heading_deg, status=o.status, fix_age_s=o.fix_age_s,
                          stale=o.stale, department=o.department, badges=o.badges)
    return OperationSnapshot(sequence=snapshot.sequence + 1, time_s=snapshot.time_s + 0.25, officers=moved,
                             incidents=snapshot.incidents, routes=snapshot.routes,
                             incident_density=snapshot.incident_density, coverage_s=snapshot.coverage_s)
