"""What the officer's phone shows: their current task, read from the store for one officer only.

Every read is keyed by the officer of the device token, so a token can never
show another officer's task. `task_signature` is the cheap question the
page's live channel asks after the change feed moved: did this officer's
current task change?
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select

from ...domain.enums import TaskKind
from ...domain.sla import SlaClock, SlaLevel, SlaState, StageTimes, sla_state
from ...domain.transitions import OPEN_TASK_STATUSES
from ...store.schema import district, grid, incident, inspection_item, inspection_plan, officer, site, task, town
from ..clock import to_epoch
from ..inspection_tour import plan_stops, stop_of_task

_OPEN = [s.value for s in OPEN_TASK_STATUSES]


@dataclass(frozen=True)
class OfficerCard:
    officer_id: int
    badge: str
    name: str


@dataclass(frozen=True)
class PhoneTask:
    """One task as the officer's phone shows it (times in epoch seconds)."""

    task_id: int
    status: str                 # TaskStatus value
    version: int
    incident_id: int | None     # None: an inspection or move-up (no incident, no response clocks)
    incident_code: str          # an inspection: the plan's name
    category: str
    priority: str
    description: str
    address: str                # the site's address, when the incident is at a registered site
    site_name: str
    district: str
    town: str
    grid: str
    lon: float
    lat: float
    dispatched_s: float
    predicted_eta_s: float
    route_lonlat: list[list[float]]
    sla: SlaState
    kind: str = "incident"      # TaskKind value
    stop: int = 0               # an inspection: this site's place on the plan's route (1-based) …
    stops: int = 0              # … of this many
    check_items: tuple[str, ...] = ()   # an inspection: the catalogue's items to check at this site

    @property
    def eta_at_s(self) -> float:
        return self.dispatched_s + self.predicted_eta_s


def officer_card(conn: Connection, officer_id: int) -> OfficerCard | None:
    row = conn.execute(select(officer.c.badge, officer.c.name).where(officer.c.id == officer_id)).first()
    return None if row is None else OfficerCard(officer_id, row.badge, row.name)


def current_task_id(conn: Connection, officer_id: int) -> int | None:
    """The officer's open task (at most one: the store's unique index)."""
    found = conn.execute(select(task.c.id).where(task.c.officer_id == officer_id, task.c.status.in_(_OPEN))
                         .order_by(task.c.id.desc()).limit(1)).scalar()
    return None if found is None else int(found)


def task_signature(conn: Connection, officer_id: int) -> str:
    """Changes whenever the officer's current task changes (new task, or a step by anyone)."""
    row = conn.execute(select(task.c.id, task.c.version).where(task.c.officer_id == officer_id,
                                                               task.c.status.in_(_OPEN))
                       .order_by(task.c.id.desc()).limit(1)).first()
    return "none" if row is None else f"{row.id}.{row.version}"


def task_owner_status(conn: Connection, task_id: int) -> tuple[int, str] | None:
    """(officer id, status) of a task, to check a phone's request is about its own officer's task."""
    row = conn.execute(select(task.c.officer_id, task.c.status).where(task.c.id == task_id)).first()
    return None if row is None else (int(row.officer_id), str(row.status))


def phone_task(conn: Connection, task_id: int, now_s: float,
               item_text: Callable[[str], str] | None = None) -> PhoneTask | None:
    """The task as the phone shows it; `item_text` turns an inspection's check item codes into words."""
    kind = conn.execute(select(task.c.kind).where(task.c.id == task_id)).scalar()
    if kind is None:
        return None
    if kind != TaskKind.INCIDENT.value:
        return _target_task(conn, task_id, item_text or str)
    row = conn.execute(
        select(task.c.id, task.c.status, task.c.version, task.c.dispatched_at, task.c.predicted_eta_s,
               task.c.route_lonlat, incident.c.id.label("incident_id"), incident.c.code, incident.c.category,
               incident.c.priority, incident.c.description, incident.c.lon, incident.c.lat, incident.c.reported_at,
               site.c.name.label("site_name"), site.c.address, district.c.name.label("district_name"),
               town.c.name.label("town_name"), grid.c.name.label("grid_name"))
        .join(incident, incident.c.id == task.c.incident_id)
        .outerjoin(site, site.c.id == incident.c.site_id)
        .outerjoin(district, district.c.id == incident.c.district_id)
        .outerjoin(town, town.c.id == incident.c.town_id)
        .outerjoin(grid, grid.c.id == incident.c.grid_id)
        .where(task.c.id == task_id)).first()
    if row is None:
        return None
    return PhoneTask(
        int(row.id), str(row.status), int(row.version), int(row.incident_id), row.code, row.category, row.priority,
        row.description or "", row.address or "", row.site_name or "", row.district_name or "",
        row.town_name or "", row.grid_name or "", float(row.lon), float(row.lat), to_epoch(row.dispatched_at) or 0.0,
        float(row.predicted_eta_s), _route(row.route_lonlat), sla_state(_stages(conn, row), now_s))


