"""`commandmap dispatch`: send an officer to an incident without the app, for integrations.

  commandmap dispatch --db URL --incident CODE (--officer BADGE | --best) [--seat NAME] [--widen]

The same dispatch service the workstation uses: one transaction, the officer
must still be on duty and available and the incident still new. `--best` asks
the same recommender as `commandmap recommend` and dispatches its first
candidate along its road route. Acts as a dispatcher named after the operating
system user, at the seat NAME (default: this host); the audit log records it.

Exit codes: 0 dispatched; 2 bad input (unknown incident or officer, no
candidate); 3 a conflict (the officer or the incident was taken or changed),
reported as one line saying who got there first.
"""

from __future__ import annotations

import argparse
import getpass
import socket
from typing import Any

from ..cliargs import add_db_argument
from ..errors import UserError

EXIT_CONFLICT = 3


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("dispatch", help="send an officer to an incident (the dispatch service, headless)",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_db_argument(parser)
    parser.add_argument("--incident", required=True, metavar="CODE", help="the incident's code (or numeric id)")
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--officer", metavar="BADGE", help="the officer's badge (or numeric id)")
    who.add_argument("--best", action="store_true", help="the recommender's first candidate (road ETA)")
    parser.add_argument("--widen", action="store_true", help="with --best: include officers of other departments")
    parser.add_argument("--seat", metavar="NAME", default=None,
                        help="the seat recorded with the dispatch (default: this host's name)")
    parser.set_defaults(func=run)


def _officer_id(engine, ref: str) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import or_, select

    from ..store.schema import officer

    text = ref.strip()
    cond = officer.c.badge == text
    if text.isdigit():
        cond = or_(cond, officer.c.id == int(text))
    with engine.connect() as conn:
        found = conn.execute(select(officer.c.id).where(cond)).scalars().all()
    if len(found) != 1:
        raise UserError(f"--officer {ref}: no officer has that badge or id")
    return int(found[0])


def run(args: argparse.Namespace) -> int:
    import sys

    from ..domain.access import Actor, Role
    from ..services.city import CityDataError, load_road_graph
    from ..services.dispatch import dispatch
    from ..services.recommend import Recommender
    from ..store.migrate import open_store
    from .recommend import _incident_id

    seat = (args.seat if args.seat is not None else socket.gethostname()).strip()
    if not seat or len(seat) > 32 or any(c.isspace() or not c.isprintable() for c in seat):
        raise UserError(f"--seat: {args.seat!r} must be 1-32 printable characters without spaces")
    if args.widen and not args.best:
        raise UserError("--widen goes with --best")
    actor = Actor(f"cli:{getpass.getuser()}", Role.DISPATCHER, seat)
    engine = open_store(getattr(args, "db", None), upgrade=False)
    try:
        incident_id = _incident_id(engine, args.incident)
        try:
            graph = load_road_graph(engine)
        except CityDataError:
            graph = None   # no roads: straight-line estimates
        recommender = Recommender(engine, graph)
        # an officer named by badge is routed like any candidate (any department); one the recommender does
        # not rank (no fresh fix, beyond the first 25) goes without a route and with an unknown (0) ETA
        rec = recommender.recommend(incident_id, k=10 if args.best else 25, widen=args.widen or not args.best)
        if args.best:
            if not rec.candidates:
                raise UserError(f"--best: {rec.message}")
            cand: Any = rec.candidates[0]
        else:
            officer_id = _officer_id(engine, args.officer)
            cand = next((c for c in rec.candidates if c.officer_id == officer_id), None)
            if cand is None:   # not ranked (busy, off duty, no fix…): the service decides, or refuses
                result = dispatch(engine, incident_id, officer_id, seat=actor, predicted_eta_s=0.0)
                return _report(result, sys.stderr)
        result = dispatch(engine, incident_id, cand.officer_id, seat=actor, predicted_eta_s=cand.eta_s,
                          route_lonlat=cand.route_lonlat, officer_version=cand.version)
        return _report(result, sys.stderr, eta_s=cand.eta_s)
    finally:
        engine.dispose()


def _report(result, err, eta_s: float | None = None) -> int:  # type: ignore[no-untyped-def]
    if result.ok:
        eta = f"; ETA {eta_s / 60:.1f} min" if eta_s is not None else ""
        print(f"{result.message} (task {result.task_id}{eta})")
        return 0
    if result.conflict in ("not_found", "forbidden"):
        raise UserError(result.message)
    print(f"commandmap: conflict: {result.message}", file=err)
    return EXIT_CONFLICT
