"""nearest(): one-way streets, explicit outcomes, reasons, ties, routes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from routing import AutoSearch, Candidates, HeapSearch, RoadGraph, ScipySearch, SearchStrategy, nearest
from routing.reference import ReferenceRouter

from .conftest import build_xy, node_at, on_road_points, xy_to_ll

V_RES = 25 / 3.6     # residential car speed, m/s
V_FOOT = 5 / 3.6


@pytest.fixture(params=["heap", "scipy"])
def strategy(request: pytest.FixtureRequest) -> SearchStrategy:
    """Run each test with the Python early-stop search and with the scipy expanding search."""
    return HeapSearch() if request.param == "heap" else ScipySearch()


@pytest.fixture(scope="module")
def loop() -> RoadGraph:
    # a 100 m square; its south side 0 -> 1 is one-way eastbound
    return build_xy([(0, 0), (100, 0), (100, 100), (0, 100)],
                    [(0, 1, "residential", True), (1, 2, "residential", False), (2, 3, "residential", False),
                     (3, 0, "residential", False)])


def test_one_way_street_decides_who_is_first(loop: RoadGraph, strategy: SearchStrategy) -> None:
    scene = xy_to_ll(loop, 50, 1)
    a, b = xy_to_ll(loop, 101, 20), xy_to_ll(loop, -1, 60)   # A is closer as the crow flies
    cands = Candidates(ids=[1, 2], lonlat=[a, b])
    res = nearest(loop, scene, cands, k=2, strategy=strategy)
    assert res.status == "ok"
    assert [p.id for p in res.picked] == [2, 1]
    assert res.picked[0].eta_s == pytest.approx(110 / V_RES, rel=1e-6)     # down to 0, then 50 m east
    assert res.picked[1].eta_s == pytest.approx(330 / V_RES, rel=1e-6)     # round the block
    assert res.picked[1].distance_m == pytest.approx(330, rel=1e-6)
    assert res.picked[1].path_nodes == [node_at(loop, 100, 100), node_at(loop, 0, 100), node_at(loop, 0, 0)]
    # on foot the one-way rule does not apply
    walk = nearest(loop, scene, cands, k=2, mode="foot", strategy=strategy)
    assert [p.id for p in walk.picked] == [1, 2]
    assert walk.picked[0].eta_s == pytest.approx(70 / V_FOOT, rel=1e-6)


def test_same_segment_drives_straight_only_with_the_flow(loop: RoadGraph, strategy: SearchStrategy) -> None:
    scene = xy_to_ll(loop, 60, 0)
    behind, ahead = xy_to_ll(loop, 20, 0), xy_to_ll(loop, 90, 0)
    res = nearest(loop, scene, Candidates(ids=[7, 8], lonlat=[behind, ahead]), k=2, strategy=strategy)
    assert res.picked[0].id == 7 and res.picked[0].eta_s == pytest.approx(40 / V_RES, rel=1e-6)
    assert res.picked[0].path_nodes == []
    assert res.picked[1].eta_s == pytest.approx((10 + 300 + 60) / V_RES, rel=1e-6)


def test_scene_problems_are_explicit(loop: RoadGraph, strategy: SearchStrategy) -> None:
    cands = Candidates(ids=[1], lonlat=[xy_to_ll(loop, 0, 50)])
    off = nearest(loop, xy_to_ll(loop, 5000, 5000), cands, strategy=strategy)
    assert off.status == "scene_off_network" and off.picked == []
    assert off.left_out == [(1, "scene_off_network")]
    bad = nearest(loop, (math.nan, 29.8), cands, strategy=strategy)
    assert bad.status == "scene_invalid" and bad.left_out == [(1, "scene_invalid")]


def test_every_candidate_gets_a_reason(loop: RoadGraph, strategy: SearchStrategy) -> None:
    pts = [xy_to_ll(loop, 0, 50), (math.nan, math.nan), xy_to_ll(loop, 3000, 3000), xy_to_ll(loop, 100, 50),
           xy_to_ll(loop, 50, 100), xy_to_ll(loop, 0, 90)]
    cands = Candidates(ids=[1, 2, 3, 4, 5, 6], lonlat=pts, excluded={4: "stale_fix", 5: "wrong_department"})
    res = nearest(loop, xy_to_ll(loop, 50, 0), cands, k=1, strategy=strategy)
    assert [p.id for p in res.picked] == [1]
    assert dict(res.left_out) == {2: "no_fix", 3: "off_network", 4: "stale_fix", 5: "wrong_department",
                                  6: "not_in_top_k"}
    assert "rank 1" in res.picked[0].reason


def test_k_larger_than_the_reachable_set_and_max_time(loop: RoadGraph, strategy: SearchStrategy) -> None:
    cands = Candidates(ids=[1, 2], lonlat=[xy_to_ll(loop, 0, 50), xy_to_ll(loop, 100, 50)])
    res = nearest(loop, xy_to_ll(loop, 50, 0), cands, k=10, strategy=strategy)
    assert len(res.picked) == 2 and res.left_out == []
    fast = nearest(loop, xy_to_ll(loop, 50, 0), cands, k=10, max_time_s=20.0, strategy=strategy)
    assert [p.id for p in fast.picked] == [1]
    assert fast.left_out == [(2, "beyond_max_time")]
    none = nearest(loop, xy_to_ll(loop, 50, 0), cands, k=10, max_time_s=1.0, strategy=strategy)
    assert none.status == "none_reachable"


def test_ties_go_to_the_lower_id(loop: RoadGraph, strategy: SearchStrategy) -> None:
    p = xy_to_ll(loop, 0, 50)
    res = nearest(loop, xy_to_ll(loop, 50, 0), Candidates(ids=[9, 3, 5], lonlat=[p, p, p]), k=2, strategy=strategy)
    assert [x.id for x in res.picked] == [3, 5]
    assert res.picked[0].eta_s == res.picked[1].eta_s


def test_unreachable_is_reported_not_guessed(strategy: SearchStrategy) -> None:
    # a street (3-4) reachable only over a motorway: cars get there, walkers cannot
    g = build_xy([(0, 0), (100, 0), (100, 100), (1100, 0), (1100, 100)],
                 [(0, 1, "residential", False), (1, 2, "residential", False), (2, 0, "residential", False),
                  (1, 3, "motorway", False), (3, 4, "residential", False)])
    cands = Candidates(ids=[1, 2], lonlat=[xy_to_ll(g, 1100, 50), xy_to_ll(g, 100, 50)])
    walk = nearest(g, xy_to_ll(g, 50, 0), cands, k=2, mode="foot", strategy=strategy)
    assert [p.id for p in walk.picked] == [2]
    assert walk.left_out == [(1, "unreachable")]
    drive = nearest(g, xy_to_ll(g, 50, 0), cands, k=2, mode="car", strategy=strategy)
    assert [p.id for p in drive.picked] == [2, 1]


def test_per_candidate_modes(loop: RoadGraph, strategy: SearchStrategy) -> None:
    a, b = xy_to_ll(loop, 101, 20), xy_to_ll(loop, -1, 60)
    cands = Candidates(ids=[1, 2], lonlat=[a, b], modes=["foot", "car"])
    res = nearest(loop, xy_to_ll(loop, 50, 1), cands, k=2, mode=("foot", "car"), strategy=strategy)
    assert [(p.id, p.mode) for p in res.picked] == [(2, "car"), (1, "foot")]
    only_car = nearest(loop, xy_to_ll(loop, 50, 1), cands, k=2, mode="car", strategy=strategy)
    assert [p.id for p in only_car.picked] == [2] and only_car.left_out == [(1, "wrong_mode")]
    with pytest.raises(ValueError, match="per-candidate modes"):
        nearest(loop, xy_to_ll(loop, 50, 1), Candidates(ids=[1], lonlat=[a]), mode=("foot", "car"), strategy=strategy)


def test_routes_are_consistent_with_etas(small_city: RoadGraph, strategy: SearchStrategy) -> None:
    rng = np.random.default_rng(7)
    cands = Candidates(ids=np.arange(200), lonlat=on_road_points(small_city, 200, rng))
    tt = small_city.travel_time_s("car")
    net = small_city.net("car")
    for scene in on_road_points(small_city, 10, rng):
        res = nearest(small_city, tuple(scene), cands, k=3, strategy=strategy)
        for p in res.picked:
            xy = p.path_xy
            assert np.hypot(*np.diff(xy, axis=0).T).sum() == pytest.approx(p.distance_m, rel=1e-9)
            nodes = p.path_nodes
            inner = sum(tt[net.arc_edge[net.arc_between(a, b)]] for a, b in zip(nodes, nodes[1:]))
            assert inner <= p.eta_s + 1e-9
            start = small_city.lonlat_to_xy(np.array([cands.lonlat[p.id]]))[0]
            assert np.hypot(*(xy[0] - start)) == pytest.approx(p.snap_distance_m, abs=1e-6)
            assert len(p.path_lonlat) == len(xy)


def test_equals_reference_on_a_city(small_city: RoadGraph, strategy: SearchStrategy) -> None:
    rng = np.random.default_rng(11)
    ref = ReferenceRouter(small_city, "car")
    for n in (400, 30, 3):
        cands = Candidates(ids=rng.permutation(5000)[:n], lonlat=on_road_points(small_city, n, rng))
        for scene in on_road_points(small_city, 8, rng):
            want = ref.nearest(tuple(scene), cands, k=5)
            got = nearest(small_city, tuple(scene), cands, k=5, strategy=strategy)
            assert [p.id for p in got.picked] == [w[0] for w in want]
            np.testing.assert_allclose([p.eta_s for p in got.picked], [w[1] for w in want], rtol=1e-12, atol=1e-9)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="match ids"):
        Candidates(ids=[1, 2], lonlat=[(1.0, 2.0)])
    with pytest.raises(ValueError, match="unique"):
        Candidates(ids=[1, 1], lonlat=[(1.0, 2.0), (1.0, 2.0)])


def test_the_strategy_given_is_the_one_that_searches(loop: RoadGraph, strategy: SearchStrategy) -> None:
    cands = Candidates(ids=[1, 2], lonlat=[xy_to_ll(loop, 101, 20), xy_to_ll(loop, -1, 60)])
    res = nearest(loop, xy_to_ll(loop, 50, 1), cands, k=2, strategy=strategy)
    assert res.stats["car"].method.startswith("heap" if isinstance(strategy, HeapSearch) else "scipy×")
    assert res.stats["car"].routable == 2


def test_scipy_search_learns_its_limits_per_network(small_city: RoadGraph) -> None:
    rng = np.random.default_rng(3)
    cands = Candidates(ids=np.arange(40), lonlat=on_road_points(small_city, 40, rng))
    learner, fresh = ScipySearch(), ScipySearch()
    for scene in on_road_points(small_city, 12, rng):
        nearest(small_city, tuple(scene), cands, k=3, strategy=learner)
    con = small_city.contracted("car")
    assert len(learner.runner(con).limit_ratios) == 12     # one ratio per query that found k
    assert all(r > 0 for r in learner.runner(con).limit_ratios)
    assert len(fresh.runner(con).limit_ratios) == 0        # state lives in its own strategy, not the graph
    assert learner.runner(small_city.contracted("foot")) is not learner.runner(con)


def test_auto_search_picks_by_expected_work_and_hands_over_past_its_budget(small_city: RoadGraph) -> None:
    rng = np.random.default_rng(5)
    cands = Candidates(ids=np.arange(30), lonlat=on_road_points(small_city, 30, rng))
    scene = tuple(on_road_points(small_city, 1, rng)[0])
    want = nearest(small_city, scene, cands, k=4, strategy=HeapSearch())
    cases = [("heap", AutoSearch(expected_nodes=1e9, budget_nodes=10**9)),
             ("scipy×", AutoSearch(expected_nodes=-1)),
             ("scipy×", AutoSearch(expected_nodes=1e9, budget_nodes=0))]   # the heap search gives up at once
    for method, how in cases:
        got = nearest(small_city, scene, cands, k=4, strategy=how)
        assert got.stats["car"].method.startswith(method)
        assert [p.id for p in got.picked] == [p.id for p in want.picked]
        assert [p.eta_s for p in got.picked] == pytest.approx([p.eta_s for p in want.picked], rel=1e-12)
