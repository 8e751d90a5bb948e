"""`commandmap bench <suite>`: benchmarks that print a table and always run the
baseline in the same process, so every figure is read as a ratio."""

from __future__ import annotations

import argparse
import importlib

# suite name -> module under commandmap.bench with add_arguments(parser) and run(args) -> int
SUITES: dict[str, str] = {
    "routing": "commandmap.bench.routing",
    "render": "commandmap.bench.render",
    "ingest": "commandmap.bench.ingest",
    "ui": "commandmap.bench.ui",
    "city-import": "commandmap.bench.city_import",
    "coverage": "commandmap.bench.coverage",
    "journal": "commandmap.bench.journal",
    "replay": "commandmap.bench.replay",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("bench", help="run a benchmark suite and print its table",
                                   description=__doc__)
    suites = parser.add_subparsers(dest="suite", metavar="SUITE", required=True)
    for name, module_name in SUITES.items():
        module = importlib.import_module(module_name)
        sub = suites.add_parser(name, help=(module.__doc__ or "").strip().splitlines()[0],
                                description=module.__doc__)
        module.add_arguments(sub)
        sub.set_defaults(func=module.run)
