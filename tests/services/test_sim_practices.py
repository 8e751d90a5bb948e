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


def test_a_simulated_team_drives_a_saved_plan_on_the_mini_demo_to_done(mini_store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """On a copy of the mini demo city: plan three nearby sites, dispatch, let the simulator run. The team
    travels the route site by site, checks on scene, and the plan ends done with one record per site;
    the KPIs grow by exactly the visits the plan said it would avoid."""
    import shutil
    import sqlite3
    from datetime import timedelta

    from commandmap.services.assignments import dispatch_plan
    from commandmap.services.city import load_road_graph
    from commandmap.services.clock import from_epoch
    from commandmap.services.joint_inspection import plan_joint_inspection, save_plan
    from commandmap.services.practice_kpis import read_practice_kpis
    from commandmap.store.audit_key import audit_dir
    from commandmap.store.migrate import open_store

    from .conftest import DEMO_NOW

    dst = tmp_path / "mini.sqlite3"
    src, out = sqlite3.connect(mini_store.url.database), sqlite3.connect(dst)
    src.backup(out)
    src.close()
    out.close()
    if audit_dir(mini_store.url.database).is_dir():
        shutil.copytree(audit_dir(mini_store.url.database), audit_dir(str(dst)), dirs_exist_ok=True)
    engine = open_store(f"sqlite:///{dst}")
    try:
        graph = load_road_graph(engine)
        plan = plan_joint_inspection(engine, [1, 892, 104], graph)    # a restaurant, a shop, a restaurant ~1 km apart
        plan_id = save_plan(engine, plan, actor="planner", now=DEMO_NOW)
        start = DEMO_NOW.timestamp()
        window = (DEMO_NOW - timedelta(days=400), DEMO_NOW + timedelta(days=1))
        with engine.connect() as conn:
            before = read_practice_kpis(conn, *window)
        # 20 s steps: a car covers more than the 60 m arrival radius in one step, so this also proves a
        # mover whose route ends mid-step stands on the scene (it used to stop where the step began)
        config = SimConfig(seed=5, incidents_per_hour=0.001, auto_dispatch=False, ack_median_s=10.0,
                           start_route_delay_s=(2.0, 5.0), inspection_median_s=180.0, fix_interval_s=20.0,
                           max_step_s=20.0, p_duplicate=0.0, p_late=0.0, p_jump=0.0)
        sim = SimulationEngine(engine, graph, config, start_s=start)
        res = dispatch_plan(engine, plan_id, graph, seat="seat 1", now_s=sim.now)
        assert res.ok, res.message
        team = {m.officer_id for m in plan.team}
        seen_sites: dict[int, list[tuple[float, float]]] = {o: [] for o in team}
        status = "dispatched"
        for _ in range(240):     # at most 4 simulated hours
            sim.step(sim.now + 60.0)
            with engine.connect() as conn:
                status = conn.execute(select(schema.inspection_plan.c.status)
                                      .where(schema.inspection_plan.c.id == plan_id)).scalar_one()
                for o, lon, lat in conn.execute(select(schema.task.c.officer_id, schema.task.c.target_lon,
                                                       schema.task.c.target_lat).where(
                        schema.task.c.plan_id == plan_id, schema.task.c.status == "on_scene")):
                    if (lon, lat) not in seen_sites[o]:
                        seen_sites[o].append((lon, lat))
            if status == "done":
                break
        assert status == "done", f"plan still {status} after {(sim.now - start) / 60:.0f} simulated min"
        route = [(s.lon, s.lat) for s in plan.stops]
        assert all(seen == route for seen in seen_sites.values()), "each member on scene at every stop, in order"
        with engine.connect() as conn:
            recs = conn.execute(select(schema.inspection_record.c.site_id, schema.inspection_record.c.officer_ids)
                                .where(schema.inspection_record.c.plan_id == plan_id)
                                .order_by(schema.inspection_record.c.id)).all()
            tasks = conn.execute(select(schema.task.c.officer_id, schema.task.c.arrived_at,
                                        schema.task.c.completed_at).where(schema.task.c.plan_id == plan_id)).all()
            after = read_practice_kpis(conn, *window)
            officers = conn.execute(select(schema.officer.c.status).where(
                schema.officer.c.id.in_(team))).scalars().all()
        assert [r.site_id for r in recs] == [s.site_id for s in plan.stops]
        assert all(sorted(r.officer_ids) == sorted(team) for r in recs)
        assert len(tasks) == len(team) * len(plan.stops)
        on_scene = [(t.completed_at - t.arrived_at).total_seconds() for t in tasks]
        assert min(on_scene) > 60, "they spent time on scene checking"
        assert set(officers) == {"available"}
        assert after.visits_avoided - before.visits_avoided == plan.visits_avoided > 0
        assert after.inspections - before.inspections == len(plan.stops)
    finally:
        engine.dispose()
