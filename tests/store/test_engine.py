"""Connections are configured as promised, and the database enforces integrity."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from commandmap.domain.transitions import OPEN_TASK_STATUSES
from commandmap.store import schema
from commandmap.store.engine import SQLITE_BUSY_TIMEOUT_MS

from .helpers import seed_city, task_row


def test_sqlite_pragmas_are_set_on_every_connection(sqlite_engine) -> None:  # type: ignore[no-untyped-def]
    # hold several at once so the pool must open distinct DBAPI connections
    conns = [sqlite_engine.connect().execution_options(read_only=True) for _ in range(3)]
    try:
        assert len({id(c.connection.dbapi_connection) for c in conns}) == 3
        for conn in conns:
            pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
            assert pragma("journal_mode") == "wal"
            assert pragma("synchronous") == 2  # FULL
            assert pragma("foreign_keys") == 1
            assert pragma("busy_timeout") == SQLITE_BUSY_TIMEOUT_MS
    finally:
        for conn in conns:
            conn.close()


def _raw_pragma(conn, setting: str) -> None:  # type: ignore[no-untyped-def]
    """Outside any transaction (a SQLAlchemy statement would BEGIN first)."""
    conn.connection.dbapi_connection.execute(f"PRAGMA {setting}")


def test_sqlite_writers_lock_up_front_and_readers_do_not(sqlite_engine) -> None:  # type: ignore[no-untyped-def]
    """Writers BEGIN IMMEDIATE (no lock-upgrade deadlock); read-only readers never block them."""
    with sqlite_engine.connect().execution_options(read_only=True) as reader:
        reader.execute(text("SELECT count(*) FROM change")).scalar_one()  # reader's transaction is open
        assert reader.in_transaction()
        with sqlite_engine.connect() as writer:
            _raw_pragma(writer, "busy_timeout=200")  # fail fast instead of waiting 10 s
            with writer.begin():
                writer.execute(schema.city_meta.insert(), {"key": "k", "value": "v"})
                # a second default connection cannot even begin while the writer holds the lock
                with sqlite_engine.connect() as other:
                    _raw_pragma(other, "busy_timeout=50")
                    with pytest.raises(OperationalError, match="locked"):
                        other.execute(text("SELECT 1"))
                    _raw_pragma(other, f"busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            _raw_pragma(writer, f"busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


def test_foreign_keys_are_enforced(store_engine) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IntegrityError):
        with store_engine.begin() as conn:
            conn.execute(schema.town.insert(), {"district_id": 999, "code": "x", "name": "无区之镇",
                                                "geometry_wkb": b"\x00"})
    with store_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM town")).scalar_one() == 0


def test_one_open_task_per_officer(store_engine) -> None:  # type: ignore[no-untyped-def]
    with store_engine.begin() as conn:
        seed_city(conn, officers=2, incidents=3)
        conn.execute(schema.task.insert(), [task_row(1, 1, 1, "completed"), task_row(2, 1, 2, "cancelled"),
                                            task_row(3, 1, 3, "en_route"), task_row(4, 2, 1, "on_scene")])
    for second_open in ("dispatched", "acknowledged", "en_route", "on_scene"):
        with pytest.raises(IntegrityError):
            with store_engine.begin() as conn:
                conn.execute(schema.task.insert(), task_row(10, 1, 2, second_open))
    # once the open task is closed, a new one may be opened
    with store_engine.begin() as conn:
        conn.execute(schema.task.update().where(schema.task.c.id == 3).values(status="reassigned"))
        conn.execute(schema.task.insert(), task_row(11, 1, 2, "dispatched"))
    with store_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM task WHERE officer_id = 1")).scalar_one() == 4


def test_open_task_index_matches_the_domain_definition() -> None:
    """The database's notion of an open task must be the state machine's."""
    index = next(ix for ix in schema.task.indexes if ix.name == "uq_task_open_officer")
    for dialect in ("sqlite", "postgresql"):
        where = str(index.dialect_options[dialect]["where"])
        listed = {part.strip(" '") for part in where.split("(", 1)[1].rstrip(")").split(",")}
        assert listed == {str(s) for s in OPEN_TASK_STATUSES}, (dialect, where)
