"""commandmap.services.roads: `--roads` values for the command line and the benchmarks,
with the built graph cached through routing.cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from commandmap.errors import UserError
from commandmap.paths import cache_dir
from commandmap.services.roads import demo_graph, load_roads


def test_the_demo_roads_are_built_once_then_loaded_from_the_cache() -> None:
    first = demo_graph("demo:mini")
    cached = list(cache_dir().glob("demo-roads-*.cmgraph"))
    assert len(cached) == 1
    stamp = cached[0].stat().st_mtime_ns
    again, report = load_roads("demo:mini")
    assert report is None and again.n_edges == first.n_edges
    assert cached[0].stat().st_mtime_ns == stamp            # read, not rewritten
    cached[0].write_bytes(b"damaged")                       # a damaged cache is rebuilt, not trusted
    assert demo_graph("demo:mini").n_edges == first.n_edges
    assert cached[0].stat().st_size > 1000
    assert [p.name for p in cache_dir().iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize(("spec", "says"), [
    ("demo:mini:x", "the seed must be an integer"),
    ("demo:galactic", "unknown demo scale"),
    ("no/such/roads.geojson", "no such file"),
])
def test_bad_roads_are_one_clear_user_error(spec: str, says: str) -> None:
    with pytest.raises(UserError, match=says):
        load_roads(spec)


def test_an_unknown_file_type_is_a_user_error(tmp_path: Path) -> None:
    odd = tmp_path / "roads.txt"
    odd.write_text("x")
    with pytest.raises(UserError, match="unknown road file type"):
        load_roads(str(odd))
