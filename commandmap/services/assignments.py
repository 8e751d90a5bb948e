"""Tasks without an incident: a joint inspection plan's team, and move-ups for coverage.

Both are dispatched like an incident (services.dispatch): in ONE transaction each
officer moves available → dispatched only if still on duty and available (the
conditional update decides it at the row; the partial unique index "one open task
per officer" is the last line of defence), the task rows are inserted with their
kind, target, predicted ETA and route, and audit and change rows are appended. A
plan's team goes all together or not at all: if any member was taken meanwhile
nothing is written and the result lists every conflict as data, never an
exception. These tasks carry no incident, so the response KPIs and SLA clocks
(which join tasks to incidents) never count them; the simulator drives the officer
to the target and arrival detection ends a move-up there (services.arrival).
A plan's team goes to its first site; the rest of the tour is driven by each
member's completion (`services.inspection_tour`, run inside `lifecycle.resolve`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.exc import IntegrityError

from ..domain.access import Actor, Permission, as_actor
from ..domain.enums import TaskKind, TaskStatus
from ..domain.fix_validation import haversine_m
from ..store.audit import append_audit
from ..store.changes import record_changes
from ..store.engine import READ_ONLY_OPTION
from ..store.schema import inspection_item, inspection_plan, officer, officer_position, site, task
from .authz import refusal
from .clock import from_epoch, wall_clock
from .dispatch import explain_officer
from .transition_sql import transition

#: straight-line fallback when the road network cannot route a leg (same as recommend's estimate)
FALLBACK_SPEED_MPS = {"foot": 1.3, "ebike": 4.5, "car": 8.0}
DETOUR = 1.35


@dataclass(frozen=True)
class Leg:
    """What to send one officer: where, how long it should take, by which roads."""

    officer_id: int
    target_lonlat: tuple[float, float]
    eta_s: float
    route_lonlat: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True)
class Conflict:
    officer_id: int
    kind: str          # officer_taken / officer_unavailable / officer_changed / not_found
    message: str


@dataclass(frozen=True)
class AssignResult:
    ok: bool
    message: str
    task_ids: tuple[int, ...] = ()
    conflict: str | None = None            # forbidden / not_found / plan_taken / no_team / officer (see conflicts)
    conflicts: tuple[Conflict, ...] = ()   # one per officer who could not be sent


class _Lost(Exception):
    def __init__(self, officers: list[int]) -> None:
        super().__init__(officers)
        self.officers = officers


class _Refused(Exception):
    def __init__(self, message: str, conflict: str) -> None:
        super().__init__(message)
        self.conflict = conflict


def plan_legs(engine: Engine, graph: Any, target_lonlat: tuple[float, float],
              officer_ids: Sequence[int]) -> list[Leg]:
    """A leg per officer to `target_lonlat`: by road when the graph reaches it, else a straight-line
    estimate (an officer without a fix gets ETA 0 and no route: the phone will say where they are)."""
    ids = [int(i) for i in officer_ids]
    with engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as conn:
        rows = {int(r.id): r for r in conn.execute(
            select(officer.c.id, officer.c.mode, officer_position.c.lon, officer_position.c.lat)
            .outerjoin(officer_position, officer_position.c.officer_id == officer.c.id)
            .where(officer.c.id.in_(ids)))}
    target = (float(target_lonlat[0]), float(target_lonlat[1]))
    known = [i for i in ids if i in rows and rows[i].lon is not None]
    by_road: dict[int, tuple[float, tuple[tuple[float, float], ...]]] = {}
    if graph is not None and known:
        from routing import Candidates, nearest

        modes = np.array([rows[i].mode for i in known], dtype=object)
        lonlat = np.array([(rows[i].lon, rows[i].lat) for i in known], np.float64)
        result = nearest(graph, target, Candidates(np.array(known, np.int64), lonlat, modes), k=len(known),
                         mode=tuple(sorted(set(modes.tolist()))))
        for p in result.picked:
            by_road[int(p.id)] = (float(p.eta_s), tuple((float(x), float(y)) for x, y in p.path_lonlat.tolist()))
    legs = []
    for i in ids:
        if i in by_road:
            eta, route = by_road[i]
        elif i in known:
            r = rows[i]
            d = float(haversine_m(np.array([r.lon]), np.array([r.lat]), np.array([target[0]]),
                                  np.array([target[1]]))[0]) * DETOUR
            eta, route = d / FALLBACK_SPEED_MPS.get(r.mode, 5.0), ((float(r.lon), float(r.lat)), target)
        else:
            eta, route = 0.0, ()
        legs.append(Leg(i, target, eta, route))
    return legs


def insert_task(conn: Connection, kind: TaskKind, leg: Leg, seat: str, now: float, plan_id: int | None) -> int:
    """Insert one open task (the officer must already have been moved to dispatched in `conn`)."""
    key = conn.execute(task.insert().values(
        kind=kind.value, incident_id=None, plan_id=plan_id, target_lon=leg.target_lonlat[0],
        target_lat=leg.target_lonlat[1], officer_id=leg.officer_id, dispatched_by=seat,
        dispatched_at=from_epoch(now), predicted_eta_s=float(leg.eta_s),
        route_lonlat=[[float(x), float(y)] for x, y in leg.route_lonlat],
        status=TaskStatus.DISPATCHED.value, version=1)).inserted_primary_key
    assert key is not None
    return int(key[0])


def _send(conn: Connection, kind: TaskKind, legs: Sequence[Leg], seat: str, now: float,
          plan_id: int | None) -> list[int]:
    """Move every officer and insert their tasks, or raise _Lost naming everyone who could not go."""
    lost = [leg.officer_id for leg in legs
            if not transition(conn, officer, leg.officer_id, "dispatch", extra_where=officer.c.on_duty.is_(True))]
    if lost:
        raise _Lost(lost)
    return [insert_task(conn, kind, leg, seat, now, plan_id) for leg in legs]


def _conflicts(engine: Engine, officer_ids: Sequence[int]) -> tuple[Conflict, ...]:
    with engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as conn:
        return tuple(Conflict(i, *explain_officer(conn, i, None)) for i in officer_ids)


def _lost_result(engine: Engine, officer_ids: Sequence[int], what: str) -> AssignResult:
    conflicts = _conflicts(engine, officer_ids)
    return AssignResult(False, f"{what} not sent: " + "; ".join(c.message for c in conflicts),
                        conflict="officer", conflicts=conflicts)


# -- joint inspection plans ---------------------------------------------------------------------------
def plan_team(engine: Engine, plan_id: int) -> tuple[list[int], tuple[float, float]]:
    """(team officer ids, first stop lon/lat) of a saved joint plan; _Refused when there is none."""
    with engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as conn:
        plan = conn.execute(select(inspection_plan.c.kind, inspection_plan.c.status, inspection_plan.c.detail)
                            .where(inspection_plan.c.id == plan_id)).first()
        first = conn.execute(select(site.c.lon, site.c.lat).join(inspection_item, inspection_item.c.site_id == site.c.id)
                             .where(inspection_item.c.plan_id == plan_id)
                             .order_by(inspection_item.c.sequence, inspection_item.c.id).limit(1)).first()
    if plan is None:
        raise _Refused(f"there is no inspection plan {plan_id}", "not_found")
    if plan.kind != "joint":
        raise _Refused(f"plan {plan_id} is a {plan.kind} plan, not a joint inspection", "not_found")
    if plan.status != "planned":
        raise _Refused(f"plan {plan_id} is already {plan.status}", "plan_taken")
    team = [int(m["officer_id"]) for m in (plan.detail or {}).get("team", []) if "officer_id" in m]
    if not team or first is None:
        raise _Refused(f"plan {plan_id} has no team or no sites", "no_team")
    return list(dict.fromkeys(team)), (float(first.lon), float(first.lat))


def dispatch_plan(engine: Engine, plan_id: int, graph: Any, *, seat: Actor | str,
                  now_s: float | None = None) -> AssignResult:
    """Send a saved joint plan's whole team to its first site as inspection tasks (all or none)."""
    now = wall_clock() if now_s is None else float(now_s)
    reason = refusal(engine, seat, Permission.DISPATCH, "inspection_plan", plan_id, {"action": "inspection.dispatch"})
    if reason is not None:
        return AssignResult(False, reason, conflict="forbidden")
    label = as_actor(seat).label
    try:
        team, first = plan_team(engine, plan_id)
        legs = plan_legs(engine, graph, first, team)
        with engine.begin() as conn:
            task_ids = _send(conn, TaskKind.INSPECTION, legs, label, now, plan_id)
            moved = conn.execute(update(inspection_plan).where(inspection_plan.c.id == plan_id,
                                                               inspection_plan.c.status == "planned")
                                 .values(status="dispatched")).rowcount
            if moved != 1:   # another seat dispatched it between our read and our write
                raise _Refused(f"plan {plan_id} was dispatched meanwhile", "plan_taken")
            conn.execute(update(inspection_item).where(inspection_item.c.plan_id == plan_id)
                         .values(status="dispatched"))
            record_changes(conn, [("officer", leg.officer_id, "update") for leg in legs]
                           + [("task", t, "insert") for t in task_ids] + [("inspection_plan", plan_id, "update")])
            append_audit(conn, label, "inspection.dispatch", "inspection_plan", plan_id,
                         {"tasks": task_ids, "team": team, "eta_s": [round(leg.eta_s, 1) for leg in legs]},
                         at=from_epoch(now))
    except _Refused as refused:
        return AssignResult(False, str(refused), conflict=refused.conflict)
    except _Lost as lost:
        return _lost_result(engine, lost.officers, f"plan {plan_id}")
    except IntegrityError:
        return _lost_result(engine, team, f"plan {plan_id}")
    return AssignResult(True, f"plan {plan_id}: team of {len(team)} dispatched by {label}", tuple(task_ids))


