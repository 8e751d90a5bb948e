"""A demo operation on anyone's roads: synthetic districts, towns and grids on a regular
grid over the road file's extent, officers and sites placed on its streets.

So a command centre can try the product on its own city before it has its rosters
(`commandmap demo --roads FILE.osm.pbf`). It goes through the importer's writer, so
the result is an ordinary city: a later `commandmap city import --replace` swaps in
the real one.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from shapely.geometry import box

from routing.projection import geom_to_lonlat

from ..catalogue import Catalogue, load_catalogue
from .model import AreaRecord, CityData, DepartmentRecord, OfficerRecord, SiteRecord

DISTRICTS_PER_SIDE = 2      # 4 districts
TOWNS_PER_SIDE = 2          # 4 towns in each
GRIDS_PER_SIDE = 3          # 9 grids in each town
_MODES = ("foot", "ebike", "car")
_MODE_P = (0.2, 0.4, 0.4)


def _cells(x0: float, y0: float, x1: float, y1: float, n: int) -> list[tuple[float, float, float, float]]:
    xs, ys = np.linspace(x0, x1, n + 1), np.linspace(y0, y1, n + 1)
    return [(float(xs[i]), float(ys[j]), float(xs[i + 1]), float(ys[j + 1])) for j in range(n) for i in range(n)]


def _areas(graph: Any) -> tuple[list[AreaRecord], list[AreaRecord], list[AreaRecord], list[Any]]:
    """Nested boxes over the middle 98 % of the road nodes (a stray far-off node does not stretch them)."""
    lo = np.quantile(graph.node_xy, 0.01, axis=0) - 50.0
    hi = np.quantile(graph.node_xy, 0.99, axis=0) + 50.0
    districts, towns, grids, grid_boxes = [], [], [], []
    for d, dc in enumerate(_cells(lo[0], lo[1], hi[0], hi[1], DISTRICTS_PER_SIDE), start=1):
        dcode = f"D{d:02d}"
        districts.append(AreaRecord(dcode, f"示范区{d}", None, geom_to_lonlat(graph.crs, box(*dc))))
        for t, tc in enumerate(_cells(*dc, TOWNS_PER_SIDE), start=1):
            tcode = f"{dcode}T{t:02d}"
            towns.append(AreaRecord(tcode, f"示范区{d}街道{t}", dcode, geom_to_lonlat(graph.crs, box(*tc))))
            for g, gc in enumerate(_cells(*tc, GRIDS_PER_SIDE), start=1):
                gcode = f"{tcode}G{g:02d}"
                grids.append(AreaRecord(gcode, f"网格{gcode}", tcode, geom_to_lonlat(graph.crs, box(*gc))))
                grid_boxes.append(gc)
    return districts, towns, grids, grid_boxes


def _cell_of(xy: np.ndarray, boxes: list[tuple[float, float, float, float]]) -> np.ndarray:
    b = np.array(boxes)
    inside = ((xy[:, None, 0] >= b[None, :, 0]) & (xy[:, None, 0] < b[None, :, 2])
              & (xy[:, None, 1] >= b[None, :, 1]) & (xy[:, None, 1] < b[None, :, 3]))
    return np.where(inside.any(axis=1), inside.argmax(axis=1), -1)


def synthetic_city(graph: Any, seed: int = 42, officers: int | None = None, sites: int | None = None,
                   name: str = "示范城市", catalogue: Catalogue | None = None) -> CityData:
    """A deterministic city for `graph` and `seed` (same inputs, same city)."""
    catalogue = catalogue or load_catalogue()
    rng = np.random.default_rng(seed)
    districts, towns, grids, boxes = _areas(graph)
    n_off = officers if officers is not None else int(np.clip(graph.n_nodes // 40, 100, 5000))
    n_site = sites if sites is not None else 2 * n_off
    cell = _cell_of(graph.node_xy, boxes)
    nodes = np.flatnonzero(cell >= 0)
    if len(nodes) == 0:
        raise ValueError("the road network has no nodes inside its own extent")
    depts = catalogue.departments
    weights = np.array([d.officer_weight for d in depts])
    town_of_grid = [g.parent for g in grids]

    pick = rng.choice(nodes, size=n_off)
    dept_pick = rng.choice(len(depts), size=n_off, p=weights / weights.sum())
    mode_pick = rng.choice(3, size=n_off, p=_MODE_P)
    duty = rng.random(n_off) < 0.85
    officer_rows, positions = [], {}
    for i in range(n_off):
        badge = f"DEMO{i + 1:05d}"
        officer_rows.append(OfficerRecord(badge, f"示范警员{i + 1}", depts[dept_pick[i]].code,
                                          str(town_of_grid[cell[pick[i]]]), _MODES[mode_pick[i]], (),
                                          f"demo-dev-{i + 1:05d}", bool(duty[i])))
        lon, lat = graph.node_lonlat[pick[i]]
        positions[badge] = (float(lon), float(lat))

    cats = catalogue.site_categories
    cw = np.array([c.weight for c in cats])
    spick = rng.choice(nodes, size=n_site)
    cpick = rng.choice(len(cats), size=n_site, p=cw / cw.sum())
    site_rows = []
    for i in range(n_site):
        cat = cats[cpick[i]]
        risk = int(rng.choice(4, p=np.array(cat.risk_weights) / sum(cat.risk_weights))) + 1
        lon, lat = graph.node_lonlat[spick[i]]
        site_rows.append(SiteRecord(f"DEMO-S{i + 1:06d}", f"{cat.name}{i + 1}", cat.name, cat.domain, "", risk,
                                    float(lon), float(lat), grids[cell[spick[i]]].code))
    return CityData(name, graph.crs, districts, towns, grids,
                    [DepartmentRecord(d.code, d.name) for d in depts], officer_rows, site_rows,
                    road_graph=graph, road_source=graph.source if hasattr(graph, "source") else "",
                    positions=positions)
