"""Position ingest: validated fixes per second into SQLite and PostgreSQL, and the live snapshot's refresh time.

25,000 officers report once per tick (a whole city at once, the worst case for
the writer); each tick is validated and written in one transaction through the
same FixIngestor every feed uses. Then a LiveState that was current before the
tick refreshes from the change feed (it replays the tick's packed batch); that
refresh time is what a seat pays to show a 25k-fix tick. A second seat that
never replays (what a seat pays when it fell behind or the batch was pruned:
a rescan of officer_position) is timed beside it. Scratch stores only: a
temporary SQLite file and a throwaway PostgreSQL database (created and
dropped), never the user's store.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ..paths import user_data_dir
from .roster import CENTER, seed_roster

DEFAULT_PG_URL = "postgresql://127.0.0.1:5432/test"


@dataclass
class CaseResult:
    backend: str
    fixes_per_s: float | None
    tick_s: float | None
    refresh_ms: float | None
    rescan_ms: float | None = None
    note: str = ""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="URL", default=argparse.SUPPRESS,
                        help="PostgreSQL server for the PostgreSQL row (a scratch database is created and "
                             f"dropped there); default $COMMANDMAP_TEST_PG_URL or {DEFAULT_PG_URL}. The SQLite "
                             "row always uses a scratch file")
    parser.add_argument("--json", metavar="OUT", default=None, help="also write the figures as JSON")
    parser.add_argument("--officers", type=int, default=25_000, help="officers reporting per tick (default 25000)")
    parser.add_argument("--ticks", type=int, default=5, help="timed ticks per backend (default 5)")
    parser.add_argument("--http", action="store_true",
                        help="also measure HTTP ingest (commandmap ingest processes, one OsmAnd request per fix): "
                             "http-sqlite, http-sqlite-2proc, http-postgresql and http-postgresql-2proc (two "
                             "processes share one port)")
    parser.add_argument("--rounds", type=int, default=4, help="with --http: fixes per device (default 4)")
    parser.add_argument("--connections", type=int, default=2000,
                        help="with --http: keep-alive client connections (default 2000)")
    parser.add_argument("--only-http", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--notes", metavar="PATH", default=None,
                        help="also write the table as Markdown here (default: only printed)")


def run_case(url: str, backend: str, n: int, ticks: int) -> CaseResult:
    from ..live import LiveState
    from ..services.ingest import FixBatch, FixIngestor
    from ..store.migrate import open_store

    now0 = time.time()
    engine = open_store(url)
    try:
        seed_roster(engine, n, now0)
        rng = np.random.default_rng(7)
        ids = np.arange(1, n + 1, dtype=np.int64)
        lon = CENTER[0] + rng.uniform(-0.2, 0.2, n)
        lat = CENTER[1] + rng.uniform(-0.2, 0.2, n)
        clock = {"now": now0}
        ingestor = FixIngestor(engine, clock=lambda: clock["now"])
        live = LiveState(engine, clock=lambda: clock["now"])
        rescanning = LiveState(engine, clock=lambda: clock["now"], max_replay_fixes=0)
        tick_times, refresh_ms, rescan_ms = [], [], []
        for k in range(ticks + 1):           # tick 0 warms caches (first fixes), not timed
            clock["now"] = now0 + 5.0 * (k + 1)
            lon = lon + rng.normal(0, 2e-5, n)  # ~2 m of movement per 5 s tick
            lat = lat + rng.normal(0, 2e-5, n)
            batch = FixBatch(ids, lon, lat, np.full(n, clock["now"] - 1.0), heading_deg=rng.uniform(0, 360, n),
                             speed_mps=rng.uniform(0, 10, n), accuracy_m=np.full(n, 8.0))
            started = time.perf_counter()
            report = ingestor.ingest(batch)
            elapsed = time.perf_counter() - started
            if len(report.moved_officer_ids) != n:
                raise RuntimeError(f"bench tick moved {len(report.moved_officer_ids)} of {n} officers: {report.counts}")
            stats = live.refresh()
            rescan = rescanning.refresh()
            if stats.reloaded or rescan.reloaded != ("officer_position",):
                raise RuntimeError(f"bench seats took the wrong path: {stats.reloaded} / {rescan.reloaded}")
            if k:
                tick_times.append(elapsed)
                refresh_ms.append(stats.elapsed_ms)
                rescan_ms.append(rescan.elapsed_ms)
        replayed_xy, rescanned_xy = live.snapshot().officers.xy, rescanning.snapshot().officers.xy
        if int(np.isfinite(replayed_xy[:, 0]).sum()) != n:
            raise RuntimeError("bench snapshot lost officers")
        if not np.array_equal(replayed_xy, rescanned_xy):
            raise RuntimeError("replayed and rescanned seats disagree")
        tick = statistics.median(tick_times)
        return CaseResult(backend, n / tick, tick, statistics.median(refresh_ms), statistics.median(rescan_ms))
    finally:
        engine.dispose()


def _pg_scratch(server_url: str):  # type: ignore[no-untyped-def]
    """Create a throwaway database on the server; returns (url, drop)."""
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(server_url)
    name = f"cmbench_{os.getpid()}"
    conninfo = base.set(drivername="postgresql").render_as_string(hide_password=False)
    admin = psycopg.connect(conninfo, autocommit=True, connect_timeout=3)
    admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.execute(f"CREATE DATABASE {name}")

    def drop() -> None:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()
    return base.set(database=name).render_as_string(hide_password=False), drop


def _http_note(case, procs: str) -> str:  # type: ignore[no-untyped-def]
    cpu = ""
    if case.server_cpu_us is not None:
        cpu = f"; CPU per request: servers {case.server_cpu_us:.0f} µs, load generator {case.client_cpu_us:.0f} µs"
    return f"{case.requests:,} requests, {case.connections} keep-alive connections, {procs}{cpu}"


def http_cases(server: str, n: int, rounds: int, connections: int) -> list[CaseResult]:
    """The HTTP rows: one and two server processes into SQLite, one and two into PostgreSQL (two processes
    share one port through SO_REUSEPORT)."""
    from .http_ingest import run_http_case

    out: list[CaseResult] = []
    for procs in (1, 2):
        name = "http-sqlite" if procs == 1 else "http-sqlite-2proc"
        with tempfile.TemporaryDirectory(dir=user_data_dir()) as tmp:
            case = run_http_case(f"sqlite:///{Path(tmp) / 'http.sqlite3'}", name, n, rounds, procs, connections,
                                 one_port=procs > 1)
        out.append(CaseResult(case.backend, case.fixes_per_s, None, None,
                              note=_http_note(case, "1 process" if procs == 1 else "2 processes on one port")))
    for procs in (1, 2):
        name = "http-postgresql" if procs == 1 else "http-postgresql-2proc"
        try:
            url, drop = _pg_scratch(server)
        except Exception as exc:  # noqa: BLE001 - any failure here means "no PostgreSQL row"
            out.append(CaseResult(name, None, None, None, note=f"skipped: PostgreSQL not available ({exc})"))
            continue
        try:
            case = run_http_case(url, name, n, rounds, procs, connections, one_port=procs > 1)
        finally:
            drop()
        out.append(CaseResult(case.backend, case.fixes_per_s, None, None,
                              note=_http_note(case, "1 process" if procs == 1 else "2 processes on one port")))
    return out


def table(results: list[CaseResult], n: int) -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [f"Position ingest, {n:,} officers reporting per tick (median of timed ticks; "
             f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} CPUs, load average {load:.1f})", "",
             "| backend | fixes/s | tick (s) | snapshot refresh after tick (ms) | by table rescan (ms) | target "
             "| note |",
             "|---|---:|---:|---:|---:|---|---|"]
    targets = {"sqlite": "≥ 25,000 fixes/s", "postgresql": "≥ 10,000 fixes/s", "http-sqlite": "≥ 10,000 fixes/s"}
    for r in results:
        if r.fixes_per_s is None:
            lines.append(f"| {r.backend} | — | — | — | — | {targets.get(r.backend, '')} | {r.note} |")
        elif r.tick_s is None:      # an HTTP row: requests, no ticks of our own
            lines.append(f"| {r.backend} | {r.fixes_per_s:,.0f} | — | — | — | {targets.get(r.backend, '')} | "
                         f"{r.note} |")
        else:
            lines.append(f"| {r.backend} | {r.fixes_per_s:,.0f} | {r.tick_s:.3f} | {r.refresh_ms:.1f} | "
                         f"{r.rescan_ms:.1f} | {targets.get(r.backend, '')}; refresh ≤ 50 ms | {r.note} |")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from ..errors import UserError

    n, ticks = int(args.officers), int(args.ticks)
    if n < 1 or ticks < 1:
        raise UserError("--officers and --ticks must be at least 1")
    results: list[CaseResult] = []
    only_http = bool(getattr(args, "only_http", False))
    if not only_http:
        with tempfile.TemporaryDirectory(dir=user_data_dir()) as tmp:
            results.append(run_case(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", "sqlite", n, ticks))
    given = getattr(args, "db", None)
    if given and not given.startswith("postgresql"):
        print(f"note: --db {given} is not a PostgreSQL URL; the SQLite row used a scratch file, "
              "the PostgreSQL row uses the default server")
        given = None
    server = given or os.environ.get("COMMANDMAP_TEST_PG_URL") or DEFAULT_PG_URL
    if not only_http:
        try:
            url, drop = _pg_scratch(server)
        except Exception as exc:  # noqa: BLE001 - any failure here means "no PostgreSQL row"
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            results.append(CaseResult("postgresql", None, None, None,
                                      note=f"skipped: PostgreSQL not available ({first})"))
        else:
            try:
                results.append(run_case(url, "postgresql", n, ticks))
            finally:
                drop()
    if args.http or only_http:
        results += http_cases(server, n, int(args.rounds), int(args.connections))
    text = table(results, n)
    print(text)
    refresh = [r.refresh_ms for r in results if r.refresh_ms is not None]
    payload = {"officers": n, "ticks": ticks,
               "cases": [{"backend": r.backend, "fixes_per_s": r.fixes_per_s, "tick_s": r.tick_s,
                          "refresh_ms": r.refresh_ms, "rescan_ms": r.rescan_ms, "note": r.note} for r in results],
               "snapshot_refresh_ms": max(refresh) if refresh else None}
    if args.json:
        Path(args.json).write_text(json.dumps(payload, indent=2), encoding="utf-8")
    if args.notes:
        Path(args.notes).write_text(text + "\n", encoding="utf-8")
    return 0
