"""Generate the demo city of Ningbo for a scale and seed: same seed, same city."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import shapely

from routing import BuildReport, RoadGraph, build_from_arrays
from routing.projection import geom_to_lonlat, to_lonlat

from ..catalogue import Catalogue, load_catalogue
from . import geography
from .config import ScaleConfig, scale_config
from .density import DensityField
from .incidents import make_incidents
from .model import DemoCity
from .inspections import make_past_inspections
from .officers import make_officers
from .roads import water_polygons_xy, road_arrays
from .sites import make_sites
from .spatial import AreaLocator, Streets

Progress = Callable[[str, float], None]

# rough share of the total run time of each stage, for a progress bar that moves evenly
_STAGES = (("districts", 0.01), ("towns", 0.02), ("grids", 0.05), ("roads", 0.30), ("road graph", 0.10),
           ("streets", 0.10), ("officers", 0.12), ("sites", 0.25), ("incidents", 0.05))

DEMO_USERS = (
    ("commander", "指挥长", "commander"),
    ("dispatcher1", "调度员一", "dispatcher"),
    ("dispatcher2", "调度员二", "dispatcher"),
    ("analyst", "分析员", "analyst"),
    ("wall", "大屏", "viewer"),
)


class _Steps:
    def __init__(self, progress: Progress | None) -> None:
        self._progress = progress
        self._done = 0.0
        self._weights = dict(_STAGES)
        self.timings: dict[str, float] = {}
        self._t = time.perf_counter()
        self._name = ""

    def start(self, name: str) -> None:
        if self._progress:
            self._progress(name, min(self._done, 1.0))
        self._name = name
        self._t = time.perf_counter()

    def end(self) -> None:
        self.timings[self._name] = time.perf_counter() - self._t
        self._done += self._weights.get(self._name, 0.0)

    def finish(self) -> None:
        if self._progress:
            self._progress("done", 1.0)


def _graph(cfg: ScaleConfig, seed: int) -> tuple[RoadGraph, BuildReport]:
    ra = road_arrays(cfg, seed)
    return build_from_arrays(ra.node_lonlat, ra.edge_u, ra.edge_v, ra.road_class, ra.oneway, names=ra.names,
                             crs=ra.crs, source=f"demo Ningbo {cfg.name} seed {seed}")


def build_demo_road_graph(scale: str = "full", seed: int = 42) -> RoadGraph:
    """The demo city's road graph alone (the routing benchmark's city-sized network)."""
    graph, _report = _graph(scale_config(scale), seed)
    return graph


def departments_rows(catalogue: Catalogue) -> list[dict]:
    return [{"id": i + 1, "code": d.code, "name": d.name} for i, d in enumerate(catalogue.departments)]


def generate_city(scale: str = "mini", seed: int = 42, progress: Progress | None = None, *,
                  now: datetime | None = None, catalogue: Catalogue | None = None) -> DemoCity:
    """Build the whole demo city in memory. Deterministic for (scale, seed); only the
    timestamps follow `now` (default: the current time), so fixes are fresh when loaded."""
    cfg = scale_config(scale)
    now = now or datetime.now(UTC)
    catalogue = catalogue or load_catalogue()
    steps = _Steps(progress)

    steps.start("districts")
    districts = geography.build_districts()
    steps.end()
    steps.start("towns")
    towns = geography.build_towns(districts, cfg)
    steps.end()
    steps.start("grids")
    grids = geography.build_grids(towns, cfg, np.random.default_rng([seed, 11]))
    steps.end()

    steps.start("roads")
    ra = road_arrays(cfg, seed)
    steps.end()
    steps.start("road graph")
    graph, report = build_from_arrays(ra.node_lonlat, ra.edge_u, ra.edge_v, ra.road_class, ra.oneway,
                                      names=ra.names, crs=ra.crs, source=f"demo Ningbo {cfg.name} seed {seed}")
    steps.end()

    steps.start("streets")
    streets = Streets.from_graph(graph)
    xy_to_ll = functools.partial(to_lonlat, graph.crs)
    street_grid = AreaLocator(grids).locate(xy_to_ll(streets.mid_xy))
    grid_town = np.array([g.parent_id for g in grids], dtype=np.int64)
    street_town = np.where(street_grid >= 0, grid_town[np.maximum(street_grid, 0)], -1)
    street_zone = DensityField(cfg.max_level, seed).level(streets.mid_xy)
    river, lake = water_polygons_xy()
    water_xy = shapely.union(river, lake)
    steps.end()

    departments = departments_rows(catalogue)
    steps.start("officers")
    officers = make_officers(cfg.officers, seed, now, districts, towns, departments, catalogue, streets,
                             street_town, xy_to_ll)
    steps.end()
    steps.start("sites")
    sites = make_sites(cfg.sites, seed, now, catalogue, streets, street_zone, grids, towns, districts, water_xy,
                       xy_to_ll)
    steps.end()
    steps.start("incidents")
    incidents = make_incidents(cfg.incidents, seed, now, catalogue, sites, streets, street_zone, grids, towns,
                               districts, departments, xy_to_ll)
    steps.end()
    steps.start("past inspections")
    inspections, conflicts = make_past_inspections(seed, now, catalogue, sites, officers, departments)
    steps.end()
    users = [{"id": i + 1, "username": u, "display_name": n, "role": r} for i, (u, n, r) in enumerate(DEMO_USERS)]
    steps.finish()
    land = shapely.union_all([d.geom_ll for d in districts])
    city = DemoCity(scale=cfg.name, seed=seed, generated_at=now, crs=graph.crs, districts=districts, towns=towns,
                    grids=grids, departments=departments, road_graph=graph, road_report=report,
                    officers=officers, sites=sites, incidents=incidents, users=users,
                    water_ll=geom_to_lonlat(graph.crs, water_xy), inspections=inspections, conflicts=conflicts)
    city.meta = {"timings": ", ".join(f"{k} {v:.2f}s" for k, v in steps.timings.items()),
                 "bbox": ",".join(f"{v:.6f}" for v in land.bounds)}
    return city
