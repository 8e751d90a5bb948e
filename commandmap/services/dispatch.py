"""Dispatch: send one officer to one incident, atomically, however many seats are racing.

ONE transaction: the officer moves available → dispatched only if still on duty,
available and (when given) at the version the dispatcher saw; the incident moves
new → dispatched likewise; the task row (predicted ETA and route) is inserted;
audit and change rows are appended. If any condition fails nothing is written and
the caller gets a `DispatchResult` saying who got there first — and, when a
recommender is supplied, a fresh recommendation — never an exception. The
partial unique index "one open task per officer" is the last line of defence: its
IntegrityError is the same normal conflict.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from ..domain.access import Actor, Permission, as_actor
from ..domain.enums import TaskStatus
from ..domain.sla import ARRIVAL_DEADLINE_S
from ..domain.transitions import OPEN_TASK_STATUSES
from ..store.audit import append_audit
from ..store.changes import record_changes
from ..store.engine import READ_ONLY_OPTION
from ..store.schema import incident, officer, task
from .clock import from_epoch, to_epoch, wall_clock
from .incident_codes import CITY_TZ
from .authz import refusal
from .transition_sql import transition

_OPEN = [s.value for s in OPEN_TASK_STATUSES]
_KIND_TEXT = {"inspection": "a joint inspection", "move_up": "a move-up"}   # tasks without an incident


@dataclass(frozen=True)
class DispatchResult:
    ok: bool
    message: str
    task_id: int | None = None
    conflict: str | None = None      # forbidden / officer_taken / officer_unavailable / officer_changed /
    #                                   incident_taken / incident_closed / not_found
    recommendation: Any = None       # a fresh recommend.Recommendation after a lost race


class _Lost(Exception):
    def __init__(self, side: str) -> None:
        super().__init__(side)
        self.side = side


def clock_text(at: datetime | None) -> str:
    """HH:MM:SS on the command centre's wall clock."""
    seconds = to_epoch(at)
    return "?" if seconds is None else datetime.fromtimestamp(seconds, CITY_TZ).strftime("%H:%M:%S")


def insert_task(conn, incident_id: int, officer_id: int, seat: str, now: float, eta_s: float,  # type: ignore[no-untyped-def]
                route_lonlat: Sequence[Sequence[float]]) -> int:
    return int(conn.execute(task.insert().values(
        incident_id=incident_id, officer_id=officer_id, dispatched_by=seat, dispatched_at=from_epoch(now),
        predicted_eta_s=float(eta_s), route_lonlat=[[float(x), float(y)] for x, y in route_lonlat],
        status=TaskStatus.DISPATCHED.value, version=1)).inserted_primary_key[0])


def assign_in(conn, incident_id: int, officer_id: int, *, seat: str, now: float, eta_s: float,  # type: ignore[no-untyped-def]
              route_lonlat: Sequence[Sequence[float]], officer_version: int | None,
              incident_version: int | None, incident_event: str = "dispatch") -> int:
    """The dispatch writes inside the caller's transaction; raises _Lost when a condition fails."""
    if not transition(conn, officer, officer_id, "dispatch", version=officer_version,
                      extra_where=officer.c.on_duty.is_(True)):
        raise _Lost("officer")
    if not transition(conn, incident, incident_id, incident_event, version=incident_version,
                      values={"sla_due_at": from_epoch(now + ARRIVAL_DEADLINE_S)}):
        raise _Lost("incident")
    task_id = insert_task(conn, incident_id, officer_id, seat, now, eta_s, route_lonlat)
    return task_id


