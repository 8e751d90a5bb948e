"""Small shared reads and writes; services keep their own specific queries.

Every write here records its change-feed row in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, func, select
from sqlalchemy.dialects import postgresql, sqlite

from .changes import record_change
from .schema import city_meta, district, metadata, road_network

#: city_meta key of the city's metric CRS (e.g. EPSG:32651): maps, routing and live seats all project with it
CITY_CRS_KEY = "city.crs"
ROAD_NETWORK_KEY = "city.road_network"   # the road_network row every seat routes on (its name)
ROAD_SHA_KEY = "city.road_sha256"        # ... and the sha256 of its payload


def table_named(name: str | Table) -> Table:
    """The schema table `name`; a clear error for anything else (never raw SQL)."""
    if isinstance(name, Table):
        return name
    try:
        return metadata.tables[name]
    except KeyError:
        raise ValueError(f"no table {name!r} in the CommandMap schema "
                         f"(known: {', '.join(sorted(metadata.tables))})") from None


def get_meta(conn: Connection, key: str) -> str | None:
    return conn.execute(select(city_meta.c.value).where(city_meta.c.key == key)).scalar()


def city_crs(conn: Connection) -> str | None:
    """The metric CRS the city was built in: its city_meta entry, else (a store from before that
    entry) its newest road network's; None for a store with neither (no city yet)."""
    crs = get_meta(conn, CITY_CRS_KEY)
    if crs:
        return crs
    return conn.execute(select(road_network.c.crs).order_by(road_network.c.id.desc()).limit(1)).scalar()


def set_meta(conn: Connection, key: str, value: str) -> None:
    """Insert or replace one city_meta entry (an atomic upsert on both backends)."""
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(city_meta)
    conn.execute(insert.values(key=key, value=value)
                 .on_conflict_do_update(index_elements=[city_meta.c.key], set_={"value": value}))
    record_change(conn, "city_meta", 0, "update")


def count_rows(conn: Connection, table_name: str | Table) -> int:
    table = table_named(table_name)
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def is_empty(conn: Connection) -> bool:
    """True for a store with no city yet (no districts): the app builds the demo then."""
    return conn.execute(select(district.c.id).limit(1)).first() is None


def bulk_insert(conn: Connection, table: str | Table, rows: Sequence[dict[str, Any]], chunk: int = 5000) -> int:
    """Insert `rows` in executemany chunks and record one 'bulk' change; returns the count."""
    target = table_named(table)
    if chunk < 1:
        raise ValueError(f"chunk must be >= 1, got {chunk}")
    if not rows:
        return 0
    for start in range(0, len(rows), chunk):
        conn.execute(target.insert(), list(rows[start:start + chunk]))
    record_change(conn, target.name, 0, "bulk")
    return len(rows)
