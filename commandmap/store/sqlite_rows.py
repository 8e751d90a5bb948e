"""Many rows into SQLite in few statements: `INSERT … VALUES (…), (…), …` in fixed-size chunks.

Why not `executemany`: Python's sqlite3 module lets go of the GIL around every
row's `sqlite3_step` and must take it back afterwards. In a process whose event
loop is busy (the ingest server parsing thousands of requests a second), every
take-back waits for the loop thread to yield — up to the interpreter's switch
interval — so a 1,000-row tick took 100–300 ms of wall time for ~50 ms of work.
One multi-row statement is one step: the GIL is handed back once per chunk.
Values are bound as parameters (floats stay exact). Chunks are 256 rows, the
rest in halving sizes (128, 64, … 1), so only a handful of distinct statements
exist per table and the sqlite3 statement cache keeps them prepared.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from functools import lru_cache
from itertools import chain
from typing import Any

from sqlalchemy import Connection

CHUNK_ROWS = 256
# SQLite before 3.32 allows 999 parameters per statement (since: 32,766)
_MAX_PARAMS = 32_766 if sqlite3.sqlite_version_info >= (3, 32, 0) else 999


@lru_cache(maxsize=256)
def _statement(head: str, tail: str, width: int, rows: int) -> str:
    one = "(" + ",".join("?" * width) + ")"
    return f"{head} VALUES {','.join([one] * rows)} {tail}"


@lru_cache(maxsize=256)
def _update_statement(update: str, columns: tuple[str, ...], where: str, rows: int) -> str:
    names = ", ".join(f"column{i + 1} AS {c}" for i, c in enumerate(columns))
    values = _statement("", "", len(columns), rows).strip()
    return f"{update} FROM (SELECT {names} FROM ({values})) AS u WHERE {where}"


def _chunks(flat: list[Any], width: int) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(rows in the chunk, their values) from the rows' values laid end to end: 256-row chunks, the rest in
    halving sizes."""
    chunk = max(1, min(CHUNK_ROWS, _MAX_PARAMS // width))
    done, n = 0, len(flat) // width
    while done < n:
        while chunk > n - done:
            chunk //= 2
        yield chunk, tuple(flat[done * width:(done + chunk) * width])
        done += chunk


def _flat_columns(columns: Sequence[Sequence[Any]]) -> list[Any]:
    """Equal-length columns as one row-major list, one slice assignment a column (no tuple per row)."""
    width, n = len(columns), len(columns[0])
    flat: list[Any] = [None] * (width * n)
    for j, col in enumerate(columns):
        flat[j::width] = col
    return flat


def insert_values(conn: Connection, head: str, rows: list[tuple[Any, ...]], tail: str = "") -> None:
    """Run `head VALUES (row), (row), … tail` for every row, in as few statements as the chunking allows.
    `head` names the table and columns (`INSERT INTO t (a, b)`), `tail` may hold an ON CONFLICT clause."""
    if rows:
        width = len(rows[0])
        for size, params in _chunks(list(chain.from_iterable(rows)), width):
            conn.exec_driver_sql(_statement(head, tail, width, size), params)


def insert_columns(conn: Connection, head: str, columns: Sequence[Sequence[Any]], tail: str = "") -> None:
    """`insert_values` for rows given as columns (equal-length sequences, one per named column)."""
    if columns and len(columns[0]):
        width = len(columns)
        for size, params in _chunks(_flat_columns(columns), width):
            conn.exec_driver_sql(_statement(head, tail, width, size), params)


def update_from_values(conn: Connection, update: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]],
                       where: str) -> None:
    """`update FROM (VALUES …) AS u WHERE where`, the VALUES' columns named `columns` (needs SQLite 3.33)."""
    for size, params in _chunks(list(chain.from_iterable(rows)), len(columns)):
        conn.exec_driver_sql(_update_statement(update, columns, where, size), params)


#: UPDATE … FROM is there (else callers update row by row)
HAS_UPDATE_FROM = sqlite3.sqlite_version_info >= (3, 33, 0)
