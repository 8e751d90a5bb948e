"""The dispatcher's latency: select an incident → ranked candidates and route preview painted;
Enter → task committed and the officer's marker repainted; and what a second seat waits.

Offscreen Qt, the real main window on the demo city with the in-app simulator
running (officers move; the human dispatches). The baseline, in the same run: the
same recommendation (the same eligible officers, the same scene) ranked by a
plain networkx reverse Dijkstra over the graph of record. The second seat is a
second window on a PostgreSQL store with the same city: the time from Enter on
seat A to seat B's map showing that officer dispatched. Scratch stores only
(a temporary SQLite file; a PostgreSQL database created and dropped) unless
`--db` names a store to reuse.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_PG_URL = "postgresql://127.0.0.1:5432/test"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="URL", default=argparse.SUPPRESS,
                        help="SQLite store to reuse (it must hold a demo city); default: a scratch store built "
                             "at --scale")
    parser.add_argument("--scale", choices=("mini", "full"), default="full", help="demo city scale (default full)")
    parser.add_argument("--samples", type=int, default=25, help="incidents selected and dispatched (default 25)")
    parser.add_argument("--pg", metavar="URL", default=None,
                        help="PostgreSQL server for the second-seat case (a scratch database is created there); "
                             f"default $COMMANDMAP_TEST_PG_URL or {DEFAULT_PG_URL}; 'off' skips the case")
    parser.add_argument("--think-ms", type=float, default=300.0, metavar="MS",
                        help="the event loop runs this long between one action and the next, as a person reads "
                             "the screen before the next key (default 300; 0: back to back)")
    parser.add_argument("--json", metavar="OUT", default=None, help="also write the figures as JSON")


def _p(samples: list[float], q: float) -> float | None:
    return float(np.percentile(samples, q)) if samples else None


def _pump(app: Any, until: Callable[[], bool], timeout_s: float) -> bool:
    """Run the event loop until `until()` holds, as `app.exec()` would: blocked while there is
    nothing to do (a busy loop here would take the interpreter lock from the threads measured)."""
    from PySide6.QtCore import QEventLoop, QTimer

    deadline = time.perf_counter() + timeout_s
    nudge = QTimer()            # wakes the wait at least this often, so the deadline is kept
    nudge.setInterval(20)
    nudge.start()
    try:
        while not until():
            if time.perf_counter() > deadline:
                return False
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    finally:
        nudge.stop()
    return True


def _open_window(db_url: str, seat: str, simulate: str) -> Any:
    from ..app import open_main_window
    args = argparse.Namespace(db=db_url, theme=None, wall=False, lang="en", command=None, simulate=simulate,
                              seat=seat, auto_dispatch=False, screen=None)
    window = open_main_window(args)
    window.resize(1920, 1080)
    window.show()
    return window


def _officer_status(snap: Any, officer_id: int) -> int:
    if snap is None:
        return -1
    rows = np.flatnonzero(snap.officers.ids == officer_id)
    return int(snap.officers.status[rows[0]]) if len(rows) else -1


def _until_frame(app: Any, window: Any, shows: Callable[[], bool], t0: float, timeout_s: float,
                 start: Callable[[], bool] | None = None) -> float | None:
    """ms from t0 to the end of the first painted and flushed frame of `window` after which `shows()`
    holds (the window reports each flushed frame); None on timeout or when `start()` refuses."""
    seen: list[float] = []

    def frame() -> None:
        if not seen and shows():
            seen.append(time.perf_counter())
    window.frame_listeners.append(frame)
    try:
        if start is not None and not start():
            return None
        ok = _pump(app, lambda: bool(seen), timeout_s)
    finally:
        window.frame_listeners.remove(frame)
    return (seen[0] - t0) * 1000.0 if ok else None


def _select(app: Any, window: Any, row: Any) -> float | None:
    """ms from selecting `row` to the window's first frame that shows its candidates and their routes:
    timed when that frame has been painted and flushed (the window's UpdateRequest), not when the event
    loop next runs dry (the queue, KPI and timeline updates held back during the search follow in
    later frames)."""
    c = window.controller

    def shows() -> bool:     # did the frame just painted show the candidates and their routes?
        rec = c.recommendation
        if rec is None or rec.incident_id != row.incident_id or window._preview_due:
            return False
        snap = window.canvas.last_frame_snapshot
        return not rec.candidates or (snap is not None and bool(snap.routes.preview.any()))

    def start() -> bool:
        window.queue.select_incident(row.incident_id)
        return True
    return _until_frame(app, window, shows, time.perf_counter(), 10.0, start)


def _dispatch(app: Any, window: Any, seats: list[Any]) -> tuple[float | None, list[float | None]]:
    """ms from Enter to the first flushed frame whose map shows the officer dispatched, here and on
    each other seat."""
    from ..domain.snapshot import OfficerStatusCode
    cand = window.controller.candidate
    if cand is None:
        return None, []

    def dispatched(w: Any) -> Callable[[], bool]:
        return lambda: _officer_status(w.canvas.last_frame_snapshot, cand.officer_id) == OfficerStatusCode.DISPATCHED
    seen: dict[int, float] = {}         # other seat -> when its first frame showing the dispatch was flushed

    def watcher(k: int, other: Any) -> Callable[[], None]:
        def frame() -> None:
            if k not in seen and dispatched(other)():
                seen[k] = time.perf_counter()
        return frame
    watchers = [watcher(k, other) for k, other in enumerate(seats)]
    for other, fn in zip(seats, watchers):
        other.frame_listeners.append(fn)
    try:
        t0 = time.perf_counter()
        own = _until_frame(app, window, dispatched(window), t0, 5.0, window.dispatch_chosen)
        if own is None:
            return None, []
        _pump(app, lambda: len(seen) == len(seats), 10.0)
    finally:
        for other, fn in zip(seats, watchers):
            other.frame_listeners.remove(fn)
    return own, [(seen[k] - t0) * 1000.0 if k in seen else None for k in range(len(seats))]


def _service(window: Any, rows: list[Any]) -> list[float]:
    """ms of the recommendation alone (the seat's Workbench, no UI): where a slow select's time goes."""
    wb = window.ctx.workbench
    out = []
    for row in rows:
        t0 = time.perf_counter()
        wb.recommend(row.incident_id)
        out.append((time.perf_counter() - t0) * 1000.0)
    return out


def _baseline(window: Any, rows: list[Any]) -> list[float]:
    """ms to rank the same eligible officers with plain networkx (graph of record, reverse Dijkstra)."""
    from routing.reference import ReferenceRouter

    wb = window.ctx.workbench
    graph = wb.recommender.graph
    routers: dict[str, ReferenceRouter] = {}
    out = []
    for row in rows:
        t0 = time.perf_counter()
        scene, cands = wb.recommender.eligible(row.incident_id, now_s=wb.clock())
        etas: dict[int, float] = {}
        for mode in sorted(set(np.asarray(cands.modes).tolist())):
            router = routers.get(mode)
            if router is None:
                t_build = time.perf_counter()
                router = routers[mode] = ReferenceRouter(graph, mode)
                t0 += time.perf_counter() - t_build      # the graph is built once, like ours is compiled once
            got = router.etas(scene, cands)
            if isinstance(got, dict):
                etas.update(got)
        _top = sorted(etas.items(), key=lambda kv: kv[1])[:5]   # the ranking the panel would show
        out.append((time.perf_counter() - t0) * 1000.0)
    return out


def _scratch_pg(server: str, scale: str) -> tuple[str, Callable[[], None]] | None:
    """A throwaway PostgreSQL database holding the demo city (the ingest bench's scratch helper)."""
    from ..services.demo.load import build_demo
    from .ingest import _pg_scratch
    try:
        url, drop = _pg_scratch(server if "://" in server else DEFAULT_PG_URL)
    except Exception as exc:  # the case is skipped with the reason, the rest of the bench runs
        print(f"second seat: PostgreSQL at {server} is not usable ({str(exc).splitlines()[0]}); skipped")
        return None
    build_demo(url, scale, 42)
    return url, drop


def _sqlite_store(args: argparse.Namespace, folder: Path) -> str:
    from ..services.demo.load import build_demo
    db = getattr(args, "db", None)
    if db:
        return str(db)
    url = f"sqlite:///{folder / 'bench-ui.sqlite3'}"
    build_demo(url, args.scale, 42)
    return url


def _think(app: Any, seconds: float) -> None:
    """A person between two actions: the event loop runs on (live ticks, the reads an action started)."""
    if seconds > 0:
        deadline = time.perf_counter() + seconds
        _pump(app, lambda: time.perf_counter() >= deadline, seconds + 1.0)


def _measure_seat(app: Any, window: Any, samples: int, others: list[Any],
                  think_s: float = 0.0) -> dict[str, list[float]]:
    # measured once the seat is ready (its router warmed up at start, as a dispatcher sees it a few
    # seconds after opening the app); the start-up itself is reported as ready_s
    _pump(app, lambda: bool(window.controller.rows) and window.snapshot is not None and window.controller.ready, 120.0)
    rows = [r for r in window.controller.rows if r.task_id is None][: samples]
    select_ms: list[float] = []
    dispatch_ms: list[float] = []
    other_ms: list[float] = []
    for row in rows:
        _think(app, think_s)
        ms = _select(app, window, row)
        if ms is None:
            continue
        select_ms.append(ms)
        # a person reads the candidates before pressing Enter: the updates held back for their frame
        # (queue, KPIs, timeline, a live tick) are applied and painted first, as they would be by then
        _pump(app, lambda: window.controller.settled and window._held_snapshot is None, 2.0)
        _think(app, think_s)
        own, seen = _dispatch(app, window, others)
        if own is not None:
            dispatch_ms.append(own)
        other_ms += [s for s in seen if s is not None]
    return {"select": select_ms, "dispatch": dispatch_ms, "other": other_ms, "rows": rows}  # type: ignore[dict-item]


def run(args: argparse.Namespace) -> int:
    from ..errors import UserError
    if args.samples < 1:
        raise UserError("--samples must be at least 1")
    think_ms = getattr(args, "think_ms", 300.0)
    if not 0 <= think_ms <= 10_000:      # also refuses nan
        raise UserError(f"--think-ms must be from 0 to 10000, got {think_ms}")
    think_s = think_ms / 1000.0
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ..ui.session import ensure_app
    app = ensure_app()
    result: dict[str, Any] = {"scale": args.scale, "samples": args.samples, "think_ms": think_ms}
    with tempfile.TemporaryDirectory(prefix="commandmap-bench-ui-") as tmp:
        os.environ.setdefault("COMMANDMAP_HOME", tmp)
        print(f"building the {args.scale} demo city into a scratch SQLite store…", flush=True)
        db = _sqlite_store(args, Path(tmp))
        t_open = time.perf_counter()
        window = _open_window(db, "bench-A", "1x")
        try:
            _pump(app, lambda: window.controller.ready, 120.0)
            result["ready_s"] = time.perf_counter() - t_open
            m = _measure_seat(app, window, args.samples, [], think_s)
            rows = m.pop("rows")  # type: ignore[misc]
            service = _service(window, rows)
            base = _baseline(window, rows[: max(3, min(len(rows), 5))])   # networkx is slow: a few scenes
        finally:
            window.close()
        result.update(service_p95_ms=_p(service, 95), service_p50_ms=_p(service, 50),
                      select_p95_ms=_p(m["select"], 95), select_p50_ms=_p(m["select"], 50),
                      dispatch_p95_ms=_p(m["dispatch"], 95), dispatch_p50_ms=_p(m["dispatch"], 50),
                      baseline_select_p95_ms=_p(base, 95), baseline_select_p50_ms=_p(base, 50),
                      selected=len(m["select"]), dispatched=len(m["dispatch"]))
        server = args.pg or os.environ.get("COMMANDMAP_TEST_PG_URL", DEFAULT_PG_URL)
        result["second_seat_p95_ms"] = None
        if server != "off":
            print("building the demo city into a scratch PostgreSQL database for two seats…", flush=True)
            scratch = _scratch_pg(server, args.scale)
            if scratch is not None:
                pg_db, drop = scratch
                a = _open_window(pg_db, "bench-A", "off")
                b = _open_window(pg_db, "bench-B", "off")
                try:
                    pm = _measure_seat(app, a, max(5, args.samples // 2), [b], think_s)
                finally:
                    a.close()
                    b.close()
                    drop()
                result.update(second_seat_p95_ms=_p(pm["other"], 95), second_seat_p50_ms=_p(pm["other"], 50),
                              pg_dispatch_p95_ms=_p(pm["dispatch"], 95), pg_select_p95_ms=_p(pm["select"], 95))
    print(format_table(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


def format_table(r: dict[str, Any]) -> str:
    def f(v: Any) -> str:
        return "–" if v is None else f"{v:,.1f}"
    ratio = (r["baseline_select_p50_ms"] / r["select_p50_ms"]
             if r.get("baseline_select_p50_ms") and r.get("select_p50_ms") else None)
    lines = [
        f"UI latency, {r['scale']} demo city ({r.get('selected', 0)} incidents selected, "
        f"{r.get('dispatched', 0)} dispatched)",
        "| step | p50 ms | p95 ms | target p95 |",
        "|---|---:|---:|---:|",
        f"| select → candidates and route preview painted | {f(r.get('select_p50_ms'))} | "
        f"{f(r.get('select_p95_ms'))} | ≤ 100 |",
        f"| of which the recommendation itself (no UI) | {f(r.get('service_p50_ms'))} | "
        f"{f(r.get('service_p95_ms'))} | |",
        f"| baseline: the same ranking with plain networkx | {f(r.get('baseline_select_p50_ms'))} | "
        f"{f(r.get('baseline_select_p95_ms'))} | |",
        f"| Enter → task committed, marker repainted (SQLite) | {f(r.get('dispatch_p50_ms'))} | "
        f"{f(r.get('dispatch_p95_ms'))} | ≤ 150 |",
        f"| Enter on seat A → seat B's map shows it (PostgreSQL) | {f(r.get('second_seat_p50_ms'))} | "
        f"{f(r.get('second_seat_p95_ms'))} | ≤ 1,000 |",
    ]
    if ratio:
        lines.append(f"networkx baseline / ours (p50): {ratio:,.0f}×")
    if r.get("ready_s") is not None:
        lines.append(f"seat ready (window open, router warmed up) {r['ready_s']:.1f} s after start")
    return "\n".join(lines)



