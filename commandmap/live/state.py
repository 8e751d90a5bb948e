"""In-memory live snapshot of the operation, refreshed from the change feed.

`LiveState` loads officers, positions, open incidents and open tasks once, then
`refresh()` reads only `changes_since(last_seq)` and reloads only the rows those
changes name (a 'bulk' change, or very many ids, reloads that table in one
scan). A packed ingest tick — change ('position_batch', seq, 'insert') — is
replayed from its `position_batch` row instead: one blob per tick, not 25k rows.
`snapshot()` hands the map an `OperationSnapshot` of numpy arrays in the city's
metric CRS, read from the store like everything else. The store is the only
source of truth, so any number of seats following one store show the same
operation. The SQL lives in `commandmap.store.live_reads`.

On PostgreSQL, `follow()` sleeps on LISTEN/NOTIFY and wakes at once on a
change; it always catches up by seq, so a lost notification or a reconnect
costs latency, never data. SQLite polls.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, Engine

from routing.projection import to_xy

from ..domain.fix_validation import DEFAULT_STALE_AFTER_S
from ..domain.position_batch import PositionBatch, to_microseconds
from ..domain.snapshot import INCIDENT_STATUS_CODES, OFFICER_STATUS_CODES, OperationSnapshot, RosterArrays
from ..domain.transitions import OPEN_INCIDENT_STATUSES, OPEN_TASK_STATUSES
from ..store import live_reads as reads
from ..store.changes import ChangeRow, changes_since, latest_seq, oldest_seq
from ..store.notify import Listener
from ..store.repos import CITY_CRS_KEY, ROAD_NETWORK_KEY, ROAD_SHA_KEY, city_crs, get_meta
from .columns import ColumnTable
from .published import Published, publish, snapshot_of, sla_of

SIM_CLOCK_KEY = "sim_clock"      # city_meta entry the simulator keeps: {"wall0", "sim0", "speed"}
_FULL_RELOAD_IDS = 2_000         # more touched ids than this: scan the table instead of IN (...)
# packed position batches holding more fixes than this many rosters cost more to replay than one rescan
_BATCH_REPLAY_ROSTERS = 4
_BATCH_REPLAY_MIN_FIXES = 10_000
_SHOWN_INCIDENTS = tuple(s.value for s in OPEN_INCIDENT_STATUSES) + ("resolved",)
_OPEN_TASKS = tuple(s.value for s in OPEN_TASK_STATUSES)
_RELOADED_IN_FULL = ("officer", "officer_position", "incident", "task")


class NoCityCrs(RuntimeError):
    """The store records no city CRS, so nothing can be placed on the map; the message says what to do."""


def _lonlat_to_xy(crs: str, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """(N,2) metres in `crs`; NaN stays NaN."""
    if not len(lon):
        return np.zeros((0, 2))
    return to_xy(crs, np.column_stack([np.asarray(lon, float), np.asarray(lat, float)]))


def _json(value: object) -> object:
    return json.loads(value) if isinstance(value, str) else value


def _opt_float(value: float | None) -> float:
    return np.nan if value is None else float(value)


def _sort_changes(batch: list[ChangeRow]) -> tuple[dict[str, set[int]], set[str], list[int]]:
    """(ids touched per entity, entities changed in bulk, seqs of packed position batches in feed order).
    A ('officer_position', <count>, 'batch') row of a store written before batches were named
    ('position_batch', <seq>, 'insert') cannot be matched to its packed copy: it rescans the table."""
    touched: dict[str, set[int]] = {}
    bulk: set[str] = set()
    packed: list[int] = []
    for c in batch:
        if c.op == "bulk" or c.op == reads.LEGACY_BATCH_OP:
            bulk.add(c.entity)
        elif c.entity == reads.POSITION_BATCH_ENTITY:
            packed.append(c.entity_id)
        else:
            touched.setdefault(c.entity, set()).add(c.entity_id)
    return touched, bulk, packed


@dataclass(frozen=True)
class RefreshStats:
    changes: int
    sequence: int
    elapsed_ms: float
    reloaded: tuple[str, ...]   # tables reloaded in full


class LiveState:
    """The operation as arrays, following one store's change feed."""

    def __init__(self, engine: Engine, *, crs: str | None = None, stale_after_s: float = DEFAULT_STALE_AFTER_S,
                 clock: Callable[[], float] | None = None, max_replay_fixes: int | None = None) -> None:
        """`crs`: the metric CRS of the snapshot's xy; None (the default) takes the city's from the store
        and follows it if the city is rebuilt elsewhere. `max_replay_fixes`: above this many packed
        fixes pending, rescan officer_position instead (default: four rosters, at least 10,000; 0 always
        rescans)."""
        self.engine = engine
        self.max_replay_fixes = max_replay_fixes
        self._crs_override = crs
        self.crs = crs or ""           # set from the store by load() unless overridden
        self.stale_after_s = stale_after_s
        self._clock_override = clock
        self._sim_clock: tuple[float, float, float] | None = None   # wall0, sim0, speed
        self.road_network: tuple[str | None, str | None] = (None, None)   # the store's roads: name, sha256
        self._lock = threading.RLock()
        self._state_published: Published | None = None
        self.sequence = 0
        self.officers = ColumnTable({"department": np.int32, "status": np.int8, "on_duty": bool, "lon": np.float64,
                                     "lat": np.float64, "x": np.float64, "y": np.float64, "heading": np.float32,
                                     "fix_t": np.float64})
        self.incidents = ColumnTable({"priority": np.int8, "status": np.int8, "lon": np.float64, "lat": np.float64,
                                      "x": np.float64, "y": np.float64, "reported_t": np.float64,
                                      "dispatched_t": np.float64, "acknowledged_t": np.float64,
                                      "arrived_t": np.float64})
        self.tasks = ColumnTable({"officer_id": np.int64, "incident_id": np.int64, "dispatched_t": np.float64,
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
    def load(self) -> None:
        """Full load (start-up; `refresh` does the same when the feed was pruned past this seat)."""
        with self._lock, reads.read_connection(self.engine) as conn:
            self._load_all(conn)
            self._publish()

    def _load_meta(self, conn: Connection) -> bool:
        """The simulator's clock and the city's CRS; True when the CRS changed (everything reprojects)."""
        raw = get_meta(conn, SIM_CLOCK_KEY)
        self._sim_clock = None
        if raw is not None:
            try:
                v = json.loads(raw)
                self._sim_clock = (float(v["wall0"]), float(v["sim0"]), float(v["speed"]))
            except (ValueError, KeyError, TypeError):
                self._sim_clock = None
        self.road_network = (get_meta(conn, ROAD_NETWORK_KEY), get_meta(conn, ROAD_SHA_KEY))
        if self._crs_override:
            return False
        crs = city_crs(conn)
        if not crs:
            if self.crs:
                return False    # the city row went away mid-rebuild: keep drawing in the last known CRS
            where = self.engine.url.render_as_string(hide_password=True)
            raise NoCityCrs(f"store {where} records no city CRS (city_meta {CITY_CRS_KEY!r}): build the city "
                            "first (`commandmap demo`), or give LiveState an explicit crs=")
        changed = crs != self.crs
        self.crs = crs
        return changed

    def _load_officers(self, conn: Connection, ids: np.ndarray | None) -> None:
        rows = reads.officer_rows(conn, None if ids is None else ids.tolist())
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
        t.load(got, cols, {"badge": [r[1] for r in rows]}, ids)

    def _load_positions(self, conn: Connection, ids: np.ndarray | None) -> None:
        arr = reads.position_floats(conn, None if ids is None else ids.tolist())
        t = self.officers
        if ids is None:
            for name in ("lon", "lat", "x", "y", "heading", "fix_t"):
                t.cols[name][:] = np.nan
        if not len(arr):
            return
        idx = t.index_of(arr[:, 0].astype(np.int64))
        ok = idx >= 0
        idx, arr = idx[ok], arr[ok]
        self._set_positions(idx, arr[:, 1], arr[:, 2], arr[:, 3], arr[:, 4])

    def _set_positions(self, idx: np.ndarray, lon: np.ndarray, lat: np.ndarray, heading: np.ndarray,
                       fix_t: np.ndarray) -> None:
        t = self.officers
        xy = _lonlat_to_xy(self.crs, lon, lat)
        t.cols["lon"][idx], t.cols["lat"][idx] = lon, lat
        t.cols["x"][idx], t.cols["y"][idx] = xy[:, 0], xy[:, 1]
        t.cols["heading"][idx] = heading
        t.cols["fix_t"][idx] = fix_t

    def _replay_position_batches(self, conn: Connection, seqs: list[int]) -> bool:
        """Apply packed batches (by seq, in feed order) as the store did: a fix moves an officer only
        when strictly newer than the position held. False when they cannot stand in for a rescan: more
        fixes than a rescan reads, one pruned, or one unreadable (the table is the truth then)."""
        limit = self.max_replay_fixes
        if limit is None:
            limit = max(_BATCH_REPLAY_ROSTERS * len(self.officers.ids), _BATCH_REPLAY_MIN_FIXES)
        if limit <= 0:
            return False
        sizes = reads.position_batch_sizes(conn, seqs)
        if len(sizes) != len(seqs) or sum(sizes.values()) > limit:
            return False
        found = reads.position_batch_payloads(conn, seqs)
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
        rows = [r for r in reads.incident_rows(conn, _SHOWN_INCIDENTS, None if ids is None else ids.tolist())
                if r[4] in _SHOWN_INCIDENTS]
        got = np.array([r[0] for r in rows], np.int64)
        lon = np.array([r[5] for r in rows], float)
        lat = np.array([r[6] for r in rows], float)
        xy = _lonlat_to_xy(self.crs, lon, lat)

        def opt(k: int) -> np.ndarray:
            return np.array([_opt_float(r[k]) for r in rows], float)
        cols = {"priority": np.array([int(str(r[3])[1:] or 4) for r in rows], np.int8),
                "status": np.array([INCIDENT_STATUS_CODES.get(r[4], 0) for r in rows], np.int8),
                "lon": lon, "lat": lat, "x": xy[:, 0], "y": xy[:, 1],
                "reported_t": np.array([r[7] for r in rows], float),
                "dispatched_t": opt(8), "acknowledged_t": opt(9), "arrived_t": opt(10)}
        text = {"code": [r[1] for r in rows], "category": [r[2] for r in rows]}
        self.incidents.load(got, cols, text, ids)

    def _load_tasks(self, conn: Connection, ids: np.ndarray | None) -> None:
        rows = [r for r in reads.task_rows(conn, _OPEN_TASKS, None if ids is None else ids.tolist())
                if r[6] in _OPEN_TASKS]
        got = np.array([r[0] for r in rows], np.int64)
        routes = []
        for r in rows:
            pts = np.asarray(_json(r[5]) or [], dtype=np.float64).reshape(-1, 2)
            routes.append(_lonlat_to_xy(self.crs, pts[:, 0], pts[:, 1]))
        cols = {"officer_id": np.array([r[1] for r in rows], np.int64),
                "incident_id": np.array([-1 if r[2] is None else r[2] for r in rows], np.int64),  # -1: none
                "dispatched_t": np.array([r[3] for r in rows], float),
                "eta_s": np.array([r[4] for r in rows], float),
                "acknowledged_t": np.array([_opt_float(r[7]) for r in rows], float),
                "arrived_t": np.array([_opt_float(r[8]) for r in rows], float)}
        self.tasks.load(got, cols, {"route_xy": routes, "status": [r[6] for r in rows]}, ids)

    # -- following the feed -----------------------------------------------------------------------
    def refresh(self) -> RefreshStats:
        """Fold in every change since the last refresh; cheap when nothing changed."""
        started = time.perf_counter()
        n = 0
        full: set[str] = set()
        with self._lock, reads.read_connection(self.engine) as conn:
            while True:
                batch = changes_since(conn, self.sequence)
                if not batch:
                    break
                n += len(batch)
                if batch[0].seq != self.sequence + 1 and oldest_seq(conn) > self.sequence + 1:
                    self._load_all(conn)   # the feed was pruned past this seat
                    full.update(_RELOADED_IN_FULL)
                    continue
                self._apply(conn, *_sort_changes(batch), full)
                self.sequence = batch[-1].seq
            if n:
                self._publish()
        return RefreshStats(n, self.sequence, (time.perf_counter() - started) * 1000, tuple(sorted(full)))

    def _load_all(self, conn: Connection) -> None:
        """Everything again, when changes this seat had not read were pruned (it cannot know which rows
        they named). Checked only when the first change read is not the next seq (gaps are normal:
        rolled-back writers burn seqs), so an up-to-date seat pays nothing; the changes after the
        reload's seq are then read as usual."""
        self.sequence = latest_seq(conn)
        self._load_meta(conn)
        for _, loader in self._loaders():
            loader(conn, None)

    def _loaders(self) -> tuple[tuple[str, Callable[[Connection, np.ndarray | None], None]], ...]:
        return (("officer", self._load_officers), ("officer_position", self._load_positions),
                ("incident", self._load_incidents), ("task", self._load_tasks))

    def _apply(self, conn: Connection, touched: dict[str, set[int]], bulk: set[str], packed: list[int],
               full: set[str]) -> None:
        loaders = self._loaders()
        if "city_meta" in touched or "city_meta" in bulk:
            if self._load_meta(conn):   # the city moved to another CRS: every xy is reprojected
                bulk.update(("officer_position", "incident", "task"))
        if "officer" in bulk:   # a new roster: positions must be re-attached to the new rows
            bulk.add("officer_position")
        if packed and "officer_position" not in bulk:
            # before the roster loads below: an officer new in this round is not in the arrays yet and
            # loads its position from the table (which holds the batch); known officers keep theirs
            if not self._replay_position_batches(conn, packed):
                bulk.add("officer_position")
        if touched.get("task") and "incident" not in bulk:
            touched.setdefault("incident", set()).update(reads.incidents_of_tasks(conn, touched["task"]))
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

    def follow(self, stop: threading.Event, *, listener: Listener | None = None, poll_s: float = 0.25,
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
    def roster_arrays(self) -> RosterArrays:
        """Every officer's duty, status, department and latest fix as of the last refresh (any thread;
        read-only arrays shared by all callers). Published at the end of each refresh, so a
        recommendation never waits for the follower's lock while it reads the store."""
        return self._published_state().roster

    def _publish(self) -> None:
        """Publish the arrays the map and the recommendations read: under the lock, at the end of each
        load or refresh that changed something."""
        self._state_published = publish(self.sequence, self.officers, self.incidents, self.tasks)

    def snapshot(self, now_s: float | None = None) -> OperationSnapshot:
        """The operation now, from the arrays published by the last refresh (any thread, no lock: the
        follower may be reading the store meanwhile). Its arrays are read-only, shared between calls."""
        now = self.now() if now_s is None else now_s
        return snapshot_of(self._published_state(), now, self.stale_after_s)

    def incident_sla(self, now_s: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(incident ids, SLA level codes) aligned with `snapshot().incidents` — see domain.sla.LEVEL_CODES."""
        now = self.now() if now_s is None else now_s
        return sla_of(self._published_state(), now)

    def _published_state(self) -> Published:
        got = self._state_published
        if got is None:
            with self._lock:
                self._publish()
                got = self._state_published
        assert got is not None
        return got

    def provider(self) -> Callable[[], OperationSnapshot]:
        """The callable the map's QTimer polls."""
        return self.snapshot

    def open_task_of(self, officer_id: int) -> int | None:
        """Id of the officer's open task, if the snapshot knows one (for the UI's detail panels)."""
        with self._lock:
            hit = np.flatnonzero(self.tasks.cols["officer_id"] == officer_id)
            return int(self.tasks.ids[hit[0]]) if len(hit) else None
