"""Two seats on one store: a dispatch or a position tick made by one shows in the other's snapshot within 1 s.

Seat B is a separate process following the store with LiveState (LISTEN/NOTIFY on
PostgreSQL, polling on SQLite); this test process is seat A and dispatches.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from commandmap.services.dispatch import dispatch
from commandmap.services.ingest import FixBatch, FixIngestor
from commandmap.store.migrate import open_store
from tests.live.citykit import CENTER, OfficerSpec, add_incident, build_city
from tests.reliability.procs import Child

ROUTE = [[CENTER[0], CENTER[1]], [CENTER[0] + 0.001, CENTER[1]]]


def _seat_b_sees_dispatches_within_1s(url: str) -> None:
    engine = open_store(url)
    build_city(engine, [OfficerSpec(i, CENTER[0], CENTER[1]) for i in range(1, 6)])
    with engine.begin() as conn:
        for iid in range(1, 6):
            add_incident(conn, iid)
    seat_b = Child("tests.reliability.seat_follower", url)
    try:
        seat_b.wait_for("ready", timeout_s=60)
        for k in range(1, 6):
            res = dispatch(engine, k, k, seat="seat A", predicted_eta_s=60.0, route_lonlat=ROUTE)
            committed = time.time()
            assert res.ok, res.message
            line = seat_b.wait_for(f"task {res.task_id} ", timeout_s=5.0)
            seen = float(line.split()[2])
            assert seen - committed < 1.0, f"seat B saw task {res.task_id} after {seen - committed:.2f} s"
        ingestor = FixIngestor(engine, clock=time.time)
        for k in range(1, 4):   # position ticks travel as packed batches: seat B replays them
            fix_time = time.time() - 1.0
            ingestor.ingest(FixBatch(np.arange(1, 6), np.full(5, CENTER[0] + 0.001 * k), np.full(5, CENTER[1]),
                                     np.full(5, fix_time)))
            committed = time.time()
            line = seat_b.wait_for("moved ", timeout_s=5.0)
            _, n, newest, seen = line.split()
            assert int(n) == 5 and float(newest) == pytest.approx(fix_time, abs=1e-5)
            assert float(seen) - committed < 1.0, f"seat B saw tick {k} after {float(seen) - committed:.2f} s"
    finally:
        seat_b.stop()
        engine.dispose()


@pytest.mark.postgres
def test_dispatch_shows_on_the_other_seat_postgres(pg_url) -> None:
    _seat_b_sees_dispatches_within_1s(pg_url)


def test_dispatch_shows_on_the_other_seat_sqlite(sqlite_url) -> None:
    _seat_b_sees_dispatches_within_1s(sqlite_url)
