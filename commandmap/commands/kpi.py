"""`commandmap kpi`: the seed's figures for a window, from the store.

  commandmap kpi --db URL [--from 2026-01-01 --to 2026-12-31] [--json]

1-minute contact rate and 5-minute arrival rate (incidents dispatched in the window),
joint inspections and visits avoided, cross-department inspection rate (share of
inspections with at least two departments), cases by domain and district, and
escalations of grid whistles. Default window: the last 365 days.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta

from ..cliargs import add_db_argument
from ..errors import UserError
from .common import open_city, parse_day


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("kpi", help="contact/arrival rates, joint inspections, cross-department rate, cases",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_db_argument(p)
    p.add_argument("--from", dest="start", default=None, metavar="DATE", help="window start (default: 365 days ago)")
    p.add_argument("--to", dest="end", default=None, metavar="DATE", help="window end, exclusive (default: now)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def _rate(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f} %"


def run(args: argparse.Namespace) -> int:
    from ..domain.kpi import response_kpis
    from ..services.clock import to_epoch
    from ..services.practice_kpis import read_practice_kpis
    from ..services.sla import incident_stages

    end = parse_day(args.end, "--to") if args.end else datetime.now(UTC)
    start = parse_day(args.start, "--from") if args.start else end - timedelta(days=365)
    if start >= end:
        raise UserError(f"--from {start.date()} is not before --to {end.date()}")
    engine = open_city(args)
    try:
        with engine.connect() as conn:
            practices = read_practice_kpis(conn, start, end)
        end_s, start_s = to_epoch(end) or 0.0, to_epoch(start) or 0.0
        stages = [s for _c, _st, s in incident_stages(engine, reported_since_s=start_s).values()
                  if s.reported_s is None or s.reported_s < end_s]
    finally:
        engine.dispose()
    resp = response_kpis(stages, end_s)
    out = {"from": start.isoformat(), "to": end.isoformat(), "dispatched": resp.dispatched,
           "contact_1min_rate": resp.contact.rate, "arrival_5min_rate": resp.arrival.rate,
           "inspections": practices.inspections, "joint_inspections": practices.joint_inspections,
           "visits_avoided": practices.visits_avoided, "cross_department_rate": practices.cross_department_rate,
           "escalations": practices.escalations, "cases_by_domain": practices.cases_by_domain,
           "cases_by_district": practices.cases_by_district}
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    print(f"{start.date()} … {end.date()}")
    print(f"1-minute contact {_rate(resp.contact.rate)}, 5-minute arrival {_rate(resp.arrival.rate)} "
          f"({resp.dispatched} dispatched)")
    print(f"inspections {practices.inspections}: joint {practices.joint_inspections}, visits avoided "
          f"{practices.visits_avoided}, cross-department rate {_rate(practices.cross_department_rate)}")
    print(f"escalations {practices.escalations}")
    print("cases by domain: " + ", ".join(f"{k} {v}" for k, v in sorted(practices.cases_by_domain.items())))
    print("cases by district: " + ", ".join(f"{k} {v}" for k, v in sorted(practices.cases_by_district.items())))
    return 0
