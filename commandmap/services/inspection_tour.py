"""A dispatched joint inspection plan, driven one site at a time along its ordered route.

`assignments.dispatch_plan` sends the whole team to the first site. From then on the
tour moves by the one path every seat uses to finish a task: `lifecycle.resolve`
(a dispatcher's button, the officer's phone 处置完毕, the simulator). When an
inspection task is completed, `advance_in` runs inside that same transaction:

- the officer's task at site k is completed and the officer released (the lifecycle
  step, as for any task), then at once moved back to dispatched with a new
  inspection task to site k+1 — in the same transaction, so no other seat ever sees
  them available between two sites, and the partial unique index "one open task
  per officer" holds at every commit (the old task is closed before the new one is
  inserted). After the last site the officer simply stays released: available.
- Each officer answers for their own department's checks, so each member finishes
  (and moves on) on their own tap; the site counts as inspected once *every* team
  member has finished there. The member whose completion is the last one writes the
  site's `inspection_record` (one row per site visit: the departments whose items were
  checked, the team, and `visits_replaced` = those departments' separate visits, the
  unit `practice_kpis` counts), marks the plan's `inspection_item` done, and — at the
  last site — the plan `done`.
- Two members finishing at the same moment are serialised on the plan row (a no-op
  UPDATE takes its lock first, on PostgreSQL as on SQLite), so exactly one of them
  writes the record, whichever commits second sees the other's completion.

A plan that lost its sites (or was deleted) under a running tour does not trap its
team: completing the task just releases the officer, with nothing to follow.

Which site a task is for is not stored on the task: an officer's inspection tasks of a
plan are created strictly one after another (dispatch, then one per completion, never
two open — the unique index), so the officer's k-th task of the plan, by id, is the
plan's k-th stop. That keeps migration 0009's task table as it is.

The next leg's ETA is the planned tour's leg (`detail.legs_eta_s`, computed by road for
cars) for a car, a straight-line estimate for other modes; its route is the straight
segment between the two sites (the lifecycle path has no road graph: phones and the
simulator route it themselves).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..domain.enums import TaskKind, TaskStatus
from ..domain.fix_validation import haversine_m
from ..store.audit import append_audit
from ..store.schema import inspection_item, inspection_plan, inspection_record, officer, site, task
from .assignments import DETOUR, FALLBACK_SPEED_MPS, Leg, insert_task
from .clock import from_epoch
from .transition_sql import transition

PLAN_MODE = "car"    # joint_inspection.plan_joint_inspection plans the tour for cars


class TourBroken(Exception):
    """The tour cannot go on (plan or sites missing, officer not movable): nothing is written."""


@dataclass(frozen=True)
class Stop:
    item_id: int
    site_id: int
    lon: float
    lat: float
    department_ids: tuple[int, ...]
    status: str


@dataclass(frozen=True)
class TourStep:
    """What one completed inspection task did to its plan."""

    plan_id: int
    stop: int                      # 0-based index of the site just finished by this officer
    stops: int
    site_id: int
    next_task_id: int | None       # the officer's task to the next site (None after the last)
    record_id: int | None          # the site's inspection_record, when this completion finished the site
    plan_done: bool

    def audit(self) -> dict[str, Any]:
        return {"plan_id": self.plan_id, "stop": self.stop + 1, "stops": self.stops, "site_id": self.site_id,
                "next_task": self.next_task_id, "record_id": self.record_id, "plan_done": self.plan_done}

    def message(self) -> str:
        if self.stop >= self.stops:
            return f"not on plan {self.plan_id}'s route any more: nothing follows"
        done = f"; site {self.site_id} inspected" if self.record_id is not None else ""
        nxt = (f"; on to stop {self.stop + 2}/{self.stops} (task {self.next_task_id})"
               if self.next_task_id is not None else "")
        return f"stop {self.stop + 1}/{self.stops} done{done}{nxt}" + ("; plan done" if self.plan_done else "")


def plan_stops(conn: Connection, plan_id: int) -> list[Stop]:
    """The plan's sites in visiting order."""
    rows = conn.execute(select(inspection_item.c.id, inspection_item.c.site_id, inspection_item.c.department_ids,
                               inspection_item.c.status, site.c.lon, site.c.lat)
                        .join(site, site.c.id == inspection_item.c.site_id)
                        .where(inspection_item.c.plan_id == plan_id)
                        .order_by(inspection_item.c.sequence, inspection_item.c.id)).all()
    return [Stop(int(r.id), int(r.site_id), float(r.lon), float(r.lat),
                 tuple(int(d) for d in (r.department_ids or [])), str(r.status)) for r in rows]


def team_of(detail: dict[str, Any] | None) -> list[int]:
    """The plan's team officer ids, in plan order, without repeats."""
    return list(dict.fromkeys(int(m["officer_id"]) for m in (detail or {}).get("team", []) if "officer_id" in m))


def stop_of_task(conn: Connection, plan_id: int, officer_id: int, task_id: int) -> int:
    """Which stop (0-based) an officer's inspection task of a plan is for: the officer's earlier tasks of it."""
    return int(conn.execute(select(func.count()).select_from(task).where(
        task.c.plan_id == plan_id, task.c.officer_id == officer_id, task.c.kind == TaskKind.INSPECTION.value,
        task.c.id < task_id)).scalar() or 0)


