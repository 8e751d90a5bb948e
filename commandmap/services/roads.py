"""Road graphs named on a command line (`--roads FILE|demo[:SCALE[:SEED]]`), with the
built graph cached on local disk; shared by `commandmap route` and the benchmarks."""

from __future__ import annotations

from pathlib import Path

from routing import BuildReport, RoadGraph
from routing.cache import cache_key, load_or_build
from routing.errors import RoutingError
from routing.files import open_roads

from ..errors import UserError
from ..paths import cache_dir


def demo_graph(spec: str, use_cache: bool = True) -> RoadGraph:
    """The demo city's road graph for `demo[:SCALE[:SEED]]` (default: full, seed 42)."""
    parts = spec.split(":")
    scale = parts[1] if len(parts) > 1 and parts[1] else "full"
    try:
        seed = int(parts[2]) if len(parts) > 2 else 42
    except ValueError:
        raise UserError(f"--roads {spec}: the seed must be an integer") from None
    try:
        from . import demo
    except ImportError as exc:
        raise UserError(f"--roads demo: the demo city is not available ({exc})") from None
    # the generator's own sources are part of the key: an edited generator builds anew
    src = sorted(Path(demo.__file__).parent.glob("*.py"))
    stamp = "|".join(f"{p.name}:{p.stat().st_mtime_ns}" for p in src)

    def build() -> RoadGraph:
        try:
            return demo.build_demo_road_graph(scale, seed)
        except ValueError as exc:
            raise UserError(f"--roads {spec}: {exc}") from None

    path = cache_dir() / f"demo-roads-{cache_key(scale, str(seed), stamp, length=20)}.cmgraph"
    graph, _from_cache = load_or_build(path, build, use_cache)
    return graph


def load_roads(spec: str, use_cache: bool = True) -> tuple[RoadGraph, BuildReport | None]:
    """(graph, build report or None) for a --roads value; UserError for what the user can fix."""
    if spec == "demo" or spec.startswith("demo:"):
        return demo_graph(spec, use_cache), None
    try:
        graph, report, _cached = open_roads(spec, cache_dir() if use_cache else None)
    except RoutingError as exc:
        raise UserError(str(exc)) from None
    return graph, report
