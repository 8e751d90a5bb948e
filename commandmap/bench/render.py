"""Map rendering: frame times of the cached canvas beside a plain uncached QPainter redraw.

Cases, at 1920×1080 and 3840×2160, on a Ningbo-sized scene (synthetic by
default: 200k road segments, 2k grids, 50k sites, 25k officers; or the demo
city in a store with --db):
  pan       the view moves by a few pixels, then one frame, events processed between
            frames as in the app: once a few frames show the same snapshot, a
            worker paints the layers below the incidents onto a copy of the cached
            image (the underlay) and later pan frames blit it
  pan-full  the same pans with the underlay switched off: every layer painted every
            frame (what the first frames after each new snapshot cost)
  underlay  painting one underlay (the worker's job, timed here on this thread)
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
TARGET_MS = {"pan": (16, 33), "pan-full": (16, 33), "move": (16, 33), "zoom": (150, 250)}   # the targets


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", metavar="OUT", help="write the results as JSON here")
    parser.add_argument("--markdown", metavar="OUT", help="write the results table as Markdown here")
    from ..cliargs import add_db_argument
    add_db_argument(parser)   # with --db: the city in that store (e.g. the demo city) instead of the synthetic scene
    parser.add_argument("--frames", type=int, default=30, help="frames per cached case (default 30)")
    parser.add_argument("--baseline-frames", type=int, default=8, help="frames per uncached baseline (default 8)")
    parser.add_argument("--sizes", default="1920x1080,3840x2160", help="comma-separated WxH list")
    parser.add_argument("--theme", choices=("workstation", "wall"), default="wall")
    parser.add_argument("--seed", type=int, default=7, help="seed of the synthetic scene")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="size of the synthetic scene relative to Ningbo's (default 1.0; smoke tests use less)")


def _sizes(text: str) -> list[tuple[int, int]]:
    out = []
    for part in text.split(","):
        try:
            w, h = (int(v) for v in part.lower().split("x"))
        except ValueError:
            from ..errors import UserError
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
    if not 0 < args.scale <= 1:
        from ..errors import UserError
        raise UserError(f"--scale must be in (0, 1], got {args.scale}")
    size = SceneSize() if args.scale == 1 else SceneSize.scaled(args.scale)
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
    from routing.projection import to_xy

    from .render_scene import move_officers

    sizes = _sizes(args.sizes)
    load_before = _load_average()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    t0 = time.perf_counter()
    city, snap, scene_name = _load_scene(args)
    load_s = time.perf_counter() - t0
    theme = get_theme(args.theme)
    cx, cy = to_xy(city.crs, np.array([CENTRE_LONLAT]))[0]
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

    class Clock:
        """Wall and thread-CPU time of one measured block: on a shared machine the
        CPU time shows the work, the wall time what a user would have waited."""

        def __enter__(self) -> Clock:
            self.w0, self.c0 = time.perf_counter(), time.thread_time()
            return self

        def __exit__(self, *exc: object) -> None:
            self.wall = (time.perf_counter() - self.w0) * 1000
            self.cpu = (time.thread_time() - self.c0) * 1000

    def frame(image: QImage) -> tuple[float, float]:
        p = QPainter(image)
        with Clock() as c:
            canvas.render_frame(p, time_s=snap.time_s)
        p.end()
        return c.wall, c.cpu

    def baseline(image: QImage, view: Viewport) -> tuple[float, float]:
        p = QPainter(image)
        with Clock() as c:
            paint_map(p, stack, view, theme, dpr=1.0, time_s=snap.time_s)
        p.end()
        return c.wall, c.cpu

    def case(name: str, w: int, h: int, runs: list[tuple[float, float]], base: list[tuple[float, float]]) -> dict:
        return {"name": name, "view": view_name, "m_per_px": round(home.m_per_px, 2), "width": w, "height": h,
                "median_ms": _median([r[0] for r in runs]), "baseline_median_ms": _median([b[0] for b in base]),
                "median_cpu_ms": _median([r[1] for r in runs]),
                "baseline_median_cpu_ms": _median([b[1] for b in base]), "frames": len(runs),
                "p90_ms": float(np.percentile([r[0] for r in runs], 90)) if runs else float("nan"),
                "min_ms": min(r[0] for r in runs) if runs else float("nan")}

    views = [("city", lambda w, h: Viewport.fit(city.bounds, w, h, pad_frac=0.02)),
             ("district", lambda w, h: Viewport(float(cx), float(cy), WORK_M_PER_PX, w, h))]
    for (view_name, make_view), (w, h) in [(v, s) for v in views for s in sizes]:
        image = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
        home = make_view(w, h)
        canvas.stack.set_snapshot(snap)
        canvas.set_view(home)                    # the bench drives the view directly (no widget resize)
        canvas.cache.rebuild_now(home, 1.0, theme)
        frame(image)                             # warm-up: atlases, fonts, glyph caches
        baseline(image, home)

        # (a) pan: a drag of 3 px per frame, inside the cached margin; events in between
        # frames deliver the underlay when the worker has painted it
        base = [baseline(image, home.panned(3 * k, 2 * k)) for k in range(args.baseline_frames)]
        for name, underlay in (("pan-full", False), ("pan", True)):
            canvas.underlay = underlay
            builds = canvas.underlay_builds
            runs = []
            for k in range(args.frames):
                canvas.set_view(home.panned(3 * (k % 20) - 30, 2 * (k % 10) - 10))
                runs.append(frame(image))
                app.processEvents()
            canvas.wait_workers()
            app.processEvents()
            cases.append(case(name, w, h, runs, base))
            cases[-1]["underlay_builds"] = canvas.underlay_builds - builds
        under = []
        for _ in range(max(3, args.baseline_frames)):
            with Clock() as c:
                canvas.paint_underlay_now()
            under.append((c.wall, c.cpu))
        cases.append(case("underlay", w, h, under, base))

        # (b) all officers move, then one frame
        canvas.set_view(home)
        cur = snap
        runs, base = [], []
        for k in range(args.frames + args.baseline_frames):
            cur = move_officers(cur, rng)
            with Clock() as c:
                stack.set_snapshot(cur)
            f = frame(image) if k < args.frames else baseline(image, home)
            (runs if k < args.frames else base).append((c.wall + f[0], c.cpu + f[1]))
        cases.append(case("move", w, h, runs, base))
        stack.set_snapshot(snap)

        # (c) zoom: every step a new scale → a rebuild of the static cache (worker's job),
        # and the frame the UI paints meanwhile from the old image scaled
        factors = [2 ** (0.5 * ((k % 6) - 3) + 0.01 * k) for k in range(12)]
        rebuild, ui = [], []
        for factor in factors:
            view = home.zoomed(factor)
            canvas.set_view(view)                 # old cache, new scale: what the user sees meanwhile
            ui.append(frame(image))
            with Clock() as c:
                canvas.cache.rebuild_now(view, 1.0, theme)    # exactly the worker's job, run here to time it
            rebuild.append((c.wall, c.cpu))
        base = [baseline(image, home.zoomed(factor)) for factor in factors[:args.baseline_frames]]
        cases.append(case("zoom", w, h, rebuild, base))
        cases.append(case("zoom-ui", w, h, ui, base))
        for row in cases[-6:]:
            print(_row(row), flush=True)

    meta = {"scene": scene_name, "counts": counts, "theme": theme.name,
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
            "qt_platform": QApplication.platformName(),
            "load_average": [round(load_before, 2), round(_load_average(), 2)]}
    table = markdown(cases, meta)
    print()
    print(table)
    if args.json:
        Path(args.json).write_text(json.dumps({"cases": cases, **meta}, indent=2, ensure_ascii=False) + "\n",
                                   encoding="utf-8")
    if args.markdown:
        Path(args.markdown).write_text(table + "\n", encoding="utf-8")
    canvas.wait_workers()
    del canvas
    del app
    return 0


def _load_average() -> float:
    """1-minute load average (the machine is shared: a busy neighbour inflates every figure)."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def _row(c: dict) -> str:
    return (f"{c['name']:8s} {c['view']:8s} {c['width']}×{c['height']}: {c['median_ms']:7.1f} ms (cpu {c['median_cpu_ms']:6.1f}, "
            f"min {c['min_ms']:.1f}, p90 {c['p90_ms']:.1f})   "
            f"uncached {c['baseline_median_ms']:7.1f} ms (cpu {c['baseline_median_cpu_ms']:6.1f})")