def dispatch(engine: Engine, incident_id: int, officer_id: int, *, seat: Actor | str, predicted_eta_s: float,
             route_lonlat: Sequence[Sequence[float]] = (), officer_version: int | None = None,
             incident_version: int | None = None, now_s: float | None = None,
             recommend: Callable[[int], Any] | None = None) -> DispatchResult:
    """Send `officer_id` to `incident_id` on behalf of `seat` (a logged-in Actor, or a plain name for an
    in-process automaton); see the module docstring. A role without the right gets a 'forbidden' result,
    audited."""
    now = wall_clock() if now_s is None else float(now_s)
    reason = refusal(engine, seat, Permission.DISPATCH, "incident", incident_id, {"officer_id": officer_id})
    if reason is not None:
        return DispatchResult(False, reason, conflict="forbidden")
    seat = as_actor(seat).label
    try:
        with engine.begin() as conn:
            task_id = assign_in(conn, incident_id, officer_id, seat=seat, now=now, eta_s=predicted_eta_s,
                                route_lonlat=route_lonlat, officer_version=officer_version,
                                incident_version=incident_version)
            record_changes(conn, [("officer", officer_id, "update"), ("incident", incident_id, "update"),
                                  ("task", task_id, "insert")])
            append_audit(conn, seat, "task.dispatch", "task", task_id,
                         {"incident_id": incident_id, "officer_id": officer_id,
                          "predicted_eta_s": round(float(predicted_eta_s), 1)}, at=from_epoch(now))
            code = conn.execute(select(incident.c.code).where(incident.c.id == incident_id)).scalar_one()
    except _Lost as lost:
        return _conflict(engine, lost.side, incident_id, officer_id, officer_version, recommend)
    except IntegrityError:
        return _conflict(engine, "officer", incident_id, officer_id, officer_version, recommend)
    return DispatchResult(True, f"officer {officer_id} dispatched to {code} by {seat} at {clock_text(from_epoch(now))}",
                          task_id=task_id)


def explain_officer(conn, officer_id: int, seen_version: int | None) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """(conflict kind, message) for an officer who could not be dispatched."""
    row = conn.execute(select(officer.c.status, officer.c.on_duty, officer.c.version)
                       .where(officer.c.id == officer_id)).first()
    if row is None:
        return "not_found", f"there is no officer {officer_id}"
    busy = conn.execute(select(incident.c.code, task.c.kind, task.c.dispatched_by, task.c.dispatched_at)
                        .outerjoin(incident, incident.c.id == task.c.incident_id)
                        .where(task.c.officer_id == officer_id, task.c.status.in_(_OPEN))
                        .order_by(task.c.id.desc()).limit(1)).first()
    if busy is not None:
        where = busy.code or _KIND_TEXT.get(busy.kind, busy.kind)
        return "officer_taken", (f"officer {officer_id} was dispatched to {where} by {busy.dispatched_by} "
                                 f"at {clock_text(busy.dispatched_at)}")
    if not row.on_duty:
        return "officer_unavailable", f"officer {officer_id} is off duty"
    if row.status != "available":
        return "officer_unavailable", f"officer {officer_id} is {row.status.replace('_', ' ')}, not available"
    return "officer_changed", (f"officer {officer_id} changed since you looked (version {seen_version} is now "
                               f"{row.version}); check and dispatch again")


def explain_incident(conn, incident_id: int) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    row = conn.execute(select(incident.c.code, incident.c.status).where(incident.c.id == incident_id)).first()
    if row is None:
        return "not_found", f"there is no incident {incident_id}"
    busy = conn.execute(select(task.c.officer_id, task.c.dispatched_by, task.c.dispatched_at)
                        .where(task.c.incident_id == incident_id, task.c.status.in_(_OPEN))
                        .order_by(task.c.id.desc()).limit(1)).first()
    if busy is not None:
        return "incident_taken", (f"{row.code} was already dispatched to officer {busy.officer_id} by "
                                  f"{busy.dispatched_by} at {clock_text(busy.dispatched_at)}")
    if row.status in ("resolved", "closed", "cancelled"):
        return "incident_closed", f"{row.code} is {row.status}"
    return "incident_taken", f"{row.code} changed since you looked (now {row.status}); check again"


def _conflict(engine: Engine, side: str, incident_id: int, officer_id: int, seen_version: int | None,
              recommend: Callable[[int], Any] | None) -> DispatchResult:
    with engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as conn:
        if side == "officer":
            kind, message = explain_officer(conn, officer_id, seen_version)
        else:
            kind, message = explain_incident(conn, incident_id)
    fresh = None
    if recommend is not None and kind not in ("incident_taken", "incident_closed"):
        try:
            fresh = recommend(incident_id)
        except Exception:  # noqa: BLE001 - a failing recommendation must not hide the conflict
            fresh = None
    return DispatchResult(False, message, conflict=kind, recommendation=fresh)
