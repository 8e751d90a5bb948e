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
