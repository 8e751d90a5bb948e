"""PostgreSQL-only: sequence numbers can commit out of order; the journal lock
makes the feed commit in seq order, and NOTIFY wakes listeners."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import Engine, text

from commandmap.store import schema
from commandmap.store.changes import changes_since, record_change
from commandmap.store.errors import DatabaseUnreachable
from commandmap.store.notify import ChangeListener, PollingListener, listener_for

from tests.waiting import wait_until

pytestmark = pytest.mark.postgres


def _waiting_on_advisory_lock(engine: Engine, pid: int) -> bool:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM pg_locks WHERE pid = :pid AND locktype = 'advisory' "
                                 "AND NOT granted"), {"pid": pid}).scalar_one() > 0


def test_without_the_lock_a_reader_would_skip_a_change(pg_engine: Engine) -> None:
    """The hazard itself: seq 1 drawn first but committed last is invisible to a reader at 2."""
    a, b = pg_engine.connect(), pg_engine.connect()
    try:
        a.begin()
        first = a.execute(schema.change.insert().values(at=text("now()"), entity="officer", entity_id=1,
                                                        op="update")).inserted_primary_key[0]
        with b.begin():
            second = b.execute(schema.change.insert().values(at=text("now()"), entity="officer", entity_id=2,
                                                             op="update")).inserted_primary_key[0]
        with pg_engine.connect() as reader:
            last = changes_since(reader, 0)[-1].seq
        assert last == second > first
        a.commit()
        with pg_engine.connect() as reader:
            assert changes_since(reader, last) == []  # seq `first` is now committed but behind the reader
    finally:
        a.close()
        b.close()


def test_journal_lock_orders_commits_by_seq(pg_engine: Engine) -> None:
    a, b = pg_engine.connect(), pg_engine.connect()
    b_pid = b.execute(text("SELECT pg_backend_pid()")).scalar_one()
    b.commit()
    result: dict[str, int] = {}
    try:
        a.begin()
        first = record_change(a, "officer", 1, "update")

        def second_writer() -> None:
            with b.begin():
                result["seq"] = record_change(b, "officer", 2, "update")

        thread = threading.Thread(target=second_writer)
        thread.start()
        wait_until(lambda: _waiting_on_advisory_lock(pg_engine, b_pid))
        assert "seq" not in result  # B cannot draw a seq while A's change is uncommitted
        with pg_engine.connect() as reader:
            assert changes_since(reader, 0) == []
        a.commit()
        thread.join(10)
        assert result["seq"] > first
        with pg_engine.connect() as reader:
            assert [r.seq for r in changes_since(reader, 0)] == [first, result["seq"]]
    finally:
        a.close()
        b.close()


def test_listener_is_woken_by_a_commit_not_before(pg_engine: Engine) -> None:
    url = pg_engine.url.render_as_string(hide_password=False)
    with ChangeListener(url) as listener:
        assert listener.wait(0.05) is False
        with pg_engine.connect() as conn:
            conn.begin()
            record_change(conn, "incident", 1, "insert")
            assert listener.wait(0.1) is False  # NOTIFY is delivered at commit
            conn.commit()
        assert listener.wait(5) is True
        with pg_engine.begin() as conn:  # several changes, one wake-up's worth of draining
            for i in range(3):
                record_change(conn, "incident", i, "update")
        assert listener.wait(5) is True
        assert listener.wait(0.05) is False


def test_listener_reconnects_after_losing_its_connection(pg_engine: Engine) -> None:
    url = pg_engine.url.render_as_string(hide_password=False)
    with ChangeListener(url) as listener:
        with pg_engine.begin() as conn:
            killed = conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                       "WHERE query LIKE 'LISTEN%' AND datname = current_database() "
                                       "AND pid <> pg_backend_pid()")).scalars().all()
        assert killed == [True]
        # the loss is noticed, the listener reconnects and asks the reader to catch up
        wait_until(lambda: listener.wait(0.2) and listener.reconnects == 1)
        with pg_engine.begin() as conn:
            record_change(conn, "officer", 1, "update")
        assert listener.wait(5) is True


def test_listener_for_picks_by_backend(pg_engine: Engine, sqlite_url: str) -> None:
    url = pg_engine.url.render_as_string(hide_password=False)
    pg_listener = listener_for(url)
    try:
        assert isinstance(pg_listener, ChangeListener)
    finally:
        pg_listener.close()
    polling = listener_for(sqlite_url)
    assert isinstance(polling, PollingListener)
    assert polling.wait(0.01) is False
    polling.wake()
    assert polling.wait(1) is True


def test_listener_on_a_dead_server_says_so() -> None:
    with pytest.raises(DatabaseUnreachable, match="127.0.0.1:1"):
        ChangeListener("postgresql://127.0.0.1:1/nothing")
