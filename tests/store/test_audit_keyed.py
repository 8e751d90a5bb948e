"""The keyed, anchored, append-only audit chain: SQL access alone cannot rewrite or truncate history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError

from commandmap.store import schema
from commandmap.store.audit import (GENESIS_HASH, append_audit, audit_head, row_hash, store_id,
                                    verify_audit_chain)
from commandmap.store.audit_key import AuditKeyring

from .helpers import NOW, drop_append_only_guards


def _fill(engine: Engine, n: int = 6) -> None:
    for i in range(n):
        with engine.begin() as conn:     # one transaction per action, as the services write them
            append_audit(conn, "张三@seat1", "task.dispatch", "task", i + 1, {"officer_id": 100 + i},
                         at=NOW + timedelta(seconds=i))


def _rows(conn) -> list:  # type: ignore[no-untyped-def]
    return conn.execute(select(schema.audit_event).order_by(schema.audit_event.c.id)).all()


def _rechain(conn, start_id: int, key: bytes | None) -> None:  # type: ignore[no-untyped-def]
    """The forger's step: recompute every hash from `start_id` on (plain SHA-256, or a guessed key)."""
    rows = _rows(conn)
    prev = GENESIS_HASH
    for r in rows:
        if r.id >= start_id:
            digest = row_hash(prev, r.at, r.actor, r.action, r.entity, r.entity_id, r.detail, key=key)
            conn.execute(schema.audit_event.update().where(schema.audit_event.c.id == r.id)
                         .values(prev_hash=prev, hash=digest))
            prev = digest
        else:
            prev = r.hash


@pytest.mark.parametrize("statement", ["UPDATE audit_event SET actor = 'x' WHERE id = 2",
                                       "DELETE FROM audit_event WHERE id = 6"])
def test_the_database_refuses_update_and_delete(store_engine: Engine, statement: str) -> None:
    _fill(store_engine)
    with pytest.raises(DBAPIError, match="append-only"):
        with store_engine.begin() as conn:
            conn.execute(text(statement))
    with store_engine.connect() as conn:
        assert len(_rows(conn)) == 6 and verify_audit_chain(conn).ok


@pytest.mark.postgres
def test_postgres_refuses_truncate_and_public_has_no_update_right(pg_engine: Engine) -> None:
    _fill(pg_engine, 2)
    with pytest.raises(DBAPIError, match="append-only"):
        with pg_engine.begin() as conn:
            conn.execute(text("TRUNCATE audit_event"))
    with pg_engine.connect() as conn:
        granted = conn.execute(text("SELECT privilege_type FROM information_schema.role_table_grants "
                                    "WHERE table_name = 'audit_event' AND grantee = 'PUBLIC'")).scalars().all()
    assert not {"UPDATE", "DELETE", "TRUNCATE"} & set(granted)


@pytest.mark.parametrize("forger_key", [None, b"k" * 32])
def test_an_edit_with_later_hashes_recomputed_is_found(store_engine: Engine, forger_key: bytes | None) -> None:
    _fill(store_engine)
    with store_engine.begin() as conn:
        drop_append_only_guards(conn)
        conn.execute(text("UPDATE audit_event SET actor = 'someone else' WHERE id = 3"))
        _rechain(conn, 3, forger_key)
    with store_engine.connect() as conn:
        check = verify_audit_chain(conn)
    assert not check.ok and check.first_bad_id == 3 and "keyed hash" in check.reason


def test_an_inserted_row_is_found(store_engine: Engine) -> None:
    _fill(store_engine, 3)
    with store_engine.begin() as conn:
        rows = _rows(conn)
        forged = row_hash(rows[-1].hash, NOW, "ghost", "task.dispatch", "task", 9, {}, key=None)
        conn.execute(schema.audit_event.insert().values(at=NOW, actor="ghost", action="task.dispatch", entity="task",
                                                        entity_id=9, detail={}, prev_hash=rows[-1].hash, hash=forged))
    with store_engine.connect() as conn:
        check = verify_audit_chain(conn)
    assert not check.ok and check.first_bad_id == 4


def test_deleting_rows_from_the_tail_is_found_by_the_anchor(store_engine: Engine) -> None:
    _fill(store_engine)
    with store_engine.begin() as conn:
        drop_append_only_guards(conn)
        conn.execute(text("DELETE FROM audit_event WHERE id >= 5"))
    with store_engine.connect() as conn:
        check = verify_audit_chain(conn)
    assert not check.ok and check.first_bad_id == 6 and "deleted from the end" in check.reason


def test_deleting_a_middle_row_with_the_rest_rechained_is_found(store_engine: Engine) -> None:
    _fill(store_engine)
    with store_engine.begin() as conn:
        drop_append_only_guards(conn)
        conn.execute(text("DELETE FROM audit_event WHERE id = 2"))
        _rechain(conn, 3, None)
    with store_engine.connect() as conn:
        check = verify_audit_chain(conn)
    assert not check.ok and check.first_bad_id == 3


def test_anchor_follows_commits_only(store_engine: Engine) -> None:
    _fill(store_engine, 2)
    with pytest.raises(RuntimeError):
        with store_engine.begin() as conn:
            append_audit(conn, "a", "x", "incident", 1, {})
            raise RuntimeError("the action failed after its audit row")
    with store_engine.connect() as conn:
        sid = store_id(conn)
        assert verify_audit_chain(conn).ok                       # the rolled-back row was never anchored
        head = audit_head(conn)
    anchored = AuditKeyring.for_url(store_engine.url).head(sid)
    assert anchored is not None and (anchored.row_id, anchored.hash) == head and head[0] == 2


def test_without_the_key_the_chain_cannot_be_vouched_for(store_engine: Engine, tmp_path) -> None:
    _fill(store_engine, 2)
    with store_engine.connect() as conn:
        check = verify_audit_chain(conn, keyring=AuditKeyring(tmp_path))
    assert not check.ok and "no audit key" in check.reason