CASE_TEXT = {
    "pan": "pan (underlay blit once made + incidents, names)",
    "pan-full": "pan, every layer painted (no underlay)",
    "underlay": "underlay: routes + officers onto the cached image (worker thread)",
    "move": "all officers moved, then a frame",
    "zoom": "zoom: static-cache rebuild (worker thread)",
    "zoom-ui": "zoom: UI-thread frame during the rebuild",
}


def markdown(cases: list[dict], meta: dict) -> str:
    lines = [f"Scene: {meta['scene']} — " + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in meta['counts'].items())
             + f"; theme {meta['theme']}; views: the whole city fitted to the screen, and a district "
             + f"view at {WORK_M_PER_PX:g} m/px around Sanjiangkou; "
             + f"{meta['machine']}, Qt platform {meta['qt_platform']}"
             + (f"; load average {meta['load_average'][0]:.1f} at the start, {meta['load_average'][1]:.1f} at the end"
                if "load_average" in meta else "") + ".",
             "",
             "Wall-clock medians; thread CPU time in brackets (the machine is shared, so CPU time is the",
             "steadier measure of the work). Baseline: the same layers painted from scratch every frame,",
             "no cached image.",
             "",
             "| case | view | size | median ms (cpu) | uncached redraw, median ms (cpu) | target ms |",
             "|---|---|---|---:|---:|---:|"]
    for c in cases:
        hd = 0 if c["width"] <= 1920 else 1
        target = TARGET_MS.get(c["name"], (None, None))[hd]
        lines.append(f"| {CASE_TEXT.get(c['name'], c['name'])} | {c['view']} ({c['m_per_px']:g} m/px) | "
                     f"{c['width']}×{c['height']} | "
                     f"{c['median_ms']:.1f} ({c['median_cpu_ms']:.1f}) | "
                     f"{c['baseline_median_ms']:.1f} ({c['baseline_median_cpu_ms']:.1f}) | "
                     f"{f'≤ {target}' if target else '—'} |")
    return "\n".join(lines)