_NO_CLOCK = SlaClock("", SlaLevel.NOT_STARTED, None, None, None)   # response clocks are for incidents only


def _target_task(conn: Connection, task_id: int, item_text: Callable[[str], str]) -> PhoneTask | None:
    """An inspection (the plan's site for this leg of the tour) or a move-up (a point to stand at)."""
    row = conn.execute(select(task.c.id, task.c.status, task.c.version, task.c.kind, task.c.plan_id,
                              task.c.officer_id, task.c.dispatched_at, task.c.predicted_eta_s, task.c.route_lonlat,
                              task.c.target_lon, task.c.target_lat, inspection_plan.c.name.label("plan_name"))
                       .outerjoin(inspection_plan, inspection_plan.c.id == task.c.plan_id)
                       .where(task.c.id == task_id)).first()
    if row is None or row.target_lon is None:
        return None
    lon, lat = float(row.target_lon), float(row.target_lat)
    stop = stops = 0
    items: tuple[str, ...] = ()
    place = None
    if row.kind == TaskKind.INSPECTION.value and row.plan_id is not None:
        tour = plan_stops(conn, int(row.plan_id))
        k = stop_of_task(conn, int(row.plan_id), int(row.officer_id), int(row.id))
        if k < len(tour):
            stop, stops = k + 1, len(tour)
            place = conn.execute(
                select(site.c.name, site.c.address, site.c.category, inspection_item.c.check_items,
                       district.c.name.label("district_name"), town.c.name.label("town_name"),
                       grid.c.name.label("grid_name"))
                .select_from(inspection_item).join(site, site.c.id == inspection_item.c.site_id)
                .outerjoin(grid, grid.c.id == site.c.grid_id).outerjoin(town, town.c.id == grid.c.town_id)
                .outerjoin(district, district.c.id == town.c.district_id)
                .where(inspection_item.c.id == tour[k].item_id)).first()
            items = tuple(item_text(str(c)) for c in ((place.check_items if place else None) or []))
    return PhoneTask(
        int(row.id), str(row.status), int(row.version), None, row.plan_name or "", place.category if place else "",
        "", "", place.address if place else "", place.name if place else "",
        place.district_name or "" if place else "", place.town_name or "" if place else "",
        place.grid_name or "" if place else "", lon, lat, to_epoch(row.dispatched_at) or 0.0,
        float(row.predicted_eta_s), _route(row.route_lonlat), SlaState(_NO_CLOCK, _NO_CLOCK), kind=str(row.kind),
        stop=stop, stops=stops, check_items=items)


def _route(value: Any) -> list[list[float]]:
    try:
        return [[float(p[0]), float(p[1])] for p in (value or [])]
    except (TypeError, ValueError, IndexError):   # a damaged row: the map shows the scene alone
        return []


def _stages(conn: Connection, row: Any) -> StageTimes:
    """Incident-level stage times (first dispatch / acknowledgement / arrival), as `domain.sla` counts them."""
    first = conn.execute(select(func.min(task.c.dispatched_at), func.min(task.c.acknowledged_at),
                                func.min(task.c.arrived_at)).where(task.c.incident_id == row.incident_id)).first()
    assert first is not None
    reported = to_epoch(row.reported_at) or 0.0
    return StageTimes(reported, to_epoch(first[0]), to_epoch(first[1]), to_epoch(first[2]))
