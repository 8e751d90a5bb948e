"""Plain record types of the operation. No Qt, no SQL: services map rows to these."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .enums import IncidentSource, IncidentStatus, OfficerStatus, Priority, TaskStatus, TravelMode


@dataclass(frozen=True)
class District:
    id: int
    code: str          # administrative code, e.g. "330203"
    name: str          # 海曙区
    population: int


@dataclass(frozen=True)
class Town:
    id: int
    district_id: int
    code: str
    name: str          # 镇/街道/乡


@dataclass(frozen=True)
class Grid:
    id: int
    town_id: int
    code: str
    name: str


@dataclass(frozen=True)
class Department:
    id: int
    code: str          # e.g. "zhzf"
    name: str          # 综合行政执法


@dataclass
class Officer:
    id: int
    badge: str
    name: str
    department_id: int
    home_town_id: int
    mode: TravelMode
    skills: tuple[str, ...] = ()
    on_duty: bool = True
    status: OfficerStatus = OfficerStatus.AVAILABLE
    version: int = 1
    lon: float | None = None
    lat: float | None = None
    fix_time: datetime | None = None


@dataclass
class Site:
    id: int
    name: str
    category: str      # 餐饮, 建筑工地, …
    domain: str        # enforcement domain code
    address: str
    risk_level: int    # 1 (low) … 4 (high)
    grid_id: int
    lon: float
    lat: float
    last_inspected: datetime | None = None


@dataclass
class Incident:
    id: int
    code: str          # NB-20261125-0042
    category: str
    domain: str
    priority: Priority
    source: IncidentSource
    lon: float
    lat: float
    reported_at: datetime
    sla_due_at: datetime | None = None
    status: IncidentStatus = IncidentStatus.NEW
    description: str = ""
    site_id: int | None = None
    district_id: int | None = None
    town_id: int | None = None
    grid_id: int | None = None
    version: int = 1
    department_ids: tuple[int, ...] = field(default_factory=tuple)


@dataclass
class Task:
    id: int
    incident_id: int
    officer_id: int
    dispatched_by: str
    dispatched_at: datetime
    predicted_eta_s: float
    status: TaskStatus = TaskStatus.DISPATCHED
    route_lonlat: tuple[tuple[float, float], ...] = ()
    acknowledged_at: datetime | None = None
    en_route_at: datetime | None = None
    arrived_at: datetime | None = None
    completed_at: datetime | None = None
    version: int = 1
