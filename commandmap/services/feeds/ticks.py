"""Requests in, ticks out: many single-fix reports gathered into one `FixIngestor` batch.

A phone sends one position per request and resends it until it is answered,
so a request is answered only once its fix is committed. Reports arriving
within one tick (default 50 ms, or until `max_batch`) are judged and written
together in one transaction on a single writer thread, which keeps the event
loop free and turns 10,000 requests a second into 20 transactions.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Connection

from ...domain.fix_validation import VERDICTS
from ...store.sqlite_rows import HAS_UPDATE_FROM, update_from_values
from ..clock import from_epoch, sqlite_timestamps
from ..devices import Grant
from ..ingest import FixBatch, FixIngestor
from .osmand import Report

log = logging.getLogger(__name__)
OUTDATED = "outdated"   # a report without coordinates: the officer keeps the last known location
#: called on the event loop once a report's tick is committed: (verdict, None), or (None, the error)
Done = Callable[[str | None, BaseException | None], None]


@dataclass(slots=True)
class _Pending:
    grant: Grant
    report: Report
    received_s: float
    done: Done


class RateLimiter:
    """A token bucket per device: `rate_per_s` sustained, `burst` at once (a phone back in coverage
    uploads what it buffered one request after another)."""

    def __init__(self, rate_per_s: float = 5.0, burst: float = 60.0) -> None:
        self.rate_per_s = rate_per_s
        self.burst = burst
        self._state: dict[str, list[float]] = {}      # key -> [tokens, last time]: updated in place

    def allow(self, key: str, now_s: float) -> bool:
        state = self._state.get(key)
        if state is None:
            state = self._state[key] = [self.burst, now_s]
        tokens = min(self.burst, state[0] + (now_s - state[1]) * self.rate_per_s)
        state[1] = now_s
        if tokens < 1.0:
            state[0] = tokens
            return False
        state[0] = tokens - 1.0
        return True


class TickWriter:
    """Gathers reports into ticks and writes each tick through one FixIngestor on one thread."""

    def __init__(self, ingestor: FixIngestor, *, source: str, tick_s: float = 0.05, max_batch: int = 5000,
                 executor: ThreadPoolExecutor | None = None) -> None:
        self.ingestor = ingestor
        self.source = source
        self.tick_s = tick_s
        self.max_batch = max_batch
        # one thread: FixIngestor keeps per-officer state and is not meant for concurrent batches
        self.executor = executor or ThreadPoolExecutor(1, thread_name_prefix="ingest-writer")
        self._queue: list[_Pending] = []
        self._first_at = 0.0          # loop time the oldest queued report arrived
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self.written = 0

    def start(self) -> None:
        self._wake = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        queue, self._queue = self._queue, []
        for p in queue:
            _call(p.done, None, ConnectionAbortedError("ingest server stopping"))

    def enqueue(self, grant: Grant, report: Report, done: Done) -> None:
        """Queue a report for the next tick; `done` is called on the event loop once it is committed (or
        failed). No future and no task per report: the HTTP front answers from the callback."""
        assert self._wake is not None, "start() the writer inside the event loop first"
        queue = self._queue
        queue.append(_Pending(grant, report, time.time(), done))
        if len(queue) == 1:
            self._first_at = asyncio.get_running_loop().time()
            self._wake.set()
        elif len(queue) >= self.max_batch:
            self._wake.set()

    async def submit(self, grant: Grant, report: Report) -> str:
        """Wait until the report is committed; returns its verdict ('good', 'duplicate', ... or 'outdated')."""
        fut: asyncio.Future[str] = asyncio.get_running_loop().create_future()

        def done(verdict: str | None, exc: BaseException | None) -> None:
            if fut.done():
                return
            if exc is not None:
                fut.set_exception(exc)
            else:
                fut.set_result(verdict)  # type: ignore[arg-type]
        self.enqueue(grant, report, done)
        return await fut

    async def _run(self) -> None:
        assert self._wake is not None
        loop = asyncio.get_running_loop()
        while True:
            await self._wake.wait()
            self._wake.clear()
            # a tick closes tick_s after its OLDEST report arrived: reports that queued up while the last
            # tick was being written go at once
            deadline = self._first_at + self.tick_s
            while len(self._queue) < self.max_batch and loop.time() < deadline:
                try:
                    await asyncio.wait_for(self._wake.wait(), deadline - loop.time())
                    self._wake.clear()
                except TimeoutError:
                    break
            tick, self._queue = self._queue[:self.max_batch], self._queue[self.max_batch:]
            if self._queue:
                self._first_at = loop.time() - self.tick_s     # already waited: the next tick goes at once
                self._wake.set()
            if not tick:
                continue
            try:
                verdicts = await loop.run_in_executor(self.executor, self._write, tick)
            except Exception as exc:  # noqa: BLE001 - the clients resend; the server must go on
                log.error("writing a tick of %d reports failed (clients will resend): %s", len(tick),
                          str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
                for p in tick:
                    _call(p.done, None, exc)
                continue
            self.written += len(tick)
            for p, verdict in zip(tick, verdicts):
                _call(p.done, verdict, None)

    # -- on the writer thread ------------------------------------------------------------------------
    def _write(self, tick: list[_Pending]) -> list[str]:
        now = time.time()
        located = [i for i, p in enumerate(tick) if p.report.located]
        verdicts = [OUTDATED] * len(tick)
        also = _device_updates(tick, now)
        if not located:
            with self.ingestor.engine.begin() as conn:
                also(conn)
            return verdicts
        rows = [tick[i] for i in located]
        reports = [p.report for p in rows]
        f64 = np.float64             # None becomes NaN ("not reported")
        batch = FixBatch(
            np.array([p.grant.officer_id for p in rows], dtype=np.int64),
            np.array([r.lon for r in reports], f64), np.array([r.lat for r in reports], f64),
            np.array([p.report.time_s if p.report.time_s is not None else p.received_s for p in rows], f64),
            heading_deg=np.array([r.heading_deg for r in reports], f64),
            speed_mps=np.array([r.speed_mps for r in reports], f64),
            accuracy_m=np.array([r.accuracy_m for r in reports], f64), source=self.source,
            attributes=_attributes_json(rows))
        report = self.ingestor.ingest(batch, now_s=now, also=also)
        for i, code in zip(located, report.codes.tolist()):
            verdicts[i] = _VERDICT_NAMES[code]
        return verdicts


def _call(done: Done, verdict: str | None, exc: BaseException | None) -> None:
    """One report's answer; a failing callback (a closed connection) never stops the others."""
    try:
        done(verdict, exc)
    except Exception:  # noqa: BLE001 - logged; the tick's other reports are still answered
        log.exception("answering a report failed")