# -- move-ups --------------------------------------------------------------------------------------------
def send_move_up(engine: Engine, leg: Leg, *, seat: Actor | str, now_s: float | None = None,
                 site_id: int | None = None, gain_sites: float | None = None) -> AssignResult:
    """Reposition one idle officer to `leg.target_lonlat` (a coverage move-up) as a task."""
    now = wall_clock() if now_s is None else float(now_s)
    reason = refusal(engine, seat, Permission.DISPATCH, "officer", leg.officer_id, {"action": "task.move_up"})
    if reason is not None:
        return AssignResult(False, reason, conflict="forbidden")
    label = as_actor(seat).label
    try:
        with engine.begin() as conn:
            (task_id,) = _send(conn, TaskKind.MOVE_UP, [leg], label, now, None)
            record_changes(conn, [("officer", leg.officer_id, "update"), ("task", task_id, "insert")])
            append_audit(conn, label, "task.move_up", "task", task_id,
                         {"officer_id": leg.officer_id, "to": [round(v, 6) for v in leg.target_lonlat],
                          "site_id": site_id, "gain_sites": gain_sites,
                          "predicted_eta_s": round(float(leg.eta_s), 1)}, at=from_epoch(now))
    except (_Lost, IntegrityError):
        return _lost_result(engine, [leg.officer_id], "move-up")
    return AssignResult(True, f"officer {leg.officer_id} moved up by {label} (ETA {leg.eta_s / 60:.1f} min)",
                        (task_id,))


def send_move_ups(engine: Engine, graph: Any, moves: Sequence[Any], *, seat: Actor | str,
                  now_s: float | None = None) -> list[AssignResult]:
    """Send each coverage.MoveSuggestion (in order) as its own move-up: one taken officer does not
    hold back the others."""
    out = []
    for m in moves:
        (leg,) = plan_legs(engine, graph, m.to_lonlat, [m.officer_id])
        out.append(send_move_up(engine, leg, seat=seat, now_s=now_s, site_id=m.site_id, gain_sites=m.gain_sites))
    return out
