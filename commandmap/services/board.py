"""What the dispatcher's and the commander's screens list: read models over the store.

The map's live snapshot carries arrays for drawing; a queue row, a roster line
or a timeline entry needs names (district › town › grid, department, who did
it from which seat). These reads are small (open incidents, open tasks, the
latest audit rows) and run when the change feed moved, not per frame; the
officer directory (25,000 names) is read once and refreshed on demand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, or_, select

from ..domain.enums import OfficerStatus
from ..domain.kpi import PracticeKpis, ResponseKpis, response_kpis
from ..domain.sla import ARRIVAL_DEADLINE_S, CONTACT_DEADLINE_S
from ..domain.transitions import OPEN_INCIDENT_STATUSES, OPEN_TASK_STATUSES
from ..store.engine import READ_ONLY_OPTION
from ..store.schema import (audit_event, department, device, district, grid, incident, officer, site, task, town,
                            whistle)
from .clock import from_epoch, to_epoch
from .incident_codes import CITY_TZ
from .practice_kpis import read_practice_kpis
from .sla import incident_stages

#: a new incident should have an officer on the way within this long (the commander's minute)
DISPATCH_TARGET_S = CONTACT_DEADLINE_S
_OPEN_INCIDENTS = [s.value for s in OPEN_INCIDENT_STATUSES]
_OPEN_TASKS = [s.value for s in OPEN_TASK_STATUSES]


@dataclass(frozen=True)
class QueueRow:
    """One open incident as the queue shows it."""

    incident_id: int
    code: str
    category: str
    priority: str               # P1..P4
    status: str                 # IncidentStatus value
    source: str
    district: str
    town: str
    grid: str
    district_id: int | None
    town_id: int | None
    lon: float
    lat: float
    reported_s: float
    dispatched_s: float | None  # first dispatch
    arrived_s: float | None     # first arrival
    version: int
    description: str
    task_id: int | None         # the open task, if any
    officer_id: int | None
    officer_name: str
    whistle_level: str | None = None        # grid whistles: 'town', or 'district' once escalated
    whistle_due_s: float | None = None      # the town's acceptance deadline (None when accepted)
    escalation_reason: str | None = None    # why it went to the district

    @property
    def deadline_s(self) -> float | None:
        """When the running promise breaks: dispatch within a minute of the report, then
        arrival within five minutes of the first dispatch; None once the officer is there."""
        if self.dispatched_s is None:
            return self.reported_s + DISPATCH_TARGET_S
        if self.arrived_s is None:
            return self.dispatched_s + ARRIVAL_DEADLINE_S
        return None

    @property
    def budget_s(self) -> float:
        return DISPATCH_TARGET_S if self.dispatched_s is None else ARRIVAL_DEADLINE_S

    @property
    def jurisdiction(self) -> str:
        return " › ".join(p for p in (self.district, self.town, self.grid) if p)


def urgency_key(row: QueueRow) -> tuple[int, float, float, int]:
    """Most urgent first: priority, then the nearest deadline (none = last), then the oldest."""
    deadline = row.deadline_s
    return (int(row.priority[1:] or 9), deadline if deadline is not None else float("inf"), row.reported_s,
            row.incident_id)


def filter_queue(rows: list[QueueRow], *, district_id: int | None = None, town_id: int | None = None,
                 grid: str | None = None) -> list[QueueRow]:
    """The queue narrowed along the district › town › grid chain (None: any)."""
    return [r for r in rows if (district_id is None or r.district_id == district_id)
            and (town_id is None or r.town_id == town_id) and (grid is None or r.grid == grid)]


@dataclass(frozen=True)
class OfficerInfo:
    officer_id: int
    badge: str
    name: str
    department: str
    mode: str
    device_id: str
    battery_pct: float | None = None     # the phone's last reported battery (percent), None = never reported
    charging: bool | None = None
    mock_at_s: float | None = None       # last time the phone reported a mock (simulated) location


@dataclass(frozen=True)
class OpenTask:
    task_id: int
    officer_id: int
    incident_id: int            # -1: a task without an incident (inspection, move-up)
    incident_code: str
    status: str


@dataclass(frozen=True)
class TimelineEntry:
    event_id: int
    at_s: float
    actor: str                  # the seat or process that did it
    action: str                 # audit action, e.g. task.dispatch
    entity: str
    entity_id: int
    detail: dict[str, Any]
    incident_code: str = ""     # the incident it concerns, when there is one
    officer_name: str = ""      # the officer it concerns, when there is one

    @property
    def via_phone(self) -> bool:
        """Done by the officer on their phone's task page (the audit detail says so)."""
        return self.detail.get("source") == "phone"

    @property
    def took_s(self) -> float | None:
        """Seconds from the dispatch to this step, as recorded with a phone's step."""
        took = self.detail.get("after_s")
        return float(took) if isinstance(took, (int, float)) else None


