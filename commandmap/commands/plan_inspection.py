"""`commandmap plan-inspection`: plan a joint inspection (综合查一次) of some sites.

  commandmap plan-inspection --db URL --sites ID,ID,… [--json] [--save] [--csv plan.csv]
                             [--dispatch [--by SEAT]]

Prints the smallest qualified team covering every check item, the visiting order with
per-leg ETAs, and the separate departmental visits it replaces. --save stores the plan.
--dispatch stores it and sends the whole team to the first site as inspection tasks,
in one transaction: every member must still be on duty and available, else nobody is
sent, the officers who were taken are named, and the exit code is 1 (the plan stays
saved as planned). These tasks are not incident responses: the KPIs do not count them.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path

from ..cliargs import add_db_argument
from ..errors import UserError
from .common import open_city, parse_ids

ACTOR = "cli"


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("plan-inspection", help="joint inspection plan: team, route, visits avoided",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_db_argument(p)
    p.add_argument("--sites", required=True, metavar="ID,ID,…", help="site ids")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--save", action="store_true", help="store the plan")
    p.add_argument("--csv", metavar="OUT", help="write the plan as CSV here")
    p.add_argument("--pdf", metavar="OUT", help="write the plan as PDF here")
    p.add_argument("--dispatch", action="store_true",
                   help="store the plan and dispatch its team as inspection tasks (all or none)")
    p.add_argument("--by", default=ACTOR, metavar="SEAT", help=f"who dispatches (audited; default {ACTOR})")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..services.city import load_road_graph
    from ..services.assignments import dispatch_plan
    from ..services.clock import from_epoch
    from ..services.joint_inspection import JointPlanError, plan_csv, plan_joint_inspection, save_plan
    from .incident import _operation_now

    ids = parse_ids(args.sites, "--sites")
    for opt, value in (("--csv", args.csv), ("--pdf", args.pdf)):
        if value and not Path(value).parent.is_dir():
            raise UserError(f"{opt} {value}: folder {Path(value).parent} does not exist")
    if not args.by.strip():
        raise UserError("--by must name who dispatches")
    engine = open_city(args)
    sent = None
    try:
        graph = load_road_graph(engine)
        try:
            plan = plan_joint_inspection(engine, ids, graph)
        except JointPlanError as exc:
            raise UserError(str(exc)) from None
        now_s = _operation_now(engine) if args.dispatch else datetime.now(UTC).timestamp()
        plan_id = (save_plan(engine, plan, actor=args.by, now=from_epoch(now_s))
                   if args.save or args.dispatch else None)
        if plan_id is not None and args.dispatch:
            sent = dispatch_plan(engine, plan_id, graph, seat=args.by, now_s=now_s)
    finally:
        engine.dispose()
    if args.csv:
        Path(args.csv).write_text(plan_csv(plan), encoding="utf-8")
    if args.pdf:
        import csv
        import io

        from .pdf_table import write_table_pdf
        table = list(csv.reader(io.StringIO(plan_csv(plan))))
        write_table_pdf(args.pdf, f"综合查一次: {plan.joint_visits} sites, team of {len(plan.team)}", table[0],
                        table[1:], note=f"drive {plan.route_eta_s / 60:.0f} min; {plan.visits_avoided} separate "
                                        f"visits avoided")
    if args.json:
        print(json.dumps({
            "plan_id": plan_id,
            "team": [{"officer_id": m.officer_id, "badge": m.badge, "department": m.department,
                      "skills": list(m.skills), "covers": list(m.covers)} for m in plan.team],
            "team_exact": plan.team_exact, "team_bound": plan.team_bound,
            "route": [{"site_id": s.site_id, "leg_eta_s": s.leg_eta_s, "departments": list(s.departments),
                       "items": [it.code for it in s.items]} for s in plan.stops],
            "route_eta_s": plan.route_eta_s, "separate_visits": plan.separate_visits,
            "joint_visits": plan.joint_visits, "visits_avoided": plan.visits_avoided,
            "left_out": [list(x) for x in plan.left_out],
            "dispatch": None if sent is None else {
                "ok": sent.ok, "message": sent.message, "task_ids": list(sent.task_ids),
                "conflicts": [{"officer_id": c.officer_id, "kind": c.kind, "message": c.message}
                              for c in sent.conflicts]}}, ensure_ascii=False))
        return 0 if sent is None or sent.ok else 1
    kind = "smallest" if plan.team_exact else f"greedy, at most {plan.team_bound:.2f}× the smallest"
    print(f"team of {len(plan.team)} ({kind}):")
    for m in plan.team:
        print(f"  {m.badge} {m.name} [{m.department}] covers {len(m.covers)} item(s)")
    print("route:")
    for k, s in enumerate(plan.stops, 1):
        leg = "start" if s.leg_eta_s is None else f"+{s.leg_eta_s / 60:.1f} min"
        print(f"  {k}. site {s.site_id} {s.name} ({s.category}) {leg}: {len(s.items)} items, "
              f"{len(s.departments)} department(s)")
    for sid, why in plan.left_out:
        print(f"  left out: site {sid} ({why})")
    print(f"drive {plan.route_eta_s / 60:.1f} min; {plan.joint_visits} joint visit(s) replace "
          f"{plan.separate_visits} separate visits: {plan.visits_avoided} avoided"
          f"{'' if plan_id is None else f'; saved as plan {plan_id}'}")
    if sent is not None:
        print(("dispatched: " if sent.ok else "NOT dispatched: ") + sent.message
              + (f" (tasks {', '.join(map(str, sent.task_ids))})" if sent.task_ids else ""))
    return 0 if sent is None or sent.ok else 1
