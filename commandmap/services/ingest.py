"""The position ingest path: one validator and one batch writer for every feed.

A batch is judged by `domain.fix_validation`, then written in ONE transaction:
every storable fix with its verdict (a duplicate device+time is a no-op by the
UNIQUE constraint), the officers' latest good fixes (a conditional upsert that
never moves an officer back in time, even with two writers), re-labelled
confirmed jumps, and a packed copy of the moved officers' fixes (a `position_batch`
row, its `officers` column the count) announced by ONE change row
('position_batch', <its seq>, 'insert'): a seat follows a 25k-fix tick by
reading that one blob, not 25k rows.
Old packed batches are pruned; a seat that finds one gone rescans the table.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlalchemy import Connection, Engine, delete, insert, select
from sqlalchemy.exc import SQLAlchemyError

from ..domain.enums import FixVerdict, TravelMode
from ..domain.fix_validation import (CODE, GOOD, VERDICTS, FixRules, TrackTable, clean_optional,
                                     officer_id_array, storable, validate_batch)
from ..domain.position_batch import PositionBatch
from ..store.changes import record_keyed_change
from ..store.fix_history import DAY_S, ensure_fix_partitions
from ..store.schema import district, officer, position_batch
from ..store.sqlite_rows import insert_columns
from .clock import Clock, parse_timestamps, sqlite_timestamps, wall_clock

#: packed batches older than this are deleted (a simulated city at 10x writes ~1 MB of them a second);
#: a seat further behind rescans officer_position, which costs it tens of milliseconds once
BATCH_KEEP_S = 60.0
_PRUNE_EVERY_S = 10.0
_UNKNOWN_RELOAD_EVERY_S = 30.0
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_VERDICT_NAMES = [v.value for v in VERDICTS]
#: a reported speed or accuracy beyond these is a broken device's number: stored as unknown (NULL)
MAX_REPORTED_SPEED_MPS = 1_000.0
MAX_REPORTED_ACCURACY_M = 1e6
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FixBatch:
    """Fixes in arrival order. Optional columns are NaN where a feed did not report them."""

    officer_id: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    fix_time_s: np.ndarray
    heading_deg: np.ndarray | None = None
    speed_mps: np.ndarray | None = None
    accuracy_m: np.ndarray | None = None
    source: str = "simulator"
    #: per fix, what a phone sent beyond the columns as JSON text (None = nothing); stored with the fix
    attributes: Sequence[str | None] | None = None

    def __post_init__(self) -> None:
        n = len(self.officer_id)
        for name in ("lon", "lat", "fix_time_s", "heading_deg", "speed_mps", "accuracy_m"):
            arr = getattr(self, name)
            if arr is not None and len(arr) != n:
                raise ValueError(f"FixBatch.{name} has {len(arr)} values, officer_id has {n}")
        if self.attributes is not None and len(self.attributes) != n:
            raise ValueError(f"FixBatch.attributes has {len(self.attributes)} values, officer_id has {n}")

    def __len__(self) -> int:
        return len(self.officer_id)

    def column(self, name: str) -> np.ndarray:
        arr = getattr(self, name)
        return np.full(len(self), np.nan) if arr is None else np.asarray(arr, dtype=np.float64)


@dataclass(frozen=True)
class IngestReport:
    received: int
    stored: int                       # rows offered to position_fix (duplicates of stored rows are no-ops)
    codes: np.ndarray                 # int8 verdict code per input fix (VERDICTS)
    moved_officer_ids: np.ndarray     # officers whose latest good fix changed
    confirmed_jumps: int
    write_s: float
    counts: dict[FixVerdict, int] = field(default_factory=dict)

    def verdict(self, i: int) -> FixVerdict:
        return VERDICTS[int(self.codes[i])]


MovedHook = Callable[[np.ndarray, np.ndarray, np.ndarray, float], None]


def city_envelope(engine: Engine, margin_deg: float = 0.05) -> tuple[float, float, float, float] | None:
    """Bounding box of the districts (plus a margin), or None when the store has none."""
    import shapely

    with engine.connect() as conn:
        blobs = [r[0] for r in conn.execute(select(district.c.geometry_wkb))]
    if not blobs:
        return None
    geoms = shapely.from_wkb(blobs)
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    return (x0 - margin_deg, y0 - margin_deg, x1 + margin_deg, y1 + margin_deg)


class FixIngestor:
    """Validates and stores position fixes for one writer process.

    Keeps each officer's last good fix in memory (seeded from officer_position),
    so judging a 25k batch never reads the store.
    """

    def __init__(self, engine: Engine, rules: FixRules | None = None, *, clock: Clock = wall_clock,
                 on_moved: MovedHook | None = None, batch_keep_s: float = BATCH_KEEP_S) -> None:
        self.engine = engine
        self.rules = rules if rules is not None else FixRules(envelope=city_envelope(engine))
        self.clock = clock
        self.on_moved = on_moved
        self.batch_keep_s = batch_keep_s
        self._pg = engine.dialect.name == "postgresql"
        self.table = TrackTable.build(np.zeros(0, np.int64), np.zeros(0))
        self._last_reload = -np.inf
        self._last_prune = -np.inf
        self._partition_days: set[int] = set()   # UTC days (epoch days) known to have a position_fix partition
        self.reload_officers()

    # -- officer roster -------------------------------------------------------------------------
    def reload_officers(self) -> None:
        """Re-read officers (and their last good fixes) keeping what was learnt for known ones."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(officer.c.id, officer.c.mode)).all()
            ids = np.array([r[0] for r in rows], dtype=np.int64)
            speeds = np.array([self.rules.speed_for(TravelMode(r[1])) for r in rows], dtype=np.float64)
            pos = conn.exec_driver_sql("SELECT officer_id, lon, lat, fix_time FROM officer_position").all()
        old = self.table
        new = TrackTable.build(ids, speeds)
        if pos:
            new.seed_good(np.array([r[0] for r in pos]), parse_timestamps([r[3] for r in pos]),
                          np.array([r[1] for r in pos]), np.array([r[2] for r in pos]))
        if len(old.officer_ids):
            s_new = new.slots(old.officer_ids)
            keep = s_new >= 0
            for name in ("pend_t", "pend_lon", "pend_lat"):
                getattr(new, name)[s_new[keep]] = getattr(old, name)[keep]
            newer = keep.copy()
            newer[keep] = ~(old.good_t[keep] <= new.good_t[s_new[keep]])  # memory ahead of store (or NaN)
            newer &= ~np.isnan(old.good_t)
            for name in ("good_t", "good_lon", "good_lat"):
                getattr(new, name)[s_new[newer]] = getattr(old, name)[newer]
        self.table = new
        self._last_reload = time.monotonic()

    def _maybe_reload(self, officer_ids: np.ndarray) -> None:
        if (self.table.slots(officer_ids) < 0).any() and \
                time.monotonic() - self._last_reload > _UNKNOWN_RELOAD_EVERY_S:
            self.reload_officers()

    # -- the batch ------------------------------------------------------------------------------
    def ingest(self, batch: FixBatch, now_s: float | None = None,
               also: Callable[[Connection], None] | None = None) -> IngestReport:
        """Judge and store one batch in one transaction; returns verdicts and who moved. `also` writes
        what the feed knows beyond positions (a phone's battery, last seen) in the same transaction."""
        now = float(self.clock() if now_s is None else now_s)
        ids, valid_ids = officer_id_array(batch.officer_id)
        self._maybe_reload(ids[valid_ids])
        lon, lat, t = batch.column("lon"), batch.column("lat"), batch.column("fix_time_s")
        res = validate_batch(self.table, self.rules, batch.officer_id, lon, lat, t, now)
        codes = res.codes

        stored = np.flatnonzero(storable(self.rules, codes, t, now))
        good_idx = np.flatnonzero(codes == GOOD)
        # the last good fix of each officer is where it now stands
        if len(good_idx):
            rev = good_idx[::-1]
            _, first = np.unique(ids[rev], return_index=True)
            last_good = np.sort(rev[first])
        else:
            last_good = good_idx
        moved_ids = ids[last_good]
        heading = clean_optional(batch.column("heading_deg"), low=0.0, high=360.0, wrap=360.0)
        speed = clean_optional(batch.column("speed_mps"), low=0.0, high=MAX_REPORTED_SPEED_MPS)
        acc = clean_optional(batch.column("accuracy_m"), low=0.0, high=MAX_REPORTED_ACCURACY_M)

        if self._pg and len(stored):
            self._ensure_partitions(t[stored])
        started = time.perf_counter()
        with self.engine.begin() as conn:
            writer = self._write_pg if self._pg else self._write_sqlite
            writer(conn, batch.source, now, ids, lon, lat, heading, speed, acc, t, codes, stored, last_good,
                   batch.attributes)
            if also is not None:
                also(conn)
            if len(res.confirmed_slot):
                self._confirm_jumps(conn, self.table.officer_ids[res.confirmed_slot], res.confirmed_t)
            if len(moved_ids):
                self._record_batch(conn, PositionBatch.from_seconds(moved_ids, lon[last_good], lat[last_good],
                                                                    heading[last_good], t[last_good]))
        write_s = time.perf_counter() - started
        self.table.apply(res.update)

        if self.on_moved is not None and len(moved_ids):
            self.on_moved(moved_ids, lon[last_good], lat[last_good], now)
        self._maybe_prune()
        counts = {v: int(n) for v, n in zip(VERDICTS, np.bincount(codes, minlength=len(VERDICTS))) if n}
        return IngestReport(len(ids), len(stored), codes, moved_ids, len(res.confirmed_slot), write_s, counts)

    # -- history partitions (PostgreSQL) ----------------------------------------------------------
    def _ensure_partitions(self, fix_t: np.ndarray) -> None:
        """Create the day partitions this batch writes to (and the next day, so midnight costs no tick),
        once per day per process. Its own transaction, before the batch: a failure only sends the
        fixes to the default partition, from which the day's partition takes them when it is created."""
        lo, hi = int(np.floor(fix_t.min() / DAY_S)), int(np.floor(fix_t.max() / DAY_S))
        if lo in self._partition_days and hi in self._partition_days and hi - lo <= 1:
            return   # every tick but the first of a day: two lookups, no sort
        days = {int(d) for d in np.unique(np.floor(fix_t / DAY_S))} - self._partition_days
        if not days:
            return
        wanted = days | {d + 1 for d in days}
        try:
            ensure_fix_partitions(self.engine, (date.fromordinal(_EPOCH_ORDINAL + d) for d in wanted))
        except SQLAlchemyError as exc:
            log.warning("creating position_fix partitions failed (fixes go to the default partition): %s",
                        str(exc).splitlines()[0])
        self._partition_days |= wanted

    # -- the packed copy for the seats ------------------------------------------------------------
    @staticmethod
    def _record_batch(conn: Connection, batch: PositionBatch) -> None:
        """The change row, then its payload: a plain insert under a fresh key, so holding the journal
        lock for it never waits on another transaction."""
        seq = record_keyed_change(conn, position_batch.name, "insert")
        conn.execute(insert(position_batch).values(seq=seq, at=datetime.now(UTC), officers=len(batch),
                                                   payload=batch.to_bytes()))

    def _maybe_prune(self) -> None:
        """Its own transaction, after the batch is stored and reported: a failed prune only leaves old
        blobs for the next one, it must never turn a stored batch into an error."""
        if time.monotonic() - self._last_prune < _PRUNE_EVERY_S:
            return
        self._last_prune = time.monotonic()
        cutoff = datetime.now(UTC) - timedelta(seconds=self.batch_keep_s)
        try:
            with self.engine.begin() as conn:
                conn.execute(delete(position_batch).where(position_batch.c.at < cutoff))
        except SQLAlchemyError as exc:
            log.warning("pruning old position batches failed (retried in %.0f s): %s", _PRUNE_EVERY_S,
                        str(exc).splitlines()[0])

    # -- backends -------------------------------------------------------------------------------
    _COLS = "officer_id, lon, lat, heading_deg, speed_mps, accuracy_m, fix_time"

    def _write_sqlite(self, conn: Connection, source: str, now: float, ids, lon, lat, heading, speed, acc, t,
                      codes, stored, last_good, attributes=None) -> None:
        received = sqlite_timestamps(np.array([now]))[0]
        if len(stored):
            n = len(stored)
            cols = [ids[stored].tolist(), lon[stored].tolist(), lat[stored].tolist(), heading[stored].tolist(),
                    speed[stored].tolist(), acc[stored].tolist(), sqlite_timestamps(t[stored]), [received] * n,
                    [_VERDICT_NAMES[c] for c in codes[stored].tolist()], [source] * n]
            extra = ""
            if attributes is not None:
                cols.append([attributes[i] for i in stored.tolist()])
                extra = ", attributes"
            insert_columns(conn, f"INSERT INTO position_fix ({self._COLS}, received_at, verdict, source{extra})",
                           cols, "ON CONFLICT (officer_id, fix_time) DO NOTHING")
        if len(last_good):
            g = last_good
            insert_columns(
                conn, f"INSERT INTO officer_position ({self._COLS}, received_at)",
                [ids[g].tolist(), lon[g].tolist(), lat[g].tolist(), heading[g].tolist(), speed[g].tolist(),
                 acc[g].tolist(), sqlite_timestamps(t[g]), [received] * len(g)],
                "ON CONFLICT (officer_id) DO UPDATE SET lon=excluded.lon, lat=excluded.lat, "
                "heading_deg=excluded.heading_deg, speed_mps=excluded.speed_mps, "
                "accuracy_m=excluded.accuracy_m, fix_time=excluded.fix_time, received_at=excluded.received_at "
                "WHERE excluded.fix_time > officer_position.fix_time")

    def _write_pg(self, conn: Connection, source: str, now: float, ids, lon, lat, heading, speed, acc, t,
                  codes, stored, last_good, attributes=None) -> None:
        # one statement per table: arrays in, unnest server-side (no per-row round trips); arrays go in
        # binary (%b): as text, printing and parsing 25k floats costs ~30 ms per column
        if len(stored):
            s = stored
            params = {"now": now, "src": source, "names": _VERDICT_NAMES, "o": ids[s].tolist(), "x": lon[s].tolist(),
                      "y": lat[s].tolist(), "h": heading[s].tolist(), "v": speed[s].tolist(), "a": acc[s].tolist(),
                      "t": t[s].tolist(), "d": codes[s].tolist()}
            col = val = arr = name = ""
            if attributes is not None:
                params["j"] = [attributes[i] for i in s.tolist()]
                col, val, arr, name = ", attributes", ", j::json", ", %(j)s::text[]", ", j"
            conn.exec_driver_sql(
                f"INSERT INTO position_fix ({self._COLS}, received_at, verdict, source{col}) "
                "SELECT o, x, y, NULLIF(h, 'NaN'), NULLIF(v, 'NaN'), NULLIF(a, 'NaN'), to_timestamp(t), "
                f"to_timestamp(%(now)s), (%(names)s::text[])[d + 1], %(src)s{val} FROM unnest(%(o)b::int[], "
                "%(x)b::float8[], %(y)b::float8[], %(h)b::float8[], %(v)b::float8[], %(a)b::float8[], "
                f"%(t)b::float8[], %(d)b::int[]{arr}) AS u(o, x, y, h, v, a, t, d{name}) "
                "ON CONFLICT (officer_id, fix_time) DO NOTHING", params)
        if len(last_good):
            g = last_good
            conn.exec_driver_sql(
                f"INSERT INTO officer_position ({self._COLS}, received_at) "
                "SELECT o, x, y, NULLIF(h, 'NaN'), NULLIF(v, 'NaN'), NULLIF(a, 'NaN'), to_timestamp(t), "
                "to_timestamp(%(now)s) FROM unnest(%(o)b::int[], %(x)b::float8[], %(y)b::float8[], "
                "%(h)b::float8[], %(v)b::float8[], %(a)b::float8[], %(t)b::float8[]) AS u(o, x, y, h, v, a, t) "
                "ON CONFLICT (officer_id) DO UPDATE SET lon=excluded.lon, lat=excluded.lat, "
                "heading_deg=excluded.heading_deg, speed_mps=excluded.speed_mps, "
                "accuracy_m=excluded.accuracy_m, fix_time=excluded.fix_time, received_at=excluded.received_at "
                "WHERE excluded.fix_time > officer_position.fix_time",
                {"now": now, "o": ids[g].tolist(), "x": lon[g].tolist(), "y": lat[g].tolist(),
                 "h": heading[g].tolist(), "v": speed[g].tolist(), "a": acc[g].tolist(), "t": t[g].tolist()})

    def _confirm_jumps(self, conn: Connection, officer_ids: np.ndarray, fix_t: np.ndarray) -> None:
        """A jump confirmed by the next fix was real: its stored verdict becomes good."""
        good, jump = FixVerdict.GOOD.value, FixVerdict.JUMP.value
        if self._pg:
            conn.exec_driver_sql(
                "UPDATE position_fix SET verdict = %(good)s FROM unnest(%(o)s::int[], %(t)s::float8[]) AS u(o, t) "
                "WHERE position_fix.officer_id = u.o AND position_fix.fix_time = to_timestamp(u.t) "
                "AND position_fix.verdict = %(jump)s",
                {"good": good, "jump": jump, "o": officer_ids.tolist(), "t": fix_t.tolist()})
        else:
            conn.exec_driver_sql(
                "UPDATE position_fix SET verdict = ? WHERE officer_id = ? AND fix_time = ? AND verdict = ?",
                [(good, o, s, jump) for o, s in zip(officer_ids.tolist(), sqlite_timestamps(fix_t))])


def verdict_code(verdict: FixVerdict) -> int:
    return CODE[verdict]