def _finished(conn: Connection, plan_id: int, officer_ids: list[int]) -> dict[int, int]:
    """Completed inspection tasks of the plan per officer (= stops each has finished)."""
    rows = conn.execute(select(task.c.officer_id, func.count()).where(
        task.c.plan_id == plan_id, task.c.kind == TaskKind.INSPECTION.value,
        task.c.status == TaskStatus.COMPLETED.value, task.c.officer_id.in_(officer_ids))
        .group_by(task.c.officer_id)).all()
    done = {int(o): int(n) for o, n in rows}
    return {o: done.get(o, 0) for o in officer_ids}


def _next_leg(conn: Connection, officer_id: int, here: Stop, there: Stop, planned_eta_s: float | None) -> Leg:
    mode = conn.execute(select(officer.c.mode).where(officer.c.id == officer_id)).scalar()
    if mode == PLAN_MODE and planned_eta_s is not None:
        eta = float(planned_eta_s)
    else:
        d = float(haversine_m(np.array([here.lon]), np.array([here.lat]), np.array([there.lon]),
                              np.array([there.lat]))[0]) * DETOUR
        eta = d / FALLBACK_SPEED_MPS.get(str(mode), 5.0)
    return Leg(officer_id, (there.lon, there.lat), eta, ((here.lon, here.lat), (there.lon, there.lat)))


def advance_in(conn: Connection, *, plan_id: int, officer_id: int, task_id: int, now_s: float,
               actor: str) -> tuple[TourStep, list[tuple[str, int, str]]]:
    """After `task_id` (the officer's inspection task) was completed and its officer released in `conn`:
    finish the site if everyone is done there, send the officer on to the next site, finish the plan
    after the last. Returns the step and the change rows to record; raises TourBroken."""
    # the plan row's lock serialises the team's completions (see the module docstring)
    conn.execute(update(inspection_plan).where(inspection_plan.c.id == plan_id)
                 .values(status=inspection_plan.c.status))
    plan = conn.execute(select(inspection_plan.c.status, inspection_plan.c.detail)
                        .where(inspection_plan.c.id == plan_id)).first()
    stops = plan_stops(conn, plan_id) if plan is not None else []
    k = stop_of_task(conn, plan_id, officer_id, task_id)
    if plan is None or k >= len(stops):   # a damaged plan (sites removed): the officer is released, not held
        return TourStep(plan_id, k, len(stops), 0, None, None, False), []
    here = stops[k]
    team = team_of(plan.detail) or [officer_id]
    changes: list[tuple[str, int, str]] = []
    when = from_epoch(now_s)
    record_id = None
    finished = _finished(conn, plan_id, team)
    if here.status != "done" and all(n > k for n in finished.values()):
        record_id = int(conn.execute(insert(inspection_record).values(
            site_id=here.site_id, inspected_at=when, kind="joint", department_ids=list(here.department_ids),
            officer_ids=sorted(team), visits_replaced=max(1, len(here.department_ids)), plan_id=plan_id)
        ).inserted_primary_key[0])   # type: ignore[index]
        conn.execute(update(inspection_item).where(inspection_item.c.id == here.item_id).values(status="done"))
        conn.execute(update(site).where(site.c.id == here.site_id).values(last_inspected=when))
        changes += [("inspection_record", record_id, "insert"), ("inspection_item", here.item_id, "update"),
                    ("site", here.site_id, "update")]
    next_task = None
    if k + 1 < len(stops):
        legs_eta = (plan.detail or {}).get("legs_eta_s") or []
        planned = legs_eta[k + 1] if k + 1 < len(legs_eta) else None
        leg = _next_leg(conn, officer_id, here, stops[k + 1], planned)
        if not transition(conn, officer, officer_id, "dispatch"):
            raise TourBroken(f"officer {officer_id} could not be sent on to the next site")
        try:
            next_task = insert_task(conn, TaskKind.INSPECTION, leg, actor, now_s, plan_id)
        except IntegrityError:   # the database's "one open task per officer": the whole step rolls back
            raise TourBroken(f"officer {officer_id} already has an open task") from None
        changes += [("officer", officer_id, "update"), ("task", next_task, "insert")]
    plan_done = False
    if record_id is not None:   # this completion finished a site: was it the plan's last unfinished one?
        remaining = conn.execute(select(func.count()).select_from(inspection_item).where(
            inspection_item.c.plan_id == plan_id, inspection_item.c.status != "done")).scalar()
        if not remaining:
            conn.execute(update(inspection_plan).where(inspection_plan.c.id == plan_id).values(status="done"))
            plan_done = True
            append_audit(conn, actor, "inspection.done", "inspection_plan", plan_id,
                         {"sites": [s.site_id for s in stops], "team": team}, at=when)
    if record_id is not None or plan_done:
        changes.append(("inspection_plan", plan_id, "update"))
    step = TourStep(plan_id, k, len(stops), here.site_id, next_task, record_id, plan_done)
    return step, changes
