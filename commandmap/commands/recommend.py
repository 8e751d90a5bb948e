"""`commandmap recommend`: who is nearest to an incident, ranked by road ETA.

  commandmap recommend --db URL --incident CODE [--k 5] [--widen] [--json]

The same recommendation service the workstation's panel uses (eligible = on duty,
available, a fresh fix, a competent department unless --widen), so a hotline
system or a script can ask "who is nearest" for an incident it created with
`commandmap incident new`. Read-only: nothing is dispatched.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..cliargs import add_db_argument
from ..errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("recommend", help="rank the officers who can reach an incident soonest",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_db_argument(parser)
    parser.add_argument("--incident", required=True, metavar="CODE", help="the incident's code (or numeric id)")
    parser.add_argument("--k", type=int, default=5, help="how many candidates (default 5)")
    parser.add_argument("--widen", action="store_true", help="include officers of other departments")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=run)


def _incident_id(engine, code: str) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import or_, select

    from ..store.schema import incident

    cond = incident.c.code == code
    if code.isdigit():
        cond = or_(cond, incident.c.id == int(code))
    with engine.connect() as conn:
        found = conn.execute(select(incident.c.id).where(cond).limit(1)).scalar()
    if found is None:
        raise UserError(f"--incident {code}: no such incident in the store")
    return int(found)


def run(args: argparse.Namespace) -> int:
    from ..services.city import CityDataError, load_road_graph
    from ..services.recommend import Recommender
    from ..store.migrate import open_store

    if args.k < 1:
        raise UserError(f"--k must be >= 1, got {args.k}")
    engine = open_store(getattr(args, "db", None), upgrade=False)
    try:
        incident_id = _incident_id(engine, args.incident)
        try:
            graph = load_road_graph(engine)
        except CityDataError:
            graph = None   # no roads: straight-line estimates, and the output says so
        rec = Recommender(engine, graph).recommend(incident_id, k=args.k, widen=args.widen)
    finally:
        engine.dispose()
    items: list[dict[str, Any]] = [
        {"rank": i + 1, "officer_id": c.officer_id, "badge": c.badge, "name": c.name, "department": c.department,
         "mode": c.mode, "eta_s": round(c.eta_s, 1), "distance_m": round(c.distance_m, 1),
         "fix_age_s": round(c.fix_age_s, 1), "within_target": c.within_target}
        for i, c in enumerate(rec.candidates)]
    if args.json:
        print(json.dumps({"incident": args.incident, "status": rec.status, "estimated": rec.estimated,
                          "message": rec.message, "candidates": items, "left_out": rec.left_out},
                         ensure_ascii=False))
        return 0
    print(f"{args.incident}: {rec.message}" + (" (straight-line estimates: no road network)" if rec.estimated
                                               else ""))
    for it in items:
        print(f"  {it['rank']:>2}. {it['badge']:<10} {it['name']:<8} {it['department']:<12} {it['mode']:<6} "
              f"ETA {it['eta_s'] / 60:5.1f} min  {it['distance_m']:>8,.0f} m")
    if rec.left_out:
        print("  left out: " + ", ".join(f"{k} {v}" for k, v in sorted(rec.left_out.items())))
    return 0
