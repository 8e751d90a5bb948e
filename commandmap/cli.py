"""The `commandmap` command. Each subcommand lives in `commandmap.commands.<name>`
and registers itself, so adding one never touches the others."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from . import __version__
from .errors import UserError

# module names under commandmap.commands; each has register(subparsers)
SUBCOMMANDS: tuple[str, ...] = ("demo", "db", "route", "bench", "simulate", "incident")


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
    parser.add_argument("--lang", choices=("zh_CN", "en"), default=None, help="UI language")
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


def main(argv: Sequence[str] | None = None) -> int:
    from .store.errors import StoreError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            from .app import run_app
            return run_app(args)
        return int(args.func(args) or 0)
    except (StoreError, UserError) as exc:
        print(f"commandmap: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
