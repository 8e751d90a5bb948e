"""The change feed: one row per change, written in the changing transaction.

Readers keep the last `seq` they processed and ask for `seq > last`. That is
only safe if a smaller seq can never become visible after a larger one; the
journal lock (see `journal.py`) guarantees it on PostgreSQL, BEGIN IMMEDIATE
on SQLite. Gaps are normal (a rolled-back writer burns its number): readers
simply step over them. On PostgreSQL each writing transaction also sends
`NOTIFY commandmap_change, '<seq>'`, delivered at commit, to wake listeners
(`notify.ChangeListener`) instead of making them poll tightly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, func, select, text, update

from .journal import hold_journal_lock
from .schema import change

CHANNEL = "commandmap_change"
#: 'bulk': many rows of the entity changed (entity_id is a count): reload the table.
#: A packed ingest tick is an ordinary ('position_batch', <seq>, 'insert'), see `record_keyed_change`.
#: Stores written before that may still hold ('officer_position', <count>, 'batch') rows: readers
#: treat them as a bulk change of officer_position (a rescan); nothing writes 'batch' any more.
OPS: frozenset[str] = frozenset({"insert", "update", "delete", "bulk"})
_ENTITY_MAX: int = getattr(change.c.entity.type, "length", None) or 32


@dataclass(frozen=True)
class ChangeRow:
    seq: int
    at: datetime
    entity: str
    entity_id: int
    op: str


def _row(entity: str, entity_id: int, op: str, at: datetime) -> dict[str, object]:
    if op not in OPS:
        raise ValueError(f"change op {op!r} is not one of {sorted(OPS)}")
    if not entity or len(entity) > _ENTITY_MAX:
        raise ValueError(f"change entity {entity!r} must be 1–{_ENTITY_MAX} characters")
    return {"at": at, "entity": entity, "entity_id": int(entity_id), "op": op}


def _notify(conn: Connection, seq: int) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_notify(:ch, :seq)"), {"ch": CHANNEL, "seq": str(seq)})


def record_change(conn: Connection, entity: str, entity_id: int, op: str) -> int:
    """Append one change in the caller's transaction and return its seq."""
    row = _row(entity, entity_id, op, datetime.now(UTC))
    hold_journal_lock(conn)
    key = conn.execute(change.insert().values(**row)).inserted_primary_key
    assert key is not None
    seq = int(key[0])
    _notify(conn, seq)
    return seq


def record_keyed_change(conn: Connection, entity: str, op: str) -> int:
    """Append a change whose entity_id is its own seq, for a row keyed by the seq of the change that
    announces it (a `position_batch`): the change then names the row it carries like any other."""
    seq = record_change(conn, entity, 0, op)
    conn.execute(update(change).where(change.c.seq == seq).values(entity_id=seq))
    return seq


def record_changes(conn: Connection, rows: Iterable[tuple[str, int, str]]) -> None:
    """Append many changes in one executemany (a 25k-fix position tick)."""
    now = datetime.now(UTC)
    batch = [_row(entity, entity_id, op, now) for entity, entity_id, op in rows]
    if not batch:
        return
    hold_journal_lock(conn)
    conn.execute(change.insert(), batch)
    _notify(conn, latest_seq(conn))


def latest_seq(conn: Connection) -> int:
    """The highest seq visible to `conn` (0 for an empty feed): where a new reader starts."""
    return int(conn.execute(select(func.coalesce(func.max(change.c.seq), 0))).scalar_one())


def changes_since(conn: Connection, seq: int, limit: int = 100_000) -> list[ChangeRow]:
    """Changes with seq > `seq`, oldest first, at most `limit` (call again for more)."""
    query = (select(change.c.seq, change.c.at, change.c.entity, change.c.entity_id, change.c.op)
             .where(change.c.seq > seq).order_by(change.c.seq).limit(limit))
    return [ChangeRow(int(r.seq), r.at, r.entity, int(r.entity_id), r.op) for r in conn.execute(query)]


def oldest_seq(conn: Connection) -> int:
    """The lowest seq still in the feed (0 for an empty feed): a reader whose last seq is below
    `oldest_seq - 1` may have missed pruned changes."""
    return int(conn.execute(select(func.coalesce(func.min(change.c.seq), 0))).scalar_one())


def prune_changes(conn: Connection, before: datetime, *, dry_run: bool = False) -> int:
    """Delete the feed up to a horizon: the newest seq stamped before `before` (never the newest row,
    which keeps the seq counter's place); returns the rows deleted. Cut by seq, not by time, so every
    row below `oldest_seq` is gone and every row from it on is kept: a reader whose last seq is below
    `oldest_seq - 1` knows it may have missed changes and reloads (`LiveState.refresh`)."""
    newest = latest_seq(conn)
    horizon = conn.execute(select(func.max(change.c.seq))
                           .where((change.c.at < before) & (change.c.seq < newest))).scalar()
    if horizon is None:
        return 0
    cond = change.c.seq <= int(horizon)
    if dry_run:
        return int(conn.execute(select(func.count()).select_from(change).where(cond)).scalar_one())
    return int(conn.execute(change.delete().where(cond)).rowcount or 0)
