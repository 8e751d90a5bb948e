"""A task's life after dispatch: acknowledge, en route, arrive, resolve, close, cancel, reassign.

Each action is one transaction of conditional updates decided by
`commandmap.domain.transitions` (via `transition_sql`), with its stage
timestamp, an audit row and change rows. A step that is no longer allowed
(another seat or the officer's phone got there first) returns
`ActionResult(ok=False, …)` with the reason; nothing is half-written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import IntegrityError

from ..domain.access import Actor, Permission, as_actor
from ..domain.enums import TaskKind
from ..domain.transitions import OPEN_TASK_STATUSES, TASK_EVENT_EFFECTS, IllegalTransition, plan_task_event
from ..store.audit import append_audit
from ..store.changes import record_changes
from ..store.schema import incident, officer, task
from . import inspection_tour
from .authz import refusal
from .clock import from_epoch, to_epoch, wall_clock
from .dispatch import _Lost, assign_in, explain_incident, explain_officer
from .transition_sql import transition

_OPEN = [s.value for s in OPEN_TASK_STATUSES]


@dataclass(frozen=True)
class ActionResult:
    ok: bool
    message: str
    task_id: int | None = None
    conflict: str | None = None


class _Refused(Exception):
    def __init__(self, message: str, conflict: str = "not_allowed") -> None:
        super().__init__(message)
        self.conflict = conflict


def _task_row(conn: Connection, task_id: int) -> Any:
    row = conn.execute(select(task.c.id, task.c.status, task.c.officer_id, task.c.incident_id, task.c.dispatched_at,
                              task.c.kind, task.c.plan_id,
                              officer.c.status.label("officer_status"), incident.c.status.label("incident_status"))
                       .join(officer, officer.c.id == task.c.officer_id)
                       .outerjoin(incident, incident.c.id == task.c.incident_id)   # none: inspection, move-up
                       .where(task.c.id == task_id)).first()
    if row is None:
        raise _Refused(f"there is no task {task_id}", "not_found")
    return row


def _move_three(conn: Connection, row: Any, event: str, label: str, values: dict[str, Any]) -> list:
    """Move task, officer and incident together as `plan_task_event` decides, or refuse all three."""
    try:
        plan_task_event(event, row.status, row.officer_status, row.incident_status)
    except IllegalTransition as exc:
        who = "it" if exc.machine == "task" else f"its {exc.machine}"
        raise _Refused(f"task {row.id} cannot {label}: {who} is {exc.current.replace('_', ' ')}") from None
    officer_event, incident_event = TASK_EVENT_EFFECTS[event]
    changes = [("task", row.id, "update")]
    moved = transition(conn, task, row.id, event, values=values)
    if moved and officer_event:
        moved = transition(conn, officer, row.officer_id, officer_event)
        changes.append(("officer", row.officer_id, "update"))
    if moved and incident_event and row.incident_id is not None:
        moved = transition(conn, incident, row.incident_id, incident_event)
        changes.append(("incident", row.incident_id, "update"))
    if not moved:   # another seat changed one of the three between our read and our write
        raise _Refused(f"task {row.id} changed while you acted; look again", "changed")
    return changes


def _tour_step(conn: Connection, row: Any, now: float, label: str) -> tuple[inspection_tour.TourStep, list]:
    """A joint plan's team member finished a site: the tour goes on in this same transaction."""
    try:
        return inspection_tour.advance_in(conn, plan_id=int(row.plan_id), officer_id=int(row.officer_id),
                                          task_id=int(row.id), now_s=now, actor=label)
    except inspection_tour.TourBroken as exc:
        raise _Refused(f"task {row.id} cannot resolve: {exc}", "changed") from None


_PERMISSION = {"task.reassign": Permission.REASSIGN, "incident.cancel": Permission.CANCEL}


def _run(engine: Engine, actor: Actor | str, action: str, entity: str, entity_id: int, now: float, body) -> ActionResult:  # type: ignore[no-untyped-def]
    """Check the actor's role, then run `body(conn)` (returns the change rows and audit detail) as one
    transaction. A denial writes only its audit row."""
    reason = refusal(engine, actor, _PERMISSION.get(action, Permission.CLOSE), entity, entity_id, {"action": action})
    if reason is not None:
        return ActionResult(False, reason, entity_id if entity == "task" else None, "forbidden")
    actor = as_actor(actor).label
    try:
        with engine.begin() as conn:
            changes, detail, message = body(conn)
            record_changes(conn, changes)
            append_audit(conn, actor, action, entity, entity_id, detail, at=from_epoch(now))
    except _Refused as refused:
        return ActionResult(False, str(refused), entity_id if entity == "task" else None, refused.conflict)
    return ActionResult(True, message, entity_id if entity == "task" else None)


