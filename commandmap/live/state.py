"""In-memory live snapshot of the operation, refreshed from the change feed.

`LiveState` loads officers, positions, open incidents and open tasks once, then
`refresh()` reads only `changes_since(last_seq)` and reloads only the rows those
changes name (a 'bulk' change, or very many ids, reloads that table in one
scan). A position 'batch' change is replayed from its packed copy
(`domain.position_batch`) instead: one blob per ingest tick, not 25k rows.
`snapshot()` hands the map an `OperationSnapshot` of numpy arrays in
projected metres. The store is the only source of truth, so any number of
seats following one store show the same operation.

On PostgreSQL, `follow()` sleeps on LISTEN/NOTIFY and wakes at once on a
change; it always catches up by seq, so a lost notification or a reconnect
costs latency, never data. SQLite polls.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from functools import lru_cache
from itertools import chain

import numpy as np
from sqlalchemy import Connection, Engine

from .domain.fix_validation import DEFAULT_STALE_AFTER_S
from .domain.position_batch import PositionBatch, to_microseconds
from .domain.sla import sla_levels
from .domain.snapshot import (INCIDENT_STATUS_CODES, OFFICER_STATUS_CODES, IncidentArrays, OfficerArrays,
                              OperationSnapshot, RouteArrays)
from .domain.transitions import OPEN_INCIDENT_STATUSES, OPEN_TASK_STATUSES
from .store.changes import changes_since, latest_seq
from .store.engine import READ_ONLY_OPTION

DEFAULT_CRS = "EPSG:32651"       # UTM 51N: Ningbo
SIM_CLOCK_KEY = "sim_clock"      # city_meta entry the simulator keeps: {"wall0", "sim0", "speed"}
_FULL_RELOAD_IDS = 2_000         # more touched ids than this: scan the table instead of IN (...)
# packed position batches holding more fixes than this many rosters cost more to replay than one rescan
_BATCH_REPLAY_ROSTERS = 4
_BATCH_REPLAY_MIN_FIXES = 10_000
_SHOWN_INCIDENTS = tuple(s.value for s in OPEN_INCIDENT_STATUSES) + ("resolved",)
_OPEN_TASKS = tuple(s.value for s in OPEN_TASK_STATUSES)


@lru_cache(maxsize=4)
def _transformer(crs: str):  # type: ignore[no-untyped-def]
    from pyproj import Transformer
    return Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def project(crs: str, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """(N,2) metres in `crs`; NaN stays NaN."""
    x, y = _transformer(crs).transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.column_stack([np.asarray(x, float), np.asarray(y, float)]).reshape(-1, 2)


def _epoch_sql(conn: Connection, column: str) -> str:
    if conn.dialect.name == "postgresql":
        return f"date_part('epoch', {column})"   # float8 directly (EXTRACT builds a numeric: 3x slower)
    return f"(julianday({column}) - 2440587.5) * 86400.0"


def _in_list(conn: Connection, ids: Iterable[int]) -> str:
    return ",".join(str(int(i)) for i in ids)  # ints only: safe to inline, one statement


def _fetch_floats(conn: Connection, columns: list[str], from_where: str) -> np.ndarray:
    """(rows, len(columns)) float64 for the 25k-row hot path, without per-row Python objects
    where the backend allows: PostgreSQL packs every value into ONE bytea server-side
    (float8send), SQLite rows go straight from the driver's cursor into numpy.
    Columns must be non-NULL (COALESCE in the SQL)."""
    ncols = len(columns)
    cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
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


def _fetch_position_batches(conn: Connection, seqs: list[int]) -> dict[int, bytes]:
    """Packed batches by seq; on PostgreSQL in binary (as text, bytea travels hex-encoded: twice the
    bytes and a decode of a megabyte per 25k-fix batch)."""
    sql = f"SELECT seq, payload FROM position_batch WHERE seq IN ({_in_list(conn, seqs)})"
    if conn.dialect.name != "postgresql":
        return dict(conn.exec_driver_sql(sql).all())
    cur = conn.connection.dbapi_connection.cursor(binary=True)  # type: ignore[union-attr]
    try:
        return dict(cur.execute(sql).fetchall())
    finally:
        cur.close()


def _json(value: object) -> object:
    return json.loads(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class RefreshStats:
    changes: int
    sequence: int
    elapsed_ms: float
    reloaded: tuple[str, ...]   # tables reloaded in full


class _Table:
    """Rows of one entity as parallel numpy columns, kept sorted by id."""

    def __init__(self, columns: dict[str, Any]) -> None:
        self.dtypes = columns
        self.ids = np.zeros(0, np.int64)
        self.cols: dict[str, np.ndarray] = {k: np.zeros(0, dt) for k, dt in columns.items()}
        self.text: dict[str, list] = {}

    def index_of(self, ids: np.ndarray) -> np.ndarray:
        """Row of each id; -1 where absent."""
        ids = np.asarray(ids, np.int64)
        if len(self.ids) == 0:
            return np.full(len(ids), -1, np.int64)
        pos = np.minimum(np.searchsorted(self.ids, ids), len(self.ids) - 1)
        return np.where(self.ids[pos] == ids, pos, -1)

    def replace_all(self, ids: np.ndarray, cols: dict[str, np.ndarray], text: dict[str, list]) -> None:
        order = np.argsort(ids, kind="stable")
        self.ids = np.asarray(ids, np.int64)[order]
        self.cols = {k: np.asarray(cols[k], self.dtypes[k])[order] for k in self.dtypes}
        self.text = {k: [v[i] for i in order] for k, v in text.items()}

    def upsert(self, ids: np.ndarray, cols: dict[str, np.ndarray], text: dict[str, list],
               gone: np.ndarray) -> None:
        """Rows `ids` now hold `cols`; rows `gone` disappear."""
        keep = ~np.isin(self.ids, np.concatenate([ids, gone]).astype(np.int64))
        all_ids = np.concatenate([self.ids[keep], ids])
        merged = {k: np.concatenate([self.cols[k][keep], np.asarray(cols[k], self.dtypes[k])]) for k in self.dtypes}
        kept = np.flatnonzero(keep)
        merged_text = {k: [self.text[k][i] for i in kept] + list(text[k]) for k in text}
        self.replace_all(all_ids, merged, merged_text)


class LiveState:
    """The operation as arrays, following one store's change feed."""

    def __init__(self, engine: Engine, *, crs: str = DEFAULT_CRS, stale_after_s: float = DEFAULT_STALE_AFTER_S,
                 clock: Callable[[], float] | None = None, max_replay_fixes: int | None = None) -> None:
        """`max_replay_fixes`: above this many packed fixes pending, rescan officer_position instead
        (default: four rosters, at least 10,000; 0 always rescans)."""
        self.engine = engine
        self.max_replay_fixes = max_replay_fixes
        self.crs = crs
        self.stale_after_s = stale_after_s
        self._clock_override = clock
        self._sim_clock: tuple[float, float, float] | None = None   # wall0, sim0, speed
        self._lock = threading.RLock()
        self.sequence = 0
        self.officers = _Table({"department": np.int32, "status": np.int8, "on_duty": bool, "lon": np.float64,
                                "lat": np.float64, "x": np.float64, "y": np.float64, "heading": np.float32,
                                "fix_t": np.float64})
        self.incidents = _Table({"priority": np.int8, "status": np.int8, "lon": np.float64, "lat": np.float64,
                                 "x": np.float64, "y": np.float64, "reported_t": np.float64,
                                 "dispatched_t": np.float64, "acknowledged_t": np.float64, "arrived_t": np.float64})
        self.tasks = _Table({"officer_id": np.int64, "incident_id": np.int64, "dispatched_t": np.float64,
                             "eta_s": np.float64, "acknowledged_t": np.float64, "arrived_t": np.float64})
        self.load()

    # -- clock ----------------------------------------------------------------------------------
    def now(self) -> float:
        """Operation time: the caller's clock, else the simulator's (shared via the store), else wall."""
        if self._clock_override is not None:
            return self._clock_override()
        wall = time.time()
        if self._sim_clock is not None:
            wall0, sim0, speed = self._sim_clock
            return sim0 + (wall - wall0) * speed
        return wall

    # -- loading --------------------------------------------------------------------------------
    def _read(self) -> Connection:
        return self.engine.connect().execution_options(**{READ_ONLY_OPTION: True})

    def load(self) -> None:
        """Full load (start-up, or after the feed was truncated)."""
        with self._lock, self._read() as conn:
            self.sequence = latest_seq(conn)
            self._load_meta(conn)
            self._load_officers(conn, None)
            self._load_positions(conn, None)
            self._load_incidents(conn, None)
            self._load_tasks(conn, None)

    def _load_meta(self, conn: Connection) -> None:
        row = conn.exec_driver_sql("SELECT value FROM city_meta WHERE key = ?" if conn.dialect.name == "sqlite"
                                   else "SELECT value FROM city_meta WHERE key = %s", (SIM_CLOCK_KEY,)).first()
        self._sim_clock = None
        if row is not None:
            try:
                v = json.loads(row[0])
                self._sim_clock = (float(v["wall0"]), float(v["sim0"]), float(v["speed"]))
            except (ValueError, KeyError, TypeError):
                self._sim_clock = None

    def _load_officers(self, conn: Connection, ids: np.ndarray | None) -> None:
        where = "" if ids is None else f" WHERE id IN ({_in_list(conn, ids)})"
        rows = conn.exec_driver_sql(f"SELECT id, badge, department_id, status, on_duty FROM officer{where}").all()
        got = np.array([r[0] for r in rows], np.int64)
        t = self.officers
        old = t.index_of(got) if ids is not None else np.full(len(got), -1)
        n = len(rows)

        def keep(name: str, default: float) -> np.ndarray:
            out = np.full(n, default, t.dtypes[name])
            hit = old >= 0
            out[hit] = t.cols[name][old[hit]]
            return out
        cols: dict[str, np.ndarray] = {"department": np.array([r[2] for r in rows], np.int32),
                "status": np.array([OFFICER_STATUS_CODES.get(r[3], 0) for r in rows], np.int8),
                "on_duty": np.array([bool(r[4]) for r in rows], bool),
                "lon": keep("lon", np.nan), "lat": keep("lat", np.nan), "x": keep("x", np.nan),
                "y": keep("y", np.nan), "heading": keep("heading", np.nan), "fix_t": keep("fix_t", np.nan)}
        text = {"badge": [r[1] for r in rows]}
        if ids is None:
            t.replace_all(got, cols, text)
        else:
            t.upsert(got, cols, text, np.setdiff1d(ids, got))

    def _load_positions(self, conn: Connection, ids: np.ndarray | None) -> None:
        where = "" if ids is None else f" WHERE officer_id IN ({_in_list(conn, ids)})"
        arr = _fetch_floats(conn, ["officer_id", "lon", "lat", "COALESCE(heading_deg, -1.0)",
                                   _epoch_sql(conn, "fix_time")], f"officer_position{where}")
        t = self.officers
        if ids is None:
            for name in ("lon", "lat", "x", "y", "heading", "fix_t"):
                t.cols[name][:] = np.nan
        if not len(arr):
            return
        idx = t.index_of(arr[:, 0].astype(np.int64))
        ok = idx >= 0
        idx, arr = idx[ok], arr[ok]
        self._set_positions(idx, arr[:, 1], arr[:, 2], np.where(arr[:, 3] < 0, np.nan, arr[:, 3]), arr[:, 4])

    def _set_positions(self, idx: np.ndarray, lon: np.ndarray, lat: np.ndarray, heading: np.ndarray,
                       fix_t: np.ndarray) -> None:
        t = self.officers
        xy = project(self.crs, lon, lat)
        t.cols["lon"][idx], t.cols["lat"][idx] = lon, lat
        t.cols["x"][idx], t.cols["y"][idx] = xy[:, 0], xy[:, 1]
        t.cols["heading"][idx] = heading
        t.cols["fix_t"][idx] = fix_t

    def _replay_position_batches(self, conn: Connection, batches: list[tuple[int, int]]) -> bool:
        """Apply packed batches (seq, fixes) as the store did: a fix moves an officer only when strictly
        newer than the position held. False when they cannot stand in for a rescan: more fixes than a
        rescan reads, one pruned, or one unreadable (the table is the truth then)."""
        limit = self.max_replay_fixes
        if limit is None:
            limit = max(_BATCH_REPLAY_ROSTERS * len(self.officers.ids), _BATCH_REPLAY_MIN_FIXES)
        if sum(n for _, n in batches) > limit:
            return False
        seqs = [seq for seq, _ in batches]
        found = _fetch_position_batches(conn, seqs)
        if len(found) != len(seqs):
            return False
        try:
            merged = PositionBatch.concat([PositionBatch.from_bytes(found[seq]) for seq in seqs]).newest_per_officer()
        except ValueError:
            return False
        t = self.officers
        idx = t.index_of(merged.officer_id)
        held = t.cols["fix_t"][np.maximum(idx, 0)]
        held_us = to_microseconds(np.where(np.isnan(held), 0.0, held))
        take = (idx >= 0) & (np.isnan(held) | (merged.fix_time_us > held_us))
        self._set_positions(idx[take], merged.lon[take], merged.lat[take], merged.heading_deg[take],
                            merged.fix_time_s[take])
        return True

    def _load_incidents(self, conn: Connection, ids: np.ndarray | None) -> None:
        shown = ",".join(f"'{s}'" for s in _SHOWN_INCIDENTS)
        where = f"i.status IN ({shown})" if ids is None else f"i.id IN ({_in_list(conn, ids)})"
        sub_where = "" if ids is None else f" WHERE incident_id IN ({_in_list(conn, ids)})"
        e = _epoch_sql
        # first dispatch / acknowledgement / arrival over ALL of an incident's tasks: SLA clocks
        # run from the first dispatch, a reassignment does not reset them (domain.sla)
        rows = conn.exec_driver_sql(
            f"SELECT i.id, i.code, i.category, i.priority, i.status, i.lon, i.lat, {e(conn, 'i.reported_at')}, "
            f"{e(conn, 'agg.d')}, {e(conn, 'agg.a')}, {e(conn, 'agg.r')} FROM incident AS i LEFT JOIN "
            f"(SELECT incident_id, MIN(dispatched_at) AS d, MIN(acknowledged_at) AS a, MIN(arrived_at) AS r "
            f"FROM task{sub_where} GROUP BY incident_id) AS agg ON agg.incident_id = i.id WHERE {where}").all()
        rows = [r for r in rows if r[4] in _SHOWN_INCIDENTS]
        got = np.array([r[0] for r in rows], np.int64)
        lon = np.array([r[5] for r in rows], float)
        lat = np.array([r[6] for r in rows], float)
        xy = project(self.crs, lon, lat) if len(rows) else np.zeros((0, 2))

        def opt(k: int) -> np.ndarray:
            return np.array([np.nan if r[k] is None else float(r[k]) for r in rows], float)
        cols = {"priority": np.array([int(str(r[3])[1:] or 4) for r in rows], np.int8),
                "status": np.array([INCIDENT_STATUS_CODES.get(r[4], 0) for r in rows], np.int8),
                "lon": lon, "lat": lat, "x": xy[:, 0], "y": xy[:, 1],
                "reported_t": np.array([r[7] for r in rows], float),
                "dispatched_t": opt(8), "acknowledged_t": opt(9), "arrived_t": opt(10)}
        text = {"code": [r[1] for r in rows], "category": [r[2] for r in rows]}
        if ids is None:
            self.incidents.replace_all(got, cols, text)
        else:
            self.incidents.upsert(got, cols, text, np.setdiff1d(ids, got))

    def _load_tasks(self, conn: Connection, ids: np.ndarray | None) -> None:
        open_ = ",".join(f"'{s}'" for s in _OPEN_TASKS)
        where = f"status IN ({open_})" if ids is None else f"id IN ({_in_list(conn, ids)})"
        e = _epoch_sql
        rows = conn.exec_driver_sql(
            f"SELECT id, officer_id, incident_id, {e(conn, 'dispatched_at')}, predicted_eta_s, route_lonlat, "
            f"status, {e(conn, 'acknowledged_at')}, {e(conn, 'arrived_at')} FROM task WHERE {where}").all()
        rows = [r for r in rows if r[6] in _OPEN_TASKS]
        got = np.array([r[0] for r in rows], np.int64)
        routes = []
        for r in rows:
            pts = np.asarray(_json(r[5]) or [], dtype=np.float64).reshape(-1, 2)
            routes.append(project(self.crs, pts[:, 0], pts[:, 1]) if len(pts) else np.zeros((0, 2)))

        def opt(v: object) -> float:
            return np.nan if v is None else float(v)  # type: ignore[arg-type]
        cols = {"officer_id": np.array([r[1] for r in rows], np.int64),
                "incident_id": np.array([r[2] for r in rows], np.int64),
                "dispatched_t": np.array([r[3] for r in rows], float),
                "eta_s": np.array([r[4] for r in rows], float),
                "acknowledged_t": np.array([opt(r[7]) for r in rows], float),
                "arrived_t": np.array([opt(r[8]) for r in rows], float)}
        text = {"route_xy": routes, "status": [r[6] for r in rows]}
        if ids is None:
            self.tasks.replace_all(got, cols, text)
        else:
            self.tasks.upsert(got, cols, text, np.setdiff1d(ids, got))

    # -- following the feed -----------------------------------------------------------------------
    def refresh(self) -> RefreshStats:
        """Fold in every change since the last refresh; cheap when nothing changed."""
        started = time.perf_counter()
        n = 0
        full: set[str] = set()
        with self._lock, self._read() as conn:
            while True:
                batch = changes_since(conn, self.sequence)
                if not batch:
                    break
                n += len(batch)
                touched: dict[str, set[int]] = {}
                bulk: set[str] = set()
                packed: list[tuple[int, int]] = []    # (seq, fixes) of position batches, in feed order
                for c in batch:
                    if c.op == "bulk":
                        bulk.add(c.entity)
                    elif c.op == "batch" and c.entity == "officer_position":
                        packed.append((c.seq, c.entity_id))
                    else:
                        touched.setdefault(c.entity, set()).add(c.entity_id)
                self._apply(conn, touched, bulk, packed, full)
                self.sequence = batch[-1].seq
        return RefreshStats(n, self.sequence, (time.perf_counter() - started) * 1000, tuple(sorted(full)))

    def _apply(self, conn: Connection, touched: dict[str, set[int]], bulk: set[str], packed: list[tuple[int, int]],
               full: set[str]) -> None:
        loaders = (("officer", self._load_officers), ("officer_position", self._load_positions),
                   ("incident", self._load_incidents), ("task", self._load_tasks))
        if "city_meta" in touched or "city_meta" in bulk:
            self._load_meta(conn)
        if "officer" in bulk:   # a new roster: positions must be re-attached to the new rows
            bulk.add("officer_position")
        if packed and "officer_position" not in bulk:
            # before the roster loads below: an officer new in this round is not in the arrays yet and
            # loads its position from the table (which holds the batch); known officers keep theirs
            if not self._replay_position_batches(conn, packed):
                bulk.add("officer_position")
        if touched.get("task") and "incident" not in bulk:
            rows = conn.exec_driver_sql(f"SELECT DISTINCT incident_id FROM task WHERE id IN "
                                        f"({_in_list(conn, touched['task'])})").all()
            touched.setdefault("incident", set()).update(int(r[0]) for r in rows)
        for entity, loader in loaders:
            ids = touched.get(entity, set())
            if entity in bulk or len(ids) > _FULL_RELOAD_IDS:
                loader(conn, None)
                full.add(entity)
            elif ids:
                loader(conn, np.fromiter(ids, np.int64, len(ids)))
                if entity == "officer":  # a new officer's position may predate its officer row here
                    new = np.fromiter(ids, np.int64, len(ids))
                    self._load_positions(conn, new)

    def follow(self, stop: threading.Event, *, listener=None, poll_s: float = 0.25,  # type: ignore[no-untyped-def]
               on_refresh: Callable[[RefreshStats], None] | None = None) -> None:
        """Refresh until `stop` is set: woken by `listener.wait` (LISTEN/NOTIFY) or every `poll_s`.

        Meant for a worker thread; database errors are retried after `poll_s`, so a
        server restart only delays the picture.
        """
        from sqlalchemy.exc import OperationalError

        while not stop.is_set():
            if listener is not None:
                listener.wait(poll_s)
            else:
                stop.wait(poll_s)
            if stop.is_set():
                break
            try:
                stats = self.refresh()
            except OperationalError:
                stop.wait(poll_s)
                continue
            if on_refresh is not None and stats.changes:
                on_refresh(stats)

    # -- the picture ------------------------------------------------------------------------------
    def snapshot(self, now_s: float | None = None) -> OperationSnapshot:
        """Copies of the current arrays (safe to hand to another thread)."""
        now = self.now() if now_s is None else now_s
        with self._lock:
            o, i, t = self.officers, self.incidents, self.tasks
            age = (now - o.cols["fix_t"]).astype(np.float32)
            age[np.isnan(age)] = np.inf
            officers = OfficerArrays(
                ids=o.ids.copy(), xy=np.column_stack([o.cols["x"], o.cols["y"]]),
                heading_deg=o.cols["heading"].copy(), status=o.cols["status"].copy(), fix_age_s=age,
                # off duty, an officer is not expected to report: shown as off duty, not as a lost fix
                stale=(age > self.stale_after_s) & (o.cols["status"] != OFFICER_STATUS_CODES["off_duty"]),
                department=o.cols["department"].copy(),
                badges=tuple(o.text.get("badge", ())))
            incidents = IncidentArrays(
                ids=i.ids.copy(), xy=np.column_stack([i.cols["x"], i.cols["y"]]), priority=i.cols["priority"].copy(),
                status=i.cols["status"].copy(), age_s=(now - i.cols["reported_t"]).astype(np.float32),
                codes=tuple(i.text.get("code", ())), categories=tuple(i.text.get("category", ())))
            routes = self._routes(now)
            return OperationSnapshot(sequence=self.sequence, time_s=now, officers=officers, incidents=incidents,
                                     routes=routes)

    def _routes(self, now: float) -> RouteArrays:
        t = self.tasks
        polylines = t.text.get("route_xy", [])
        keep = [k for k, p in enumerate(polylines) if len(p) >= 2 and t.text["status"][k] != "on_scene"]
        if not keep:
            return RouteArrays(np.zeros((0, 2)), np.zeros(1, np.int64), np.zeros(0, np.int64),
                               np.zeros(0, np.float32), np.zeros(0, bool))
        lengths = np.array([len(polylines[k]) for k in keep])
        remaining = np.maximum(t.cols["eta_s"][keep] - (now - t.cols["dispatched_t"][keep]), 0.0)
        return RouteArrays(np.concatenate([polylines[k] for k in keep]), np.r_[0, np.cumsum(lengths)].astype(np.int64),
                           t.ids[keep].copy(), remaining.astype(np.float32), np.zeros(len(keep), bool))

    def incident_sla(self, now_s: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(incident ids, SLA level codes) aligned with `snapshot().incidents` — see domain.sla.LEVEL_CODES."""
        now = self.now() if now_s is None else now_s
        with self._lock:
            c = self.incidents.cols
            return self.incidents.ids.copy(), sla_levels(c["dispatched_t"], c["acknowledged_t"], c["arrived_t"], now)

    def provider(self) -> Callable[[], OperationSnapshot]:
        """The callable the map's QTimer polls."""
        return self.snapshot

    def open_task_of(self, officer_id: int) -> int | None:
        """Id of the officer's open task, if the snapshot knows one (for the UI's detail panels)."""
        with self._lock:
            hit = np.flatnonzero(self.tasks.cols["officer_id"] == officer_id)
            return int(self.tasks.ids[hit[0]]) if len(hit) else None
