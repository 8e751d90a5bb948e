"""One lock for everything appended to the store's journals (change feed, audit chain).

On PostgreSQL a transaction-level advisory lock, taken just before a
transaction appends its first change or audit row and held until it commits,
makes journal appends happen in commit order: a sequence value drawn under
the lock is only visible after every smaller one is. One key for both
journals means they can never deadlock against each other. SQLite needs no
lock: BEGIN IMMEDIATE already lets one writer in at a time.

Rule for writers: append journal rows LAST in a transaction (after the row
updates), so the lock is held for microseconds and never waits on a row lock
while holding it.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

JOURNAL_LOCK_KEY = 0x636D_6A6C  # "cmjl"


def hold_journal_lock(conn: Connection) -> None:
    """Block until this transaction owns the journal; released at commit/rollback."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": JOURNAL_LOCK_KEY})
