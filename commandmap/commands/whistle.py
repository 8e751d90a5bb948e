"""`commandmap whistle`: grid whistles (网格吹哨、镇队报到) from the command line.

  commandmap whistle raise    --db URL --grid ID --category 占道经营 [--accept-within MIN] [--note TEXT]
  commandmap whistle accept   --db URL --incident ID [--by NAME]
  commandmap whistle escalate --db URL        # run on a timer: escalates every whistle past its deadline

Times are the operation's clock (the simulator's when one runs against the store).
"""

from __future__ import annotations

import argparse
import math

from ..cliargs import add_db_argument
from ..errors import UserError
from .common import open_city


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("whistle", help="raise, accept and escalate grid whistles",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="whistle_command", metavar="ACTION", required=True)
    p = sub.add_parser("raise", help="a grid leader raises an issue; prints the incident code")
    add_db_argument(p)
    p.add_argument("--grid", type=int, required=True, metavar="ID")
    p.add_argument("--category", required=True, help="incident category, by name (占道经营) or code")
    p.add_argument("--accept-within", type=float, default=15.0, metavar="MIN",
                   help="minutes the town team has to accept (default 15)")
    p.add_argument("--by", default="grid leader", help="who raised it")
    p.add_argument("--note", default="")
    p.set_defaults(func=run_raise)
    p = sub.add_parser("accept", help="the town (or, once escalated, the district) accepts a whistle")
    add_db_argument(p)
    p.add_argument("--incident", type=int, required=True, metavar="ID")
    p.add_argument("--by", default="cli")
    p.set_defaults(func=run_accept)
    p = sub.add_parser("escalate", help="escalate every whistle past its acceptance deadline")
    add_db_argument(p)
    p.set_defaults(func=run_escalate)


def _now(engine) -> float:  # type: ignore[no-untyped-def]
    from .incident import _operation_now
    return _operation_now(engine)


def run_raise(args: argparse.Namespace) -> int:
    from ..services.whistle import WhistleError, raise_whistle

    if not (math.isfinite(args.accept_within) and args.accept_within > 0):
        raise UserError(f"--accept-within must be a positive number of minutes, got {args.accept_within}")
    engine = open_city(args)
    try:
        try:
            w = raise_whistle(engine, args.grid, args.category, actor=args.by, now_s=_now(engine),
                              accept_within_s=args.accept_within * 60.0, description=args.note)
        except WhistleError as exc:
            raise UserError(str(exc)) from None
    finally:
        engine.dispose()
    print(f"incident {w.incident_id}: with town {w.town_id} until the deadline ({args.accept_within:g} min)")
    return 0


def run_accept(args: argparse.Namespace) -> int:
    from ..services.whistle import WhistleError, accept

    engine = open_city(args)
    try:
        try:
            w = accept(engine, args.incident, actor=args.by, now_s=_now(engine))
        except WhistleError as exc:
            raise UserError(str(exc)) from None
    finally:
        engine.dispose()
    print(f"incident {w.incident_id} accepted at {w.level.value} level")
    return 0


def run_escalate(args: argparse.Namespace) -> int:
    from ..services.whistle import escalate_due

    engine = open_city(args)
    try:
        done = escalate_due(engine, now_s=_now(engine))
    finally:
        engine.dispose()
    print(f"{len(done)} whistle(s) escalated to the district" + (f": {', '.join(map(str, done))}" if done else ""))
    return 0
