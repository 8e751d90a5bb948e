"""`commandmap plan-inspection`: plan a joint inspection (综合查一次) of some sites.

  commandmap plan-inspection --db URL --sites ID,ID,… [--json] [--save] [--csv plan.csv]

Prints the smallest qualified team covering every check item, the visiting order with
per-leg ETAs, and the separate departmental visits it replaces. --save stores the plan.
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
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..services.city import load_road_graph
    from ..services.joint_inspection import JointPlanError, plan_csv, plan_joint_inspection, save_plan

    ids = parse_ids(args.sites, "--sites")
    for opt, value in (("--csv", args.csv), ("--pdf", args.pdf)):
        if value and not Path(value).parent.is_dir():
            raise UserError(f"{opt} {value}: folder {Path(value).parent} does not exist")
    engine = open_city(args)
    try:
        try:
            plan = plan_joint_inspection(engine, ids, load_road_graph(engine))
        except JointPlanError as exc:
            raise UserError(str(exc)) from None
        plan_id = save_plan(engine, plan, actor=ACTOR, now=datetime.now(UTC)) if args.save else None
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
            "left_out": [list(x) for x in plan.left_out]}, ensure_ascii=False))
        return 0
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
    return 0
