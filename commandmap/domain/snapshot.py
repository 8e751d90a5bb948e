"""Frozen, array-backed snapshots that map layers draw.

Layers must not touch the store, so everything they draw arrives here as
numpy arrays in the city's projected metres (x east, y north). `LiveState`
builds an `OperationSnapshot` each tick; `CityStatic` is built once per city.
Arrays are treated as read-only by every consumer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np


class OfficerStatusCode(IntEnum):
    """Officer status as stored in the int8 `OfficerArrays.status` (stable for colouring)."""

    OFF_DUTY = 0
    AVAILABLE = 1
    DISPATCHED = 2
    EN_ROUTE = 3
    ON_SCENE = 4


class IncidentStatusCode(IntEnum):
    """Incident status as stored in the int8 `IncidentArrays.status`."""

    NEW = 0
    DISPATCHED = 1
    EN_ROUTE = 2
    ON_SCENE = 3
    RESOLVED = 4
    CLOSED = 5
    CANCELLED = 6

    @classmethod
    def open_codes(cls) -> tuple[int, ...]:
        """Codes of incidents still waiting for, or being worked by, an officer."""
        return (cls.NEW, cls.DISPATCHED, cls.EN_ROUTE, cls.ON_SCENE)


# name -> code, as the store spells statuses
OFFICER_STATUS_CODES: dict[str, int] = {s.name.lower(): int(s) for s in OfficerStatusCode}
INCIDENT_STATUS_CODES: dict[str, int] = {s.name.lower(): int(s) for s in IncidentStatusCode}
ROAD_CLASS_CODES: dict[str, int] = {
    "motorway": 0, "trunk": 1, "primary": 2, "secondary": 3, "tertiary": 4, "residential": 5, "service": 6,
}


@dataclass(frozen=True)
class PolygonSet:
    """Polygons as flat rings: `coords` (N,2) metres; `ring_offsets` (R+1,) into coords;
    `poly_ring` (R,) which polygon each ring belongs to; per-polygon `ids`, `names`
    and label points."""

    ids: np.ndarray
    names: tuple[str, ...]
    coords: np.ndarray
    ring_offsets: np.ndarray
    poly_ring: np.ndarray
    label_xy: np.ndarray
    parent_ids: np.ndarray  # district id for towns, town id for grids, -1 for districts


@dataclass(frozen=True)
class RoadSet:
    """Road polylines: `coords` (N,2) metres, `offsets` (M+1,) into coords,
    `road_class` (M,) int8 codes (ROAD_CLASS_CODES), `names` (M,) tuple."""

    coords: np.ndarray
    offsets: np.ndarray
    road_class: np.ndarray
    names: tuple[str, ...]


@dataclass(frozen=True)
class SiteSet:
    ids: np.ndarray
    xy: np.ndarray          # (N,2) metres
    category: np.ndarray    # int16 index into `categories`
    categories: tuple[str, ...]
    names: tuple[str, ...]
    risk_level: np.ndarray  # int8 1..4


@dataclass(frozen=True)
class CityStatic:
    """Everything static about the city: drawn once into cached images."""

    crs: str                # projected CRS of all xy, e.g. "EPSG:32651"
    bounds: tuple[float, float, float, float]  # xmin, ymin, xmax, ymax (metres)
    districts: PolygonSet
    towns: PolygonSet
    grids: PolygonSet
    roads: RoadSet
    sites: SiteSet
    water: PolygonSet | None = None  # rivers, lakes, sea inside the bounds (drawn under roads)


@dataclass(frozen=True)
class OfficerArrays:
    ids: np.ndarray         # int64
    xy: np.ndarray          # (N,2) float64 metres; NaN when no fix
    heading_deg: np.ndarray # float32, 0 = north, clockwise; NaN unknown
    status: np.ndarray      # int8 OFFICER_STATUS_CODES
    fix_age_s: np.ndarray   # float32; inf when no fix
    stale: np.ndarray       # bool
    department: np.ndarray  # int32 department id
    badges: tuple[str, ...]


@dataclass(frozen=True)
class IncidentArrays:
    ids: np.ndarray
    xy: np.ndarray
    priority: np.ndarray    # int8 1..4
    status: np.ndarray      # int8 INCIDENT_STATUS_CODES
    age_s: np.ndarray       # float32 seconds since reported
    codes: tuple[str, ...]
    categories: tuple[str, ...]


@dataclass(frozen=True)
class RouteArrays:
    """Polylines of dispatched routes (and an optional preview)."""

    coords: np.ndarray      # (N,2)
    offsets: np.ndarray     # (M+1,)
    task_ids: np.ndarray    # (M,) -1 for the preview
    eta_s: np.ndarray       # (M,) remaining ETA
    preview: np.ndarray     # (M,) bool

    def plus(self, more: RouteArrays) -> RouteArrays:
        """These polylines followed by `more`'s (overlays: previews, plan tours)."""
        return RouteArrays(np.concatenate([self.coords, more.coords]),
                           np.concatenate([self.offsets, self.offsets[-1] + more.offsets[1:]]),
                           np.concatenate([self.task_ids, more.task_ids]), np.concatenate([self.eta_s, more.eta_s]),
                           np.concatenate([self.preview, more.preview]))


def empty_routes() -> RouteArrays:
    return RouteArrays(np.zeros((0, 2)), np.zeros(1, np.int64), np.zeros(0, np.int64),
                       np.zeros(0, np.float32), np.zeros(0, bool))


@dataclass(frozen=True)
class RasterGrid:
    """A regular grid of values over the city (heatmaps, drive-time coverage).

    Row 0 is the SOUTH edge: cell (r, c) covers x0 + c*cell_m .. x0 + (c+1)*cell_m,
    y0 + r*cell_m .. y0 + (r+1)*cell_m. NaN means "no data" and is drawn transparent.
    """

    x0: float               # west edge (metres)
    y0: float               # south edge (metres)
    cell_m: float
    values: np.ndarray      # (rows, cols) float32


@dataclass(frozen=True)
class MoveUpArrows:
    """Coverage move-up suggestions, best first: the officer at `from_xy` repositioned to `to_xy`
    brings `gain` more regulated sites within the time limit (services.coverage)."""

    officer_ids: np.ndarray  # (M,) int64
    from_xy: np.ndarray      # (M,2) metres
    to_xy: np.ndarray        # (M,2) metres
    gain: np.ndarray         # (M,) sites gained


@dataclass(frozen=True)
class RosterArrays:
    """Every officer's duty, status, department and latest fix, as the live state holds them:
    what a recommendation filters before routing (no 25,000-row query per click)."""

    ids: np.ndarray         # int64, sorted
    on_duty: np.ndarray     # bool
    status: np.ndarray      # int8 OfficerStatusCode
    department: np.ndarray  # int32 department id
    lonlat: np.ndarray      # (N,2) float64; NaN when no fix
    fix_t: np.ndarray       # float64 epoch seconds; NaN when no fix


@dataclass(frozen=True)
class OperationSnapshot:
    """One tick of the live operation, shared by every dynamic layer."""

    sequence: int           # last change-feed sequence folded in
    time_s: float           # wall-clock epoch seconds of the snapshot
    officers: OfficerArrays
    incidents: IncidentArrays
    routes: RouteArrays = field(default_factory=empty_routes)
    incident_density: RasterGrid | None = None  # incidents per km², e.g. last 24 h
    coverage_s: RasterGrid | None = None        # drive time (s) from the nearest available officer
    move_ups: MoveUpArrows | None = None        # drawn with the coverage layer
