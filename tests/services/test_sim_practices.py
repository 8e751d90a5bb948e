"""The simulator runs the practices: it escalates grid whistles at their deadline (never before),
drives move-ups to their target and frees the officer there, and works an inspection team's tasks."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from commandmap.services.assignments import plan_legs, send_move_up
from commandmap.services.simulation import SimConfig, SimulationEngine
from commandmap.services.whistle import get_whistle, raise_whistle
from commandmap.store import schema
from tests.live.citykit import NOW_S, build_city, lattice_graph, officers_on_nodes

QUIET = SimConfig(seed=3, incidents_per_hour=0.001, auto_dispatch=False, ack_median_s=5.0, ack_sigma=0.2,
                  start_route_delay_s=(1.0, 2.0), handling_median_s=30.0, fix_interval_s=5.0,
                  p_duplicate=0.0, p_late=0.0, p_jump=0.0, gps_noise_m=1.0)


@pytest.fixture(scope="module")
def graph():  # type: ignore[no-untyped-def]
    return lattice_graph(side=30, seed=3)


@pytest.fixture
def sim(store_engine, graph):  # type: ignore[no-untyped-def]
    build_city(store_engine, officers_on_nodes(graph, 6, seed=2))
    return SimulationEngine(store_engine, graph, QUIET, start_s=NOW_S)


def test_the_simulator_escalates_a_whistle_at_its_deadline_and_not_before(sim) -> None:  # type: ignore[no-untyped-def]
    t0 = sim.now
    w = raise_whistle(sim.engine, 111, "占道经营", actor="grid leader", now_s=t0, accept_within_s=60.0)
    due = w.clock.due_s
    report = sim.step(due - 0.5)
    assert report.escalated == 0 and get_whistle(sim.engine, w.incident_id).level.value == "town"  # type: ignore[union-attr]
    report = sim.step(due)
    row = get_whistle(sim.engine, w.incident_id)
    assert report.escalated == 1 and row is not None and row.level.value == "district"
    with sim.engine.connect() as conn:
        at = conn.execute(select(schema.whistle.c.escalated_at)).scalar_one()
        actions = conn.execute(select(schema.audit_event.c.action, schema.audit_event.c.actor)
                               .where(schema.audit_event.c.action == "whistle.escalate")).all()
    from commandmap.services.clock import to_epoch
    assert to_epoch(at) == pytest.approx(due, abs=1e-3)     # at the deadline, to the microsecond
    assert actions == [("whistle.escalate", "escalation-clock")]
    assert sim.step(due + 60).escalated == 0                 # once only


def _officer(engine, officer_id: int):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(select(schema.officer.c.status).where(schema.officer.c.id == officer_id)).scalar_one()


def test_the_simulator_drives_a_move_up_to_its_target_and_frees_the_officer(sim, graph) -> None:  # type: ignore[no-untyped-def]
    target = tuple(float(v) for v in graph.node_lonlat[graph.n_nodes // 2])
    (leg,) = plan_legs(sim.engine, graph, target, [1])
    res = send_move_up(sim.engine, leg, seat="seat 1", now_s=sim.now)
    assert res.ok, res.message
    (task_id,) = res.task_ids
    seen = set()
    for _ in range(120):
        sim.step(sim.now + 10.0)
        seen.add(_officer(sim.engine, 1))
        with sim.engine.connect() as conn:
            status = conn.execute(select(schema.task.c.status).where(schema.task.c.id == task_id)).scalar_one()
        if status == "completed":
            break
    assert status == "completed", f"still {status} after {sim.now - NOW_S:.0f} s"
    assert "en_route" in seen
    assert _officer(sim.engine, 1) == "available"
    with sim.engine.connect() as conn:
        pos = conn.execute(select(schema.officer_position.c.lon, schema.officer_position.c.lat)
                           .where(schema.officer_position.c.officer_id == 1)).one()
    import numpy as np

    from commandmap.domain.fix_validation import haversine_m
    d = haversine_m(np.array([pos.lon]), np.array([pos.lat]), np.array([target[0]]), np.array([target[1]]))[0]
    assert d < 200.0, f"the officer stopped {d:.0f} m from the target"


def test_the_simulator_works_an_inspection_teams_tasks_to_completion(sim, graph) -> None:  # type: ignore[no-untyped-def]
    from commandmap.services.assignments import dispatch_plan
    from commandmap.services.clock import from_epoch
    from commandmap.store.changes import record_change

    lon, lat = (float(v) for v in graph.node_lonlat[graph.n_nodes // 3])
    with sim.engine.begin() as conn:
        conn.execute(schema.site.insert().values(id=1, name="店1", category="餐饮", domain="food", address="路1号",
                                                 risk_level=2, grid_id=111, lon=lon, lat=lat))
        conn.execute(schema.inspection_plan.insert().values(
            id=1, name="综合查一次", kind="joint", created_at=from_epoch(sim.now), created_by="planner",
            status="planned", detail={"team": [{"officer_id": 2}, {"officer_id": 3}]}))
        conn.execute(schema.inspection_item.insert().values(plan_id=1, site_id=1, officer_id=2, department_ids=[1],
                                                            check_items=["x"], sequence=0, status="planned"))
        record_change(conn, "inspection_plan", 1, "insert")
    res = dispatch_plan(sim.engine, 1, graph, seat="seat 1", now_s=sim.now)
    assert res.ok, res.message
    for _ in range(200):
        sim.step(sim.now + 10.0)
        with sim.engine.connect() as conn:
            done = conn.execute(select(schema.task.c.status).where(schema.task.c.plan_id == 1)).scalars().all()
        if set(done) == {"completed"}:
            break
    assert done == ["completed", "completed"], done
    with sim.engine.connect() as conn:
        arrived = conn.execute(select(schema.task.c.arrived_at).where(schema.task.c.plan_id == 1)).scalars().all()
    assert all(a is not None for a in arrived), "they reached the site before completing"
    assert _officer(sim.engine, 2) == _officer(sim.engine, 3) == "available"
