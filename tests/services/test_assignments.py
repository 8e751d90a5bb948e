"""Joint inspection plans and move-ups dispatched as tasks (no incident), on both backends:
race-safe like an incident dispatch, audited, driven to the target, and never counted as responses."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from sqlalchemy import func, select, update

from commandmap.domain.access import Actor, Role
from commandmap.live import LiveState
from commandmap.services import lifecycle
from commandmap.services.arrival import ArrivalDetector
from commandmap.services.assignments import Leg, dispatch_plan, plan_legs, send_move_up
from commandmap.services.board import Board
from commandmap.services.clock import from_epoch
from commandmap.services.dispatch import dispatch
from commandmap.services.sla import incident_stages
from commandmap.domain.kpi import response_kpis
from commandmap.store import schema
from commandmap.store.audit import verify_audit_chain
from commandmap.store.changes import record_change
from tests.live.citykit import CENTER, NOW_S, OfficerSpec, add_incident, build_city

LON, LAT = CENTER
SITE = (LON + 0.004, LAT + 0.003)


def _plan(conn, plan_id: int, team: list[int]) -> None:  # type: ignore[no-untyped-def]
    conn.execute(schema.site.insert().values(id=plan_id, name=f"店{plan_id}", category="餐饮", domain="food",
                                             address="路1号", risk_level=2, grid_id=111, lon=SITE[0], lat=SITE[1]))
    conn.execute(schema.inspection_plan.insert().values(
        id=plan_id, name="综合查一次", kind="joint", created_at=from_epoch(NOW_S), created_by="planner",
        status="planned", detail={"team": [{"officer_id": o, "department": "zhzf", "covers": []} for o in team]}))
    conn.execute(schema.inspection_item.insert().values(plan_id=plan_id, site_id=plan_id, officer_id=team[0],
                                                        department_ids=[1], check_items=["x"], sequence=0,
                                                        status="planned"))
    record_change(conn, "inspection_plan", plan_id, "insert")


@pytest.fixture
def city(store_engine):  # type: ignore[no-untyped-def]
    build_city(store_engine, [OfficerSpec(i, LON + 0.001 * i, LAT) for i in (1, 2, 3, 4)])
    with store_engine.begin() as conn:
        add_incident(conn, 41)
        _plan(conn, 7, [1, 2])
        _plan(conn, 8, [2, 3])
    return store_engine


def _status(engine, officer_id: int) -> str:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(select(schema.officer.c.status).where(schema.officer.c.id == officer_id)).scalar_one()


def _tasks(engine):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(select(schema.task).order_by(schema.task.c.id)).all()


def test_a_plan_is_dispatched_to_its_whole_team_in_one_audited_transaction(city) -> None:  # type: ignore[no-untyped-def]
    res = dispatch_plan(city, 7, None, seat="seat 1", now_s=NOW_S)
    assert res.ok and len(res.task_ids) == 2, res.message
    rows = _tasks(city)
    assert [(r.kind, r.incident_id, r.plan_id, r.officer_id, r.status) for r in rows] == [
        ("inspection", None, 7, 1, "dispatched"), ("inspection", None, 7, 2, "dispatched")]
    assert all((r.target_lon, r.target_lat) == pytest.approx(SITE) and r.predicted_eta_s > 0 for r in rows)
    assert _status(city, 1) == _status(city, 2) == "dispatched"
    with city.connect() as conn:
        plan = conn.execute(select(schema.inspection_plan.c.status).where(schema.inspection_plan.c.id == 7)).scalar()
        items = conn.execute(select(schema.inspection_item.c.status).where(
            schema.inspection_item.c.plan_id == 7)).scalars().all()
        audit = conn.execute(select(schema.audit_event.c.action, schema.audit_event.c.detail).where(
            schema.audit_event.c.action == "inspection.dispatch")).all()
        assert verify_audit_chain(conn).ok
    assert plan == "dispatched" and items == ["dispatched"]
    assert len(audit) == 1 and audit[0].detail["tasks"] == list(res.task_ids)
    again = dispatch_plan(city, 7, None, seat="seat 2", now_s=NOW_S + 5)
    assert not again.ok and again.conflict == "plan_taken" and "already dispatched" in again.message


def test_a_taken_team_member_sends_nobody_and_the_conflict_is_data(city) -> None:  # type: ignore[no-untyped-def]
    assert dispatch(city, 41, 2, seat="seat 9", predicted_eta_s=60, now_s=NOW_S).ok
    before = len(_tasks(city))
    res = dispatch_plan(city, 7, None, seat="seat 1", now_s=NOW_S + 1)
    assert not res.ok and res.conflict == "officer" and res.task_ids == ()
    assert [(c.officer_id, c.kind) for c in res.conflicts] == [(2, "officer_taken")]
    assert "NB-20261125-0041" in res.message
    assert len(_tasks(city)) == before and _status(city, 1) == "available", "nothing written"
    with city.connect() as conn:
        assert conn.execute(select(schema.inspection_plan.c.status).where(
            schema.inspection_plan.c.id == 7)).scalar() == "planned"
    assert dispatch_plan(city, 99, None, seat="seat 1", now_s=NOW_S).conflict == "not_found"
    viewer = dispatch_plan(city, 7, None, seat=Actor("v", Role.VIEWER, "wall"), now_s=NOW_S)
    assert not viewer.ok and viewer.conflict == "forbidden"


def test_two_seats_racing_for_plans_sharing_an_officer_one_wins(city) -> None:  # type: ignore[no-untyped-def]
    results = {}
    barrier = threading.Barrier(2)

    def go(plan_id: int) -> None:
        barrier.wait()
        results[plan_id] = dispatch_plan(city, plan_id, None, seat=f"seat {plan_id}", now_s=NOW_S)

    threads = [threading.Thread(target=go, args=(p,)) for p in (7, 8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.ok for r in results.values()) == [False, True]
    loser = next(r for r in results.values() if not r.ok)
    assert [c.officer_id for c in loser.conflicts] == [2] and loser.conflicts[0].kind == "officer_taken"
    with city.connect() as conn:
        open_by_officer = conn.execute(select(schema.task.c.officer_id, func.count()).group_by(
            schema.task.c.officer_id)).all()
    assert all(n == 1 for _o, n in open_by_officer)


def test_a_move_up_drives_to_its_target_and_frees_the_officer_on_arrival(city) -> None:  # type: ignore[no-untyped-def]
    (leg,) = plan_legs(city, None, SITE, [3])
    assert leg.eta_s > 0 and leg.route_lonlat[-1] == SITE
    res = send_move_up(city, leg, seat="seat 1", now_s=NOW_S, site_id=7, gain_sites=4.0)
    assert res.ok, res.message
    assert _status(city, 3) == "dispatched"
    taken = send_move_up(city, Leg(3, SITE, 10.0), seat="seat 2", now_s=NOW_S + 1)
    assert not taken.ok and taken.conflicts[0].kind == "officer_taken" and "a move-up" in taken.message
    (task_id,) = res.task_ids
    assert lifecycle.start_route(city, task_id, actor="officer", now_s=NOW_S + 10).ok
    assert _status(city, 3) == "en_route"
    detector = ArrivalDetector(city, 50.0)
    assert detector.check(np.array([3]), np.array([LON]), np.array([LAT]), NOW_S + 30) == []   # not there yet
    assert detector.check(np.array([3]), np.array([SITE[0]]), np.array([SITE[1]]), NOW_S + 200) == [task_id]
    assert _status(city, 3) == "available"
    (row,) = [r for r in _tasks(city) if r.id == task_id]
    assert row.status == "completed" and row.kind == "move_up"
    with city.connect() as conn:
        actions = conn.execute(select(schema.audit_event.c.action).where(
            schema.audit_event.c.entity == "task", schema.audit_event.c.entity_id == task_id)).scalars().all()
    assert actions == ["task.move_up", "task.start_route", "task.arrive", "task.complete"]
    assert not lifecycle.reassign(city, task_id, 4, actor="seat", predicted_eta_s=1).ok


def test_inspection_and_move_up_tasks_are_not_counted_as_responses(city) -> None:  # type: ignore[no-untyped-def]
    stages_before = incident_stages(city, reported_since_s=NOW_S - 3600)
    assert dispatch_plan(city, 7, None, seat="seat 1", now_s=NOW_S).ok
    (leg,) = plan_legs(city, None, SITE, [3])
    assert send_move_up(city, leg, seat="seat 1", now_s=NOW_S).ok
    for t in _tasks(city):   # they are acknowledged and arrive like any task
        assert lifecycle.arrive(city, t.id, actor="officer", now_s=NOW_S + 20).ok
    stages = incident_stages(city, reported_since_s=NOW_S - 3600)
    assert stages == stages_before
    kpis = response_kpis([s for _c, _st, s in stages.values()], NOW_S + 600)
    assert kpis.dispatched == 0 and kpis.contact.decided == 0 and kpis.arrival.decided == 0
    board = Board(city)
    assert [r.incident_id for r in board.open_incidents()] == [41]
    tasks = board.open_tasks()
    assert {o: (t.incident_id, t.incident_code) for o, t in tasks.items()} == {
        1: (-1, "inspection"), 2: (-1, "inspection"), 3: (-1, "move_up")}
    assert board.kpis(NOW_S + 600).response.dispatched == 0
    assert {e.incident_code for e in board.timeline()} == {""}
    live = LiveState(city, clock=lambda: NOW_S + 30)
    snap = live.snapshot()
    assert set(live.tasks.ids.tolist()) == {t.id for t in _tasks(city)}
    assert list(snap.incidents.ids) == [41]
    moved_up = next(t.id for t in _tasks(city) if t.officer_id == 3)
    with city.begin() as conn:   # a change to one of these tasks folds in without touching any incident
        conn.execute(update(schema.task).where(schema.task.c.id == moved_up).values(status="completed"))
        record_change(conn, "task", moved_up, "update")
    live.refresh()
    assert len(live.tasks.ids) == 2
