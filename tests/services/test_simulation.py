"""The simulator: kinematics and rhythm (pure), a whole operation on a tiny city, determinism,
and a smoke run on the mini demo city through `commandmap simulate`."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest
from sqlalchemy import func, select

from commandmap.cli import main as cli_main
from commandmap.services.simulation import SimConfig, SimulationEngine
from commandmap.services.simulation.kinematics import EdgeGeometry, PatrolWalk, RouteFollower
from commandmap.services.simulation.rhythm import HOURLY_WEIGHT, arrival_times, rate_multiplier
from commandmap.store import schema
from commandmap.store.migrate import open_store
from tests.live.citykit import NOW_S, build_city, lattice_graph, officers_on_nodes

FAST = SimConfig(seed=7, incidents_per_hour=400.0, reaction_scale=0.1, ack_median_s=5.0, ack_sigma=0.3,
                 start_route_delay_s=(1.0, 2.0), handling_median_s=20.0, close_after_s=10.0, fix_interval_s=5.0,
                 p_duplicate=0.02, p_late=0.03, p_jump=0.01)


@pytest.fixture(scope="module")
def graph():
    return lattice_graph(side=30, seed=3)


# -- pure parts ----------------------------------------------------------------------------------
def test_point_at_follows_edge_geometry(graph) -> None:
    geo = EdgeGeometry(graph)
    e = np.arange(0, graph.n_edges, 97)
    start, _ = geo.point_at(e, np.zeros(len(e)))
    end, _ = geo.point_at(e, graph.edge_length_m[e])
    np.testing.assert_allclose(start, graph.node_xy[graph.edge_u[e]], atol=1e-6)
    np.testing.assert_allclose(end, graph.node_xy[graph.edge_v[e]], atol=1e-6)
    rev_start, _ = geo.point_at(e, np.zeros(len(e)), np.ones(len(e), bool))
    np.testing.assert_allclose(rev_start, graph.node_xy[graph.edge_v[e]], atol=1e-6)
    mid, heading = geo.point_at(e[:1], graph.edge_length_m[e[:1]] / 2)
    assert 0 <= heading[0] < 360 and np.isfinite(mid).all()


def test_patrols_move_at_road_speed_and_stay_connected(graph) -> None:
    walker = PatrolWalk(graph, "car", np.random.default_rng(1), speed_factor=0.5)
    net = walker.net
    arc = walker.random_arcs(200)
    s = np.zeros(200)
    crossed = 0
    for _ in range(30):
        new_arc, new_s = walker.advance(arc, s, 2.0)
        same = new_arc == arc
        # on the same arc: exactly half the road speed for 2 s
        np.testing.assert_allclose(new_s[same] - s[same], 0.5 * walker.arc_speed_mps[arc[same]] * 2.0)
        # 2 s never spans a whole 100 m block: a mover that left its arc took one leaving its junction
        assert (net.arc_tail[new_arc[~same]] == net.arc_head[arc[~same]]).all()
        u_turn = ~same & (net.arc_head[new_arc] == net.arc_tail[arc])
        dead_end = np.diff(net.f_indptr)[net.arc_head[arc]] == 1
        assert (dead_end[u_turn]).all(), "a U-turn only where the street ends"
        assert (new_s >= 0).all() and (new_s <= net.arc_length_m[new_arc] + 1e-9).all()
        crossed += int((~same).sum())
        arc, s = new_arc, new_s
    assert crossed > 50


def test_route_follower_arrives_on_time() -> None:
    f = RouteFollower(np.array([[0.0, 0.0], [300.0, 0.0], [300.0, 400.0]]), speed_mps=10.0)
    assert f.length_m == 700.0
    for _ in range(69):
        f.advance(1.0)
    assert not f.done
    xy, heading = f.position()
    np.testing.assert_allclose(xy, [300.0, 390.0])
    assert heading == pytest.approx(0.0)   # due north
    f.advance(1.0)
    assert f.done


def test_rhythm_is_a_daily_mean_of_one_with_quiet_nights() -> None:
    assert HOURLY_WEIGHT.mean() == pytest.approx(1.0)
    night = rate_multiplier(NOW_S - 11 * 3600)   # 03:00 in Ningbo
    noon = rate_multiplier(NOW_S - 2 * 3600)     # 12:00
    assert night < 0.2 < 1.5 < noon
    rng = np.random.default_rng(0)
    day = arrival_times(rng, 100.0, NOW_S, NOW_S + 86_400 * 5)
    assert len(day) == pytest.approx(100 * 24 * 5, rel=0.05)
    assert np.all(np.diff(day) >= 0)


# -- a whole operation ---------------------------------------------------------------------------
def run_city(engine, graph, steps: int = 60, step_s: float = 5.0, config: SimConfig = FAST):  # type: ignore[no-untyped-def]
    build_city(engine, officers_on_nodes(graph, 40, seed=1))
    sim = SimulationEngine(engine, graph, config, start_s=NOW_S)
    total = None
    for k in range(1, steps + 1):
        rep = sim.step(NOW_S + k * step_s)
        if total is None:
            total = rep
        else:
            total.add(rep)
    return sim, total


def snapshot_of_store(engine) -> dict:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return {
            "incidents": conn.execute(select(schema.incident.c.code, schema.incident.c.status, schema.incident.c.lon)
                                      .order_by(schema.incident.c.id)).all(),
            "tasks": conn.execute(select(schema.task.c.incident_id, schema.task.c.officer_id, schema.task.c.status)
                                  .order_by(schema.task.c.id)).all(),
            "fixes": conn.execute(select(func.count(), func.sum(schema.position_fix.c.lon))
                                  .select_from(schema.position_fix)).one(),
        }


def test_a_simulated_operation_runs_every_stage(tmp_path, graph) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    sim, total = run_city(engine, graph)
    assert total.incidents >= 5 and total.dispatched >= 3
    assert total.acknowledged >= 3 and total.arrived >= 1 and total.resolved >= 1
    # the validator was exercised by injected faults
    assert {"good", "duplicate", "out_of_order", "jump"} <= set(total.verdicts)
    with engine.connect() as conn:
        open_per_officer = conn.execute(select(schema.task.c.officer_id, func.count()).where(
            schema.task.c.status.in_(["dispatched", "acknowledged", "en_route", "on_scene"]))
            .group_by(schema.task.c.officer_id)).all()
        assert all(n == 1 for _, n in open_per_officer)
        busy = set(conn.execute(select(schema.officer.c.id).where(
            schema.officer.c.status.in_(["dispatched", "en_route", "on_scene"]))).scalars())
        assert busy == {o for o, _ in open_per_officer}, "officer status and open tasks agree"
        arrived = conn.execute(select(schema.task.c.arrived_at).where(schema.task.c.arrived_at.is_not(None))).all()
        assert len(arrived) >= 1
    engine.dispose()


def test_same_seed_same_operation(tmp_path, graph) -> None:
    a = open_store(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    b = open_store(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    run_city(a, graph, steps=12)
    run_city(b, graph, steps=12)
    assert snapshot_of_store(a) == snapshot_of_store(b)
    c = open_store(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    run_city(c, graph, steps=12, config=SimConfig(**{**FAST.__dict__, "seed": 8}))
    assert snapshot_of_store(c) != snapshot_of_store(a)
    for e in (a, b, c):
        e.dispose()


def test_time_cannot_go_back(tmp_path, graph) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    build_city(engine, officers_on_nodes(graph, 3, seed=1))
    sim = SimulationEngine(engine, graph, FAST, start_s=NOW_S)
    sim.step(NOW_S + 5)
    with pytest.raises(ValueError, match="cannot go back"):
        sim.step(NOW_S)
    engine.dispose()


# -- the demo city through the command line ------------------------------------------------------
def test_simulate_command_on_the_mini_demo(mini_store, tmp_path, capsys) -> None:
    dst = tmp_path / "mini.sqlite3"
    src = sqlite3.connect(mini_store.url.database)
    out = sqlite3.connect(dst)
    src.backup(out)
    src.close()
    out.close()
    url = f"sqlite:///{dst}"
    assert cli_main(["simulate", "--db", url, "--speed", "max", "--duration", "60", "--incidents-per-hour",
                     "600", "--seed", "3"]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.startswith("simulated 60 s:") and " fixes " in line
    engine = open_store(url)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.position_fix)).scalar_one() > 1000
        clock = json.loads(conn.execute(select(schema.city_meta.c.value)
                                        .where(schema.city_meta.c.key == "sim_clock")).scalar_one())
    engine.dispose()
    assert clock["paced"] is False, "--speed max re-anchors the seats' clock at 1x after each step"
    assert clock["now"] == clock["sim0"]
    # a second run resumes where the first one stopped, never earlier (no fix flagged out of order)
    assert cli_main(["simulate", "--db", url, "--speed", "max", "--duration", "20", "--quiet"]) == 0
    started = capsys.readouterr().out.splitlines()[0]
    engine = open_store(url)
    with engine.connect() as conn:
        again = json.loads(conn.execute(select(schema.city_meta.c.value)
                                        .where(schema.city_meta.c.key == "sim_clock")).scalar_one())
    engine.dispose()
    assert started.startswith("simulation starts at") and again["now"] >= clock["now"] + 20.0
    assert cli_main(["simulate", "--db", url, "--step", "0"]) == 2


def test_runner_paces_a_worker_thread_and_shares_its_clock(tmp_path, graph) -> None:
    import time as _time

    from commandmap.live import LiveState
    from commandmap.services.simulation import SimulationRunner

    engine = open_store(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    build_city(engine, officers_on_nodes(graph, 10, seed=1))
    sim = SimulationEngine(engine, graph, FAST, start_s=NOW_S)
    steps: list[float] = []
    runner = SimulationRunner(sim, speed=300.0, step_s=1.0, on_step=lambda r: steps.append(r.now_s))
    runner.start()
    try:
        deadline = _time.monotonic() + 20
        while sim.now < NOW_S + 30 and _time.monotonic() < deadline and runner.error is None:
            _time.sleep(0.05)
        assert runner.error is None and sim.now >= NOW_S + 30
        live = LiveState(engine)       # another seat: its clock is the runner's simulated clock
        assert abs(live.now() - runner.clock_now()) < 1.0
        assert live.now() - NOW_S > 25, "the seats see simulated time, not the wall clock"
        runner.set_speed(1.0)
        live.refresh()
        assert abs(live.now() - runner.clock_now()) < 0.5
        before = sim.now
        deadline = _time.monotonic() + 20
        while sim.now < before + 2.0 and _time.monotonic() < deadline and runner.error is None:
            _time.sleep(0.05)
        assert runner.error is None, runner.error
        assert sim.now >= before + 2.0, "the engine keeps stepping at 1x"
    finally:
        runner.stop()
    assert not runner.running and steps == sorted(steps)
    engine.dispose()