def _task_step(engine: Engine, task_id: int, *, actor: Actor | str, now_s: float | None, task_event: str,
               stamp: str, label: str, coalesce_ack: bool = False, officer_id: int | None = None,
               detail: dict[str, Any] | None = None, only_from: frozenset[Any] | None = None) -> ActionResult:
    """One step of a task. `officer_id` (the phone's officer, from its token): refused unless the task is
    theirs. `only_from`: refused unless the task is in one of these statuses (the phone's stricter order,
    `domain.transitions.PHONE_STEP_FROM`). `detail` (e.g. the source of the action and the officer's
    note) goes into the audit row, with the seconds since dispatch."""
    now = wall_clock() if now_s is None else float(now_s)

    def body(conn: Connection):  # type: ignore[no-untyped-def]
        row = _task_row(conn, task_id)
        if officer_id is not None and int(row.officer_id) != int(officer_id):
            raise _Refused(f"task {task_id} is not yours", "not_yours")
        if only_from is not None and row.status not in {str(s) for s in only_from}:
            raise _Refused(f"task {task_id} cannot {label}: it is {str(row.status).replace('_', ' ')}",
                           "out_of_order")
        values: dict[str, Any] = {stamp: from_epoch(now)}
        if coalesce_ack:   # moving or arriving is contact too
            values["acknowledged_at"] = func.coalesce(task.c.acknowledged_at, from_epoch(now))
        changes = _move_three(conn, row, task_event, label, values)
        audit = {"incident_id": row.incident_id, "officer_id": row.officer_id, **(detail or {})}
        dispatched = to_epoch(row.dispatched_at)
        if detail and dispatched is not None:
            audit["after_s"] = round(max(0.0, now - dispatched), 1)
        message = f"task {task_id}: {label}"
        if task_event == "complete" and row.kind == TaskKind.INSPECTION.value and row.plan_id is not None:
            step, more = _tour_step(conn, row, now, as_actor(actor).label)
            changes += more
            audit["inspection"] = step.audit()
            message += f" ({step.message()})"
        return changes, audit, message

    return _run(engine, actor, f"task.{task_event}", "task", task_id, now, body)


def acknowledge(engine: Engine, task_id: int, *, actor: Actor | str, now_s: float | None = None,
                officer_id: int | None = None, detail: dict[str, Any] | None = None,
                only_from: frozenset[Any] | None = None) -> ActionResult:
    """The officer confirmed the order (stops the 60 s contact clock)."""
    return _task_step(engine, task_id, actor=actor, now_s=now_s, task_event="acknowledge", stamp="acknowledged_at",
                      label="acknowledge", officer_id=officer_id, detail=detail, only_from=only_from)


def start_route(engine: Engine, task_id: int, *, actor: Actor | str, now_s: float | None = None,
                officer_id: int | None = None, detail: dict[str, Any] | None = None,
                only_from: frozenset[Any] | None = None) -> ActionResult:
    return _task_step(engine, task_id, actor=actor, now_s=now_s, task_event="start_route", stamp="en_route_at",
                      label="start the route", coalesce_ack=True, officer_id=officer_id, detail=detail,
                      only_from=only_from)


def arrive(engine: Engine, task_id: int, *, actor: Actor | str, now_s: float | None = None,
           officer_id: int | None = None, detail: dict[str, Any] | None = None,
           only_from: frozenset[Any] | None = None) -> ActionResult:
    """On scene (stops the 5 min arrival clock); also called by the position-based detector."""
    return _task_step(engine, task_id, actor=actor, now_s=now_s, task_event="arrive", stamp="arrived_at",
                      label="arrive", coalesce_ack=True, officer_id=officer_id, detail=detail, only_from=only_from)


