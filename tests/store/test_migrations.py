"""Migrations: an empty store reaches head, matches schema.py, and a store
written by newer code is refused untouched."""

from __future__ import annotations

import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text

from commandmap.store import schema
from commandmap.store.engine import open_engine
from commandmap.store.errors import SchemaMissing, SchemaTooNew, StoreError
from commandmap.store.fix_history import is_fix_partition
from commandmap.store.migrate import current_revision, ensure_schema, head_revision, open_store, upgrade


def test_empty_store_upgrades_to_head(store_url: str) -> None:
    engine = open_engine(store_url)
    try:
        assert current_revision(engine) is None
        assert upgrade(engine) == head_revision()
        assert current_revision(engine) == head_revision()
        tables = set(inspect(engine).get_table_names())
        assert set(schema.metadata.tables) <= tables
        # a second upgrade is a no-op, not an error
        assert upgrade(engine) == head_revision()
    finally:
        engine.dispose()


def test_migrated_schema_equals_schema_py(store_engine) -> None:  # type: ignore[no-untyped-def]
    """A schema.py change without a new revision fails here."""
    with store_engine.connect() as conn:
        opts = {"compare_type": True,   # position_fix's daily partitions are the writers', not schema.py's
                "include_name": lambda name, kind, _parent: not (kind == "table" and is_fix_partition(name))}
        diff = compare_metadata(MigrationContext.configure(conn, opts=opts), schema.metadata)
    assert diff == []


def test_open_task_index_is_partial_on_both_backends(store_engine) -> None:  # type: ignore[no-untyped-def]
    indexes = {ix["name"]: ix for ix in inspect(store_engine).get_indexes("task")}
    ix = indexes["uq_task_open_officer"]
    assert ix["unique"] and ix["column_names"] == ["officer_id"]
    where = ix.get("dialect_options", {})
    assert any("status" in str(v) for k, v in where.items() if k.endswith("_where")), where


def _stamp(engine, revision: str) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})


def test_newer_schema_is_refused_and_left_untouched(store_engine) -> None:  # type: ignore[no-untyped-def]
    with store_engine.begin() as conn:
        conn.execute(schema.city_meta.insert(), {"key": "city", "value": "宁波"})
    _stamp(store_engine, "9999_from_the_future")
    url = store_engine.url.render_as_string(hide_password=False)
    for attempt in (lambda: ensure_schema(store_engine), lambda: upgrade(store_engine),
                    lambda: open_store(url), lambda: open_store(url, upgrade=False)):
        with pytest.raises(SchemaTooNew) as info:
            attempt()
        message = str(info.value)
        assert "9999_from_the_future" in message and head_revision() in message
        assert "\n" not in message
    assert current_revision(store_engine) == "9999_from_the_future"
    with store_engine.connect() as conn:
        assert conn.execute(select(schema.city_meta.c.value)).scalar_one() == "宁波"
        assert set(schema.metadata.tables) <= set(inspect(conn).get_table_names())


def test_open_store_without_upgrade_refuses_a_store_behind(store_url: str) -> None:
    with pytest.raises(SchemaMissing, match="commandmap db upgrade"):
        open_store(store_url, upgrade=False)
    engine = open_store(store_url)  # the default upgrades
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_unversioned_commandmap_tables_are_not_touched(store_url: str) -> None:
    engine = open_engine(store_url)
    try:
        with engine.begin() as conn:
            schema.district.create(conn)
        with pytest.raises(StoreError, match="no schema revision"):
            ensure_schema(engine)
        assert current_revision(engine) is None
    finally:
        engine.dispose()


def test_two_seats_starting_at_once_migrate_once(store_url: str) -> None:
    engines = [open_engine(store_url) for _ in range(3)]
    errors: list[BaseException] = []

    def start(engine) -> None:  # type: ignore[no-untyped-def]
        try:
            ensure_schema(engine)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(e,)) for e in engines]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        assert {current_revision(e) for e in engines} == {head_revision()}
    finally:
        for e in engines:
            e.dispose()


def test_a_store_at_head_is_checked_without_the_write_lock(sqlite_engine) -> None:  # type: ignore[no-untyped-def]
    """Seats start while another seat is writing: the check must not wait for it."""
    with sqlite_engine.connect() as writer:
        with writer.begin():
            writer.execute(schema.city_meta.insert(), {"key": "k", "value": "v"})  # holds the write lock
            ensure_schema(sqlite_engine)  # were it to BEGIN IMMEDIATE, "database is locked" after 10 s


def test_a_store_from_the_first_release_upgrades_keeping_its_rows(store_url: str) -> None:
    """0001 -> head on a store holding positions: nothing lost, the packed-batch table appears, and on
    PostgreSQL officer_position leaves room for in-place updates."""
    from alembic import command

    from commandmap.store.migrate import _config

    engine = open_engine(store_url)
    try:
        with engine.begin() as conn:
            command.upgrade(_config(conn), "0001_initial")
            conn.execute(schema.department.insert(), {"id": 1, "code": "zhzf", "name": "综合行政执法"})
            conn.execute(schema.district.insert(), {"id": 1, "code": "330203", "name": "海曙区", "geometry_wkb": b"x"})
            conn.execute(schema.town.insert(), {"id": 1, "district_id": 1, "code": "t1", "name": "街道",
                                                "geometry_wkb": b"x"})
            conn.execute(schema.officer.insert(), {"id": 1, "badge": "NB00001", "name": "执法员", "department_id": 1,
                                                   "home_town_id": 1, "mode": "car", "skills": [],
                                                   "status": "available"})
            conn.execute(text("INSERT INTO officer_position (officer_id, lon, lat, fix_time, received_at) "
                              "VALUES (1, 121.55, 29.87, '2026-11-25 06:00:00.000000', '2026-11-25 06:00:01.000000')"))
        assert current_revision(engine) == "0001_initial"
        assert "position_batch" not in inspect(engine).get_table_names()
        ensure_schema(engine)
        assert current_revision(engine) == head_revision()
        with engine.connect() as conn:
            assert conn.execute(select(schema.officer_position.c.lon, schema.officer_position.c.lat)).all() == [
                (121.55, 29.87)]
            assert conn.execute(select(schema.position_batch)).all() == []
            if conn.dialect.name == "postgresql":
                options = conn.execute(text("SELECT reloptions FROM pg_class WHERE relname = 'officer_position'"))
                assert "fillfactor=50" in options.scalar_one()
    finally:
        engine.dispose()
