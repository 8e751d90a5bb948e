"""Replay frame time: one replayed moment drawn by the map at 1920×1080 (and other sizes).

A synthetic full-city day (default 25,000 officers reporting every 10 s: ~216 M fixes,
read in 5-minute chunks as `services.replay` reads a store), 5,000 incidents with
tasks, on the render benchmark's Ningbo-sized scene, wall theme. A frame is
`ReplayHistory.snapshot_at(T)` + the layer stack taking the snapshot + the canvas
painting it. Cases:
  play       playing at 60× (the dock's 100 ms tick = 6 s of history a frame), crossing
             chunk boundaries as they come (the chunk's fixes are generated, not read
             from a database: store reads are not in these figures)
  seek       jumps to random moments of the day (a far jump rolls the carried fixes
             forward from the last hourly checkpoint)
Baselines, in the same run:
  live       the same canvas drawing a live snapshot (all officers moved), as the app
             does every tick
  unchunked  play over --baseline-hours with every fix of that span in memory (the
             replay before chunking; a whole day would not fit)
The "fixes held" column is the largest number of fixes in memory at once.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--officers", type=int, default=25_000, help="officers replayed (default 25000)")
    parser.add_argument("--hours", type=float, default=24.0, help="length of the replayed span (default a day)")
    parser.add_argument("--fix-interval", type=float, default=10.0, help="seconds between an officer's fixes")
    parser.add_argument("--incidents", type=int, default=5000, help="incidents (each with a task) in the span")
    parser.add_argument("--chunk-s", type=float, default=300.0, help="replay read chunk in seconds (default 300)")
    parser.add_argument("--frames", type=int, default=30, help="frames per case (default 30)")
    parser.add_argument("--baseline-hours", type=float, default=1.0,
                        help="span of the unchunked baseline (default 1 h)")
    parser.add_argument("--sizes", default="1920x1080", help="comma-separated WxH list (default 1920x1080)")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="size of the synthetic city relative to Ningbo's (default 1.0; quick runs use less)")
    parser.add_argument("--theme", choices=("workstation", "wall"), default="wall")
    parser.add_argument("--json", metavar="OUT", help="write the results as JSON here")
    parser.add_argument("--markdown", metavar="OUT", help="write the results table as Markdown here")


def _check(args: argparse.Namespace) -> None:
    from ..errors import UserError
    for name in ("officers", "hours", "fix_interval", "chunk_s", "frames", "baseline_hours"):
        if not getattr(args, name) > 0:
            raise UserError(f"--{name.replace('_', '-')} must be positive, got {getattr(args, name)}")
    if args.incidents < 0:
        raise UserError(f"--incidents must not be negative, got {args.incidents}")
    if not 0 < args.scale <= 1:
        raise UserError(f"--scale must be in (0, 1], got {args.scale}")


def _held(history: Any) -> int:
    return int(sum(len(c.t_s) for c in history._chunks.values()))


def run(args: argparse.Namespace) -> int:
    _check(args)
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QApplication

    from layers.canvas import MapCanvas
    from layers.themes import get_theme
    from layers.viewport import Viewport

    from .render import _load_average, _sizes
    from .render_scene import SceneSize, make_city, make_snapshot, move_officers
    from .replay_scene import synthetic_history

    sizes = _sizes(args.sizes)
    load_before = _load_average()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    size = SceneSize() if args.scale == 1 else SceneSize.scaled(args.scale)
    size = SceneSize(size.roads, size.grids, size.sites, args.officers, size.incidents, size.routes, size.towns)
    city = make_city(7, size)
    live = make_snapshot(city, seed=8, size=size, with_rasters=False)
    span_s = args.hours * 3600.0
    history = synthetic_history(live.officers.xy, span_s, fix_interval_s=args.fix_interval,
                                incidents=args.incidents, chunk_s=args.chunk_s)
    base_span = min(span_s, args.baseline_hours * 3600.0)
    whole = synthetic_history(live.officers.xy, base_span, fix_interval_s=args.fix_interval,
                              incidents=args.incidents, chunk_s=base_span + 1.0)
    theme = get_theme(args.theme)
    canvas = MapCanvas(theme=theme)
    canvas.show_decorations = True
    canvas.set_city(city, fit=False)
    stack = canvas.stack
    rng = np.random.default_rng(1)
    print(f"replay bench: {args.officers:,} officers, a fix every {args.fix_interval:g} s over {args.hours:g} h "
          f"(~{args.officers * span_s / args.fix_interval:,.0f} fixes), {args.incidents:,} incidents, chunks of "
          f"{args.chunk_s:g} s; scene scale {args.scale:g}, theme {theme.name}", flush=True)

    def frame(image: QImage, snap: Any) -> None:
        stack.set_snapshot(snap)
        p = QPainter(image)
        canvas.render_frame(p, time_s=snap.time_s)
        p.end()

    def timed(fn: Any) -> float:
        t0 = time.perf_counter()
        fn()
        return (time.perf_counter() - t0) * 1000

    cases: list[dict] = []
    for w, h in sizes:
        image = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
        home = Viewport.fit(city.bounds, w, h, pad_frac=0.02)
        canvas.set_view(home)
        canvas.cache.rebuild_now(home, 1.0, theme)
        t_mid = history.start_s + span_s / 2
        frame(image, history.snapshot_at(t_mid))                     # warm-up: atlases, carried fixes to mid-day
        rows: dict[str, tuple[list[float], int]] = {}
        t = t_mid
        play = []
        held = 0
        for _ in range(args.frames):
            t = min(history.end_s, t + 6.0)
            play.append(timed(lambda: frame(image, history.snapshot_at(t))))
            held = max(held, _held(history))
        rows["play"] = (play, held)
        seek = []
        for _ in range(max(3, args.frames // 3)):
            at = float(rng.uniform(history.start_s, history.end_s))
            seek.append(timed(lambda: frame(image, history.snapshot_at(at))))
            held = max(held, _held(history))
        rows["seek"] = (seek, held)
        cur = live
        live_ms = []
        for _ in range(args.frames):
            cur = move_officers(cur, rng)
            live_ms.append(timed(lambda: frame(image, cur)))
        rows["live"] = (live_ms, 0)
        t = whole.start_s + base_span / 2
        frame(image, whole.snapshot_at(t))
        unchunked = []
        for _ in range(args.frames):
            t = min(whole.end_s, t + 6.0)
            unchunked.append(timed(lambda: frame(image, whole.snapshot_at(t))))
        rows["unchunked"] = (unchunked, _held(whole))
        for name, (ms, held_fixes) in rows.items():
            cases.append({"name": name, "width": w, "height": h, "median_ms": float(statistics.median(ms)),
                          "p90_ms": float(np.percentile(ms, 90)), "max_ms": float(max(ms)), "frames": len(ms),
                          "fixes_held": held_fixes})
            print(f"{name:10s} {w}×{h}: median {cases[-1]['median_ms']:7.1f} ms, p90 {cases[-1]['p90_ms']:7.1f}, "
                  f"max {cases[-1]['max_ms']:7.1f}, fixes held {held_fixes:,}", flush=True)
    meta = {"officers": args.officers, "hours": args.hours, "fix_interval_s": args.fix_interval,
            "chunk_s": args.chunk_s, "baseline_hours": base_span / 3600, "scale": args.scale, "theme": theme.name,
            "machine": f"{os.cpu_count()} CPUs", "load_average": [round(load_before, 2), round(_load_average(), 2)]}
    table = markdown(cases, meta)
    print()
    print(table)
    if args.json:
        Path(args.json).write_text(json.dumps({"cases": cases, **meta}, indent=2) + "\n", encoding="utf-8")
    if args.markdown:
        Path(args.markdown).write_text(table + "\n", encoding="utf-8")
    canvas.wait_workers()
    del canvas
    del app
    return 0


CASE_TEXT = {
    "play": "replay playing at 60× (snapshot at T + frame), chunked reads",
    "seek": "replay jumping to random moments of the span",
    "live": "baseline: a live snapshot drawn by the same canvas",
    "unchunked": "baseline: replay with the whole --baseline-hours span in memory",
}


def markdown(cases: list[dict], meta: dict) -> str:
    lines = [f"{meta['officers']:,} officers, a fix every {meta['fix_interval_s']:g} s over {meta['hours']:g} h, "
             f"chunks of {meta['chunk_s']:g} s (unchunked baseline: {meta['baseline_hours']:g} h); synthetic "
             f"city at scale {meta['scale']:g}, theme {meta['theme']}, whole city in view; {meta['machine']}, "
             f"load average {meta['load_average'][0]:.1f} at the start, {meta['load_average'][1]:.1f} at the end.",
             "",
             "| case | size | median ms | p90 ms | max ms | fixes held |",
             "|---|---|---:|---:|---:|---:|"]
    for c in cases:
        lines.append(f"| {CASE_TEXT.get(c['name'], c['name'])} | {c['width']}×{c['height']} | {c['median_ms']:.1f} | "
                     f"{c['p90_ms']:.1f} | {c['max_ms']:.1f} | {c['fixes_held']:,} |")
    return "\n".join(lines)
