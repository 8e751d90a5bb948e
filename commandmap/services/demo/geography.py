"""Districts (real outlines), towns and grids (Voronoi tessellations inside them).

Towns are Voronoi cells of hand-placed seed points (data/demo/towns.csv) clipped to
their district, so a town lies where its namesake roughly is; grids are relaxed
Voronoi cells inside each town. Cells are computed in metres and clipped in lon/lat
against the stored parent outline, so "inside its parent" holds for what is stored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.ops import nearest_points

from routing.projection import geom_to_lonlat, geom_to_xy, to_xy

from . import sources
from .config import ScaleConfig

SEED_INSET_M = 300.0   # seeds outside their district are pulled this far inside it
LLOYD_ROUNDS = 2       # grid seeds are relaxed so grids look like cells, not slivers


@dataclass(frozen=True)
class Area:
    """A district, town or grid as stored: lon/lat outline plus the facts the generator needs."""

    id: int
    code: str
    name: str
    name_en: str
    parent_id: int        # district id for a town, town id for a grid, 0 for a district
    geom_ll: MultiPolygon
    population: int       # census figure for districts, an estimate below
    urban: bool
    kind: str = ""        # 区/县/市 for districts, 街道/镇/乡 for towns, 网格 for grids


def as_multipolygon(geom: shapely.Geometry) -> MultiPolygon:
    """Only the polygon parts of a clip result (an overlay may add slivers of lines/points)."""
    parts = [g for g in shapely.get_parts(geom) if isinstance(g, Polygon) and not g.is_empty]
    if not parts and isinstance(geom, shapely.GeometryCollection):
        parts = [g for sub in shapely.get_parts(geom) for g in shapely.get_parts(sub) if isinstance(g, Polygon)]
    return MultiPolygon(parts)


def _district_kind(name: str) -> str:
    return name[-1] if name and name[-1] in "区县市" else "区"


def build_districts() -> list[Area]:
    return [Area(i + 1, d.code, d.name, d.name_en, 0, d.geom_ll, d.population, False, _district_kind(d.name))
            for i, d in enumerate(sources.districts())]


def _voronoi(seeds_xy: np.ndarray, extent: Polygon) -> list[shapely.Geometry]:
    """One cell per seed, in seed order, covering `extent`."""
    if len(seeds_xy) == 1:
        return [extent]
    coll = shapely.voronoi_polygons(shapely.multipoints(seeds_xy), extend_to=extent, ordered=True)
    cells = list(shapely.get_parts(coll))
    if len(cells) != len(seeds_xy):
        raise RuntimeError(f"voronoi returned {len(cells)} cells for {len(seeds_xy)} seeds")
    return cells


def _dedupe(seeds: np.ndarray, min_gap_m: float = 1.0) -> np.ndarray:
    """Nudge coincident seeds apart deterministically (Voronoi needs distinct points)."""
    seeds = seeds.copy()
    for _ in range(3):
        _, first, counts = np.unique(np.round(seeds / min_gap_m), axis=0, return_index=True, return_counts=True)
        if (counts == 1).all():
            break
        dup = np.ones(len(seeds), bool)
        dup[first] = False
        seeds[dup] += min_gap_m * 7.0 * (1 + np.arange(int(dup.sum())))[:, None]
    return seeds


def _inside(seed: np.ndarray, poly_xy: shapely.Geometry) -> np.ndarray:
    p = Point(seed)
    if poly_xy.contains(p):
        return seed
    inner = poly_xy.buffer(-SEED_INSET_M)
    target = inner if not inner.is_empty else poly_xy
    q = nearest_points(target, p)[0]
    if not poly_xy.contains(q):
        q = target.representative_point()
    return np.array([q.x, q.y])


def _clip_ll(cells_xy: list[shapely.Geometry], parent_ll: MultiPolygon) -> list[MultiPolygon]:
    cells_ll = geom_to_lonlat(sources.crs(), np.array(cells_xy, dtype=object))
    return [as_multipolygon(c) for c in shapely.intersection(cells_ll, parent_ll)]


def _town_weight(urban: bool, area_km2: float) -> float:
    # streets (街道) are small and dense, towns (镇) big and sparse: population ~ area^0.3,
    # four times as dense in the urban streets (close to Ningbo's 2020 town figures)
    return (4.0 if urban else 1.0) * max(area_km2, 0.5) ** 0.3


def _choose_towns(all_towns: list[sources.TownSource], k: int | None) -> list[sources.TownSource]:
    if k is None or len(all_towns) <= k:
        return all_towns
    # a small district still gets streets of its centre and one rural town
    urban = [t for t in all_towns if t.urban][:max(k - 1, 1)]
    rest = [t for t in all_towns if not t.urban] + [t for t in all_towns if t.urban and t not in urban]
    chosen = set(urban + rest[:k - len(urban)])
    return [t for t in all_towns if t in chosen]  # keep file order


def build_towns(districts: list[Area], cfg: ScaleConfig) -> list[Area]:
    by_district: dict[str, list[sources.TownSource]] = {}
    for t in sources.towns():
        by_district.setdefault(t.district_code, []).append(t)
    out: list[Area] = []
    for d in districts:
        specs = _choose_towns(by_district[d.code], cfg.towns_per_district)
        d_xy = geom_to_xy(sources.crs(), d.geom_ll)
        seeds = np.array([_inside(to_xy(sources.crs(), np.array([s.seed_lonlat]))[0], d_xy) for s in specs])
        seeds = _dedupe(seeds)
        cells = _voronoi(seeds, shapely.box(*d_xy.bounds).buffer(2_000.0))
        clipped = _clip_ll(cells, d.geom_ll)
        areas_km2 = [geom_to_xy(sources.crs(), c).area / 1e6 for c in clipped]
        weights = np.array([_town_weight(s.urban, a) for s, a in zip(specs, areas_km2, strict=True)])
        pops = _split_exact(d.population, weights)
        for k, (spec, geom, pop) in enumerate(zip(specs, clipped, pops, strict=True)):
            if geom.is_empty:
                raise RuntimeError(f"town {spec.name} got an empty cell in {d.name}")
            out.append(Area(len(out) + 1, f"{d.code}{k + 1:03d}", spec.name, spec.name_en, d.id, geom,
                            int(pop), spec.urban, spec.kind))
    return out


def _split_exact(total: int, weights: np.ndarray, minimum: int = 0) -> np.ndarray:
    """Integer shares of `total` proportional to `weights` (largest remainder), each >= minimum."""
    n = len(weights)
    base = np.full(n, minimum, dtype=np.int64)
    rest = total - minimum * n
    if rest < 0:
        raise ValueError(f"cannot give {n} parts at least {minimum} each out of {total}")
    w = np.asarray(weights, dtype=float)
    w = w / w.sum() if w.sum() > 0 else np.full(n, 1.0 / n)
    raw = w * rest
    floor = np.floor(raw).astype(np.int64)
    short = rest - int(floor.sum())
    order = np.argsort(-(raw - floor), kind="stable")
    floor[order[:short]] += 1
    return base + floor


def _sample_in(poly_xy: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """n points uniformly inside a polygon (rejection sampling from its bounding box)."""
    x0, y0, x1, y1 = poly_xy.bounds
    shapely.prepare(poly_xy)
    got: list[np.ndarray] = []
    have = 0
    while have < n:
        k = max(64, int((n - have) * 4 * (x1 - x0) * (y1 - y0) / max(poly_xy.area, 1.0)))
        pts = np.column_stack([rng.uniform(x0, x1, k), rng.uniform(y0, y1, k)])
        pts = pts[shapely.contains_xy(poly_xy, pts[:, 0], pts[:, 1])]
        got.append(pts)
        have += len(pts)
    return np.concatenate(got)[:n]


def build_grids(towns: list[Area], cfg: ScaleConfig, rng: np.random.Generator) -> list[Area]:
    counts = _split_exact(cfg.grids_total, np.array([t.population for t in towns], float), cfg.min_grids_per_town)
    out: list[Area] = []
    for town, n in zip(towns, counts.tolist(), strict=True):
        t_xy = geom_to_xy(sources.crs(), town.geom_ll)
        extent = shapely.box(*t_xy.bounds).buffer(1_000.0)
        seeds = _sample_in(t_xy, n, rng)
        for _ in range(LLOYD_ROUNDS):
            cells = shapely.intersection(np.array(_voronoi(_dedupe(seeds), extent), dtype=object), t_xy)
            cent = shapely.centroid(cells)
            ok = ~shapely.is_empty(cells) & shapely.contains(t_xy, cent)
            xy = shapely.get_coordinates(cent[ok]) if ok.any() else np.empty((0, 2))
            seeds = seeds.copy()
            seeds[ok] = xy
        clipped = _clip_ll(_voronoi(_dedupe(seeds), extent), town.geom_ll)
        pops = _split_exact(town.population, np.array([max(g.area, 1e-12) for g in clipped]))
        k = 0
        for geom, pop in zip(clipped, pops, strict=True):
            if geom.is_empty:
                continue
            k += 1
            out.append(Area(len(out) + 1, f"{town.code}{k:03d}", f"{town.name}第{k:02d}网格",
                            f"{town.name_en} grid {k:02d}", town.id, geom, int(pop), town.urban, "网格"))
    return out
