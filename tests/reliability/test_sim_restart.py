"""`kill -9` the simulator at random moments, three times, on both backends; restart each time.

Afterwards the store is whole and the operation consistent: no officer holds two open
tasks, every task points at a real incident and officer, statuses agree with the open
tasks, every task's and incident's stage timestamps are in order, the restarted clock
did not rewind (fewer than 1 % of later fixes flagged out of order), and no incident
is left `new` past the dispatcher's retry window (pending work was picked up again).
"""

from __future__ import annotations

import random
import time

import pytest
from sqlalchemy import func, select, text

from commandmap.services.clock import to_epoch
from commandmap.services.demo.load import load_demo_into_store
from commandmap.services.simulation.resume import read_clock, store_horizon
from commandmap.services.simulation.rhythm import rate_multiplier
from commandmap.store import schema
from commandmap.store.migrate import open_store
from tests.reliability.procs import Child
from tests.services.conftest import demo_home, mini_city  # noqa: F401 - session fixtures

OPEN_TASKS = ("dispatched", "acknowledged", "en_route", "on_scene")
WAITING_WINDOW_S = 300.0   # longest reaction (150 s) + a retry (15 s) + a scan, with room


def _simulate(url: str, *extra: str) -> Child:
    # the city's daily rhythm scales the rate (late at night a tenth of midday): ask for more at quiet
    # hours so the run raises about as many incidents whatever the hour the suite runs at
    per_hour = round(180 / min(1.0, rate_multiplier(time.time())))
    return Child("commandmap.cli", "simulate", "--db", url, "--speed", "max", "--incidents-per-hour", str(per_hour),
                 "--seed", "9", *extra)


def _kill_at_random(url: str, rng: random.Random) -> None:
    child = _simulate(url)
    try:
        child.wait_for("simulation starts at", timeout_s=120)
        for _ in range(rng.randint(1, 3)):   # a random number of simulated minutes in
            child.wait_for("t+", timeout_s=120)
        child.kill9()
    finally:
        child.stop()


def test_kill_the_simulator_three_times(store_url, mini_city) -> None:  # noqa: F811
    engine = open_store(store_url)
    load_demo_into_store(engine, mini_city)
    engine.dispose()
    rng = random.Random(20261203)
    _kill_at_random(store_url, rng)
    engine = open_store(store_url)
    with engine.connect() as conn:
        first_kill = store_horizon(conn)
    engine.dispose()
    for _ in range(2):
        _kill_at_random(store_url, rng)
    final = _simulate(store_url, "--duration", "360", "--quiet")
    try:
        final.wait_for("simulated 360 s", timeout_s=180)
        assert final.proc.wait(timeout=60) == 0, final.stderr()
    finally:
        final.stop()

    engine = open_store(store_url)
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
        clock = read_clock(conn)
        assert clock is not None and clock["now"] > first_kill
        t, o, i = schema.task, schema.officer, schema.incident
        per_officer = conn.execute(select(t.c.officer_id, func.count()).where(t.c.status.in_(OPEN_TASKS))
                                   .group_by(t.c.officer_id)).all()
        assert all(n == 1 for _, n in per_officer), "an officer with two open tasks"
        orphans = conn.execute(select(func.count()).select_from(t.outerjoin(o, o.c.id == t.c.officer_id)
                                                                .outerjoin(i, i.c.id == t.c.incident_id))
                               .where((o.c.id.is_(None)) | (i.c.id.is_(None)))).scalar_one()
        assert orphans == 0
        busy = set(conn.execute(select(o.c.id).where(o.c.status.in_(("dispatched", "en_route", "on_scene"))))
                   .scalars())
        assert busy == {oid for oid, _ in per_officer}, "officer statuses agree with the open tasks"
        open_by_incident = dict(conn.execute(select(t.c.incident_id, t.c.status).where(t.c.status.in_(OPEN_TASKS)))
                                .all())
        for iid, status in conn.execute(select(i.c.id, i.c.status)).all():
            assert (status in ("dispatched", "en_route", "on_scene")) == (iid in open_by_incident), (iid, status)
        tasks = conn.execute(select(t.c.id, t.c.dispatched_at, t.c.acknowledged_at, t.c.en_route_at,
                                    t.c.arrived_at, t.c.completed_at, i.c.reported_at)
                             .join(i, i.c.id == t.c.incident_id)).all()
        assert len(tasks) > 20
        for row in tasks:
            stamps = [to_epoch(s) for s in (row.reported_at, *row[1:6]) if s is not None]
            assert stamps == sorted(stamps), f"task {row.id}: stages out of order {stamps}"
        verdicts = dict(conn.execute(select(schema.position_fix.c.verdict, func.count())
                                     .where(schema.position_fix.c.fix_time > _stamp(first_kill))
                                     .group_by(schema.position_fix.c.verdict)).all())
        total = sum(verdicts.values())
        assert total > 10_000 and verdicts.get("out_of_order", 0) / total < 0.01, verdicts
        waiting = conn.execute(select(i.c.code).where(i.c.status == "new",
                                                      i.c.reported_at < _stamp(clock["now"] - WAITING_WINDOW_S))
                               ).scalars().all()
        assert not waiting, f"incidents left new past the retry window: {waiting}"
    engine.dispose()


def _stamp(epoch_s: float):  # type: ignore[no-untyped-def]
    from commandmap.services.clock import from_epoch
    return from_epoch(epoch_s)
