"""`commandmap draw`: a double-random inspection draw (双随机), recorded and published.

  commandmap draw --db URL --seed S --sites N --inspectors M [--category 餐饮] [--district 海曙区]
                  [--risk 3,4] [--as-of 2026-12-03] --out draw.csv

M is the team size per site (at least 2: every team spans two departments). The
previous cycle is the 365 days before --as-of (default: today, UTC). The same seed,
as-of date and registry give a byte-identical list; its registry_version column says
whether the registry is still the one the list was drawn from.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from ..cliargs import add_db_argument
from ..errors import UserError
from .common import open_city, parse_day, parse_ids

ACTOR = "cli"


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("draw", help="double-random inspection draw (sites and inspectors), as CSV",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_db_argument(p)
    p.add_argument("--seed", type=int, required=True, help="the published random seed")
    p.add_argument("--sites", type=int, required=True, metavar="N", help="sites to draw")
    p.add_argument("--inspectors", type=int, required=True, metavar="M", help="inspectors per site (>= 2)")
    p.add_argument("--category", default=None, help="site category, by name (餐饮) or code")
    p.add_argument("--district", default=None, help="district, by name or code")
    p.add_argument("--risk", default=None, metavar="L,L", help="risk levels to include (1..4)")
    p.add_argument("--as-of", default=None, metavar="DATE", help="draw date (default today, UTC)")
    p.add_argument("--no-record", action="store_true", help="do not store the draw (e.g. to re-check one)")
    p.add_argument("--out", required=True, metavar="CSV", help="write the publication list here")
    p.add_argument("--pdf", metavar="OUT", help="also write it as a PDF here")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..domain.double_random import DrawError
    from ..services.double_random import DrawFilter, run_draw

    risk = tuple(parse_ids(args.risk, "--risk")) if args.risk else ()
    as_of = parse_day(args.as_of, "--as-of") if args.as_of else datetime.now(UTC)
    as_of = as_of.replace(hour=0, minute=0, second=0, microsecond=0)
    out = Path(args.out)
    for opt, value in (("--out", args.out), ("--pdf", args.pdf)):
        if value and not Path(value).parent.is_dir():
            raise UserError(f"{opt} {value}: folder {Path(value).parent} does not exist")
    engine = open_city(args)
    try:
        outcome = run_draw(engine, DrawFilter(args.category, args.district, risk), args.sites, args.inspectors,
                           args.seed, as_of, actor=ACTOR, record=not args.no_record)
    except DrawError as exc:
        raise UserError(str(exc)) from None
    finally:
        engine.dispose()
    out.write_text(outcome.csv_text(), encoding="utf-8")
    if args.pdf:
        from ..services.double_random import CSV_HEADER
        from .pdf_table import write_table_pdf
        write_table_pdf(args.pdf, f"双随机抽查 {outcome.as_of.date().isoformat()} (seed {args.seed})", CSV_HEADER[3:],
                        [r[3:] for r in outcome.rows],
                        note=f"registry version {outcome.draw.registry_version}; re-run: commandmap draw --seed "
                             f"{args.seed} --sites {args.sites} --inspectors {args.inspectors} "
                             f"--as-of {outcome.as_of.date().isoformat()}"
                             + (f" --category {args.category}" if args.category else "")
                             + (f" --district {args.district}" if args.district else "")
                             + (f" --risk {args.risk}" if args.risk else ""))
    print(f"drew {len(outcome.draw.teams)} sites, seed {args.seed}, registry {outcome.draw.registry_version[:12]}"
          f"{'' if outcome.plan_id is None else f', plan {outcome.plan_id}'} → {out}")
    return 0
