"""Live 5-minute coverage and move-up suggestions for the command centre.

`CoverageModel` is built once per city (sites and grid centroids snapped once) and
refreshed with the officers' current positions and availability; a refresh is pure
computation (no store, no Qt), so the GUI can run it on a worker thread and draw the
returned `RasterGrid` and moves. Shares: regulated sites, grids (by a point inside
each grid) and population-weighted area (each grid weighs its district's population
times its share of the district's area: uniform density within a district).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from sqlalchemy import Engine, select

from routing import CoverageResult, RoadGraph, SnapResult, coverage, snap
from routing.maxcover import GREEDY_BOUND, exact_max_cover, greedy_max_cover
from routing.moveup import NodeIndex, reach_within, suggest_moves

from ..domain.enums import OfficerStatus
from ..domain.snapshot import RasterGrid
from ..store.schema import district, grid, officer, officer_position, site, town

DEFAULT_LIMIT_S = 300.0


@dataclass(frozen=True)
class MoveSuggestion:
    officer_id: int
    from_lonlat: tuple[float, float]
    to_lonlat: tuple[float, float]
    site_id: int            # the uncovered site the officer is sent to stand at
    gain_sites: float       # uncovered sites this move brings within the limit (net of earlier moves)
    distance_m: float       # straight line; the repositioning task routes it


@dataclass(frozen=True)
class CoverageReport:
    limit_s: float
    officers_available: int
    sites_share: float
    grids_share: float
    population_share: float
    sites_total: int
    sites_covered: int
    free_officers: int
    moves: tuple[MoveSuggestion, ...]
    site_ids: np.ndarray            # (S,) ids, same order as site_eta_s
    site_eta_s: np.ndarray          # (S,) ETA from the nearest available officer (inf: none / off network)
    raster: RasterGrid | None       # drive time (s) per cell, for the map's coverage layer

    @property
    def sites_share_after_moves(self) -> float:
        gain = sum(m.gain_sites for m in self.moves)
        return (self.sites_covered + gain) / self.sites_total if self.sites_total else 0.0


@dataclass(frozen=True)
class OfficerFleet:
    ids: np.ndarray
    lonlat: np.ndarray
    available: np.ndarray   # on duty, status available, with a position


def read_fleet(engine: Engine) -> OfficerFleet:
    """Officers with a known position, and which of them may cover or move."""
    q = (select(officer.c.id, officer.c.status, officer.c.on_duty, officer_position.c.lon, officer_position.c.lat)
         .join(officer_position, officer_position.c.officer_id == officer.c.id).order_by(officer.c.id))
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    ids = np.array([r.id for r in rows], dtype=np.int64)
    lonlat = np.array([(r.lon, r.lat) for r in rows], dtype=np.float64).reshape(-1, 2)
    avail = np.array([bool(r.on_duty) and r.status == OfficerStatus.AVAILABLE.value for r in rows], dtype=bool)
    return OfficerFleet(ids, lonlat, avail)


class CoverageModel:
    """Sites and grids of one city, snapped once; `refresh` scores a fleet against them."""

    def __init__(self, graph: RoadGraph, site_ids: np.ndarray, site_lonlat: np.ndarray, grid_ids: np.ndarray,
                 grid_lonlat: np.ndarray, grid_weight: np.ndarray, mode: str = "car",
                 site_district: np.ndarray | None = None) -> None:
        self.graph = graph
        self.mode = mode
        self.site_ids = np.asarray(site_ids, dtype=np.int64)
        self.site_lonlat = np.asarray(site_lonlat, dtype=np.float64).reshape(-1, 2)
        self.grid_ids = np.asarray(grid_ids, dtype=np.int64)
        self.grid_weight = np.asarray(grid_weight, dtype=np.float64)
        self.site_district = (np.zeros(len(self.site_ids), dtype=np.int64) if site_district is None
                              else np.asarray(site_district, dtype=np.int64))
        self.sites: SnapResult = snap(graph, self.site_lonlat, 500.0, mode)
        self.grids: SnapResult = snap(graph, np.asarray(grid_lonlat, dtype=np.float64).reshape(-1, 2), 2_000.0, mode)
        self.last: CoverageResult | None = None
        self.index = NodeIndex.build(graph, mode)

    @classmethod
    def from_engine(cls, engine: Engine, graph: RoadGraph, mode: str = "car") -> CoverageModel:
        with engine.connect() as conn:
            srows = conn.execute(select(site.c.id, site.c.lon, site.c.lat, town.c.district_id)
                                 .join(grid, grid.c.id == site.c.grid_id).join(town, town.c.id == grid.c.town_id)
                                 .order_by(site.c.id)).all()
            grows = conn.execute(select(grid.c.id, grid.c.geometry_wkb, town.c.district_id)
                                 .join(town, town.c.id == grid.c.town_id).order_by(grid.c.id)).all()
            drows = {r.id: r for r in conn.execute(select(district.c.id, district.c.population,
                                                          district.c.geometry_wkb))}
        geoms = shapely.from_wkb([r.geometry_wkb for r in grows])
        points = shapely.point_on_surface(geoms)
        grid_ll = shapely.get_coordinates(points).reshape(-1, 2)
        d_area = {k: float(shapely.from_wkb(r.geometry_wkb).area) for k, r in drows.items()}
        g_area = shapely.area(geoms)
        weight = np.array([drows[r.district_id].population * a / d_area[r.district_id] if d_area[r.district_id] else 0.0
                           for r, a in zip(grows, g_area.tolist(), strict=True)])
        sites_ll = np.array([(r.lon, r.lat) for r in srows], dtype=np.float64).reshape(-1, 2)
        return cls(graph, np.array([r.id for r in srows], dtype=np.int64), sites_ll,
                   np.array([r.id for r in grows], dtype=np.int64), grid_ll, weight, mode,
                   np.array([r.district_id for r in srows], dtype=np.int64))

    def run(self, officer_lonlat: np.ndarray, limit_s: float) -> CoverageResult:
        cov = coverage(self.graph, np.asarray(officer_lonlat, dtype=np.float64).reshape(-1, 2), self.mode,
                       limit_s, horizon_s=limit_s)
        self.last = cov
        return cov

    def refresh(self, fleet: OfficerFleet, limit_s: float = DEFAULT_LIMIT_S, moves: int = 10,
                raster_cell_m: float | None = None, n_candidates: int = 48) -> CoverageReport:
        """Coverage by the available officers within `limit_s`, the shares, and up to `moves`
        move-up suggestions (idle officers whose move uncovers nothing)."""
        if not (limit_s > 0):
            raise ValueError(f"limit must be > 0 s, got {limit_s!r}")
        avail = np.flatnonzero(fleet.available)
        cov = self.run(fleet.lonlat[avail], limit_s)
        site_eta = cov.eta_at_snapped(self.sites)
        grid_eta = cov.eta_at_snapped(self.grids)
        site_ok = site_eta <= limit_s
        grid_ok = grid_eta <= limit_s
        plan = suggest_moves(cov, self.sites, site_eta, self.graph.lonlat_to_xy(fleet.lonlat[avail]),
                             np.ones(len(avail), dtype=bool), limit_s, k=moves, n_candidates=n_candidates,
                             index=self.index)
        suggestions = tuple(
            MoveSuggestion(int(fleet.ids[avail[m.officer]]), _pair(fleet.lonlat[avail[m.officer]]),
                           _pair(self.site_lonlat[m.site]), int(self.site_ids[m.site]), m.gain, m.distance_m)
            for m in plan.moves)
        raster = None
        if raster_cell_m is not None:
            r = cov.raster(raster_cell_m, step_m=raster_cell_m)   # one road sample per cell length: half the cost
            raster = RasterGrid(r.x0, r.y0, r.cell_m, r.values)
        wsum = float(self.grid_weight.sum())
        return CoverageReport(
            limit_s=float(limit_s), officers_available=int(len(avail)),
            sites_share=float(site_ok.mean()) if len(site_ok) else 0.0,
            grids_share=float(grid_ok.mean()) if len(grid_ok) else 0.0,
            population_share=float(self.grid_weight[grid_ok].sum() / wsum) if wsum else 0.0,
            sites_total=int(len(site_ok)), sites_covered=int(site_ok.sum()), free_officers=plan.free_officers,
            moves=suggestions, site_ids=self.site_ids, site_eta_s=site_eta, raster=raster)


def _pair(a: np.ndarray) -> tuple[float, float]:
    return float(a[0]), float(a[1])


@dataclass(frozen=True)
class GreedyCheck:
    """Greedy maximal coverage against the optimum on one instance."""

    candidates: int
    uncovered: int
    k: int
    greedy: float
    exact: float

    @property
    def ratio(self) -> float:
        return 1.0 if self.exact == 0 else self.greedy / self.exact

    @property
    def within_bound(self) -> bool:
        return self.ratio >= GREEDY_BOUND - 1e-9


def greedy_vs_exact(model: CoverageModel, fleet: OfficerFleet, site_mask: np.ndarray, k: int,
                    limit_s: float = DEFAULT_LIMIT_S, max_candidates: int = 150) -> GreedyCheck:
    """On the sites in `site_mask` (e.g. one district): every uncovered site there (up to
    `max_candidates`, densest first) is a candidate; greedy and the exact integer
    programme choose k of them; their coverage is compared."""
    from routing.moveup import pick_candidates
    avail = np.flatnonzero(fleet.available)
    cov = model.run(fleet.lonlat[avail], limit_s)
    eta = cov.eta_at_snapped(model.sites)
    unc = np.flatnonzero(model.sites.ok & ~(eta <= limit_s) & np.asarray(site_mask, dtype=bool))
    if not len(unc):
        return GreedyCheck(0, 0, k, 0.0, 0.0)
    cand = unc[pick_candidates(model.sites.point_xy[unc], 1.0, max_candidates)]
    reach = reach_within(cov, cand, model.sites, unc, limit_s, index=model.index)
    g = greedy_max_cover(reach, k, len(eta))
    e = exact_max_cover(reach, k, len(eta))
    return GreedyCheck(int(len(cand)), int(len(unc)), k, g.total, e.total)
