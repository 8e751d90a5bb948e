"""Hand-made and synthetic scenes for the map tests.

`tiny_city` is small enough to reason about pixel by pixel: one district
(海曙区) split into two towns and four grids, a cross of roads, a few sites,
all in UTM 51N metres around Ningbo's real position so lon/lat inputs make
sense. `synthetic_city` reuses the benchmark's generator at a small scale.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from pyproj import Transformer

from commandmap.bench.render_scene import SceneSize, make_city, make_snapshot
from commandmap.domain.snapshot import (CityStatic, IncidentArrays, OfficerArrays, OperationSnapshot, PolygonSet,
                                        RoadSet, RouteArrays, SiteSet, empty_routes)

CX, CY = 360_000.0, 3_305_000.0       # ≈ 121.55°E 29.87°N
HALF = 2_000.0                         # the tiny district is 4 km × 4 km


@lru_cache(maxsize=1)
def _to_xy() -> Transformer:
    return Transformer.from_crs("EPSG:4326", "EPSG:32651", always_xy=True)


def lonlat_to_xy(lon: float, lat: float) -> tuple[float, float]:
    x, y = _to_xy().transform(lon, lat)
    return float(x), float(y)


def _square(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)


def polygon_set(rings: list[np.ndarray], names: list[str], owners: list[int] | None = None,
                parents: list[int] | None = None) -> PolygonSet:
    owners = owners if owners is not None else list(range(len(rings)))
    n = max(owners) + 1 if owners else 0
    offsets = np.concatenate([[0], np.cumsum([len(r) for r in rings])]).astype(np.int64)
    label = np.zeros((n, 2))
    for i in range(n):
        pts = np.vstack([r for r, o in zip(rings, owners) if o == i])
        label[i] = pts.mean(axis=0)
    return PolygonSet(ids=np.arange(1, n + 1, dtype=np.int64), names=tuple(names), coords=np.vstack(rings),
                      ring_offsets=offsets, poly_ring=np.asarray(owners, dtype=np.int64), label_xy=label,
                      parent_ids=np.asarray(parents if parents is not None else [-1] * n, dtype=np.int64))


def tiny_city(with_sites: bool = True) -> CityStatic:
    x0, y0, x1, y1 = CX - HALF, CY - HALF, CX + HALF, CY + HALF
    districts = polygon_set([_square(x0, y0, x1, y1)], ["海曙区"])
    towns = polygon_set([_square(x0, y0, CX, y1), _square(CX, y0, x1, y1)], ["西门街道", "鼓楼街道"],
                        parents=[1, 1])
    grids = polygon_set([_square(x0, y0, CX, CY), _square(x0, CY, CX, y1), _square(CX, y0, x1, CY),
                         _square(CX, CY, x1, y1)], ["西门第1网格", "西门第2网格", "鼓楼第1网格", "鼓楼第2网格"],
                        parents=[1, 1, 2, 2])
    # an east-west primary road and a north-south residential street through the centre,
    # offset from the grid lines so road pixels are not boundary pixels
    road_lines = [np.array([[x0, CY + 600], [CX, CY + 600], [x1, CY + 600]]),
                  np.array([[CX - 700, y0], [CX - 700, y1]])]
    roads = RoadSet(coords=np.vstack(road_lines), offsets=np.array([0, 3, 5], dtype=np.int64),
                    road_class=np.array([2, 5], dtype=np.int8), names=("中山西路", "解放南路"))
    if with_sites:
        sxy = np.array([[CX + 900, CY - 900], [CX + 1200, CY - 900], [CX - 1500, CY - 1500]])
        sites = SiteSet(ids=np.array([101, 102, 103], dtype=np.int64), xy=sxy,
                        category=np.array([0, 1, 0], dtype=np.int16), categories=("餐饮店", "建筑工地"),
                        names=("甬江面馆", "东门工地", "海曙饭店"), risk_level=np.array([1, 4, 2], dtype=np.int8))
    else:
        sites = SiteSet(ids=np.zeros(0, np.int64), xy=np.zeros((0, 2)), category=np.zeros(0, np.int16),
                        categories=(), names=(), risk_level=np.zeros(0, np.int8))
    return CityStatic(crs="EPSG:32651", bounds=(x0, y0, x1, y1), districts=districts, towns=towns, grids=grids,
                      roads=roads, sites=sites)


def officers(rows: list[tuple[float, float, int, bool, float]], badges: list[str] | None = None,
             ids: list[int] | None = None) -> OfficerArrays:
    """rows: (x, y, status_code, stale, heading_deg) — heading NaN for none."""
    n = len(rows)
    xy = np.array([[r[0], r[1]] for r in rows], dtype=np.float64).reshape(n, 2)
    return OfficerArrays(
        ids=np.asarray(ids if ids is not None else range(1, n + 1), dtype=np.int64), xy=xy,
        heading_deg=np.array([r[4] for r in rows], dtype=np.float32),
        status=np.array([r[2] for r in rows], dtype=np.int8),
        fix_age_s=np.array([900.0 if r[3] else 5.0 for r in rows], dtype=np.float32),
        stale=np.array([r[3] for r in rows], dtype=bool), department=np.ones(n, np.int32),
        badges=tuple(badges if badges is not None else [f"NB{i:05d}" for i in range(1, n + 1)]))


def incidents(rows: list[tuple[float, float, int, int, float]]) -> IncidentArrays:
    """rows: (x, y, priority 1..4, status_code, age_s)."""
    n = len(rows)
    return IncidentArrays(ids=np.arange(1, n + 1, dtype=np.int64),
                          xy=np.array([[r[0], r[1]] for r in rows], dtype=np.float64).reshape(n, 2),
                          priority=np.array([r[2] for r in rows], dtype=np.int8),
                          status=np.array([r[3] for r in rows], dtype=np.int8),
                          age_s=np.array([r[4] for r in rows], dtype=np.float32),
                          codes=tuple(f"NB-{i:04d}" for i in range(1, n + 1)),
                          categories=tuple("占道经营" for _ in range(n)))


def snapshot(officer_rows=(), incident_rows=(), routes: RouteArrays | None = None,
             time_s: float = 1_764_000_000.0, **extra) -> OperationSnapshot:
    return OperationSnapshot(sequence=1, time_s=time_s, officers=officers(list(officer_rows)),
                             incidents=incidents(list(incident_rows)), routes=routes or empty_routes(), **extra)


@lru_cache(maxsize=2)
def synthetic_city(scale: float = 0.03, seed: int = 5) -> CityStatic:
    return make_city(seed, SceneSize.scaled(scale))


def synthetic_snapshot(scale: float = 0.03) -> OperationSnapshot:
    return make_snapshot(synthetic_city(scale), seed=9, size=SceneSize.scaled(scale))
