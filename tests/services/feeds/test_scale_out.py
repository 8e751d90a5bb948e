"""Two ingest servers on one PostgreSQL store at once: no fix lost, and a seat replaying the change feed
ends equal to the table."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from sqlalchemy import func, select

from commandmap.live import LiveState
from commandmap.store import schema
from tests.services.feeds.server_kit import LAT, LON, Client, city_with_devices, running


@pytest.mark.postgres
def test_two_servers_concurrently(pg_engine) -> None:
    n, rounds = 12, 5
    tokens = city_with_devices(pg_engine, n)
    seat = LiveState(pg_engine)
    seat.refresh()
    t0 = int(time.time()) - 60
    answers: list[int] = []
    with running(pg_engine) as a, running(pg_engine) as b:
        def phone(i: int) -> None:
            c = Client((a if i % 2 else b).port)
            for k in range(rounds):
                answers.append(c.osmand(tokens[i], id=f"dev-{i}", lat=LAT + 1e-4 * k, lon=LON + 1e-4 * i,
                                        timestamp=t0 + k))
            c.close()
        threads = [threading.Thread(target=phone, args=(i,)) for i in range(1, n + 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert answers == [200] * (n * rounds)
    with pg_engine.connect() as conn:
        good = conn.execute(select(func.count()).select_from(schema.position_fix)
                            .where(schema.position_fix.c.verdict == "good")).scalar_one()
        table = dict(conn.execute(select(schema.officer_position.c.officer_id, schema.officer_position.c.lat)).all())
    assert good == n * rounds
    assert table == {i: pytest.approx(LAT + 1e-4 * (rounds - 1)) for i in range(1, n + 1)}
    stats = seat.refresh()
    assert not stats.reloaded                                   # replayed the batches, gap-free
    fresh = LiveState(pg_engine, max_replay_fixes=0)
    fresh.refresh()
    assert np.array_equal(seat.snapshot().officers.xy, fresh.snapshot().officers.xy)