_JSON = json.JSONEncoder(ensure_ascii=False, allow_nan=False, default=str)   # built once: ~5x faster per fix
_VERDICT_NAMES = [v.value for v in VERDICTS]


def _json_encoder() -> Callable[[Any], str]:
    """`_JSON.encode` without its per-call set-up (a new C encoder and two Python frames a fix, ~70% of
    the cost for a phone's few attributes): the same C encoder with the same options, made once per tick."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return _JSON.encode
    chunks = make({}, _JSON.default, json.encoder.encode_basestring, None, _JSON.key_separator,
                  _JSON.item_separator, False, False, False)
    return lambda attrs: "".join(chunks(attrs, 0))


def _attributes_json(rows: list[_Pending]) -> list[str | None]:
    """Per fix, what the phone sent beyond the columns, with the device id, as JSON text."""
    encode = _json_encoder()       # per tick: an encoding that fails halfway leaves its marker state behind
    out: list[str | None] = []
    for p in rows:
        attrs = p.report.attributes
        attrs["device_id"] = p.grant.device_id
        out.append(encode(attrs))
    return out


_DEVICE_UPDATE_SQLITE = ("UPDATE device SET last_seen_at = ?, battery_pct = COALESCE(?, battery_pct), "
                         "charging = COALESCE(?, charging), mock_at = COALESCE(?, mock_at) WHERE device_id = ?")
_DEVICE_UPDATE_SQLITE_FROM = ("UPDATE device SET last_seen_at = u.seen, battery_pct = COALESCE(u.b, device.battery_pct), "
                              "charging = COALESCE(u.c, device.charging), mock_at = COALESCE(u.m, device.mock_at)")
_DEVICE_UPDATE_PG = (
    "UPDATE device SET last_seen_at = %(seen)s, battery_pct = COALESCE(u.b, device.battery_pct), "
    "charging = COALESCE(u.c, device.charging), mock_at = CASE WHEN u.m THEN %(seen)s ELSE device.mock_at END "
    "FROM unnest(%(d)s::text[], %(b)s::float8[], %(c)s::bool[], %(m)s::bool[]) AS u(d, b, c, m) "
    "WHERE device.device_id = u.d")


def _device_updates(tick: list[_Pending], now_s: float):  # type: ignore[no-untyped-def]
    """The phones' latest battery, charge and mock flag, written with the tick's fixes (one statement,
    driver-level: a Core executemany spends more on parameters than the database on the rows)."""
    latest: dict[str, list[Any]] = {}       # device id -> [battery_pct, charging, mock]
    for p in tick:
        r = p.report
        row = latest.setdefault(p.grant.device_id, [None, None, False])
        if r.battery_pct is not None:
            row[0] = r.battery_pct
        if r.charging is not None:
            row[1] = r.charging
        if r.mock:
            row[2] = True

    def write(conn: Connection) -> None:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(_DEVICE_UPDATE_PG, {
                "seen": from_epoch(now_s), "d": list(latest), "b": [v[0] for v in latest.values()],
                "c": [v[1] for v in latest.values()], "m": [v[2] for v in latest.values()]})
        else:
            seen = sqlite_timestamps(np.array([now_s]))[0]
            rows = [(seen, b, None if c is None else int(c), seen if m else None, d) for d, (b, c, m) in latest.items()]
            if HAS_UPDATE_FROM:     # a few statements, not one GIL hand-back per device (see sqlite_rows)
                update_from_values(conn, _DEVICE_UPDATE_SQLITE_FROM, ("seen", "b", "c", "m", "d"), rows,
                                   "device.device_id = u.d")
            else:
                conn.exec_driver_sql(_DEVICE_UPDATE_SQLITE, rows)
    return write
