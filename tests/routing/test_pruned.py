"""`nearest_pruned` searches only the officers that can still win, and picks exactly what
`nearest` over everyone picks (ids, ETAs, order, routes' ends), on a city-sized lattice with
officers of several travel modes, no-fix and off-network officers among them."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing import Candidates, nearest, nearest_pruned
from routing.pruned import arrival_bounds_s
from routing.synthetic import synthetic_city


@pytest.fixture(scope="module")
def city():  # type: ignore[no-untyped-def]
    graph, _ = synthetic_city(side=60, seed=3)      # ~6 km across
    return graph


def _officers(graph, rng: np.random.Generator, n: int, modes: bool) -> Candidates:  # type: ignore[no-untyped-def]
    lo, hi = graph.node_lonlat.min(axis=0), graph.node_lonlat.max(axis=0)
    pts = lo + (hi - lo) * rng.random((n, 2))
    pts[rng.random(n) < 0.03] = np.nan                                  # no fix
    pts[rng.random(n) < 0.02] = hi + 0.05                               # far off the network
    mode_of = rng.choice(["car", "ebike", "foot"], n) if modes else None
    return Candidates(rng.permutation(100_000)[:n], pts, mode_of, max_snap_m=150.0)


def _same(a, b) -> None:  # type: ignore[no-untyped-def]
    assert a.status == b.status
    assert [(p.id, p.eta_s, p.mode) for p in a.picked] == [(p.id, p.eta_s, p.mode) for p in b.picked]
    for p, q in zip(a.picked, b.picked):
        assert np.allclose(p.path_lonlat[[0, -1]], q.path_lonlat[[0, -1]])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), n=st.integers(1, 900), k=st.integers(1, 8), modes=st.booleans())
def test_pruned_picks_equal_the_full_search(city, seed: int, n: int, k: int, modes: bool) -> None:
    rng = np.random.default_rng(seed)
    cands = _officers(city, rng, n, modes)
    lo, hi = city.node_lonlat.min(axis=0), city.node_lonlat.max(axis=0)
    scene = tuple((lo + (hi - lo) * rng.random(2)).tolist())
    mode = ("car", "ebike", "foot") if modes else "car"
    _same(nearest_pruned(city, scene, cands, k=k, mode=mode, max_scene_snap_m=150.0),
          nearest(city, scene, cands, k=k, mode=mode, max_scene_snap_m=150.0))


def test_it_really_searches_fewer_officers(city) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(7)
    cands = _officers(city, rng, 3000, modes=False)
    scene = tuple(city.node_lonlat[city.n_nodes // 2].tolist())
    pruned = nearest_pruned(city, scene, cands, k=5, max_scene_snap_m=150.0)
    full = nearest(city, scene, cands, k=5, max_scene_snap_m=150.0)
    _same(pruned, full)
    searched = {i for i, _ in pruned.left_out} | {p.id for p in pruned.picked}
    assert len(searched) < len(cands) / 4


def test_no_route_beats_the_bound(city) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(11)
    cands = _officers(city, rng, 400, modes=True)
    scene = tuple(city.node_lonlat[17].tolist())
    full = nearest(city, scene, cands, k=400, mode=("car", "ebike", "foot"), max_scene_snap_m=150.0)
    bound = dict(zip(cands.ids.tolist(), arrival_bounds_s(city, scene, cands, ("car", "ebike", "foot"), 150.0)))
    assert full.picked
    for p in full.picked:
        assert bound[p.id] <= p.eta_s + 1e-9


def test_unknown_scene_is_searched_in_full(city) -> None:  # type: ignore[no-untyped-def]
    cands = _officers(city, np.random.default_rng(1), 500, modes=False)
    for scene in ((float("nan"), 29.0), (200.0, 95.0)):
        _same(nearest_pruned(city, scene, cands, k=3), nearest(city, scene, cands, k=3))
