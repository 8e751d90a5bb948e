"""Replay: the operation as it stood at any moment of the stored history.

`ReplayHistory` reads one span (e.g. a day) — tasks with their stage times,
incidents with when they closed and the recommendation lists shown at once; the
accepted fixes in time chunks, so memory stays bounded on a full-city day — into
sorted arrays, so each frame is array look-ups, not queries: officers' last
accepted fix at or before T, each task's stage at T, each incident's status at T,
the lists dispatchers had on screen at T (`services.shown`), and "who was within
R m of this point at T". `snapshot_at(T)` is an `OperationSnapshot`, so the map's
own layers draw a replay exactly as they draw the live operation.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Engine, func, select

from routing.projection import to_xy

from ..domain.fix_validation import DEFAULT_STALE_AFTER_S
from ..domain.snapshot import (INCIDENT_STATUS_CODES, OFFICER_STATUS_CODES, IncidentArrays, OfficerArrays,
                               OperationSnapshot, RouteArrays, empty_routes)
from ..store import schema
from ..store.engine import READ_ONLY_OPTION
from .clock import from_epoch, to_epoch
from .shown import ShownList, _row

NAN = float("nan")


def _t(at: object) -> float:
    v = to_epoch(at)  # type: ignore[arg-type]
    return NAN if v is None else v


@dataclass(frozen=True)
class Nearby:
    officer_id: int
    badge: str
    distance_m: float
    fix_age_s: float


@dataclass(frozen=True)
class FixChunk:
    """Accepted fixes of one time chunk, sorted by (officer rank, time)."""
    rank: np.ndarray        # int64, the officer's index in ReplayHistory.officer_ids
    t_s: np.ndarray         # float64
    xy: np.ndarray          # (n, 2) map metres
    heading_deg: np.ndarray  # float32

    @staticmethod
    def empty() -> FixChunk:
        return FixChunk(np.zeros(0, np.int64), np.zeros(0), np.zeros((0, 2)), np.zeros(0, np.float32))

    @staticmethod
    def sorted_from(rank: np.ndarray, t_s: np.ndarray, xy: np.ndarray, heading_deg: np.ndarray) -> FixChunk:
        keep = rank >= 0                     # fixes of officers no longer on the roster
        order = np.lexsort((t_s[keep], rank[keep]))
        return FixChunk(rank[keep][order], t_s[keep][order], xy[keep][order], heading_deg[keep][order])

    def last_per_officer(self) -> np.ndarray:
        """Index of each officer's last fix in this chunk."""
        return np.flatnonzero(np.diff(self.rank, append=np.iinfo(np.int64).max) != 0)


@dataclass(frozen=True)
class _Carry:
    """Every officer's last accepted fix before a chunk boundary (t NaN: none since the stale horizon)."""
    t_s: np.ndarray
    xy: np.ndarray
    heading_deg: np.ndarray

    def then(self, chunk: FixChunk) -> _Carry:
        t, xy, heading = self.t_s.copy(), self.xy.copy(), self.heading_deg.copy()
        last = chunk.last_per_officer()
        r = chunk.rank[last]
        t[r], xy[r], heading[r] = chunk.t_s[last], chunk.xy[last], chunk.heading_deg[last]
        return _Carry(t, xy, heading)


FixSource = Callable[[float, float, bool], FixChunk]
"""(lo_s, hi_s, hi_inclusive) -> the accepted fixes with lo_s <= fix_time < hi_s (<= when inclusive)."""
LastFixSource = Callable[[float, float], FixChunk]
"""(lo_s, hi_s) -> each officer's last accepted fix with lo_s <= fix_time < hi_s (at most one per officer)."""
CHUNK_S = 300.0             # a full-city chunk: 25,000 officers x a fix per 10 s = 750 k fixes, ~25 MB of arrays
CHECKPOINT_CHUNKS = 12      # every officer's carried fix is kept at every 12th boundary (hourly)
CACHED_CHUNKS = 2           # plus the next one being read ahead
READ_BATCH_ROWS = 50_000


