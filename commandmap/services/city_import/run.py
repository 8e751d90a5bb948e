"""Import a city: parse city.toml, read and check every source, then write in one transaction.

The service the command line (`commandmap city import`) and the app's import
dialog share; `progress(stage, fraction)` drives a terminal line or a progress bar.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from ...store.migrate import ensure_schema
from .check import check_city
from .model import CityData, ImportReport, Progress
from .spec import parse_city_spec
from .writer import write_city


def _noop(stage: str, fraction: float) -> None:
    pass


def import_city(engine: Engine, toml_path: str | Path, *, dry_run: bool = False, replace: bool = False,
                skip_rejected: bool = False, progress: Progress | None = None, actor: str = "city import",
                now: datetime | None = None) -> ImportReport:
    """Check the city `toml_path` describes and (unless `dry_run`, and only when no row was
    rejected or `skip_rejected`) write it. Raises CitySpecError for a bad city.toml and
    CityReplaceError for a store holding a city that was not imported (without `replace`)."""
    progress = progress or _noop
    t0 = time.perf_counter()
    spec = parse_city_spec(toml_path)
    report = ImportReport(city=spec.name, dry_run=dry_run, code_prefix=spec.code_prefix)
    city = check_city(spec, report, progress)
    report.timings_s["check"] = round(time.perf_counter() - t0, 2)
    if city is None or dry_run or (report.rejections and not skip_rejected):
        progress("done", 1.0)
        return report
    write(engine, city, report, replace=replace, progress=progress, actor=actor, now=now)
    report.timings_s["total"] = round(time.perf_counter() - t0, 2)
    return report


def write(engine: Engine, city: CityData, report: ImportReport, *, replace: bool = False,
          progress: Progress | None = None, actor: str = "city import", now: datetime | None = None,
          source: str = "import") -> None:
    """Write a checked city in one transaction, then warm the road-graph cache."""
    from ..city import cache_road_graph
    from ..demo.load import clear_city

    progress = progress or _noop
    ensure_schema(engine)
    t0 = time.perf_counter()
    with engine.begin() as conn:
        write_city(conn, city, report, replace=replace, progress=progress, actor=actor, now=now, clear=clear_city,
                   source=source)
    report.written = True
    report.timings_s["write"] = round(time.perf_counter() - t0, 2)
    if city.road_graph is not None:
        import hashlib
        cache_road_graph(city.road_graph, hashlib.sha256(city.road_graph.to_bytes()).hexdigest())
    progress("done", 1.0)


def build_demo_on_roads(engine: Engine, roads: str | Path, *, seed: int = 42, replace: bool = False,
                        officers: int | None = None, sites: int | None = None,
                        progress: Progress | None = None) -> ImportReport:
    """A demo operation on a real road file (see `synthetic`); CityReplaceError on a store
    with a city unless `replace`."""
    from ..roads import load_roads
    from .synthetic import synthetic_city

    progress = progress or _noop
    t0 = time.perf_counter()
    progress("building the road network", 0.0)
    graph, _ = load_roads(str(roads))
    report = ImportReport(city=Path(roads).name, dry_run=False, crs=graph.crs)
    report.timings_s["roads"] = round(time.perf_counter() - t0, 2)
    progress("placing officers and sites", 0.4)
    city = synthetic_city(graph, seed, officers, sites, name=f"示范城市 ({Path(roads).name})")
    city.road_source = Path(roads).name
    city.code_prefix = "DEMO"     # not Ningbo's NB: DEMO-20261203-0001
    write(engine, city, report, replace=replace, progress=progress, actor="commandmap demo --roads",
          source="demo-roads")
    report.timings_s["total"] = round(time.perf_counter() - t0, 2)
    return report
