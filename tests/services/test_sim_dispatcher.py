"""The simulated dispatcher in a steady state: it never gives up on a waiting incident, sends
whoever arrives first when no competent officer can, can be switched off at run time (people
dispatch, the simulator still drives their tasks), and keeps the mini city's queue bounded."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest
from sqlalchemy import select, update

from commandmap.services import dispatch as dispatch_mod
from commandmap.services.clock import to_epoch
from commandmap.services.intake import Intake, NewIncident
from commandmap.services.simulation import SimConfig, SimulationEngine
from commandmap.services.simulation.steady import SteadyStateReport, measure, open_incidents, replay_open_counts
from commandmap.store import schema
from commandmap.store.migrate import open_store
from tests.live.citykit import NOW_S, OfficerSpec, build_city, lattice_graph

QUIET = SimConfig(seed=5, incidents_per_hour=0.0, ack_median_s=10.0, ack_sigma=0.3, fix_interval_s=5.0,
                  p_duplicate=0.0, p_late=0.0, p_jump=0.0)


@pytest.fixture(scope="module")
def graph():
    return lattice_graph(side=30, seed=3)


def _node(graph, k: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    return float(graph.node_lonlat[k, 0]), float(graph.node_lonlat[k, 1])


def _incident(engine, graph, node: int, category: str, priority: str, at: float) -> int:  # type: ignore[no-untyped-def]
    lon, lat = _node(graph, node)
    return Intake(engine).create(NewIncident(category, "patrol", lon, lat, priority=priority),
                                 actor="test", now_s=at).incident_id


def _tasks(engine, incident_id: int) -> list:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(select(schema.task).where(schema.task.c.incident_id == incident_id)
                            .order_by(schema.task.c.id)).all()


def _status(engine, incident_id: int) -> str:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(select(schema.incident.c.status).where(schema.incident.c.id == incident_id)).scalar_one()


def _run_until(sim, cond, limit_s: float, step_s: float = 10.0) -> float:  # type: ignore[no-untyped-def]
    """Step until `cond()` or `limit_s` simulated seconds; returns the simulated time it held."""
    end = sim.now + limit_s
    while sim.now < end:
        sim.step(sim.now + step_s)
        if cond():
            return sim.now
    raise AssertionError(f"condition not met within {limit_s} simulated s")


def test_a_p1_goes_to_the_nearest_officer_when_no_competent_one_can_make_it(tmp_path, graph) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    # the only competent officer (market regulation) is across town; a police officer is next door
    build_city(engine, [OfficerSpec(1, *_node(graph, 0), department="scjg", mode="foot"),
                        OfficerSpec(2, *_node(graph, 455), department="gaxt")])
    sim = SimulationEngine(engine, graph, QUIET, start_s=NOW_S)
    iid = _incident(engine, graph, 465, "食品安全", "P1", sim.now)
    done = _run_until(sim, lambda: bool(_tasks(engine, iid)), 120.0, step_s=5.0)
    task = _tasks(engine, iid)[0]
    assert task.officer_id == 2, "a P1 is not held back for a competent officer who cannot make 5 minutes"
    assert to_epoch(task.dispatched_at) - NOW_S <= 60.0 and done - NOW_S <= 60.0
    engine.dispose()


def test_the_dispatcher_never_gives_up_on_a_waiting_p1(tmp_path, graph) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    build_city(engine, [OfficerSpec(1, *_node(graph, 100)), OfficerSpec(2, *_node(graph, 800), on_duty=False)])
    config = SimConfig(**{**QUIET.__dict__, "handling_median_s": 1500.0})   # the only officer is busy for long
    sim = SimulationEngine(engine, graph, config, start_s=NOW_S)
    first = _incident(engine, graph, 120, "占道经营", "P3", sim.now)
    _run_until(sim, lambda: bool(_tasks(engine, first)), 300.0)
    p1 = _incident(engine, graph, 140, "食品安全", "P1", sim.now)
    _run_until(sim, lambda: _status(engine, first) == "resolved", 4 * 3600.0, step_s=30.0)
    freed = to_epoch(_tasks(engine, first)[0].completed_at)
    assert freed - to_epoch(_tasks(engine, first)[0].dispatched_at) > 900, "the P1 waited past the old 10 tries"
    _run_until(sim, lambda: bool(_tasks(engine, p1)), 120.0, step_s=5.0)
    task = _tasks(engine, p1)[0]
    assert task.officer_id == 1 and to_epoch(task.dispatched_at) - freed <= 30.0, \
        "dispatched as soon as the officer was free again"
    engine.dispose()


def test_with_auto_dispatch_off_people_dispatch_and_the_simulator_drives_their_tasks(tmp_path, graph) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    build_city(engine, [OfficerSpec(i, *_node(graph, k)) for i, k in ((1, 100), (2, 300), (3, 620))])
    sim = SimulationEngine(engine, graph, SimConfig(**{**QUIET.__dict__, "auto_dispatch": False,
                                                       "handling_median_s": 60.0}), start_s=NOW_S)
    a = _incident(engine, graph, 130, "占道经营", "P2", sim.now)
    b = _incident(engine, graph, 700, "占道经营", "P1", sim.now)
    before = sim.positions_now().copy()
    sim.step(sim.now + 300.0)
    assert _status(engine, a) == "new" and _status(engine, b) == "new", "the queue is the people's"
    assert (np.hypot(*(sim.positions_now() - before).T) > 50).all(), "officers keep patrolling"
    # a person dispatches a step AHEAD of the engine's clock (a seat's clock runs ahead of the engine)
    res = dispatch_mod.dispatch(engine, a, 1, seat="seat 1", predicted_eta_s=120.0, now_s=sim.now + 4.0)
    assert res.ok
    _run_until(sim, lambda: _status(engine, a) == "resolved", 1800.0, step_s=5.0)
    t = _tasks(engine, a)[0]
    stamps = [to_epoch(t.dispatched_at), to_epoch(t.acknowledged_at), to_epoch(t.en_route_at),
              to_epoch(t.arrived_at), to_epoch(t.completed_at)]
    assert all(s is not None for s in stamps) and stamps == sorted(stamps), "stages in order"
    assert _status(engine, b) == "new"
    sim.set_auto_dispatch(True)   # the switch, from another thread in the GUI
    _run_until(sim, lambda: bool(_tasks(engine, b)), 60.0, step_s=5.0)
    engine.dispose()


def test_runner_switches_auto_dispatch(tmp_path, graph) -> None:
    from commandmap.services.simulation import SimulationRunner

    engine = open_store(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    build_city(engine, [OfficerSpec(1, *_node(graph, 100))])
    runner = SimulationRunner(SimulationEngine(engine, graph, QUIET, start_s=NOW_S))
    assert runner.auto_dispatch
    runner.set_auto_dispatch(False)
    assert not runner.auto_dispatch and not runner.sim.auto_dispatch
    engine.dispose()


def test_the_mini_city_queue_stays_bounded(mini_store, tmp_path) -> None:
    dst = tmp_path / "mini.sqlite3"
    src, out = sqlite3.connect(mini_store.url.database), sqlite3.connect(dst)
    src.backup(out)
    src.close()
    out.close()
    engine = open_store(f"sqlite:///{dst}")
    with engine.begin() as conn:   # every officer on duty reports now, so the first minutes are not a cold start
        conn.execute(update(schema.officer).values(on_duty=True))
    sim = SimulationEngine(engine, config=SimConfig(seed=11, incidents_per_hour=60.0), start_s=NOW_S)
    report = SteadyStateReport(sim.now, sim.now, warmup_s=720.0)
    report.samples.append((sim.now, open_incidents(engine)))
    for _ in range(18):   # 36 minutes, one new incident a minute on average (3× the mini city's default)
        sim.step(sim.now + 120.0)
        report.samples.append((sim.now, open_incidents(engine)))
    report.end_s = sim.now
    measure(engine, report)
    counts = [n for _, n in report.samples]
    assert replay_open_counts(engine, report.start_s, report.end_s, 120.0) == report.samples, \
        "the history rebuilt from stage timestamps is what was counted live"
    middle, last = np.mean(counts[6:12]), np.mean(counts[12:])
    assert last <= 1.5 * middle + 5 and max(counts) < 60, f"open incidents grow without bound: {counts}"
    with engine.connect() as conn:
        stuck = conn.execute(select(schema.incident.c.code, schema.incident.c.priority).where(
            schema.incident.c.status == "new",
            schema.incident.c.reported_at < dispatch_mod.from_epoch(sim.now - 600))).all()
    assert not stuck, f"incidents left waiting for over 10 minutes: {stuck}"
    assert report.dispatched > 20 and report.contact_rate > 0.85 and report.p1_rate >= 0.9
    engine.dispose()
