"""Shared small repository functions, with their change-feed rows."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from commandmap.store import schema
from commandmap.store.changes import changes_since
from commandmap.store.repos import bulk_insert, count_rows, get_meta, is_empty, set_meta

from .helpers import seed_city


def test_meta_upsert(store_engine: Engine) -> None:
    with store_engine.begin() as conn:
        assert get_meta(conn, "city") is None
        set_meta(conn, "city", "宁波")
        set_meta(conn, "city", "宁波市")
        set_meta(conn, "seed", "42")
    with store_engine.connect() as conn:
        assert get_meta(conn, "city") == "宁波市" and get_meta(conn, "seed") == "42"
        assert count_rows(conn, "city_meta") == 2
        assert [c.entity for c in changes_since(conn, 0)] == ["city_meta"] * 3


def test_is_empty_until_a_district_exists(store_engine: Engine) -> None:
    with store_engine.begin() as conn:
        assert is_empty(conn)
        seed_city(conn)
        assert not is_empty(conn)


def test_bulk_insert_in_chunks_records_one_change(store_engine: Engine) -> None:
    with store_engine.begin() as conn:
        seed_city(conn)
        grids = [{"id": i, "town_id": 1, "code": f"G{i:05d}", "name": f"网格{i}", "geometry_wkb": b"\x00"}
                 for i in range(1, 2502)]
        assert bulk_insert(conn, "grid", grids, chunk=1000) == 2501
        assert bulk_insert(conn, schema.site, []) == 0
    with store_engine.connect() as conn:
        assert count_rows(conn, schema.grid) == 2501
        assert [(c.entity, c.entity_id, c.op) for c in changes_since(conn, 0)] == [("grid", 0, "bulk")]


def test_bulk_insert_is_all_or_nothing(store_engine: Engine) -> None:
    with store_engine.begin() as conn:
        seed_city(conn)
    rows = [{"id": i, "town_id": 1 if i < 7 else 999, "code": f"G{i}", "name": "网格", "geometry_wkb": b"\x00"}
            for i in range(1, 10)]
    with pytest.raises(Exception):
        with store_engine.begin() as conn:
            bulk_insert(conn, "grid", rows, chunk=3)
    with store_engine.connect() as conn:
        assert count_rows(conn, "grid") == 0 and changes_since(conn, 0) == []


def test_unknown_table_names_are_refused(store_engine: Engine) -> None:
    with store_engine.connect() as conn:
        with pytest.raises(ValueError, match="no table 'officers; DROP TABLE officer'"):
            count_rows(conn, "officers; DROP TABLE officer")
        with pytest.raises(ValueError, match="chunk"):
            bulk_insert(conn, "grid", [{}], chunk=0)
