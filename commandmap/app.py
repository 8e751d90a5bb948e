"""The composition root: the one place that opens the store and wires the app together.

`commandmap` (the console script) and `python main.py` enter here. With a
subcommand the command line runs it; without one this module opens the store
(building the demo city on first start), loads the city and its road graph
once, builds the live state, the seat's `Workbench` and the simulator thread,
and hands them to the windows. `commandmap.ui` receives what it needs and
imports neither the store nor the subcommands.

Environment (for tests, CI and demos):
  COMMANDMAP_DEMO_SCALE   mini | full  size of the demo city built into an empty store (default full)
  COMMANDMAP_DEMO_SEED    seed of that demo city (default 42)
  COMMANDMAP_THEME        wall | workstation  when --theme is not given
  COMMANDMAP_EXIT_AFTER_MS  quit after this many ms (smoke tests)
  COMMANDMAP_PASSWORD     the password for --user (scripted use)
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .cliargs import parse_speed
from .errors import UserError

if TYPE_CHECKING:
    from .ui.main_window import MainWindow
    from .ui.wall import WallWindow

ENV_DEMO_SCALE = "COMMANDMAP_DEMO_SCALE"
ENV_DEMO_SEED = "COMMANDMAP_DEMO_SEED"
ENV_THEME = "COMMANDMAP_THEME"
ENV_EXIT_AFTER_MS = "COMMANDMAP_EXIT_AFTER_MS"
ENV_PASSWORD = "COMMANDMAP_PASSWORD"


class LaunchError(UserError):
    """The app cannot start; the message says why and what to do."""


class LoginCancelled(LaunchError):
    """The person at the seat quit the login dialog: not an error, the app just ends."""


@dataclass
class AppContext:
    """Everything a window is handed: built here, used by `commandmap.ui`."""

    engine: Any              # sqlalchemy Engine (the UI only passes it on)
    city: Any                # domain.snapshot.CityStatic
    live: Any                # commandmap.live.LiveState
    workbench: Any           # services.workbench.Workbench (this seat's actions)
    built_demo: bool
    simulation: Any = None   # services.simulation.process.SimulatorProcess, not yet started
    db_url: str = ""
    roads: Any = None        # services.road_switch.RoadSwitch: a new road network, taken on a live refresh
    needs_login: bool = False   # the store has passwords and no --user was given: ask before the window opens


def simulation_speed(choice: str | None, db_url: str | None) -> float | None:
    """The in-app simulator's speed, or None for no simulator.

    Default: on for the embedded SQLite store (one seat, a living demo), off for
    PostgreSQL, where several seats share one city and exactly one headless
    `commandmap simulate` should drive it.
    """
    from .store.engine import resolve_db_url

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
            sim_speed: float | None = None, *, seat: str | None = None, auto_dispatch: bool = True,
            login_as: tuple[str, str] | None = None, viewer: bool = False) -> AppContext:
    """Open the store, build the demo city if it is empty, load the map data, the road graph
    (once, shared by map, recommendations and simulator) and set up the simulator (any thread:
    all of it is slow)."""
    from .live import LiveState
    from .services.city import CityDataError, load_city_static, load_road_graph
    from .services.demo.load import build_demo, store_has_city
    from .services.recommend import Recommender, search_process_for
    from .services.road_switch import RoadSwitch
    from .services.workbench import Workbench, default_seat
    from .store.engine import resolve_db_url
    from .store.errors import StoreError
    from .store.migrate import open_store

    progress("opening", 0.0)
    try:
        engine = open_store(db_url)
    except StoreError as exc:
        raise LaunchError(str(exc)) from None
    try:
        built = False
        if not store_has_city(engine):
            build_demo(engine, scale, seed, lambda stage, f: progress(stage, 0.9 * f))
            built = True
        progress("loading", 0.92)
        graph = load_road_graph(engine)
        city = load_city_static(engine, graph)
        progress("live", 0.97)
        live = LiveState(engine, crs=city.crs)
        runner = None
        if sim_speed is not None:
            from .paths import user_data_dir
            from .services.simulation.process import SimulatorProcess
            progress("simulator", 0.98)
            runner = SimulatorProcess(engine, resolve_db_url(db_url), sim_speed, auto_dispatch=auto_dispatch,
                                      log_path=user_data_dir() / "simulator.log")
        recommender = Recommender(engine, graph, clock=live.now, roster_source=live.roster_arrays,
                                  search=None if viewer else search_process_for(graph))
        actor = _log_in(engine, login_as, viewer, seat or default_seat())
        workbench = Workbench(engine, graph, seat=seat or default_seat(), clock=live.now, crs=city.crs,
                              recommender=recommender, actor=actor)
        roads = RoadSwitch(engine, graph, city, recommender, current=lambda: live.road_network)
        progress("done", 1.0)
    except (StoreError, CityDataError) as exc:
        engine.dispose()
        raise LaunchError(str(exc)) from None
    except BaseException:
        engine.dispose()
        raise
    return AppContext(engine, city, live, workbench, built, runner, resolve_db_url(db_url), roads,
                      needs_login=actor is None)


def theme_name(args: argparse.Namespace) -> str:
    """--wall, else --theme, else $COMMANDMAP_THEME, else the theme this seat used last."""
    if getattr(args, "wall", False):
        return "wall"
    chosen = getattr(args, "theme", None) or os.environ.get(ENV_THEME)
    if chosen:
        return str(chosen)
    from .ui.settings import load_theme
    return load_theme("workstation")


def _log_in(engine: Any, login_as: tuple[str, str] | None, viewer: bool, seat: str) -> Any:
    """The seat's identity: the wall is a viewer; --user logs in (roles are checked by the services);
    without either, a store where no account has a password (the demo) acts as its commander account,
    and None means a person must log in (the login dialog)."""
    from .domain.access import Actor, Role
    from .services.users import LoginFailed, login, open_store_actor

    if viewer:
        return Actor("wall", Role.VIEWER, seat)
    if login_as is None:
        return open_store_actor(engine, seat)
    try:
        return login(engine, login_as[0], login_as[1], seat=seat)
    except LoginFailed as exc:
        raise LaunchError(f"--user: {exc}") from None


def _credentials(args: argparse.Namespace) -> tuple[str, str] | None:
    """--user NAME with the password from $COMMANDMAP_PASSWORD (scripted use) or asked on the terminal."""
    user = getattr(args, "user", None)
    if not user:
        return None
    password = os.environ.get(ENV_PASSWORD)
    if password is None:
        import getpass
        password = getpass.getpass(f"password for {user}: ")
    return user, password


def _prepare_behind_progress(args: argparse.Namespace) -> AppContext:
    from .ui.progress import run_in_background, startup_title

    scale, seed = demo_scale(), demo_seed()
    wall = bool(getattr(args, "wall", False))
    sim_speed = simulation_speed(getattr(args, "simulate", None), getattr(args, "db", None))
    auto = wall or getattr(args, "auto_dispatch", None) is not False   # the wall is a showcase
    seat = getattr(args, "seat", None)
    login_as = None if wall else _credentials(args)
    ctx: AppContext = run_in_background(
        lambda progress: prepare(getattr(args, "db", None), scale, seed, progress, sim_speed, seat=seat,
                                 auto_dispatch=auto, login_as=login_as, viewer=wall), startup_title())
    return ctx


def _start(ctx: AppContext, window: Any) -> None:
    """Live data, the simulator and clean-up, wired to a window's lifetime."""
    from .ui.live_feed import Follower, LiveFeed

    feed = LiveFeed(ctx.live.provider(), parent=window)
    follower = Follower(ctx.live, on_refresh=ctx.roads.on_refresh if ctx.roads is not None else None)
    follower.start()
    window.on_close(follower.stop)
    if ctx.simulation is not None:
        ctx.simulation.start()
        window.on_close(ctx.simulation.stop)     # before the engine is disposed
    window.on_close(ctx.engine.dispose)
    window.attach(ctx, feed)
    feed.start()


