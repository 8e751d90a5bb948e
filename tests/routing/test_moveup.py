"""Coverage of sites and move-up suggestions against brute-force references on a small city."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from routing import Candidates, RoadGraph, coverage, snap
from routing.maxcover import GREEDY_BOUND, exact_max_cover, greedy_max_cover
from routing.moveup import free_officers, reach_within, suggest_moves
from routing.reference import ReferenceRouter

from .conftest import on_road_points

LIMIT_S = 60.0


def _site_eta(graph: RoadGraph, officers: np.ndarray, sites: np.ndarray) -> np.ndarray:
    cov = coverage(graph, officers, "car", LIMIT_S, horizon_s=LIMIT_S)
    return cov.eta_at_snapped(snap(graph, sites, 500.0, "car"))


def test_site_coverage_equals_brute_force_per_site(small_city: RoadGraph) -> None:
    rng = np.random.default_rng(11)
    officers = on_road_points(small_city, 5, rng)
    sites = on_road_points(small_city, 60, rng)
    got = _site_eta(small_city, officers, sites)
    ref = ReferenceRouter(small_city, "car")
    cands = Candidates(ids=np.arange(len(officers)), lonlat=officers)
    for i, p in enumerate(sites):  # one reverse Dijkstra per site, the slow way
        best = min(ref.etas(tuple(p), cands).values())
        assert (got[i] <= LIMIT_S) == (best <= LIMIT_S)
        if best <= LIMIT_S:
            assert got[i] == pytest.approx(best, rel=1e-9, abs=1e-6)


def test_move_up_raises_coverage_by_exactly_the_claimed_gains(small_city: RoadGraph) -> None:
    rng = np.random.default_rng(5)
    officers = np.repeat(on_road_points(small_city, 3, rng), 4, axis=0)  # stacked: most are spare
    sites = on_road_points(small_city, 150, rng)
    cov = coverage(small_city, officers, "car", LIMIT_S, horizon_s=LIMIT_S)
    sr = snap(small_city, sites, 500.0, "car")
    eta = cov.eta_at_snapped(sr)
    plan = suggest_moves(cov, sr, eta, small_city.lonlat_to_xy(officers), np.ones(len(officers), bool), LIMIT_S,
                         k=4, n_candidates=30, radius_m=150.0)
    assert plan.moves, "the fixture leaves sites uncovered and officers free"
    moved = officers.copy()
    for m in plan.moves:
        moved[m.officer] = sites[m.site]
    after = _site_eta(small_city, moved, sites)
    assert int((after <= LIMIT_S).sum()) - int((eta <= LIMIT_S).sum()) == pytest.approx(plan.total_gain)
    # the officers moved were free: nothing covered before is lost
    assert np.all(after[eta <= LIMIT_S] <= LIMIT_S)
    assert all(g > 0 for g in (m.gain for m in plan.moves))
    assert len({m.officer for m in plan.moves}) == len(plan.moves)


def test_free_officers_change_no_site_eta_when_removed(small_city: RoadGraph) -> None:
    rng = np.random.default_rng(8)
    officers = on_road_points(small_city, 20, rng)
    sites = on_road_points(small_city, 80, rng)
    cov = coverage(small_city, officers, "car", LIMIT_S, horizon_s=LIMIT_S)
    sr = snap(small_city, sites, 500.0, "car")
    free = free_officers(cov, sr, np.ones(len(officers), bool))
    assert len(free)
    keep = np.setdiff1d(np.arange(len(officers)), free)
    before = cov.eta_at_snapped(sr)
    after = _site_eta(small_city, officers[keep], sites)
    np.testing.assert_array_equal(before <= LIMIT_S, after <= LIMIT_S)


def test_reach_within_equals_a_coverage_run_from_the_point(small_city: RoadGraph) -> None:
    rng = np.random.default_rng(2)
    sites = on_road_points(small_city, 70, rng)
    sr = snap(small_city, sites, 500.0, "car")
    cov = coverage(small_city, sites[:1], "car", LIMIT_S)
    src = np.array([3, 17, 40])
    got = reach_within(cov, src, sr, np.arange(len(sites)), LIMIT_S)
    for j, s in enumerate(src.tolist()):
        want = np.flatnonzero(_site_eta(small_city, sites[[s]], sites) <= LIMIT_S)
        np.testing.assert_array_equal(np.sort(got[j]), want)


def test_greedy_max_cover_is_within_its_bound_of_brute_force() -> None:
    rng = np.random.default_rng(0)
    for _ in range(30):
        n, m, k = 25, 8, 3
        sets = [np.flatnonzero(rng.random(n) < 0.2) for _ in range(m)]
        g = greedy_max_cover(sets, k, n)
        best = max(len(set().union(*(sets[j].tolist() for j in c))) for c in itertools.combinations(range(m), k))
        assert g.total >= GREEDY_BOUND * best - 1e-9
        assert exact_max_cover(sets, k, n).total == best
        covered = set().union(*(sets[j].tolist() for j in g.chosen))
        assert g.total == len(covered)
