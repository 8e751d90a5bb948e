"""`commandmap coverage`: who can reach where in time, and which idle officers to move.

  commandmap coverage --db URL [--minutes 5] [--moves 10] [--json] [--send-move-ups N [--by SEAT]]

Prints the shares of regulated sites, grids and population-weighted area that an
available officer reaches within the time, and move-up suggestions (free idle
officers to reposition, each with the uncovered sites it gains). --send-move-ups N
sends the best N suggestions as repositioning tasks (each officer must still be
available; one taken officer does not hold back the others): the officer drives to
the target and is available again on arrival. Exit code 1 when any was not sent.
"""

from __future__ import annotations

import argparse
import json
import math

from ..cliargs import add_db_argument
from ..errors import UserError
from .common import open_city


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("coverage", help="coverage shares within N minutes and move-up suggestions",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_db_argument(p)
    p.add_argument("--minutes", type=float, default=5.0, help="arrival time limit in minutes (default 5)")
    p.add_argument("--moves", type=int, default=10, help="move-up suggestions to list (default 10)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--send-move-ups", type=int, default=0, metavar="N",
                   help="send the best N move-up suggestions as repositioning tasks (default 0: only list them)")
    p.add_argument("--by", default="cli", metavar="SEAT", help="who sends them (audited; default cli)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..services.city import load_road_graph
    from ..services.coverage import CoverageModel, read_fleet

    if not (math.isfinite(args.minutes) and args.minutes > 0):
        raise UserError(f"--minutes must be a positive number, got {args.minutes}")
    if args.moves < 0:
        raise UserError(f"--moves must be >= 0, got {args.moves}")
    if args.send_move_ups < 0:
        raise UserError(f"--send-move-ups must be >= 0, got {args.send_move_ups}")
    if not args.by.strip():
        raise UserError("--by must name who sends the move-ups")
    engine = open_city(args)
    sent = []
    try:
        graph = load_road_graph(engine)
        model = CoverageModel.from_engine(engine, graph)
        fleet = read_fleet(engine)
        rep = model.refresh(fleet, args.minutes * 60.0, moves=max(args.moves, args.send_move_ups))
        if args.send_move_ups:
            from ..services.assignments import send_move_ups
            from .incident import _operation_now
            sent = send_move_ups(engine, graph, rep.moves[:args.send_move_ups], seat=args.by,
                                 now_s=_operation_now(engine))
    finally:
        engine.dispose()
    moves = [{"officer_id": m.officer_id, "from": list(m.from_lonlat), "to": list(m.to_lonlat),
              "site_id": m.site_id, "gain_sites": m.gain_sites, "distance_m": round(m.distance_m, 1)}
             for m in rep.moves]
    out = {"minutes": args.minutes, "officers_available": rep.officers_available,
           "sites_share": rep.sites_share, "grids_share": rep.grids_share,
           "population_share": rep.population_share, "sites_total": rep.sites_total,
           "sites_covered": rep.sites_covered, "free_officers": rep.free_officers,
           "sites_share_after_moves": rep.sites_share_after_moves, "moves": moves,
           "sent": [{"ok": r.ok, "message": r.message, "task_ids": list(r.task_ids)} for r in sent]}
    failed = any(not r.ok for r in sent)
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return 1 if failed else 0
    print(f"within {args.minutes:g} min of {rep.officers_available} available officers: "
          f"sites {100 * rep.sites_share:.1f} %, grids {100 * rep.grids_share:.1f} %, "
          f"population-weighted area {100 * rep.population_share:.1f} %")
    for i, m in enumerate(rep.moves, 1):
        print(f"{i:2d}. officer {m.officer_id} → site {m.site_id} ({m.to_lonlat[0]:.5f}, {m.to_lonlat[1]:.5f}), "
              f"{m.distance_m / 1000:.1f} km: +{m.gain_sites:g} sites")
    print(f"after the moves: sites {100 * rep.sites_share_after_moves:.1f} %")
    for r in sent:
        print(("sent: " if r.ok else "NOT sent: ") + r.message)
    return 1 if failed else 0
