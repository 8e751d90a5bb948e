"""routing.cache: the road-graph disk cache is checked on load, rebuilt when damaged or of
another version, and written atomically."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import routing.atomic
import routing.graph
from routing import RoadGraph
from routing.cache import cache_key, load_or_build, save_cached

from .conftest import build_xy


@pytest.fixture(scope="module")
def square() -> RoadGraph:
    return build_xy([(0, 0), (100, 0), (100, 100), (0, 100)],
                    [(0, 1, "residential", True), (1, 2, "residential", False), (2, 3, "residential", False),
                     (3, 0, "residential", False)])


class Builder:
    """Counts how often the cache had to build."""

    def __init__(self, graph: RoadGraph) -> None:
        self.graph = graph
        self.calls = 0

    def __call__(self) -> RoadGraph:
        self.calls += 1
        return self.graph


def _same(a: RoadGraph, b: RoadGraph) -> bool:
    return a.n_edges == b.n_edges and bool(np.array_equal(a.edge_u, b.edge_u)) and \
        bool(np.allclose(a.node_xy, b.node_xy))


def test_a_good_cache_is_loaded_without_building(tmp_path: Path, square: RoadGraph) -> None:
    path = tmp_path / "roads.cmgraph"
    build = Builder(square)
    first, cached = load_or_build(path, build)
    assert (cached, build.calls) == (False, 1) and path.is_file()
    again, cached = load_or_build(path, build)
    assert (cached, build.calls) == (True, 1)
    assert _same(again, square)
    _, cached = load_or_build(path, build, use_cache=False)   # asked to rebuild: it does
    assert (cached, build.calls) == (False, 2)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_a_damaged_cache_is_rebuilt_and_rewritten(tmp_path: Path, square: RoadGraph, damage: str) -> None:
    path = tmp_path / "roads.cmgraph"
    square.save(path)
    good = path.read_bytes()
    path.write_bytes({"garbage": b"not a graph at all", "truncated": good[:len(good) // 2], "empty": b""}[damage])
    build = Builder(square)
    graph, cached = load_or_build(path, build)
    assert (cached, build.calls) == (False, 1)
    assert _same(graph, square)
    assert _same(RoadGraph.load(path), square)   # the file is whole again


def test_a_flipped_byte_inside_an_array_is_caught(tmp_path: Path, square: RoadGraph) -> None:
    path = tmp_path / "roads.cmgraph"
    square.save(path, compiled=False)
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0xFF     # inside a member: its CRC32 no longer matches
    path.write_bytes(bytes(data))
    build = Builder(square)
    _, cached = load_or_build(path, build)
    assert (cached, build.calls) == (False, 1)


def test_another_format_version_is_rebuilt(tmp_path: Path, square: RoadGraph,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "roads.cmgraph"
    with monkeypatch.context() as m:
        m.setattr(routing.graph, "FORMAT_VERSION", routing.graph.FORMAT_VERSION + 1)
        square.save(path)                      # written by "another version"
    build = Builder(square)
    graph, cached = load_or_build(path, build)
    assert (cached, build.calls) == (False, 1)
    assert _same(RoadGraph.load(path), graph)  # now in this version's format


def test_the_key_names_the_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    key = cache_key("a.osm.pbf", "123")
    assert key == cache_key("a.osm.pbf", "123") and len(key) == 24
    assert key != cache_key("a.osm.pbf", "124")
    monkeypatch.setattr("routing.cache.COMPILED_VERSION", routing.graph.COMPILED_VERSION + 1)
    assert cache_key("a.osm.pbf", "123") != key


def test_a_failed_save_leaves_the_old_file_and_no_partial_one(tmp_path: Path, square: RoadGraph,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "roads.cmgraph"
    square.save(path)
    before = path.read_bytes()

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(routing.atomic.os, "fsync", disk_full)   # fails after the bytes were written
    with pytest.raises(OSError):
        square.save(path, compiled=False)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["roads.cmgraph"]
    # through the cache: the error is swallowed (a cache only costs speed), nothing half-written stays
    fresh = tmp_path / "fresh.cmgraph"
    assert save_cached(fresh, square) is False
    graph, cached = load_or_build(fresh, Builder(square))
    assert not cached and _same(graph, square)
    assert sorted(os.listdir(tmp_path)) == ["roads.cmgraph"]


def test_a_failing_build_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "roads.cmgraph"

    def broken() -> RoadGraph:
        raise ValueError("source unreadable")

    with pytest.raises(ValueError, match="source unreadable"):
        load_or_build(path, broken)
    assert not path.exists()


def test_an_unwritable_cache_folder_only_costs_speed(tmp_path: Path, square: RoadGraph) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    graph, cached = load_or_build(blocker / "roads.cmgraph", Builder(square))
    assert not cached and _same(graph, square)