def resolve(engine: Engine, task_id: int, *, actor: Actor | str, now_s: float | None = None,
            officer_id: int | None = None, detail: dict[str, Any] | None = None,
            only_from: frozenset[Any] | None = None) -> ActionResult:
    """Handled on scene: the task completes, the officer is available again, the incident resolved.
    A joint inspection task instead moves its tour on in the same transaction (`inspection_tour`):
    the officer goes straight on to the plan's next site, and the site's record is written once the
    whole team has finished there."""
    return _task_step(engine, task_id, actor=actor, now_s=now_s, task_event="complete", stamp="completed_at",
                      label="resolve", officer_id=officer_id, detail=detail, only_from=only_from)


def close(engine: Engine, incident_id: int, *, actor: Actor | str, now_s: float | None = None) -> ActionResult:
    now = wall_clock() if now_s is None else float(now_s)

    def body(conn: Connection):  # type: ignore[no-untyped-def]
        if not transition(conn, incident, incident_id, "close"):
            raise _Refused(explain_incident(conn, incident_id)[1] + "; only a resolved incident can be closed")
        return [("incident", incident_id, "update")], {}, f"incident {incident_id} closed"

    return _run(engine, actor, "incident.close", "incident", incident_id, now, body)


def cancel(engine: Engine, incident_id: int, *, actor: Actor | str, reason: str = "", now_s: float | None = None) -> ActionResult:
    """Cancel an open incident; its open task is cancelled and the officer released."""
    now = wall_clock() if now_s is None else float(now_s)

    def body(conn: Connection):  # type: ignore[no-untyped-def]
        open_tasks = conn.execute(select(task.c.id).where(task.c.incident_id == incident_id,
                                                          task.c.status.in_(_OPEN))).scalars().all()
        if not open_tasks:
            if not transition(conn, incident, incident_id, "cancel"):
                raise _Refused(explain_incident(conn, incident_id)[1] + "; it cannot be cancelled")
            return [("incident", incident_id, "update")], {"reason": reason}, f"incident {incident_id} cancelled"
        changes = []
        for tid in open_tasks:   # one at most (one open task per incident); the machine decides all three
            changes += _move_three(conn, _task_row(conn, tid), "cancel", "be cancelled",
                                   {"completed_at": from_epoch(now)})
        return changes, {"reason": reason, "tasks": list(open_tasks)}, f"incident {incident_id} cancelled"

    return _run(engine, actor, "incident.cancel", "incident", incident_id, now, body)


def reassign(engine: Engine, task_id: int, new_officer_id: int, *, actor: Actor | str, predicted_eta_s: float,
             route_lonlat: Sequence[Sequence[float]] = (), officer_version: int | None = None,
             now_s: float | None = None) -> ActionResult:
    """Withdraw the task's officer and dispatch another in one transaction.

    If the new officer was taken meanwhile, nothing changes (the old officer keeps the task).
    The result's task_id is the NEW task.
    """
    now = wall_clock() if now_s is None else float(now_s)
    new_task: list[int] = []

    def body(conn: Connection):  # type: ignore[no-untyped-def]
        row = _task_row(conn, task_id)
        if row.incident_id is None:
            raise _Refused(f"task {task_id} has no incident to hand over (an inspection or move-up)")
        changes = _move_three(conn, row, "reassign", "be reassigned", {"completed_at": from_epoch(now)})
        try:
            tid = assign_in(conn, row.incident_id, new_officer_id, seat=as_actor(actor).label, now=now, eta_s=predicted_eta_s,
                            route_lonlat=route_lonlat, officer_version=officer_version, incident_version=None)
        except _Lost:
            raise _Refused(explain_officer(conn, new_officer_id, officer_version)[1], "officer_taken") from None
        new_task.append(tid)
        changes += [("officer", new_officer_id, "update"), ("incident", row.incident_id, "update"),
                    ("task", tid, "insert")]
        return changes, {"from_officer": row.officer_id, "to_officer": new_officer_id, "new_task": tid}, \
            f"task {task_id} reassigned to officer {new_officer_id} (task {tid})"

    try:
        result = _run(engine, actor, "task.reassign", "task", task_id, now, body)
    except IntegrityError:
        return ActionResult(False, f"officer {new_officer_id} already has an open task", task_id, "officer_taken")
    if result.ok:
        return ActionResult(True, result.message, new_task[0])
    return result
