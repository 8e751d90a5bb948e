"""The `commandmap` command. Each subcommand lives in `commandmap.commands.<name>`
and registers itself, so adding one never touches the others."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from . import __version__
from .cliargs import join_negative_values
from .errors import UserError
from .paths import ui_languages

# module names under commandmap.commands; each has register(subparsers)
SUBCOMMANDS: tuple[str, ...] = ("demo", "db", "route", "bench", "simulate", "incident", "export", "city",
                               "recommend", "coverage", "draw", "plan_inspection", "kpi", "whistle", "ingest",
                               "device", "user", "audit", "chart", "dispatch")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="commandmap",
        description="CommandMap (指挥一张图): one live map for the city's law-enforcement operation. "
                    "Without a subcommand it opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"commandmap {__version__}")
    parser.add_argument("--db", metavar="URL", help="store URL (sqlite:///PATH or postgresql://HOST/DB); "
                        "default: $COMMANDMAP_DB_URL or the per-user SQLite file")
    parser.add_argument("--theme", choices=("workstation", "wall"), default=None, help="UI theme")
    parser.add_argument("--wall", action="store_true", help="open full-screen in video-wall mode")
    parser.add_argument("--lang", choices=ui_languages(), default=None,
                        help="UI language (default zh_CN; each catalogue in resources/i18n adds one)")
    parser.add_argument("--screen", type=int, default=None, metavar="N",
                        help="with --wall: the screen to cover (0 = primary; default: the primary screen)")
    parser.add_argument("--seat", metavar="NAME", default=None,
                        help="this workstation's name, recorded on every dispatch (default: the host name)")
    parser.add_argument("--user", metavar="NAME", default=None,
                        help="log in as NAME (password from $COMMANDMAP_PASSWORD or asked); the role decides "
                             "what this seat may do. The wall always runs as a viewer")
    parser.add_argument("--i-dispatch", dest="auto_dispatch", action="store_false", default=None,
                        help="with the in-app simulator: incidents keep arriving and officers keep moving, "
                             "but the queue is yours (the simulated dispatcher is off)")
    sim = parser.add_mutually_exclusive_group()
    sim.add_argument("--simulate", metavar="SPEED", default=None,
                     help="run the simulated city inside the app at SPEED (e.g. 1x, 10x); default: on at 1x "
                          "for an embedded SQLite store, off for a shared PostgreSQL store (run "
                          "`commandmap simulate` once for all seats instead)")
    sim.add_argument("--no-simulate", dest="simulate", action="store_const", const="off",
                     help="do not run the simulator inside the app")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        importlib.import_module(f"commandmap.commands.{name}").register(subparsers)
    return parser


def run(argv: Sequence[str], gui: Callable[[argparse.Namespace], int] | None) -> int:
    """Parse `argv` and run its subcommand, or `gui` when there is none (the composition
    root passes the app; this module never imports it)."""
    from .store.errors import StoreError

    parser = build_parser()
    args = parser.parse_args(join_negative_values(list(sys.argv[1:] if argv is None else argv)))
    try:
        if args.command is None:
            if gui is None:
                parser.error("give a subcommand (the app opens with `commandmap` and no arguments)")
            return gui(args)
        return int(args.func(args) or 0)
    except (StoreError, UserError) as exc:
        print(f"commandmap: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a write refused deep inside a command: still one line, not a traceback
        from .store.engine import is_read_only_error
        if not is_read_only_error(exc):
            raise
        print(f"commandmap: error: the store is read-only (it refuses writes): "
              f"{str(getattr(exc, 'orig', None) or exc).splitlines()[0]}", file=sys.stderr)
        return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Subcommands only (scripts and tests); `commandmap.app.main` is the console script."""
    return run(sys.argv[1:] if argv is None else list(argv), gui=None)


if __name__ == "__main__":
    raise SystemExit(main())
