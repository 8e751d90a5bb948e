"""Recommendation: eligible officers ranked by road ETA, everyone else counted by reason."""

from __future__ import annotations

import numpy as np
import pytest

from routing import Candidates, nearest
from commandmap.services.recommend import Recommender
from tests.live.citykit import NOW_S, OfficerSpec, build_city, lattice_graph


@pytest.fixture(scope="module")
def graph():
    return lattice_graph(side=30, seed=2)


@pytest.fixture
def city(sqlite_engine, graph):
    rng = np.random.default_rng(5)
    nodes = rng.choice(graph.n_nodes, size=14, replace=False)
    ll = graph.node_lonlat[nodes]
    specs = [OfficerSpec(i + 1, float(ll[i, 0]), float(ll[i, 1]), mode=("car", "ebike", "foot")[i % 3])
             for i in range(10)]
    specs += [OfficerSpec(11, *map(float, ll[10]), on_duty=False),
              OfficerSpec(12, *map(float, ll[11]), status="en_route"),
              OfficerSpec(13, *map(float, ll[12]), department="scjg"),
              OfficerSpec(14, *map(float, ll[13]), fix_age_s=600)]
    build_city(sqlite_engine, specs + [OfficerSpec(15, 0, 0, fix_age_s=None)])
    return sqlite_engine, specs


