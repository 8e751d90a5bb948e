"""LiveState.follow on a worker thread: woken by NOTIFY on PostgreSQL (and still catching up by
sequence after the server dropped every connection), polling on SQLite."""

from __future__ import annotations

import threading
import time

import pytest

from commandmap.live import LiveState
from commandmap.services.dispatch import dispatch
from commandmap.store.migrate import open_store
from commandmap.store.notify import listener_for
from tests.waiting import wait_until
from tests.live.citykit import CENTER, OfficerSpec, add_incident, build_city


def seeded(url: str):  # type: ignore[no-untyped-def]
    engine = open_store(url)
    build_city(engine, [OfficerSpec(i, CENTER[0], CENTER[1]) for i in (1, 2, 3)])
    with engine.begin() as conn:
        for iid in (1, 2, 3):
            add_incident(conn, iid)
    return engine


def test_follow_polls_sqlite(sqlite_url) -> None:
    engine = seeded(sqlite_url)
    live = LiveState(engine)
    stop = threading.Event()
    worker = threading.Thread(target=live.follow, args=(stop,), kwargs={"poll_s": 0.05}, daemon=True)
    worker.start()
    try:
        assert dispatch(engine, 1, 1, seat="seat A", predicted_eta_s=60).ok
        wait_until(lambda: live.open_task_of(1) is not None, 5)
    finally:
        stop.set()
        worker.join(5)
    assert not worker.is_alive()
    engine.dispose()


@pytest.mark.postgres
def test_follow_survives_the_server_dropping_connections(pg_url) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    engine = seeded(pg_url)
    live = LiveState(engine)
    listener = listener_for(pg_url)
    stop = threading.Event()
    worker = threading.Thread(target=live.follow, args=(stop,), kwargs={"listener": listener, "poll_s": 5.0},
                              daemon=True)
    worker.start()
    try:
        assert dispatch(engine, 1, 1, seat="seat A", predicted_eta_s=60).ok
        # poll_s is 5 s: seeing it within 1 s means NOTIFY woke the follower
        started = time.monotonic()
        wait_until(lambda: live.open_task_of(1) is not None, 5)
        assert time.monotonic() - started < 1.0
        admin = psycopg.connect(make_url(pg_url).set(drivername="postgresql").render_as_string(hide_password=False),
                                autocommit=True)
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        admin.close()
        assert dispatch(engine, 2, 2, seat="seat A", predicted_eta_s=60).ok
        wait_until(lambda: live.open_task_of(2) is not None, 15)
        assert listener.reconnects >= 1
    finally:
        stop.set()
        listener.close()
        worker.join(10)
    engine.dispose()
