"""Map rendering: frame times of the cached canvas beside a plain uncached QPainter redraw.

Cases, at 1920×1080 and 3840×2160, on a Ningbo-sized scene (synthetic by
default: 200k road segments, 2k grids, 50k sites, 25k officers; or the demo
city in a store with --db):
  pan       the view moves by a few pixels, then one frame (cache blit + dynamic layers)
  move      all 25,000 officers move, then one frame
  zoom      the zoom changes: static-cache rebuild (the worker's job) for the new view
  zoom-ui   the frame the UI thread paints while that rebuild runs (old image, scaled)
Each case has a baseline: the same picture painted from scratch with no cache.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

SIZES = ((1920, 1080), (3840, 2160))
CENTRE_LONLAT = (121.55, 29.875)         # Sanjiangkou, the heart of Ningbo
WORK_M_PER_PX = 8.0                       # a district-scale working view
TARGET_MS = {"pan": (16, 33), "move": (16, 33), "zoom": (150, 250)}   # the targets


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", metavar="OUT", help="write the results as JSON here")
    parser.add_argument("--markdown", metavar="OUT", help="write the results table as Markdown here")
    from ..cli import add_db_argument
    add_db_argument(parser)   # with --db: the city in that store (e.g. the demo city) instead of the synthetic scene
    parser.add_argument("--frames", type=int, default=30, help="frames per cached case (default 30)")
    parser.add_argument("--baseline-frames", type=int, default=8, help="frames per uncached baseline (default 8)")
    parser.add_argument("--sizes", default="1920x1080,3840x2160", help="comma-separated WxH list")
    parser.add_argument("--theme", choices=("workstation", "wall"), default="wall")
    parser.add_argument("--seed", type=int, default=7, help="seed of the synthetic scene")


def _sizes(text: str) -> list[tuple[int, int]]:
    out = []
    for part in text.split(","):
        try:
            w, h = (int(v) for v in part.lower().split("x"))
        except ValueError:
            from ..cli import UserError
            raise UserError(f"--sizes: {part!r} is not WIDTHxHEIGHT") from None
        out.append((w, h))
    return out


def _load_scene(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    db = getattr(args, "db", None)
    if db:
        from ..live import LiveState
        from ..services.city import load_city_static
        from ..store.migrate import open_store
        engine = open_store(db)
        try:
            city = load_city_static(engine)
            snap = LiveState(engine).snapshot()
        finally:
            engine.dispose()
        return city, snap, f"demo city from {engine.url.render_as_string(hide_password=True)}"
    from .render_scene import SceneSize, make_city, make_snapshot
    size = SceneSize()
    city = make_city(args.seed, size)
    return city, make_snapshot(city, seed=args.seed + 1, size=size), "synthetic Ningbo-sized scene"


def _median(xs: list[float]) -> float:
    return float(statistics.median(xs)) if xs else float("nan")


def run(args: argparse.Namespace) -> int:
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QApplication

    from layers.canvas import MapCanvas
    from layers.render import paint_map
    from layers.themes import get_theme
    from layers.viewport import Viewport

    from ..services.projection import lonlat_to_xy
    from .render_scene import move_officers

    sizes = _sizes(args.sizes)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    t0 = time.perf_counter()
    city, snap, scene_name = _load_scene(args)
    load_s = time.perf_counter() - t0
    theme = get_theme(args.theme)
    cx, cy = lonlat_to_xy(np.array([CENTRE_LONLAT]), city.crs)[0]
    rng = np.random.default_rng(1)
    counts = {"road_segments": int(len(city.roads.offsets) - 1), "grids": int(len(city.grids.ids)),
              "sites": int(len(city.sites.ids)), "officers": int(len(snap.officers.ids)),
              "incidents": int(len(snap.incidents.ids))}
    print(f"render bench: {scene_name} ({', '.join(f'{k} {v:,}' for k, v in counts.items())}), "
          f"theme {theme.name}, loaded in {load_s:.1f}s", flush=True)

    canvas = MapCanvas(theme=theme)
    canvas.show_decorations = True
    canvas.clock_source = lambda: snap.time_s
    canvas.set_city(city, fit=False)
    canvas.set_snapshot(snap)
    stack = canvas.stack
    cases: list[dict] = []

    def frame(image: QImage) -> float:
        p = QPainter(image)
        t = time.perf_counter()
        canvas.render_frame(p, time_s=snap.time_s)
        dt = (time.perf_counter() - t) * 1000
        p.end()
        return dt

    def baseline(image: QImage, view: Viewport) -> float:
        p = QPainter(image)
        t = time.perf_counter()
        paint_map(p, stack, view, theme, dpr=1.0, time_s=snap.time_s)
        dt = (time.perf_counter() - t) * 1000
        p.end()
        return dt

    for w, h in sizes:
        image = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
        home = Viewport(float(cx), float(cy), WORK_M_PER_PX, w, h)
        canvas.stack.set_snapshot(snap)
        canvas.set_view(home)                    # the bench drives the view directly (no widget resize)
        canvas.cache.rebuild_now(home, 1.0, theme)
        frame(image)                             # warm-up: atlases, fonts, glyph caches

        # (a) pan: a drag of 3 px per frame, inside the cached margin
        times = []
        for k in range(args.frames):
            canvas.set_view(home.panned(3 * (k % 20) - 30, 2 * (k % 10) - 10))
            times.append(frame(image))
        base = [baseline(image, home.panned(3 * k, 2 * k)) for k in range(args.baseline_frames)]
        cases.append({"name": "pan", "width": w, "height": h, "median_ms": _median(times),
                      "baseline_median_ms": _median(base)})

        # (b) all officers move, then one frame
        canvas.set_view(home)
        cur = snap
        times = []
        for _ in range(args.frames):
            cur = move_officers(cur, rng)
            t = time.perf_counter()
            stack.set_snapshot(cur)
            setup = (time.perf_counter() - t) * 1000
            times.append(setup + frame(image))
        base = []
        for _ in range(args.baseline_frames):
            cur = move_officers(cur, rng)
            t = time.perf_counter()
            stack.set_snapshot(cur)
            base.append((time.perf_counter() - t) * 1000 + baseline(image, home))
        cases.append({"name": "move", "width": w, "height": h, "median_ms": _median(times),
                      "baseline_median_ms": _median(base)})
        stack.set_snapshot(snap)

        # (c) zoom: every step a new scale → a rebuild of the static cache (worker's job),
        # and the frame the UI paints meanwhile from the old image scaled
        factors = [2 ** (0.5 * ((k % 6) - 3) + 0.01 * k) for k in range(12)]
        rebuild, ui = [], []
        for f in factors:
            view = home.zoomed(f)
            canvas.set_view(view)                 # old cache, new scale: what the user sees meanwhile
            ui.append(frame(image))
            t = time.perf_counter()
            canvas.cache.rebuild_now(view, 1.0, theme)    # exactly the worker's job, run here to time it
            rebuild.append((time.perf_counter() - t) * 1000)
        base = [baseline(image, home.zoomed(f)) for f in factors[:args.baseline_frames]]
        cases.append({"name": "zoom", "width": w, "height": h, "median_ms": _median(rebuild),
                      "baseline_median_ms": _median(base)})
        cases.append({"name": "zoom-ui", "width": w, "height": h, "median_ms": _median(ui),
                      "baseline_median_ms": _median(base)})
        for c in cases[-4:]:
            print(_row(c), flush=True)

    meta = {"scene": scene_name, "counts": counts, "theme": theme.name, "view_m_per_px": WORK_M_PER_PX,
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
            "qt_platform": QApplication.platformName()}
    table = markdown(cases, meta)
    print()
    print(table)
    if args.json:
        Path(args.json).write_text(json.dumps({"cases": cases, **meta}, indent=2, ensure_ascii=False) + "\n",
                                   encoding="utf-8")
    if args.markdown:
        Path(args.markdown).write_text(table + "\n", encoding="utf-8")
    del app
    return 0


def _row(c: dict) -> str:
    return (f"{c['name']:8s} {c['width']}×{c['height']}: {c['median_ms']:7.1f} ms   "
            f"(uncached {c['baseline_median_ms']:7.1f} ms)")


CASE_TEXT = {
    "pan": "pan (cache blit + 25k officers, incidents, routes)",
    "move": "all officers moved, then a frame",
    "zoom": "zoom: static-cache rebuild (worker thread)",
    "zoom-ui": "zoom: UI-thread frame during the rebuild",
}


def markdown(cases: list[dict], meta: dict) -> str:
    lines = [f"Scene: {meta['scene']} — " + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in meta['counts'].items())
             + f"; theme {meta['theme']}; view {meta['view_m_per_px']} m/px around Sanjiangkou; "
             + f"{meta['machine']}, Qt platform {meta['qt_platform']}.",
             "",
             "| case | size | median ms | uncached QPainter redraw, median ms | target ms |",
             "|---|---|---:|---:|---:|"]
    for c in cases:
        hd = 0 if c["width"] <= 1920 else 1
        target = TARGET_MS.get(c["name"], (None, None))[hd]
        lines.append(f"| {CASE_TEXT.get(c['name'], c['name'])} | {c['width']}×{c['height']} | "
                     f"{c['median_ms']:.1f} | {c['baseline_median_ms']:.1f} | "
                     f"{f'≤ {target}' if target else '—'} |")
    return "\n".join(lines)
