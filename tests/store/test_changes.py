"""The change feed: ordered, in the writer's transaction, and never skipped by a
reader that polls by `seq > last`, even with many concurrent writers."""

from __future__ import annotations

import random
import threading
import time

import pytest
from sqlalchemy import Engine, text

from commandmap.store.changes import (changes_since, latest_seq, oldest_seq, prune_changes, record_change,
                                     record_changes)


def _reader(engine: Engine):  # type: ignore[no-untyped-def]
    return engine.connect().execution_options(read_only=True)


def test_record_and_read_back_in_order(store_engine: Engine) -> None:
    with store_engine.begin() as conn:
        assert latest_seq(conn) == 0
        first = record_change(conn, "officer", 7, "update")
        second = record_change(conn, "incident", 3, "insert")
        record_changes(conn, [("officer_position", i, "update") for i in range(1, 1001)])
        record_changes(conn, [])
    with _reader(store_engine) as conn:
        rows = changes_since(conn, 0)
        assert second > first
        assert [(r.entity, r.entity_id, r.op) for r in rows[:2]] == [("officer", 7, "update"), ("incident", 3, "insert")]
        assert len(rows) == 1002 and [r.seq for r in rows] == sorted(r.seq for r in rows)
        assert latest_seq(conn) == rows[-1].seq
        assert changes_since(conn, rows[-1].seq) == []
        page = changes_since(conn, first, limit=10)
        assert len(page) == 10 and page[0].seq == second


def test_changes_roll_back_with_their_transaction(store_engine: Engine) -> None:
    with pytest.raises(RuntimeError):
        with store_engine.begin() as conn:
            record_change(conn, "officer", 1, "update")
            raise RuntimeError("dispatch failed after writing its change")
    with store_engine.begin() as conn:
        kept = record_change(conn, "officer", 2, "update")
    with _reader(store_engine) as conn:
        assert [(r.seq, r.entity_id) for r in changes_since(conn, 0)] == [(kept, 2)]


def test_pruning_cuts_the_feed_at_a_seq_horizon_and_keeps_the_newest(store_engine: Engine) -> None:
    """Stamps are not ordered like seqs (writers race for the clock): the cut is by seq, so every row
    below `oldest_seq` is gone and every row from it on is kept, which is what a reader relies on."""
    from datetime import UTC, datetime

    from sqlalchemy import update

    from commandmap.store.schema import change
    with store_engine.begin() as conn:
        seqs = [record_change(conn, "officer", i, "update") for i in range(1, 6)]
        stamps = {seqs[0]: 10, seqs[1]: 30, seqs[2]: 20, seqs[3]: 40, seqs[4]: 5}   # the newest is oldest
        for seq, minute in stamps.items():
            conn.execute(update(change).where(change.c.seq == seq).values(at=datetime(2026, 12, 3, 0, minute, tzinfo=UTC)))
    cut = datetime(2026, 12, 3, 0, 25, tzinfo=UTC)   # before it: seqs[0], seqs[2] (and the newest, kept)
    with store_engine.begin() as conn:
        assert prune_changes(conn, cut, dry_run=True) == 3
        assert prune_changes(conn, cut) == 3, "everything up to the newest stamped before the cut"
        assert [r.seq for r in changes_since(conn, 0)] == seqs[3:]
        assert oldest_seq(conn) == seqs[3] and latest_seq(conn) == seqs[4]
        assert prune_changes(conn, datetime(2100, 1, 1, tzinfo=UTC)) == 1
        assert [r.seq for r in changes_since(conn, 0)] == [seqs[4]], "the newest row keeps the seq's place"


@pytest.mark.parametrize("bad", [("officer", 1, "upsert"), ("", 1, "insert"), ("x" * 33, 1, "insert")])
def test_bad_change_rows_are_refused_before_writing(store_engine: Engine, bad: tuple) -> None:
    with store_engine.begin() as conn:
        with pytest.raises(ValueError):
            record_change(conn, *bad)
        with pytest.raises(ValueError):
            record_changes(conn, [("officer", 1, "update"), bad])
        assert latest_seq(conn) == 0


def test_seq_is_not_reused_after_the_feed_is_pruned(store_engine: Engine) -> None:
    with store_engine.begin() as conn:
        last = record_change(conn, "officer", 1, "update")
        conn.execute(text("DELETE FROM change"))
    with store_engine.begin() as conn:
        assert record_change(conn, "officer", 1, "update") > last


def test_concurrent_writers_never_get_past_a_polling_reader(store_engine: Engine) -> None:
    """Writers hold their transaction open a moment after drawing a seq; the reader
    must still see every committed change exactly once, in increasing order."""
    writers, txns_per_writer = 4, 15
    done = threading.Event()
    errors: list[BaseException] = []
    seen: list[int] = []

    def write(worker: int) -> None:
        rnd = random.Random(worker)
        try:
            for i in range(txns_per_writer):
                with store_engine.begin() as conn:
                    record_change(conn, "officer", worker, "update")
                    if rnd.random() < 0.5:
                        record_changes(conn, [("officer_position", worker * 1000 + i, "update")] * 2)
                    time.sleep(rnd.random() * 0.004)  # widen the window between seq and commit
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def read() -> None:
        last = 0
        try:
            while True:
                finished = done.is_set()
                with _reader(store_engine) as conn:
                    rows = changes_since(conn, last)
                seen.extend(r.seq for r in rows)
                if rows:
                    last = rows[-1].seq
                if finished and not rows:
                    return
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    reader = threading.Thread(target=read)
    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    reader.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    reader.join()
    assert not errors, errors
    with _reader(store_engine) as conn:
        committed = [r.seq for r in changes_since(conn, 0)]
    assert seen == sorted(set(seen)), "reader saw a change twice or out of order"
    assert seen == committed, f"reader missed {sorted(set(committed) - set(seen))}"
