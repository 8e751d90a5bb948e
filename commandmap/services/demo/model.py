"""The generated city before it is written: plain records and column arrays."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import shapely

from routing import BuildReport, RoadGraph

from .geography import Area


@dataclass
class OfficerTable:
    """One entry per officer (index i is officer id ids[i])."""

    ids: np.ndarray                # int64
    badge: list[str]
    name: list[str]
    department_id: np.ndarray      # int64
    home_town_id: np.ndarray       # int64
    mode: list[str]                # TravelMode values
    skills: list[list[str]]        # enforcement domain codes
    on_duty: np.ndarray            # bool
    device_id: list[str]
    device_token: list[str]
    lonlat: np.ndarray             # (N,2) last fix
    heading_deg: np.ndarray        # float, NaN unknown
    speed_mps: np.ndarray
    accuracy_m: np.ndarray
    fix_time: list[datetime]

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class SiteTable:
    ids: np.ndarray
    name: list[str]
    category: list[str]            # Chinese category name (site.category)
    domain: list[str]              # domain code
    address: list[str]
    risk_level: np.ndarray         # int 1..4
    grid_id: np.ndarray
    lonlat: np.ndarray
    last_inspected: list[datetime | None]

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class DemoCity:
    scale: str
    seed: int
    generated_at: datetime
    crs: str
    districts: list[Area]
    towns: list[Area]
    grids: list[Area]
    departments: list[dict[str, Any]]       # id, code, name
    road_graph: RoadGraph
    road_report: BuildReport
    officers: OfficerTable
    sites: SiteTable
    incidents: list[dict[str, Any]]         # rows of the incident table
    users: list[dict[str, Any]]
    water_ll: shapely.Geometry | None = None
    inspections: list[dict[str, Any]] = field(default_factory=list)   # inspection_record rows (past year)
    conflicts: list[dict[str, Any]] = field(default_factory=list)     # conflict_of_interest rows
    meta: dict[str, str] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        g = self.road_graph
        return {
            "districts": len(self.districts),
            "towns": len(self.towns),
            "grids": len(self.grids),
            "road_nodes": g.n_nodes,
            "road_edges": g.n_edges,
            "road_segments": int(self.road_report.segments),
            "oneway_segments": int(self.road_report.oneway_segments),
            "departments": len(self.departments),
            "officers": len(self.officers),
            "officers_on_duty": int(self.officers.on_duty.sum()),
            "sites": len(self.sites),
            "incidents": len(self.incidents),
        }

    def checksum(self) -> str:
        """sha256 over everything placed (outlines, roads, officers, sites, incidents), not over times:
        two runs with one seed give the same digest."""
        h = hashlib.sha256()
        for group in (self.districts, self.towns, self.grids):
            for a in group:
                h.update(f"{a.id}|{a.code}|{a.name}|{a.parent_id}|".encode())
                h.update(shapely.to_wkb(a.geom_ll))
        g = self.road_graph
        for arr in (g.node_lonlat, g.edge_u, g.edge_v, g.edge_class, g.edge_twin):
            h.update(np.ascontiguousarray(arr).tobytes())
        h.update("\n".join(g.names).encode())
        o = self.officers
        h.update(np.ascontiguousarray(o.lonlat).tobytes())
        h.update(o.department_id.tobytes() + o.home_town_id.tobytes() + o.on_duty.tobytes())
        h.update("|".join(o.badge + o.name + o.mode).encode())
        s = self.sites
        h.update(np.ascontiguousarray(s.lonlat).tobytes() + s.grid_id.tobytes() + s.risk_level.tobytes())
        h.update("|".join(s.name + s.category + s.address).encode())
        for inc in self.incidents:
            h.update(f"{inc['category']}|{inc['priority']}|{inc['source']}|{inc['lon']!r}|{inc['lat']!r}|"
                     f"{inc['site_id']}|{inc['grid_id']}".encode())
        return h.hexdigest()
