"""The audit chain verifies, names the first tampered row, and never forks under concurrency."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, select, text

from commandmap.store import schema
from commandmap.store.audit import GENESIS_HASH, AuditCheck, append_audit, verify_audit_chain

from .helpers import NOW, drop_append_only_guards


def _fill(engine: Engine, n: int = 6) -> list[str]:
    hashes = []
    with engine.begin() as conn:
        for i in range(n):
            hashes.append(append_audit(conn, "调度员张三", "dispatch", "task", i + 1,
                                       {"officer_id": 100 + i, "eta_s": 180.5, "note": "派单"},
                                       at=NOW + timedelta(seconds=i)))
    return hashes


def test_chain_links_and_verifies(store_engine: Engine) -> None:
    with store_engine.connect() as conn:
        assert verify_audit_chain(conn) == AuditCheck(True, 0, None)
    hashes = _fill(store_engine)
    with store_engine.connect() as conn:
        rows = conn.execute(select(schema.audit_event).order_by(schema.audit_event.c.id)).all()
        assert rows[0].prev_hash == GENESIS_HASH
        assert [r.prev_hash for r in rows[1:]] == hashes[:-1]
        assert [r.hash for r in rows] == hashes
        check = verify_audit_chain(conn, batch=4)  # crosses a batch boundary
    assert check.ok and check.checked == 6 and check.first_bad_id is None


def test_times_in_other_zones_and_naive_utc_verify(store_engine: Engine) -> None:
    shanghai = timezone(timedelta(hours=8))
    with store_engine.begin() as conn:
        append_audit(conn, "a", "x", "incident", 1, {}, at=datetime(2026, 11, 25, 16, 30, 0, 123456, tzinfo=shanghai))
        append_audit(conn, "a", "x", "incident", 1, {}, at=datetime(2026, 11, 25, 8, 31))
        append_audit(conn, "a", "x", "incident", 1, {"k": [1, 2.5, None, "宁波"], "n": {"b": 1, "a": 2}})
    with store_engine.connect() as conn:
        assert verify_audit_chain(conn).ok


@pytest.mark.parametrize("tamper, bad_row", [
    ("UPDATE audit_event SET actor = 'someone else' WHERE id = 3", 3),
    ("UPDATE audit_event SET entity_id = 99 WHERE id = 4", 4),
    ("UPDATE audit_event SET detail = '{\"officer_id\": 1}' WHERE id = 2", 2),
    ("DELETE FROM audit_event WHERE id = 3", 4),  # the next row's link breaks
    ("UPDATE audit_event SET hash = 'f' WHERE id = 5", 5),
])
def test_tampering_is_found_at_the_first_bad_row(store_engine: Engine, tamper: str, bad_row: int) -> None:
    _fill(store_engine)
    with store_engine.begin() as conn:
        drop_append_only_guards(conn)   # an intruder with DDL rights
        conn.execute(text(tamper))
    with store_engine.connect() as conn:
        check = verify_audit_chain(conn)
    assert not check.ok and check.first_bad_id == bad_row


def test_a_rewritten_time_is_found(store_engine: Engine) -> None:
    _fill(store_engine)
    with store_engine.begin() as conn:
        drop_append_only_guards(conn)
        conn.execute(schema.audit_event.update().where(schema.audit_event.c.id == 2)
                     .values(at=NOW + timedelta(hours=1)))
    with store_engine.connect() as conn:
        assert verify_audit_chain(conn).first_bad_id == 2


@pytest.mark.parametrize("detail", [{"at": datetime(2026, 1, 1)}, {"x": float("nan")}, ["not", "a", "dict"]])
def test_unstorable_detail_is_refused_before_writing(store_engine: Engine, detail: object) -> None:
    with store_engine.begin() as conn:
        with pytest.raises((TypeError, ValueError)):
            append_audit(conn, "a", "x", "incident", 1, detail)  # type: ignore[arg-type]
        assert conn.execute(text("SELECT count(*) FROM audit_event")).scalar_one() == 0


def test_concurrent_writers_never_fork_the_chain(store_engine: Engine) -> None:
    writers, per_writer = 4, 10
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for i in range(per_writer):
                with store_engine.begin() as conn:
                    append_audit(conn, f"seat{worker}", "update", "officer", i, {"i": i})
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    with store_engine.connect() as conn:
        check = verify_audit_chain(conn)
        prevs = conn.execute(select(schema.audit_event.c.prev_hash)).scalars().all()
    assert check.ok and check.checked == writers * per_writer
    assert len(set(prevs)) == len(prevs)  # no two rows extend the same tail
