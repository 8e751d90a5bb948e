"""The search process ranks exactly as the caller would (`rank_nearest` in-process), and a worker
that cannot load its file, dies or is closed makes `rank` return None (the caller ranks itself)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from routing import Candidates, RoadGraph
from routing.remote import NOT_SHIPPED, SearchProcess, rank_nearest
from routing.synthetic import synthetic_city

MODES = ("car", "ebike", "foot")


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> RoadGraph:
    graph, _ = synthetic_city(side=40, seed=7)
    graph.save(tmp_path_factory.mktemp("remote") / "city.npz")
    return graph


@pytest.fixture(scope="module")
def worker(saved: RoadGraph):  # type: ignore[no-untyped-def]
    assert saved.file_path is not None
    search = SearchProcess(saved, saved.file_path)
    assert search.start(), search.broken
    yield search
    search.close()


def _officers(graph: RoadGraph, rng: np.random.Generator, n: int) -> Candidates:
    lo, hi = graph.node_lonlat.min(axis=0), graph.node_lonlat.max(axis=0)
    pts = lo + (hi - lo) * rng.random((n, 2))
    pts[rng.random(n) < 0.05] = np.nan                  # no fix: reported, never routed
    return Candidates(rng.permutation(50_000)[:n], pts, rng.choice(list(MODES), n), max_snap_m=150.0)


@pytest.mark.parametrize("seed", range(6))
def test_the_process_ranks_exactly_as_in_process(saved: RoadGraph, worker: SearchProcess, seed: int) -> None:
    rng = np.random.default_rng(seed)
    cands = _officers(saved, rng, int(rng.integers(1, 600)))
    lo, hi = saved.node_lonlat.min(axis=0), saved.node_lonlat.max(axis=0)
    scene = tuple((lo + (hi - lo) * rng.random(2)).tolist())
    k = int(rng.integers(1, 8))
    there = worker.rank(scene, cands, k, MODES)
    here = rank_nearest(saved, scene, cands, k, MODES)
    assert there is not None and there == here
    assert len(there.picked) == min(k, int(np.isfinite(cands.lonlat).all(axis=1).sum()))
    assert not NOT_SHIPPED & set(there.left_out)


def test_a_scene_off_the_map_gets_the_same_status(saved: RoadGraph, worker: SearchProcess) -> None:
    cands = _officers(saved, np.random.default_rng(1), 50)
    far = (float(saved.node_lonlat[:, 0].max()) + 1.0, float(saved.node_lonlat[:, 1].max()) + 1.0)
    there = worker.rank(far, cands, 3, MODES)
    assert there is not None and there.status == rank_nearest(saved, far, cands, 3, MODES).status != "ok"


def test_it_serves_only_the_graph_it_was_started_for(saved: RoadGraph, worker: SearchProcess) -> None:
    other, _ = synthetic_city(side=8, seed=1)
    assert worker.serves(saved) and not worker.serves(other)


def test_an_unreadable_file_means_rank_here(saved: RoadGraph, tmp_path: Path) -> None:
    bad = tmp_path / "not-a-graph.npz"
    bad.write_bytes(b"this is not a road graph")
    search = SearchProcess(saved, bad)
    assert not search.start()
    assert "not a CommandMap road graph" in (search.broken or "")
    assert not search.serves(saved)
    assert search.rank((0.0, 0.0), _officers(saved, np.random.default_rng(2), 5), 1, MODES) is None


def test_a_killed_worker_means_rank_here(saved: RoadGraph) -> None:
    assert saved.file_path is not None
    search = SearchProcess(saved, saved.file_path)
    assert search.start()
    search._proc.kill()                       # the worker dies between two queries
    search._proc.wait(5)
    cands = _officers(saved, np.random.default_rng(3), 20)
    assert search.rank(tuple(saved.node_lonlat[0]), cands, 2, MODES) is None
    assert search.broken and not search.serves(saved)
    search.close()


def test_a_closed_worker_is_not_used(saved: RoadGraph) -> None:
    assert saved.file_path is not None
    search = SearchProcess(saved, saved.file_path)
    assert search.start()
    proc = search._proc
    search.close()
    assert proc.poll() is not None and search.broken == "closed"
    assert search.rank(tuple(saved.node_lonlat[0]), _officers(saved, np.random.default_rng(4), 5), 1, MODES) is None