def _start_escalation(ctx: AppContext, window: Any) -> None:
    """Grid whistles nobody accepted in time escalate from this seat too (not only the simulator's)."""
    from .services.whistle import escalate_due
    from .ui.escalation_clock import EscalationClock

    clock = EscalationClock(lambda now_s: escalate_due(ctx.engine, now_s=now_s), ctx.live.now, parent=window)
    window.escalation_clock = clock
    window.on_close(clock.close)     # before `_start` registers the engine's dispose: closes first
    clock.start()


def open_main_window(args: argparse.Namespace) -> MainWindow:
    """Everything `commandmap` does before the event loop: a ready, not yet shown window."""
    from .ui.main_window import MainWindow
    from .ui.session import ensure_app, start_session

    app = ensure_app()
    theme = start_session(app, getattr(args, "lang", None), theme_name(args))
    ctx = _prepare_behind_progress(args)
    if ctx.needs_login:
        _ask_login(ctx)
    window = MainWindow(theme)
    _start_escalation(ctx, window)
    _start(ctx, window)
    return window


def _ask_login(ctx: AppContext) -> None:
    """The login dialog, before the window opens: the seat then acts as the person who logged in."""
    from .services.users import login
    from .ui.login_dialog import ask_login

    bench = ctx.workbench
    actor = ask_login(lambda user, password: login(ctx.engine, user, password, seat=bench.seat), bench.seat)
    if actor is None:
        ctx.engine.dispose()
        raise LoginCancelled("login cancelled")
    bench.actor = actor
    ctx.needs_login = False


def open_wall(args: argparse.Namespace) -> WallWindow:
    """The commander's video wall: frameless, read-only, on the chosen screen."""
    from .ui.session import ensure_app, start_session
    from .ui.wall import WallWindow

    app = ensure_app()
    theme = start_session(app, getattr(args, "lang", None), "wall")
    ctx = _prepare_behind_progress(args)
    window = WallWindow(theme, screen_index=getattr(args, "screen", None))
    _start(ctx, window)
    return window


def run_app(args: argparse.Namespace) -> int:
    """Open the app; returns the process exit code."""
    from .ui.session import ensure_app, report_launch_error, run_event_loop

    app = ensure_app()
    try:
        window = open_wall(args) if getattr(args, "wall", False) else open_main_window(args)
    except LoginCancelled:
        return 1
    except LaunchError as exc:
        report_launch_error(str(exc))
        return 2
    window.present()
    exit_after = os.environ.get(ENV_EXIT_AFTER_MS)
    return run_event_loop(app, window, int(exit_after) if exit_after else None)


def main(argv: Sequence[str] | None = None) -> int:
    """`commandmap [...]`: a subcommand runs headless; none opens the app."""
    from .cli import run

    return run(sys.argv[1:] if argv is None else list(argv), gui=run_app)
