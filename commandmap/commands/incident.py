"""`commandmap incident`: report an incident or list them, from the command line.

  commandmap incident new  --db URL --category 占道经营 --priority P2 --at 121.55,29.87 [--source hotline_12345] [--note TEXT]
  commandmap incident list --db URL [--open] [--json]

`new` goes through the same intake service as the workstation (jurisdiction, competent
departments, code, audit) and prints the new incident's code. Its time is the
operation's clock: the simulator's when one runs against the store, else the wall clock.
"""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from ..cliargs import add_db_argument
from ..errors import UserError

ACTOR = "cli"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("incident", help="report an incident or list incidents",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="incident_command", metavar="ACTION", required=True)

    p = sub.add_parser("new", help="report a new incident; prints its code")
    add_db_argument(p)
    p.add_argument("--category", required=True, help="incident category, by name (占道经营) or code")
    p.add_argument("--priority", default=None, metavar="P1..P4", help="default: the category's")
    p.add_argument("--at", required=True, metavar="LON,LAT", help="where, in WGS84 longitude,latitude")
    p.add_argument("--source", default="hotline_12345",
                   help="grid_whistle, hotline_12345, patrol, remote_monitor or public_report (default hotline_12345)")
    p.add_argument("--note", default="", help="free-text description")
    p.set_defaults(func=run_new)

    p = sub.add_parser("list", help="list incidents, newest first")
    add_db_argument(p)
    p.add_argument("--open", action="store_true", help="only open incidents (new … on scene)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run_list)


def parse_point(text: str) -> tuple[float, float]:
    parts = text.split(",")
    try:
        lon, lat = (float(v) for v in parts)
    except ValueError:
        raise UserError(f"--at must look like LON,LAT (e.g. 121.55,29.87), got {text!r}") from None
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise UserError(f"--at: ({text}) is not a longitude,latitude")
    return lon, lat


def _operation_now(engine) -> float:  # type: ignore[no-untyped-def]
    import time

    from ..services.simulation.resume import read_clock
    from ..store.engine import READ_ONLY_OPTION

    wall = time.time()
    with engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as conn:
        record = read_clock(conn)
    if record is None:
        return wall
    return float(record["sim0"]) + (wall - float(record["wall0"])) * float(record["speed"])


def _open_city(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from ..store.migrate import open_store
    from ..store.repos import is_empty

    engine = open_store(getattr(args, "db", None))
    with engine.connect() as conn:
        if is_empty(conn):
            engine.dispose()
            raise UserError(f"store {engine.url.render_as_string(hide_password=True)} has no city yet: "
                            "run `commandmap demo` first")
    return engine


def run_new(args: argparse.Namespace) -> int:
    from ..services.intake import Intake, IntakeError, NewIncident

    lon, lat = parse_point(args.at)
    priority = None if args.priority is None else args.priority.strip().upper()
    engine = _open_city(args)
    try:
        intake = Intake(engine)
        try:
            res = intake.create(NewIncident(args.category, args.source, lon, lat, priority=priority,
                                            description=args.note), actor=ACTOR, now_s=_operation_now(engine))
        except IntakeError as exc:
            raise UserError(str(exc)) from None
        print(res.code)
        return 0
    finally:
        engine.dispose()


def run_list(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from ..domain.transitions import OPEN_INCIDENT_STATUSES
    from ..services.clock import to_epoch
    from ..store.schema import incident

    engine = _open_city(args)
    try:
        query = select(incident.c.id, incident.c.code, incident.c.category, incident.c.priority,
                       incident.c.status, incident.c.source, incident.c.lon, incident.c.lat,
                       incident.c.reported_at).order_by(incident.c.reported_at.desc(), incident.c.id.desc())
        if args.open:
            query = query.where(incident.c.status.in_([s.value for s in OPEN_INCIDENT_STATUSES]))
        with engine.connect() as conn:
            rows = conn.execute(query).all()
    finally:
        engine.dispose()
    items: list[dict[str, Any]] = [
        {"id": r.id, "code": r.code, "category": r.category, "priority": r.priority, "status": r.status,
         "source": r.source, "lon": r.lon, "lat": r.lat, "reported_s": to_epoch(r.reported_at)} for r in rows]
    if args.json:
        print(json.dumps(items, ensure_ascii=False))
        return 0
    from ..services.dispatch import clock_text
    for r, item in zip(rows, items):
        print(f"{item['code']}  {item['priority']}  {item['status']:<10} {clock_text(r.reported_at)}  "
              f"{item['category']}  ({item['lon']:.5f}, {item['lat']:.5f})")
    print(f"{len(items)} incident(s)")
    return 0
