"""`position_fix` history kept within bounds: daily partitions on PostgreSQL, batched deletes on SQLite.

On PostgreSQL `position_fix` is partitioned by range of `fix_time`, one partition a UTC day
(`position_fix_pYYYYMMDD`) plus a DEFAULT partition, so an insert never fails for want of a
partition; writers create the days they write ahead of time (`ensure_fix_partitions`), and pruning
detaches and drops whole days: no row-by-row delete, no bloat, no long vacuum. A day whose rows
landed in the default partition (its partition could not be created in time) is moved out of it when
its partition is created. SQLite has no partitions: old rows are deleted in batches, each its own
short transaction, so a writer waits at most one batch for the write lock.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import ColumnElement, Connection, Engine, func, literal_column, select, text

from .schema import position_fix

log = logging.getLogger(__name__)

TABLE = position_fix.name
DEFAULT_PARTITION = f"{TABLE}_default"
_DAY_PARTITION = re.compile(rf"^{TABLE}_p(\d{{8}})$")
#: pg_advisory_xact_lock key for "someone is creating or dropping position_fix partitions"
_PARTITION_LOCK_KEY = 0x636D_6670  # "cmfp"
#: how long partition DDL may wait for a lock before giving up (a busy writer must not stall behind it)
LOCK_TIMEOUT_MS = 5_000
SQLITE_DELETE_BATCH = 50_000
DAY_S = 86_400.0


def is_fix_partition(name: str) -> bool:
    """A partition of position_fix (not a table of the data model: schema comparisons skip it)."""
    return name == DEFAULT_PARTITION or _DAY_PARTITION.match(name) is not None


def partition_name(day: date) -> str:
    return f"{TABLE}_p{day:%Y%m%d}"


def day_of(epoch_s: float) -> date:
    return datetime.fromtimestamp(epoch_s, UTC).date()


def _bounds(day: date) -> tuple[str, str]:
    return f"{day:%Y-%m-%d} 00:00:00+00", f"{day + timedelta(days=1):%Y-%m-%d} 00:00:00+00"


def is_partitioned(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def fix_partitions(conn: Connection) -> dict[date, str]:
    """The daily partitions that exist, by day (PostgreSQL; empty elsewhere)."""
    if not is_partitioned(conn):
        return {}
    rows = conn.execute(text("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                             "WHERE i.inhparent = to_regclass(:t)"), {"t": TABLE}).scalars()
    out: dict[date, str] = {}
    for name in rows:
        m = _DAY_PARTITION.match(name)
        if m:
            out[datetime.strptime(m.group(1), "%Y%m%d").date()] = name
    return out


def _lock(conn: Connection) -> None:
    conn.execute(text(f"SET LOCAL lock_timeout = {int(LOCK_TIMEOUT_MS)}"))
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PARTITION_LOCK_KEY})


def create_day_partition(conn: Connection, day: date) -> None:
    """Create one day's partition in the caller's transaction, moving that day's rows out of the default
    partition first (ATTACH refuses a range the default partition still holds rows of)."""
    name, (lo, hi) = partition_name(day), _bounds(day)
    conn.execute(text(f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"))
    conn.execute(text(f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION} WHERE fix_time >= '{lo}' AND "
                      f"fix_time < '{hi}' RETURNING *) INSERT INTO {name} SELECT * FROM moved"))
    conn.execute(text(f"ALTER TABLE {TABLE} ATTACH PARTITION {name} FOR VALUES FROM ('{lo}') TO ('{hi}')"))


def ensure_fix_partitions(engine: Engine, days: Iterable[date]) -> list[date]:
    """Create the missing daily partitions among `days` (one short transaction, under a lock so two
    writers never race for one name); returns the days created. A no-op on SQLite."""
    wanted = sorted(set(days))
    if engine.dialect.name != "postgresql" or not wanted:
        return []
    with engine.begin() as conn:
        _lock(conn)
        have = fix_partitions(conn)
        missing = [d for d in wanted if d not in have]
        for day in missing:
            create_day_partition(conn, day)
    return missing


@dataclass(frozen=True)
class FixPrune:
    fixes: int                      # rows removed (on PostgreSQL the planner's count of the dropped partitions)
    partitions: tuple[str, ...]     # daily partitions dropped (PostgreSQL)
    estimated: bool                 # `fixes` is an estimate (large partitions are not counted row by row)


def _partition_rows(conn: Connection, name: str) -> tuple[int, bool]:
    """Rows in a partition: the planner's figure when it has one, else a count (small or new tables)."""
    tuples = conn.execute(text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:n)"), {"n": name}).scalar()
    if tuples is not None and tuples >= 0:
        return int(tuples), True
    return int(conn.execute(text(f"SELECT count(*) FROM {name}")).scalar_one()), False


