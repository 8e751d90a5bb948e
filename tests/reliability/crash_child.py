"""Child process of the kill -9 tests (run as `python -m tests.reliability.crash_child URL MODE KILL_AT`).

It writes forever through the real services, printing `begin K` before and
`committed K` after each transaction. On transaction KILL_AT it prints `mid K`
from INSIDE the transaction — after the rows are written, before the journal
rows and the commit — and pauses there, so the parent's SIGKILL lands in a
half-done transaction every time.
"""

from __future__ import annotations

import sys
import time

import numpy as np

OFFICERS = 300
T0 = 1_795_600_000.0


def _pausing(real, kill_at: int, current: list[int]):  # type: ignore[no-untyped-def]
    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        if current[0] == kill_at:
            print(f"mid {kill_at}", flush=True)
            time.sleep(60)   # the parent kills us here
        return real(*args, **kwargs)
    return wrapper


def run_ingest(url: str, kill_at: int) -> None:
    from commandmap.services import ingest as ingest_mod
    from commandmap.store.migrate import open_store

    engine = open_store(url)
    current = [0]
    ingest_mod.record_keyed_change = _pausing(ingest_mod.record_keyed_change, kill_at, current)
    ing = ingest_mod.FixIngestor(engine, clock=lambda: T0 + current[0] + 1)
    ids = np.arange(1, OFFICERS + 1)
    for k in range(1, 10_000):
        current[0] = k
        print(f"begin {k}", flush=True)
        lon = 121.55 + 0.0001 * k + np.zeros(OFFICERS)
        ing.ingest(ingest_mod.FixBatch(ids, lon, np.full(OFFICERS, 29.87), np.full(OFFICERS, T0 + k)))
        print(f"committed {k}", flush=True)


def run_dispatch(url: str, kill_at: int) -> None:
    from commandmap.services import dispatch as dispatch_mod
    from commandmap.services import lifecycle
    from commandmap.store.migrate import open_store

    engine = open_store(url)
    current = [0]
    dispatch_mod.record_changes = _pausing(dispatch_mod.record_changes, kill_at, current)
    for k in range(1, 10_000):
        current[0] = k
        print(f"begin {k}", flush=True)
        res = dispatch_mod.dispatch(engine, k, k, seat="seat 1", predicted_eta_s=100.0, now_s=T0 + k)
        assert res.ok, res.message
        current[0] = -k   # the acknowledgement is never paused
        assert lifecycle.acknowledge(engine, res.task_id, actor="officer", now_s=T0 + k + 5).ok
        print(f"committed {k} {res.task_id}", flush=True)


if __name__ == "__main__":
    db_url, mode, at = sys.argv[1], sys.argv[2], int(sys.argv[3])
    {"ingest": run_ingest, "dispatch": run_dispatch}[mode](db_url, at)