class ReplayHistory:
    """The stored history of [start_s, end_s], for frames at any T inside it.

    Tasks, incidents and the lists shown are few and read once. Fixes are many (a
    full-city day is ~200 M) and are read in time chunks of `chunk_s`: a frame at T
    needs T's chunk plus every officer's last fix before it (carried forward from the
    previous chunk while playing; after a jump, read as one row per officer, kept at
    hourly checkpoints), so memory holds at most `CACHED_CHUNKS` chunks (and the one
    read ahead) whatever the span."""

    def __init__(self, engine: Engine, crs: str, start_s: float, end_s: float, *,
                 stale_after_s: float = DEFAULT_STALE_AFTER_S, chunk_s: float = CHUNK_S) -> None:
        if end_s <= start_s:
            raise ValueError(f"replay: the end ({end_s:.0f}) is not after the start ({start_s:.0f})")
        if not chunk_s > 0:
            raise ValueError(f"replay: the chunk length must be positive, got {chunk_s}")
        self.engine = engine
        self.crs, self.start_s, self.end_s, self.stale_after_s = crs, start_s, end_s, stale_after_s
        o, t, i, a, s = (schema.officer, schema.task, schema.incident, schema.audit_event,
                         schema.recommendation_shown)
        hi = from_epoch(end_s)
        with engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as conn:
            officers = conn.execute(select(o.c.id, o.c.badge, o.c.department_id).order_by(o.c.id)).all()
            tasks = conn.execute(select(t.c.id, t.c.incident_id, t.c.officer_id, t.c.dispatched_at, t.c.acknowledged_at,
                                        t.c.en_route_at, t.c.arrived_at, t.c.completed_at, t.c.predicted_eta_s,
                                        t.c.route_lonlat)
                                 .where(t.c.dispatched_at <= hi).order_by(t.c.id)).all()
            incidents = conn.execute(select(i.c.id, i.c.code, i.c.category, i.c.priority, i.c.lon, i.c.lat,
                                            i.c.reported_at).where(i.c.reported_at <= hi).order_by(i.c.id)).all()
            ended = conn.execute(select(a.c.entity_id, a.c.at).where(
                a.c.entity == "incident", a.c.action.in_(("incident.close", "incident.cancel")),
                a.c.at <= hi)).all()
            self._shown = [_row(r) for r in conn.execute(select(s).where(s.c.at <= hi).order_by(s.c.at, s.c.id))]
        # officers
        self.officer_ids = np.array([r.id for r in officers], np.int64)
        self.badges = tuple(r.badge for r in officers)
        self.departments = np.array([r.department_id for r in officers], np.int32)
        rank = {int(v): k for k, v in enumerate(self.officer_ids)}
        self._rank = rank
        self._init_fixes(self._read_fixes, self._read_last_fixes, chunk_s)
        # tasks
        self._task_ids = np.array([r.id for r in tasks], np.int64)
        self._task_incident = np.array([-1 if r.incident_id is None else r.incident_id for r in tasks], np.int64)
        self._task_officer_rank = np.array([rank.get(int(r.officer_id), -1) for r in tasks], np.int64)
        self._task_stage = {k: np.array([_t(getattr(r, k)) for r in tasks], np.float64)
                            for k in ("dispatched_at", "acknowledged_at", "en_route_at", "arrived_at", "completed_at")}
        self._task_eta = np.array([r.predicted_eta_s for r in tasks], np.float64)
        self._task_route = [r.route_lonlat or [] for r in tasks]
        # incidents
        self.incident_ids = np.array([r.id for r in incidents], np.int64)
        self._inc_codes = tuple(r.code for r in incidents)
        self._inc_categories = tuple(r.category for r in incidents)
        self._inc_priority = np.array([int(str(r.priority)[1:]) for r in incidents], np.int8)
        ill = np.array([(r.lon, r.lat) for r in incidents], np.float64).reshape(-1, 2)
        self._inc_xy = to_xy(crs, ill) if len(ill) else np.zeros((0, 2))
        self._inc_reported = np.array([_t(r.reported_at) for r in incidents], np.float64)
        end_of = {int(r.entity_id): _t(r.at) for r in ended}
        self._inc_ended = np.array([end_of.get(int(v), NAN) for v in self.incident_ids], np.float64)

    # -- fixes, chunk by chunk ------------------------------------------------------------------------
    def _init_fixes(self, source: FixSource, last_source: LastFixSource, chunk_s: float,
                    prefetch: bool = True) -> None:
        """Start with no chunk read (also how a synthetic history, e.g. the benchmark's, is set up).
        `prefetch`: while T is in chunk k, chunk k + 1 is read in a worker thread, so playing
        forward does not wait for the store at each chunk boundary."""
        self._fix_source, self._last_source = source, last_source
        self._prefetch_on = prefetch
        self._pool: ThreadPoolExecutor | None = None
        self._prefetch: tuple[int, Future[FixChunk]] | None = None
        self.chunk_s = float(chunk_s)
        self.n_chunks = max(1, int(np.ceil((self.end_s - self.start_s) / self.chunk_s)))
        self._chunks: OrderedDict[int, FixChunk] = OrderedDict()
        n = len(self.officer_ids)
        self._carries: dict[int, _Carry] = {-1: _Carry(np.full(n, NAN), np.full((n, 2), NAN),
                                                       np.full(n, NAN, np.float32))}
        self.fix_reads: list[tuple[float, float, int]] = []     # (lo_s, hi_s, rows) of every chunk read
        self.last_fix_reads: list[tuple[float, float, int]] = []    # ... of every "last fix per officer" read

    def _bounds(self, k: int) -> tuple[float, float]:
        """Chunk -1 is the stale horizon before the span; the last chunk ends at (and includes) end_s."""
        if k < 0:
            return self.start_s - self.stale_after_s, self.start_s
        return self.start_s + k * self.chunk_s, min(self.end_s, self.start_s + (k + 1) * self.chunk_s)

    def _chunk_of(self, t_s: float) -> int:
        if t_s < self.start_s:
            return -1
        return min(int((t_s - self.start_s) // self.chunk_s), self.n_chunks - 1)

    def _read_fixes(self, lo_s: float, hi_s: float, hi_inclusive: bool) -> FixChunk:
        f = schema.position_fix
        q = select(f.c.officer_id, f.c.fix_time, f.c.lon, f.c.lat, f.c.heading_deg).where(
            f.c.verdict == "good", f.c.fix_time >= from_epoch(lo_s),
            f.c.fix_time <= from_epoch(hi_s) if hi_inclusive else f.c.fix_time < from_epoch(hi_s))
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        with self.engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as conn:
            result = conn.execution_options(yield_per=READ_BATCH_ROWS).execute(q)
            for rows in result.partitions():       # a batch at a time: no full chunk of row objects at once
                parts.append((np.array([self._rank.get(int(r.officer_id), -1) for r in rows], np.int64),
                              np.array([_t(r.fix_time) for r in rows], np.float64),
                              to_xy(self.crs, np.array([(r.lon, r.lat) for r in rows], np.float64).reshape(-1, 2)),
                              np.array([NAN if r.heading_deg is None else r.heading_deg for r in rows], np.float32)))
        if not parts:
            return FixChunk.empty()
        return FixChunk.sorted_from(*(np.concatenate([p[j] for p in parts]) for j in range(4)))

    def _read_last_fixes(self, lo_s: float, hi_s: float) -> FixChunk:
        """Each officer's last good fix in [lo, hi): the database reduces, at most one row per officer comes back."""
        f = schema.position_fix
        last = (select(f.c.officer_id, func.max(f.c.fix_time).label("t"))
                .where(f.c.verdict == "good", f.c.fix_time >= from_epoch(lo_s), f.c.fix_time < from_epoch(hi_s))
                .group_by(f.c.officer_id).subquery())
        q = select(f.c.officer_id, f.c.fix_time, f.c.lon, f.c.lat, f.c.heading_deg).join(
            last, (f.c.officer_id == last.c.officer_id) & (f.c.fix_time == last.c.t))
        with self.engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as conn:
            rows = conn.execute(q).all()
        if not rows:
            return FixChunk.empty()
        return FixChunk.sorted_from(np.array([self._rank.get(int(r.officer_id), -1) for r in rows], np.int64),
                                    np.array([_t(r.fix_time) for r in rows], np.float64),
                                    to_xy(self.crs, np.array([(r.lon, r.lat) for r in rows], np.float64)),
                                    np.array([NAN if r.heading_deg is None else r.heading_deg for r in rows],
                                             np.float32))

    def _read_chunk(self, k: int) -> FixChunk:
        lo, hi = self._bounds(k)
        chunk = self._fix_source(lo, hi, k == self.n_chunks - 1)
        self.fix_reads.append((lo, hi, len(chunk.t_s)))
        return chunk

    def _chunk(self, k: int) -> FixChunk:
        chunk = self._chunks.get(k)
        if chunk is None:
            chunk = self._chunks[k] = self._take_prefetched(k) or self._read_chunk(k)
            while len(self._chunks) > CACHED_CHUNKS:
                self._chunks.popitem(last=False)
        self._chunks.move_to_end(k)
        nxt = k + 1
        if self._prefetch_on and nxt < self.n_chunks and nxt not in self._chunks \
                and (self._prefetch is None or self._prefetch[0] != nxt):
            if self._prefetch is not None:
                self._prefetch[1].cancel()          # a jump elsewhere: that chunk is no longer next
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="commandmap-replay-read")
            self._prefetch = (nxt, self._pool.submit(self._read_chunk, nxt))
        return chunk

    def _take_prefetched(self, k: int) -> FixChunk | None:
        pending = self._prefetch
        if pending is None or pending[0] != k:
            return None
        self._prefetch = None
        return pending[1].result()

    def close(self) -> None:
        """Stop the read-ahead worker (a history no longer shown)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._prefetch = None

    def _carry(self, k: int) -> _Carry:
        """Every officer's last fix before chunk k: from the nearest known boundary onwards — from
        the previous chunk when it is in memory (playing), else one "last fix per officer" read
        per hour between checkpoints (a jump: the store reduces, no fixes are carried here)."""
        if k in self._carries:
            return self._carries[k]
        j = max(b for b in self._carries if b < k)
        carry = self._carries[j]
        i = j
        while i < k:
            nxt = min(k, 0 if i < 0 else (i // CHECKPOINT_CHUNKS + 1) * CHECKPOINT_CHUNKS)
            if nxt == i + 1 and i in self._chunks:
                carry = carry.then(self._chunks[i])
            else:
                lo, hi = self._bounds(i)[0], self._bounds(nxt)[0]
                last = self._last_source(lo, hi)
                self.last_fix_reads.append((lo, hi, len(last.t_s)))
                carry = carry.then(last)
            i = nxt
            if i % CHECKPOINT_CHUNKS == 0:
                self._carries[i] = carry
        keep = set(self._chunks) | {k}
        for b in [b for b in self._carries if b > 0 and b % CHECKPOINT_CHUNKS and b not in keep]:
            del self._carries[b]
        self._carries[k] = carry
        return carry

    # -- officers -------------------------------------------------------------------------------------
    def positions_at(self, t_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(xy, heading_deg, fix_age_s) of every officer from the last accepted fix at or before T
        (NaN / inf when none within the stale horizon before the span)."""
        n = len(self.officer_ids)
        xy = np.full((n, 2), np.nan)
        heading = np.full(n, np.nan, np.float32)
        age = np.full(n, np.inf, np.float32)
        lo, _ = self._bounds(-1)
        if t_s < lo or n == 0:
            return xy, heading, age
        k = self._chunk_of(t_s)
        carry = self._carry(k)
        chunk = self._chunk(k)
        fix_t = carry.t_s.copy()
        have = np.isfinite(fix_t)
        xy[have], heading[have] = carry.xy[have], carry.heading_deg[have]
        if len(chunk.t_s):
            b0, b1 = self._bounds(k)
            width = (b1 - b0) + 2.0
            q = np.arange(n) * width + (min(t_s, b1) - b0)
            keys = chunk.rank * width + (chunk.t_s - b0)
            j = np.searchsorted(keys, q, side="right") - 1
            ok = j >= 0
            ok[ok] &= chunk.rank[j[ok]] == np.arange(n)[ok]
            xy[ok], heading[ok], fix_t[ok] = chunk.xy[j[ok]], chunk.heading_deg[j[ok]], chunk.t_s[j[ok]]
        found = np.isfinite(fix_t)
        age[found] = (t_s - fix_t[found]).astype(np.float32)
        return xy, heading, age

    def _active_tasks(self, t_s: float) -> np.ndarray:
        st = self._task_stage
        done = st["completed_at"]
        return np.flatnonzero((st["dispatched_at"] <= t_s) & ~(done <= t_s))

    def within(self, x: float, y: float, radius_m: float, t_s: float) -> list[Nearby]:
        """Officers whose position at T (last accepted fix, not stale) lies within `radius_m`, nearest first."""
        xy, _, age = self.positions_at(t_s)
        d = np.hypot(xy[:, 0] - x, xy[:, 1] - y)
        hit = np.flatnonzero((d <= radius_m) & (age <= self.stale_after_s))
        hit = hit[np.argsort(d[hit], kind="stable")]
        return [Nearby(int(self.officer_ids[k]), self.badges[k], float(d[k]), float(age[k])) for k in hit]

    # -- the whole frame ------------------------------------------------------------------------------
    def snapshot_at(self, t_s: float) -> OperationSnapshot:
        xy, heading, age = self.positions_at(t_s)
        status = np.full(len(self.officer_ids), OFFICER_STATUS_CODES["available"], np.int8)
        active = self._active_tasks(t_s)
        st = self._task_stage
        task_code = np.where(st["arrived_at"][active] <= t_s, OFFICER_STATUS_CODES["on_scene"],
                             np.where(st["en_route_at"][active] <= t_s, OFFICER_STATUS_CODES["en_route"],
                                      OFFICER_STATUS_CODES["dispatched"])).astype(np.int8)
        ranks = self._task_officer_rank[active]
        keep = ranks >= 0
        status[ranks[keep]] = task_code[keep]
        officers = OfficerArrays(ids=self.officer_ids.copy(), xy=xy, heading_deg=heading, status=status, fix_age_s=age,
                                 stale=age > self.stale_after_s, department=self.departments.copy(),
                                 badges=self.badges)
        return OperationSnapshot(sequence=-1, time_s=t_s, officers=officers, incidents=self._incidents_at(t_s, active),
                                 routes=self._routes(active, t_s))

    def _incidents_at(self, t_s: float, active: np.ndarray) -> IncidentArrays:
        st = self._task_stage
        disp = st["dispatched_at"]
        resolved = np.isin(self.incident_ids, self._task_incident[st["completed_at"] <= t_s])
        open_ = (self._inc_reported <= t_s) & ~(self._inc_ended <= t_s) & ~resolved
        codes = np.full(len(self.incident_ids), INCIDENT_STATUS_CODES["new"], np.int8)
        # the most advanced stage of each incident's active tasks
        stage = np.where(st["arrived_at"][active] <= t_s, INCIDENT_STATUS_CODES["on_scene"],
                         np.where(st["en_route_at"][active] <= t_s, INCIDENT_STATUS_CODES["en_route"],
                                  np.where(disp[active] <= t_s, INCIDENT_STATUS_CODES["dispatched"],
                                           INCIDENT_STATUS_CODES["new"]))).astype(np.int8)
        idx = np.searchsorted(self.incident_ids, self._task_incident[active])
        known = (idx < len(self.incident_ids))
        known[known] &= self.incident_ids[idx[known]] == self._task_incident[active][known]
        np.maximum.at(codes, idx[known], stage[known])
        sel = np.flatnonzero(open_)
        return IncidentArrays(ids=self.incident_ids[sel], xy=self._inc_xy[sel], priority=self._inc_priority[sel],
                              status=codes[sel], age_s=(t_s - self._inc_reported[sel]).astype(np.float32),
                              codes=tuple(self._inc_codes[k] for k in sel),
                              categories=tuple(self._inc_categories[k] for k in sel))

    def _routes(self, active: np.ndarray, t_s: float) -> RouteArrays:
        lines = [(k, np.asarray(self._task_route[k], np.float64)) for k in active
                 if len(self._task_route[k]) >= 2 and not (self._task_stage["arrived_at"][k] <= t_s)]
        if not lines:
            return empty_routes()
        coords = to_xy(self.crs, np.concatenate([ll for _, ll in lines]))
        offsets = np.concatenate([[0], np.cumsum([len(ll) for _, ll in lines])]).astype(np.int64)
        eta = np.array([max(0.0, self._task_eta[k] - (t_s - self._task_stage["dispatched_at"][k]))
                        for k, _ in lines], np.float32)
        return RouteArrays(coords, offsets, self._task_ids[[k for k, _ in lines]], eta, np.zeros(len(lines), bool))

    # -- what the dispatchers saw ----------------------------------------------------------------------
    def shown_at(self, t_s: float, incident_id: int | None = None) -> dict[int, ShownList]:
        """Per incident, the last recommendation list on a screen at or before T."""
        out: dict[int, ShownList] = {}
        for row in self._shown:
            if row.at_s > t_s:
                break
            if incident_id is None or row.incident_id == incident_id:
                out[row.incident_id] = row
        return out
