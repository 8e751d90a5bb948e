"""`commandmap city import`: load a command centre's own city from the files it already has.

  commandmap city import --db URL CITY.toml [--dry-run] [--replace] [--skip-rejected] [--json]

CITY.toml names the boundary layers (Shapefile, GeoJSON, GeoPackage), the road file
(.osm.pbf, .osm or a line layer), the departments, the officer roster (CSV or XLSX)
and the regulated-site registry (CSV or XLSX), each with its CRS (wgs84, gcj02,
bd09 or an EPSG code) and column names; see the README, "Load your own city".

Everything is checked before anything is written; every rejected row is listed with
its file, line (or feature), column and reason, and then nothing is written (unless
--skip-rejected). The import is one transaction: a failed or interrupted import
leaves the previous city as it was. Importing again updates the city: officers are
matched by badge, sites by external id; the ones missing from the files are retired,
not deleted. Exit code 0: written (or a clean dry run); 2: rejected rows or a bad file.
"""

from __future__ import annotations

import argparse
import json

from ..cliargs import add_db_argument, terminal_progress
from ..errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("city", help="import your own city (boundaries, roads, roster, sites)",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="city_command", metavar="ACTION", required=True)
    p = sub.add_parser("import", help="import (or re-import) the city a city.toml describes")
    add_db_argument(p)
    p.add_argument("toml", metavar="CITY.toml", help="the city definition file")
    p.add_argument("--dry-run", action="store_true", help="check everything and print the report; write nothing")
    p.add_argument("--replace", action="store_true",
                   help="replace a city that was not imported (the demo): its incidents, tasks and positions go too")
    p.add_argument("--skip-rejected", action="store_true",
                   help="write the rows that pass even when others were rejected (they are still reported)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=run_import)


def run_import(args: argparse.Namespace) -> int:
    from ..services.city_import import CityReplaceError, CitySpecError, import_city
    from ..store.migrate import open_store

    engine = open_store(getattr(args, "db", None))
    try:
        try:
            report = import_city(engine, args.toml, dry_run=args.dry_run, replace=args.replace,
                                 skip_rejected=args.skip_rejected, progress=terminal_progress(args.quiet or args.json),
                                 actor="commandmap city import")
        except (CitySpecError, CityReplaceError) as exc:
            raise UserError(str(exc)) from None
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps({
            "city": report.city, "crs": report.crs, "dry_run": report.dry_run, "written": report.written,
            "read": report.read, "changes": {k: vars(v) for k, v in report.changes.items()},
            "road_network": report.road_network, "road_network_new": report.road_network_new,
            "code_prefix": report.code_prefix,
            "rejections": [{"where": r.where, "column": r.column, "reason": r.reason} for r in report.rejections],
            "timings_s": report.timings_s}, ensure_ascii=False))
    else:
        for line in report.lines():
            print(line)
    return 0 if report.ok or report.written else 2
