"""`commandmap demo`: build the embedded demo city of Ningbo into the store.

The ten real district outlines with generated towns, grids, roads, officers,
regulated sites and open incidents; the same seed always gives the same city.
"""

from __future__ import annotations

import argparse
import time

from ..cliargs import add_db_argument, terminal_progress
from ..errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="build the demo city of Ningbo into the store",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=("mini", "full"), default="full",
                        help="mini: a small city for tests (30 towns, ~100 grids, 500 officers); "
                             "full: 156 towns, 2,200 grids, 25,000 officers, 50,000 sites (default)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42): same seed, same city")
    parser.add_argument("--force", action="store_true",
                        help="replace the city already in the store (its incidents, tasks and positions go too)")
    parser.add_argument("--roads", metavar="FILE", default=None,
                        help="build a demo operation on your own roads instead (.osm.pbf, .osm or a line layer): "
                             "synthetic districts/towns/grids over the file's extent, officers and sites on its "
                             "streets (--scale does not apply)")
    parser.add_argument("--quiet", action="store_true", help="print only the final counts")
    add_db_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..services.demo.load import StoreNotEmptyError, build_demo
    from ..store.engine import resolve_db_url

    url = resolve_db_url(getattr(args, "db", None))
    if args.seed < 0:
        raise UserError(f"--seed must be >= 0, got {args.seed}")
    if args.roads:
        return _run_on_roads(args, url)
    t0 = time.perf_counter()
    try:
        counts = build_demo(url, args.scale, args.seed, terminal_progress(args.quiet), force=args.force)
    except StoreNotEmptyError as exc:
        raise UserError(str(exc)) from None
    elapsed = time.perf_counter() - t0
    rows = [("districts", "districts"), ("towns", "towns (镇街)"), ("grids", "grids (网格)"),
            ("road_nodes", "road nodes"), ("road_edges", "road edges (directed)"),
            ("departments", "departments"), ("officers", "officers"), ("sites", "regulated sites"),
            ("incidents", "open incidents")]
    print(f"demo city of Ningbo ({args.scale}, seed {args.seed}) written to {_display(url)}")
    for key, label in rows:
        print(f"  {label:<24}{counts[key]:>10,}")
    print(f"  {'elapsed':<24}{elapsed:>9.1f}s")
    return 0


def _run_on_roads(args: argparse.Namespace, url: str) -> int:
    from ..services.city_import import CityReplaceError
    from ..services.city_import.run import build_demo_on_roads
    from ..store.migrate import open_store

    engine = open_store(url)
    t0 = time.perf_counter()
    try:
        report = build_demo_on_roads(engine, args.roads, seed=args.seed, replace=args.force,
                                     progress=terminal_progress(args.quiet))
    except CityReplaceError as exc:
        raise UserError(str(exc).replace("--replace", "--force")) from None
    finally:
        engine.dispose()
    print(f"demo operation on {args.roads} (seed {args.seed}, CRS {report.crs}) written to {_display(url)}")
    for table, ch in report.changes.items():
        print(f"  {table:<24}{ch.added:>10,}")
    print(f"  {'road network':<24}{report.road_network!s:>10}")
    print(f"  {'elapsed':<24}{time.perf_counter() - t0:>9.1f}s")
    return 0


def _display(url: str) -> str:
    from sqlalchemy.engine import make_url
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # a bad URL was already reported by open_store
        return url