def prune_fixes(engine: Engine, before: datetime, *, dry_run: bool = False) -> FixPrune:
    """Remove fixes older than `before`. PostgreSQL drops every daily partition wholly before it (the
    day holding `before` is kept whole, so history is kept up to a day longer than asked) and deletes
    old rows that landed in the default partition; SQLite deletes rows in batches."""
    if engine.dialect.name == "postgresql":
        return _prune_pg(engine, before, dry_run)
    return _prune_sqlite(engine, before, dry_run)


def _prune_pg(engine: Engine, before: datetime, dry_run: bool) -> FixPrune:
    cutoff_day = before.astimezone(UTC).date()   # partitions of days before this end by `before`
    with engine.connect() as conn:
        old = sorted((d, n) for d, n in fix_partitions(conn).items() if d < cutoff_day)
        counted = [(name, *_partition_rows(conn, name)) for _, name in old]
        in_default = int(conn.execute(text(f"SELECT count(*) FROM {DEFAULT_PARTITION} WHERE fix_time < :b"),
                                      {"b": before}).scalar_one())
    estimated = any(est for _, _, est in counted)
    total = sum(n for _, n, _ in counted) + in_default
    if dry_run:
        return FixPrune(total, tuple(n for n, _, _ in counted), estimated)
    dropped: list[str] = []
    for name, _, _ in counted:
        with engine.begin() as conn:   # one day at a time: a lock timeout costs one day, not the run
            _lock(conn)
            conn.execute(text(f"ALTER TABLE {TABLE} DETACH PARTITION {name}"))
            conn.execute(text(f"DROP TABLE {name}"))
        dropped.append(name)
    if in_default:
        with engine.begin() as conn:
            conn.execute(text(f"DELETE FROM {DEFAULT_PARTITION} WHERE fix_time < :b"), {"b": before})
    return FixPrune(total, tuple(dropped), estimated)


def _prune_sqlite(engine: Engine, before: datetime, dry_run: bool) -> FixPrune:
    """Windows of rowids from the oldest, each its own transaction. There is no index on fix_time (it
    would cost every tick), but rowid order is arrival order and ingest stores only fixes near their
    arrival time, so old rows sit at the front: the first window with nothing to delete ends the walk,
    and a store with nothing to prune costs one window, not a scan."""
    cond = position_fix.c.fix_time < before.astimezone(UTC)
    if dry_run:
        with engine.connect() as conn:
            n = int(conn.execute(select(func.count()).select_from(position_fix).where(cond)).scalar_one())
        return FixPrune(n, (), False)
    rowid: ColumnElement[int] = literal_column("rowid")
    with engine.connect() as conn:
        lo, hi = conn.execute(select(func.min(rowid), func.max(rowid)).select_from(position_fix)).one()
    total = 0
    while lo is not None and lo <= hi:
        window = (rowid >= lo) & (rowid < lo + SQLITE_DELETE_BATCH)
        with engine.begin() as conn:
            n = int(conn.execute(position_fix.delete().where(window & cond)).rowcount or 0)
        if not n:
            break
        total += n
        lo += SQLITE_DELETE_BATCH
    return FixPrune(total, (), False)
