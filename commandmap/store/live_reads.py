"""Every read a live seat runs: the rows behind its snapshot, packed position batches, rescans.

`commandmap.live` keeps the operation as numpy columns and follows the change
feed; the SQL it needs lives here, beside the schema it reads. The hot path
(25k positions, a 1 MB packed batch per tick) goes below SQLAlchemy's row
processing: positions arrive as one float64 array, batches as bytes.
All ids are ints and all statuses come from the domain's enums, so they are
inlined as literals (one statement per read, no 25k bind parameters).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from itertools import chain
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine

from .engine import READ_ONLY_OPTION
from .schema import position_batch

#: change-feed entity of a packed ingest tick: ('position_batch', <its seq>, 'insert'); the row under
#: that seq holds the fixes and, in `officers`, how many. Stores written before this name carry
#: ('officer_position', <count>, 'batch') rows instead: readers rescan officer_position for those.
POSITION_BATCH_ENTITY = position_batch.name
LEGACY_BATCH_OP = "batch"
#: columns of `position_floats`
POSITION_COLUMNS = ("officer_id", "lon", "lat", "heading_deg", "fix_t")


def read_connection(engine: Engine) -> Connection:
    """A connection for reads only (a PostgreSQL replica seat never tries to write through it)."""
    return engine.connect().execution_options(**{READ_ONLY_OPTION: True})


def _epoch_sql(conn: Connection, column: str) -> str:
    if conn.dialect.name == "postgresql":
        return f"date_part('epoch', {column})"   # float8 directly (EXTRACT builds a numeric: 3x slower)
    return f"(julianday({column}) - 2440587.5) * 86400.0"


def _in_list(ids: Iterable[int]) -> str:
    return ",".join(str(int(i)) for i in ids)  # ints only: safe to inline, one statement


def _quoted(values: Iterable[str]) -> str:
    out = []
    for v in values:
        if "'" in v:
            raise ValueError(f"status {v!r} cannot be inlined")
        out.append(f"'{v}'")
    return ",".join(out)


def _fetch_floats(conn: Connection, columns: list[str], from_where: str) -> np.ndarray:
    """(rows, len(columns)) float64 for the 25k-row hot path, without per-row Python objects
    where the backend allows: PostgreSQL packs every value into ONE bytea server-side
    (float8send), SQLite rows go straight from the driver's cursor into numpy.
    Columns must be non-NULL (COALESCE in the SQL)."""
    ncols = len(columns)
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None, "the connection was invalidated"
    cur = dbapi.cursor()
    try:
        if conn.dialect.name == "postgresql":
            packed = " || ".join(f"float8send(({c})::float8)" for c in columns)
            cur.execute(f"SELECT string_agg({packed}, ''::bytea) FROM {from_where}")
            row = cur.fetchone()
            blob = None if row is None else row[0]
            if blob is None:
                return np.zeros((0, ncols))
            return np.frombuffer(bytes(blob), dtype=">f8").astype(np.float64).reshape(-1, ncols)
        cur.execute(f"SELECT {', '.join(columns)} FROM {from_where}")
        rows = cur.fetchall()
    finally:
        cur.close()
    flat = np.fromiter(chain.from_iterable(rows), dtype=np.float64, count=len(rows) * ncols)
    return flat.reshape(len(rows), ncols)


def position_floats(conn: Connection, officer_ids: Collection[int] | None = None) -> np.ndarray:
    """(n, 5) float64 rows of officer_position (`POSITION_COLUMNS`; all officers when `officer_ids`
    is None): heading is NaN where unknown, fix_t in epoch seconds."""
    where = "" if officer_ids is None else f" WHERE officer_id IN ({_in_list(officer_ids)})"
    arr = _fetch_floats(conn, ["officer_id", "lon", "lat", "COALESCE(heading_deg, -1.0)",
                               _epoch_sql(conn, "fix_time")], f"officer_position{where}")
    arr[:, 3] = np.where(arr[:, 3] < 0, np.nan, arr[:, 3])
    return arr


def officer_rows(conn: Connection, ids: Collection[int] | None = None) -> Sequence[Any]:
    """(id, badge, department_id, status, on_duty) of the serving officers `ids` (all when None).
    Retired officers (a city import's roster no longer lists them) are never returned: they vanish
    from the live picture, and an asked id that comes back missing is dropped from it."""
    where = " WHERE retired_at IS NULL" + ("" if ids is None else f" AND id IN ({_in_list(ids)})")
    return conn.exec_driver_sql(f"SELECT id, badge, department_id, status, on_duty FROM officer{where}").all()


def incident_rows(conn: Connection, statuses: Collection[str], ids: Collection[int] | None = None) -> Sequence[Any]:
    """(id, code, category, priority, status, lon, lat, reported_t, first dispatched_t, first
    acknowledged_t, first arrived_t) of the incidents `ids`, or of all in `statuses` when None.
    Rows named by `ids` come back whatever their status (the caller drops the ones it no longer shows).
    The first dispatch / acknowledgement / arrival are over ALL of an incident's tasks: SLA clocks
    run from the first dispatch, a reassignment does not reset them (domain.sla)."""
    where = f"i.status IN ({_quoted(statuses)})" if ids is None else f"i.id IN ({_in_list(ids)})"
    sub_where = "" if ids is None else f" WHERE incident_id IN ({_in_list(ids)})"
    e = _epoch_sql
    return conn.exec_driver_sql(
        f"SELECT i.id, i.code, i.category, i.priority, i.status, i.lon, i.lat, {e(conn, 'i.reported_at')}, "
        f"{e(conn, 'agg.d')}, {e(conn, 'agg.a')}, {e(conn, 'agg.r')} FROM incident AS i LEFT JOIN "
        f"(SELECT incident_id, MIN(dispatched_at) AS d, MIN(acknowledged_at) AS a, MIN(arrived_at) AS r "
        f"FROM task{sub_where} GROUP BY incident_id) AS agg ON agg.incident_id = i.id WHERE {where}").all()


def task_rows(conn: Connection, statuses: Collection[str], ids: Collection[int] | None = None) -> Sequence[Any]:
    """(id, officer_id, incident_id, dispatched_t, predicted_eta_s, route_lonlat, status, acknowledged_t,
    arrived_t) of the tasks `ids`, or of all in `statuses` when None (rows named by `ids` come back
    whatever their status)."""
    where = f"status IN ({_quoted(statuses)})" if ids is None else f"id IN ({_in_list(ids)})"
    e = _epoch_sql
    return conn.exec_driver_sql(
        f"SELECT id, officer_id, incident_id, {e(conn, 'dispatched_at')}, predicted_eta_s, route_lonlat, "
        f"status, {e(conn, 'acknowledged_at')}, {e(conn, 'arrived_at')} FROM task WHERE {where}").all()


def incidents_of_tasks(conn: Connection, task_ids: Collection[int]) -> set[int]:
    """Incidents the tasks `task_ids` belong to (a task change moves its incident's SLA clocks)."""
    if not task_ids:
        return set()
    rows = conn.exec_driver_sql(f"SELECT DISTINCT incident_id FROM task WHERE id IN ({_in_list(task_ids)}) "
                                "AND incident_id IS NOT NULL").all()   # inspections and move-ups have none
    return {int(r[0]) for r in rows}


def position_batch_sizes(conn: Connection, seqs: Collection[int]) -> dict[int, int]:
    """Fixes held by each packed batch still stored (a pruned one is absent), without its payload."""
    if not seqs:
        return {}
    rows = conn.exec_driver_sql(f"SELECT seq, officers FROM position_batch WHERE seq IN ({_in_list(seqs)})").all()
    return {int(seq): int(n) for seq, n in rows}


def position_batch_payloads(conn: Connection, seqs: Collection[int]) -> dict[int, bytes]:
    """Packed batches by seq; on PostgreSQL in binary (as text, bytea travels hex-encoded: twice the
    bytes and a decode of a megabyte per 25k-fix batch)."""
    if not seqs:
        return {}
    sql = f"SELECT seq, payload FROM position_batch WHERE seq IN ({_in_list(seqs)})"
    if conn.dialect.name != "postgresql":
        return {int(seq): bytes(payload) for seq, payload in conn.exec_driver_sql(sql).all()}
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None, "the connection was invalidated"
    cur = dbapi.cursor(binary=True)   # psycopg 3: results in binary
    try:
        return {int(seq): bytes(payload) for seq, payload in cur.execute(sql).fetchall()}
    finally:
        cur.close()