@dataclass(frozen=True)
class SearchHit:
    kind: str                   # incident / officer / site
    entity_id: int
    label: str
    lon: float | None
    lat: float | None


@dataclass(frozen=True)
class KpiSummary:
    open_by_priority: dict[str, int]
    overdue_p1: int             # P1s whose running promise is already broken
    available_officers: int
    on_duty_officers: int
    response: ResponseKpis      # today's (city calendar day) incidents
    open_by_district: dict[str, int]
    practices: PracticeKpis | None = None   # today's joint inspections, visits avoided, escalations, cases


def city_midnight(now_s: float) -> float:
    """Start of the command centre's calendar day containing `now_s`."""
    day = datetime.fromtimestamp(now_s, CITY_TZ)
    return day.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


class Board:
    """Read models for one store."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _read(self) -> Connection:
        return self.engine.connect().execution_options(**{READ_ONLY_OPTION: True})

    # -- the queue --------------------------------------------------------------------------------
    def open_incidents(self) -> list[QueueRow]:
        """Open incidents, most urgent first (`urgency_key`)."""
        first = (select(task.c.incident_id, func.min(task.c.dispatched_at).label("d"),
                        func.min(task.c.arrived_at).label("r"))
                 .group_by(task.c.incident_id).subquery())
        current = select(task.c.id, task.c.incident_id, task.c.officer_id).where(
            task.c.status.in_(_OPEN_TASKS)).subquery()
        query = (select(incident.c.id, incident.c.code, incident.c.category, incident.c.priority,
                        incident.c.status, incident.c.source, incident.c.lon, incident.c.lat,
                        incident.c.reported_at, incident.c.version, incident.c.description,
                        incident.c.district_id, incident.c.town_id,
                        district.c.name.label("district"), town.c.name.label("town"), grid.c.name.label("grid"),
                        first.c.d, first.c.r, current.c.id.label("task_id"), current.c.officer_id,
                        officer.c.name.label("officer_name"), whistle.c.level.label("w_level"),
                        whistle.c.accept_due_at.label("w_due"), whistle.c.accepted_at.label("w_acc"),
                        whistle.c.escalation_reason.label("w_reason"))
                 .outerjoin(district, district.c.id == incident.c.district_id)
                 .outerjoin(town, town.c.id == incident.c.town_id)
                 .outerjoin(grid, grid.c.id == incident.c.grid_id)
                 .outerjoin(first, first.c.incident_id == incident.c.id)
                 .outerjoin(current, current.c.incident_id == incident.c.id)
                 .outerjoin(officer, officer.c.id == current.c.officer_id)
                 .outerjoin(whistle, whistle.c.incident_id == incident.c.id)
                 .where(incident.c.status.in_(_OPEN_INCIDENTS)))
        with self._read() as conn:
            rows = conn.execute(query).all()
        out = [QueueRow(int(r.id), r.code, r.category, r.priority, r.status, r.source, r.district or "",
                        r.town or "", r.grid or "", r.district_id, r.town_id, float(r.lon), float(r.lat),
                        to_epoch(r.reported_at) or 0.0, to_epoch(r.d), to_epoch(r.r), int(r.version),
                        r.description or "", r.task_id, r.officer_id, r.officer_name or "", r.w_level,
                        to_epoch(r.w_due) if r.w_level and r.w_acc is None else None, r.w_reason)
               for r in rows]
        out.sort(key=urgency_key)
        return out

    # -- officers ---------------------------------------------------------------------------------
    def officer_directory(self) -> dict[int, OfficerInfo]:
        with self._read() as conn:
            rows = conn.execute(select(officer.c.id, officer.c.badge, officer.c.name, department.c.name.label("dept"),
                                       officer.c.mode, officer.c.device_id)
                                .join(department, department.c.id == officer.c.department_id)
                                .where(officer.c.retired_at.is_(None))).all()
            phones = conn.execute(select(device.c.officer_id, device.c.device_id, device.c.battery_pct,
                                         device.c.charging, device.c.mock_at)
                                  .where(device.c.revoked_at.is_(None))
                                  .order_by(device.c.last_seen_at.is_(None).desc(), device.c.last_seen_at)).all()
        phone = {int(p.officer_id): p for p in phones}      # the most recently seen phone wins
        out = {}
        for r in rows:
            p = phone.get(int(r.id))
            out[int(r.id)] = OfficerInfo(int(r.id), r.badge, r.name, r.dept, r.mode,
                                         (p.device_id if p else r.device_id) or "",
                                         p.battery_pct if p else None, p.charging if p else None,
                                         to_epoch(p.mock_at) if p else None)
        return out

    def open_tasks(self) -> dict[int, OpenTask]:
        """Open task by officer id."""
        with self._read() as conn:
            rows = conn.execute(select(task.c.id, task.c.officer_id, task.c.incident_id, incident.c.code, task.c.status,
                                       task.c.kind)
                                .outerjoin(incident, incident.c.id == task.c.incident_id)
                                .where(task.c.status.in_(_OPEN_TASKS))).all()
        # a task without an incident (inspection, move-up) shows its kind where the code would be
        return {int(r.officer_id): OpenTask(int(r.id), int(r.officer_id), -1 if r.incident_id is None else
                                            int(r.incident_id), r.code or r.kind, r.status)
                for r in rows}

    # -- what happened ----------------------------------------------------------------------------
    def timeline(self, limit: int = 200, *, actions_prefix: tuple[str, ...] = ("task.", "incident.")
                 ) -> list[TimelineEntry]:
        """The latest operational events, newest first, with the incident code and officer name."""
        query = (select(audit_event.c.id, audit_event.c.at, audit_event.c.actor, audit_event.c.action,
                        audit_event.c.entity, audit_event.c.entity_id, audit_event.c.detail)
                 .order_by(audit_event.c.id.desc()).limit(limit))
        if actions_prefix:
            query = query.where(or_(*[audit_event.c.action.startswith(p) for p in actions_prefix]))
        with self._read() as conn:
            rows = conn.execute(query).all()
            task_ids = {int(r.entity_id) for r in rows if r.entity == "task"}
            tasks = {int(t.id): (None if t.incident_id is None else int(t.incident_id), int(t.officer_id))
                     for t in conn.execute(select(task.c.id, task.c.incident_id, task.c.officer_id)
                                           .where(task.c.id.in_(sorted(task_ids))))} if task_ids else {}
            incident_ids = ({i for i, _ in tasks.values() if i is not None}
                            | {int(r.entity_id) for r in rows if r.entity == "incident"})
            officer_ids = {o for _, o in tasks.values()}
            for r in rows:
                to = (r.detail or {}).get("to_officer")
                if isinstance(to, int):
                    officer_ids.add(to)
            codes = {int(x.id): x.code for x in conn.execute(
                select(incident.c.id, incident.c.code).where(incident.c.id.in_(sorted(incident_ids))))
            } if incident_ids else {}
            names = {int(x.id): x.name for x in conn.execute(
                select(officer.c.id, officer.c.name).where(officer.c.id.in_(sorted(officer_ids))))
            } if officer_ids else {}
        out = []
        for r in rows:
            detail = dict(r.detail or {})
            if r.entity == "task":
                inc, off = tasks.get(int(r.entity_id), (None, None))
                if isinstance(detail.get("to_officer"), int):
                    off = detail["to_officer"]
            else:
                inc, off = int(r.entity_id), None
            out.append(TimelineEntry(int(r.id), to_epoch(r.at) or 0.0, r.actor, r.action, r.entity,
                                     int(r.entity_id), detail, codes.get(inc, "") if inc is not None else "",
                                     names.get(off, "") if off is not None else ""))
        return out

    # -- KPIs -------------------------------------------------------------------------------------
    def kpis(self, now_s: float) -> KpiSummary:
        rows = self.open_incidents()
        by_priority = {p: 0 for p in ("P1", "P2", "P3", "P4")}
        by_district: dict[str, int] = {}
        overdue = 0
        for r in rows:
            by_priority[r.priority] = by_priority.get(r.priority, 0) + 1
            by_district[r.district or "?"] = by_district.get(r.district or "?", 0) + 1
            deadline = r.deadline_s
            if r.priority == "P1" and deadline is not None and now_s > deadline:
                overdue += 1
        with self._read() as conn:
            counts: dict[str, int] = dict(conn.execute(select(officer.c.status, func.count()).where(officer.c.on_duty.is_(True))
                                       .group_by(officer.c.status)).all())
        stages = [s for _code, _status, s in incident_stages(
            self.engine, reported_since_s=city_midnight(now_s)).values()]
        with self._read() as conn:
            practices = read_practice_kpis(conn, from_epoch(city_midnight(now_s)), from_epoch(now_s + 1.0))
        return KpiSummary(by_priority, overdue, int(counts.get(OfficerStatus.AVAILABLE.value, 0)),
                          int(sum(counts.values())), response_kpis(stages, now_s), by_district, practices)

    # -- search -----------------------------------------------------------------------------------
    def search(self, text: str, limit: int = 20) -> list[SearchHit]:
        """Incidents by code, officers by name or badge, sites by name or address (substring)."""
        needle = text.strip()
        if not needle:
            return []
        like = f"%{needle}%"
        hits: list[SearchHit] = []
        with self._read() as conn:
            for r in conn.execute(select(incident.c.id, incident.c.code, incident.c.category, incident.c.lon,
                                         incident.c.lat).where(incident.c.code.ilike(like))
                                  .order_by(incident.c.id.desc()).limit(limit)):
                hits.append(SearchHit("incident", int(r.id), f"{r.code} {r.category}", r.lon, r.lat))
            for o in conn.execute(select(officer.c.id, officer.c.name, officer.c.badge)
                                  .where(or_(officer.c.name.ilike(like), officer.c.badge.ilike(like)))
                                  .order_by(officer.c.id).limit(limit)):
                hits.append(SearchHit("officer", int(o.id), f"{o.name} {o.badge}", None, None))
            for p in conn.execute(select(site.c.id, site.c.name, site.c.address, site.c.lon, site.c.lat)
                                  .where(or_(site.c.name.ilike(like), site.c.address.ilike(like)),
                                         site.c.retired_at.is_(None))
                                  .order_by(site.c.id).limit(limit)):
                hits.append(SearchHit("site", int(p.id), f"{p.name} · {p.address}", p.lon, p.lat))
        return hits[: 3 * limit]

    def incident_status(self, incident_id: int) -> str | None:
        with self._read() as conn:
            value = conn.execute(select(incident.c.status).where(incident.c.id == incident_id)).scalar()
        return None if value is None else str(value)


__all__ = ["Board", "filter_queue", "QueueRow", "OfficerInfo", "OpenTask", "TimelineEntry", "SearchHit", "KpiSummary",
           "urgency_key", "city_midnight", "DISPATCH_TARGET_S"]
