"""The change feed's journal lock under many writers: transactions per second by number of writers (PostgreSQL).

Every transaction that appends to the change feed or the audit chain takes one
advisory lock (store.journal) and holds it until it commits, so those commits
are serialised: the ceiling is 1 / (time from the append to the end of the
commit, WAL flush included), for ALL writers together. Each writer here runs
small transactions like an ingest tick's tail (one position_batch row + its
change row); the baseline runs the same writes without the lock, on a scratch
table. Where the locked column stops growing while the baseline still grows,
the journal lock is the limit. A scratch database is created and dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

DEFAULT_PG_URL = "postgresql://127.0.0.1:5432/test"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="URL", default=argparse.SUPPRESS,
                        help=f"PostgreSQL server (a scratch database is created and dropped; default {DEFAULT_PG_URL})")
    parser.add_argument("--writers", default="1,2,4,8", help="writer counts to try (default 1,2,4,8)")
    parser.add_argument("--seconds", type=float, default=4.0, help="seconds per measurement (default 4)")
    parser.add_argument("--json", metavar="OUT", default=None, help="also write the figures as JSON")


def _measure(engine, writers: int, seconds: float, locked: bool) -> float:  # type: ignore[no-untyped-def]
    from sqlalchemy import insert, text

    from ..store.changes import record_keyed_change
    from ..store.schema import position_batch

    counts = [0] * writers
    stop = time.monotonic() + seconds
    payload = b"\0" * 2_000

    def work(w: int) -> None:
        while time.monotonic() < stop:
            with engine.begin() as conn:
                if locked:
                    seq = record_keyed_change(conn, "position_batch", "insert")
                    conn.execute(insert(position_batch).values(seq=seq, at=datetime.now(UTC), officers=1,
                                                               payload=payload))
                else:   # the same statements on look-alike tables, without the advisory lock
                    seq = conn.execute(text("INSERT INTO bench_change (entity) VALUES ('x') RETURNING seq")).scalar()
                    conn.execute(text("UPDATE bench_change SET entity_id = seq WHERE seq = :s"), {"s": seq})
                    conn.execute(text("SELECT pg_notify('bench_journal', :s)"), {"s": str(seq)})
                    conn.execute(text("INSERT INTO bench_unlocked (w, payload) VALUES (:w, :p)"),
                                 {"w": w, "p": payload})
            counts[w] += 1

    threads = [threading.Thread(target=work, args=(w,)) for w in range(writers)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - started)


def run(args: argparse.Namespace) -> int:
    from sqlalchemy import text

    from ..errors import UserError
    from ..store.migrate import open_store
    from .ingest import _pg_scratch

    try:
        counts = [int(x) for x in str(args.writers).split(",")]
    except ValueError:
        raise UserError(f"--writers: {args.writers!r} must look like 1,2,4,8") from None
    if not counts or min(counts) < 1 or not args.seconds > 0:
        raise UserError("--writers must be positive counts and --seconds positive")
    server = getattr(args, "db", None) or os.environ.get("COMMANDMAP_TEST_PG_URL") or DEFAULT_PG_URL
    try:
        url, drop = _pg_scratch(server)
    except Exception as exc:  # noqa: BLE001
        raise UserError(f"PostgreSQL not available at {server}: {str(exc).splitlines()[0] if str(exc) else exc}") \
            from None
    rows = []
    try:
        engine = open_store(url)
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE bench_unlocked (id bigserial PRIMARY KEY, w int, payload bytea)"))
            conn.execute(text("CREATE TABLE bench_change (seq bigserial PRIMARY KEY, entity text, entity_id bigint)"))
        for n in counts:
            rows.append({"writers": n, "locked_tx_per_s": _measure(engine, n, args.seconds, True),
                         "unlocked_tx_per_s": _measure(engine, n, args.seconds, False)})
        engine.dispose()
    finally:
        drop()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [f"Journal lock, PostgreSQL ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} CPUs, "
             f"load average {load:.1f})", "",
             "| writers | with journal lock (tx/s) | same writes, no lock (tx/s) |", "|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['writers']} | {r['locked_tx_per_s']:,.0f} | {r['unlocked_tx_per_s']:,.0f} |")
    print("\n".join(lines))
    if args.json:
        Path(args.json).write_text(json.dumps({"cases": rows}, indent=2), encoding="utf-8")
    return 0