def test_ranked_by_road_eta_with_reasons(city, graph) -> None:
    engine, specs = city
    scene = tuple(graph.node_lonlat[graph.n_nodes // 2])
    rec = Recommender(engine, graph).recommend_at(*scene, department_ids=(1,), k=3, now_s=NOW_S)
    assert rec.status == "ok" and len(rec.candidates) == 3
    # the same answer as asking routing directly for the eligible officers
    eligible = specs[:10]
    ref = nearest(graph, scene, Candidates(np.array([s.id for s in eligible]),
                                           np.array([(s.lon, s.lat) for s in eligible]),
                                           [s.mode for s in eligible]), k=3, mode=("car", "ebike", "foot"))
    assert [c.officer_id for c in rec.candidates] == [p.id for p in ref.picked]
    assert [c.eta_s for c in rec.candidates] == pytest.approx([p.eta_s for p in ref.picked])
    etas = [c.eta_s for c in rec.candidates]
    assert etas == sorted(etas)
    top = rec.candidates[0]
    assert top.route_lonlat and top.distance_m > 0 and top.fix_age_s == pytest.approx(10)
    assert top.department == "综合行政执法" and top.version == 1 and "ETA" in top.reason
    assert rec.left_out == {"off_duty": 1, "busy": 1, "other_department": 1, "stale_fix": 1, "no_fix": 1}
    assert rec.can_meet_target == any(e <= 300 for e in etas)


def test_widen_brings_other_departments_in(city, graph) -> None:
    engine, specs = city
    s13 = specs[12]
    rec = Recommender(engine, graph).recommend_at(s13.lon, s13.lat, department_ids=(1,), k=1, widen=True,
                                                  now_s=NOW_S)
    assert rec.candidates[0].officer_id == 13 and rec.candidates[0].eta_s == pytest.approx(0, abs=1)
    assert "other_department" not in rec.left_out


def test_nobody_within_target_is_said_up_front(city, graph) -> None:
    engine, _ = city
    scene = tuple(graph.node_lonlat[0])
    rec = Recommender(engine, graph, target_s=1.0).recommend_at(*scene, k=2, now_s=NOW_S)
    assert not rec.can_meet_target and rec.message.startswith("nobody can arrive within 0 min")
    far = Recommender(engine, graph).recommend_at(scene[0] + 1.0, scene[1], k=2, now_s=NOW_S)
    assert far.status == "scene_off_network" and far.candidates == () and "not near any road" in far.message


def test_no_eligible_officer(city, graph) -> None:
    engine, _ = city
    rec = Recommender(engine, graph).recommend_at(121.55, 29.87, department_ids=(4,), k=2, now_s=NOW_S)
    assert rec.status == "none_available" and rec.left_out == {"off_duty": 1, "busy": 1, "other_department": 13}


def test_straight_line_fallback_without_roads(city) -> None:
    engine, specs = city
    s = specs[0]
    rec = Recommender(engine, None).recommend_at(s.lon, s.lat, (1,), k=2, now_s=NOW_S)
    assert rec.estimated and rec.candidates[0].officer_id == 1 and rec.candidates[0].eta_s == pytest.approx(0)
    assert "straight-line" in rec.candidates[1].reason


@pytest.mark.parametrize("widen", [False, True])
def test_the_live_roster_path_ranks_exactly_as_the_store_path(city, graph, widen) -> None:
    """A seat recommends from its live arrays (no 25,000-row query per click): same officers,
    same ETAs, same left-out counts, same versions for the stale-view check."""
    from commandmap.live import LiveState
    engine, _specs = city
    live = LiveState(engine, clock=lambda: NOW_S)
    from_store = Recommender(engine, graph)
    from_live = Recommender(engine, graph, roster_source=live.roster_arrays)
    for node in (graph.n_nodes // 2, 3, graph.n_nodes - 5):
        scene = tuple(graph.node_lonlat[node])
        a = from_store.recommend_at(*scene, department_ids=(1,), k=5, widen=widen, now_s=NOW_S)
        b = from_live.recommend_at(*scene, department_ids=(1,), k=5, widen=widen, now_s=NOW_S)
        assert [(c.officer_id, round(c.eta_s, 6), c.version, c.badge, c.mode) for c in a.candidates] == \
            [(c.officer_id, round(c.eta_s, 6), c.version, c.badge, c.mode) for c in b.candidates]
        assert a.left_out == b.left_out and a.status == b.status


def test_a_seat_with_a_search_process_recommends_exactly_the_same(city, graph, tmp_path) -> None:
    """The workstation of a big city ranks in a second process; what it shows must not change."""
    from routing.remote import SearchProcess
    engine, _specs = city
    graph.save(tmp_path / "roads.npz")
    search = SearchProcess(graph, tmp_path / "roads.npz")
    here = Recommender(engine, graph)
    there = Recommender(engine, graph, search=search)
    try:
        there.warm_up()
        assert search.serves(graph), search.broken
        for node in (graph.n_nodes // 2, 7, graph.n_nodes - 3):
            scene = tuple(graph.node_lonlat[node])
            a = here.recommend_at(*scene, department_ids=(1,), k=4, now_s=NOW_S)
            b = there.recommend_at(*scene, department_ids=(1,), k=4, now_s=NOW_S)
            assert a == b
    finally:
        there.close()
    assert search.broken == "closed"
    # a closed process is not asked again: the recommender ranks here, with the same answer
    scene = tuple(graph.node_lonlat[11])
    assert there.recommend_at(*scene, department_ids=(1,), k=2, now_s=NOW_S) == \
        here.recommend_at(*scene, department_ids=(1,), k=2, now_s=NOW_S)


def test_only_a_big_city_read_from_a_file_gets_a_search_process(graph) -> None:
    from types import SimpleNamespace

    from routing.remote import SearchProcess
    from commandmap.services.recommend import SEARCH_PROCESS_MIN_NODES, search_process_for
    assert search_process_for(None) is None
    assert search_process_for(SimpleNamespace(n_nodes=SEARCH_PROCESS_MIN_NODES - 1, file_path="roads.npz")) is None
    assert search_process_for(SimpleNamespace(n_nodes=SEARCH_PROCESS_MIN_NODES, file_path=None)) is None
    big = SimpleNamespace(n_nodes=SEARCH_PROCESS_MIN_NODES, file_path="roads.npz")
    got = search_process_for(big)
    assert isinstance(got, SearchProcess) and got.path == "roads.npz" and got.broken is None   # not started yet


def test_an_incidents_scene_is_read_once_and_an_unknown_one_is_refused(city, graph) -> None:
    """A click reads nothing for an incident seen before (its place and departments are fixed at
    intake); an id the store does not hold is a KeyError, every time."""
    from sqlalchemy import event

    from commandmap.services.intake import Intake, NewIncident
    engine, specs = city
    made = Intake(engine).create(NewIncident("占道经营", "patrol", specs[0].lon, specs[0].lat), actor="t",
                                 now_s=NOW_S)
    rec = Recommender(engine, graph, clock=lambda: NOW_S)
    first = rec.recommend(made.incident_id, k=2)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    again = rec.recommend(made.incident_id, k=2)
    assert again == first
    assert not any("FROM incident" in s for s in statements)
    with pytest.raises(KeyError, match="there is no incident 999999"):
        rec.recommend(999_999)
    with pytest.raises(KeyError, match="there is no incident 999999"):
        rec.recommend(999_999)
