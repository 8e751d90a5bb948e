"""`commandmap` with no subcommand: open the store, build the demo city on first
start, and show the live map of Ningbo.

Everything slow (schema upgrade, demo generation, loading 50,000 sites and
375,000 road segments, the first live snapshot) runs off the UI thread behind
a progress dialog, so the window never freezes.

Environment (for tests, CI and demos):
  COMMANDMAP_DEMO_SCALE   mini | full  size of the demo city built into an empty store (default full)
  COMMANDMAP_DEMO_SEED    seed of that demo city (default 42)
  COMMANDMAP_THEME        wall | workstation  when --theme is not given
  COMMANDMAP_EXIT_AFTER_MS  quit after this many ms (smoke tests)
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog, QWidget

from layers.i18n import tr

from .language import apply_language
from .live_feed import Follower, LiveFeed
from .main_window import MainWindow
from .theme import apply_theme

log = logging.getLogger(__name__)

ENV_DEMO_SCALE = "COMMANDMAP_DEMO_SCALE"
ENV_DEMO_SEED = "COMMANDMAP_DEMO_SEED"
ENV_THEME = "COMMANDMAP_THEME"
ENV_EXIT_AFTER_MS = "COMMANDMAP_EXIT_AFTER_MS"

STAGE_NAMES = {
    "districts": ("区县", "districts"), "towns": ("镇街", "towns"), "grids": ("网格", "grids"),
    "roads": ("道路", "roads"), "road graph": ("路网", "road graph"), "streets": ("街道", "streets"),
    "officers": ("执法队员", "officers"), "sites": ("执法对象", "regulated sites"),
    "incidents": ("事件", "incidents"), "writing to the store": ("写入数据库", "writing to the store"),
    "done": ("完成", "done"), "opening": ("打开数据库", "opening the store"),
    "loading": ("加载地图", "loading the map"), "live": ("加载实时数据", "loading live data"),
    "simulator": ("启动模拟", "starting the simulator"),
}


class LaunchError(Exception):
    """The app cannot start; the message says why and what to do."""


@dataclass
class Prepared:
    engine: Any          # sqlalchemy Engine (the UI only passes it on)
    city: Any            # CityStatic
    live: Any            # commandmap.live.LiveState
    built_demo: bool
    simulation: Any = None   # commandmap.services.simulation.SimulationRunner, not yet started


def simulation_speed(choice: str | None, db_url: str | None) -> float | None:
    """The in-app simulator's speed, or None for no simulator.

    Default: on for the embedded SQLite store (one seat, a living demo), off for
    PostgreSQL, where several seats share one city and exactly one headless
    `commandmap simulate` should drive it.
    """
    from ..cliargs import parse_speed
    from ..store.engine import resolve_db_url

    if choice == "off":
        return None
    if choice is None:
        return 1.0 if resolve_db_url(db_url).startswith("sqlite") else None
    try:
        speed = parse_speed(choice)
    except argparse.ArgumentTypeError as exc:
        raise LaunchError(f"--simulate: {exc}") from None
    if speed == float("inf"):
        raise LaunchError("--simulate: 'max' is for the headless `commandmap simulate`; give a factor like 10x")
    return speed


def demo_scale() -> str:
    scale = os.environ.get(ENV_DEMO_SCALE, "full")
    if scale not in ("mini", "full"):
        raise LaunchError(f"{ENV_DEMO_SCALE}={scale!r}: expected 'mini' or 'full'")
    return scale


def demo_seed() -> int:
    raw = os.environ.get(ENV_DEMO_SEED, "42")
    try:
        return int(raw)
    except ValueError:
        raise LaunchError(f"{ENV_DEMO_SEED}={raw!r}: expected a whole number") from None


def prepare(db_url: str | None, scale: str, seed: int, progress: Callable[[str, float], None],
            sim_speed: float | None = None) -> Prepared:
    """Open the store, build the demo city if it is empty, load the map data and
    set up the simulator (any thread: all of it is slow)."""
    from ..live import LiveState
    from ..services.city import load_city_static
    from ..services.demo.load import build_demo, store_has_city
    from ..store.migrate import open_store

    progress("opening", 0.0)
    engine = open_store(db_url)
    try:
        built = False
        if not store_has_city(engine):
            build_demo(engine, scale, seed, lambda stage, f: progress(stage, 0.9 * f))
            built = True
        progress("loading", 0.92)
        city = load_city_static(engine)
        progress("live", 0.97)
        live = LiveState(engine)
        runner = None
        if sim_speed is not None:
            import time

            from ..services.simulation import SimulationEngine, SimulationRunner
            progress("simulator", 0.98)
            runner = SimulationRunner(SimulationEngine(engine, start_s=time.time()), speed=sim_speed)
        progress("done", 1.0)
    except BaseException:
        engine.dispose()
        raise
    return Prepared(engine, city, live, built, runner)


class _Relay(QObject):
    sig_progress = Signal(str, float)
    sig_finished = Signal(object, object)     # result, exception


def run_in_background(fn: Callable[[Callable[[str, float], None]], Any], title: str,
                      parent: QWidget | None = None) -> Any:
    """Run `fn(progress)` in a worker thread behind a progress dialog; return its
    result or raise its exception. The UI keeps painting meanwhile."""
    relay = _Relay()
    dialog = QProgressDialog(title, "", 0, 1000, parent)
    dialog.setObjectName("StartupProgress")
    dialog.setWindowTitle(tr("指挥一张图", "CommandMap"))
    dialog.setCancelButton(None)            # a half-written city is worse than waiting a minute
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
    dialog.setMinimumDuration(300)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    loop = QEventLoop()
    outcome: dict[str, Any] = {}

    def on_progress(stage: str, fraction: float) -> None:
        zh, en = STAGE_NAMES.get(stage, (stage, stage))
        dialog.setLabelText(f"{title}\n{tr(zh, en)}")
        dialog.setValue(int(max(0.0, min(1.0, fraction)) * 1000))

    def on_finished(result: Any, error: Any) -> None:
        outcome["result"] = result
        outcome["error"] = error
        loop.quit()

    relay.sig_progress.connect(on_progress)
    relay.sig_finished.connect(on_finished)

    def work() -> None:
        try:
            result = fn(lambda stage, f: relay.sig_progress.emit(stage, float(f)))
        except BaseException as exc:  # re-raised on the UI thread
            relay.sig_finished.emit(None, exc)
        else:
            relay.sig_finished.emit(result, None)

    thread = threading.Thread(target=work, name="commandmap-startup", daemon=True)
    thread.start()
    if "error" not in outcome:
        loop.exec()
    thread.join(5)
    dialog.close()
    dialog.deleteLater()
    if outcome.get("error") is not None:
        raise outcome["error"]
    return outcome.get("result")


def theme_name(args: argparse.Namespace) -> str:
    if getattr(args, "wall", False):
        return "wall"
    return getattr(args, "theme", None) or os.environ.get(ENV_THEME) or "workstation"


def ensure_app() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    app.setApplicationName("CommandMap")
    app.setOrganizationName("CommandMap")
    return app  # type: ignore[return-value]


def open_main_window(args: argparse.Namespace) -> MainWindow:
    """Everything `commandmap` does before the event loop: a ready, not yet shown window."""
    from ..store.errors import StoreError

    app = ensure_app()
    apply_language(app, getattr(args, "lang", None))
    theme = apply_theme(app, theme_name(args))
    window = MainWindow(theme)
    scale, seed = demo_scale(), demo_seed()
    sim_speed = simulation_speed(getattr(args, "simulate", None), getattr(args, "db", None))
    title = tr("正在打开指挥一张图…（首次启动将生成宁波演示城市，约需一分钟）",
               "Opening CommandMap… (the first start builds the Ningbo demo city, about a minute)")
    try:
        prepared: Prepared = run_in_background(lambda progress: prepare(getattr(args, "db", None), scale, seed,
                                                                         progress, sim_speed), title)
    except StoreError as exc:
        window.deleteLater()
        raise LaunchError(str(exc)) from None
    except Exception as exc:
        window.deleteLater()
        from ..services.city import CityDataError
        if isinstance(exc, CityDataError):
            raise LaunchError(str(exc)) from None
        raise
    window.set_city(prepared.city)
    window.canvas.clock_source = prepared.live.now     # operation time (the simulator may run faster)
    feed = LiveFeed(prepared.live.provider(), parent=window)
    window.attach_feed(feed)
    follower = Follower(prepared.live)
    follower.start()
    window.on_close(follower.stop)
    if prepared.simulation is not None:
        prepared.simulation.start()
        window.on_close(prepared.simulation.stop)     # before the engine is disposed
    window.on_close(prepared.engine.dispose)
    window.prepared = prepared            # for tests and later docks (dispatch uses the engine)
    window.live_feed = feed
    feed.start()
    return window


def launch(args: argparse.Namespace) -> int:
    """Open the app; returns the process exit code."""
    app = ensure_app()
    try:
        window = open_main_window(args)
    except LaunchError as exc:
        print(f"commandmap: error: {exc}", file=sys.stderr)
        if QApplication.platformName() not in ("offscreen", "minimal"):
            QMessageBox.critical(None, tr("无法启动", "Cannot start"), str(exc))
        return 2
    if getattr(args, "wall", False):
        window.showFullScreen()
    else:
        window.resize(1600, 1000)
        window.show()
    exit_after = os.environ.get(ENV_EXIT_AFTER_MS)
    if exit_after:
        QTimer.singleShot(int(exit_after), window.close)
        QTimer.singleShot(int(exit_after) + 50, app.quit)
    app.setQuitOnLastWindowClosed(True)
    return int(app.exec())
