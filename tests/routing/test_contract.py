"""The contracted junction graph: chains of bend points folded into arcs, and the searches
over it (nearest, coverage) still equal the networkx reference on graphs made mostly of
bend points: long chains, one-way chains, parallel chains, rings, and candidates and
scenes on the same chain in both directions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing import (Candidates, GraphBuildError, HeapSearch, Pick, RoadGraph, ScipySearch, SearchStrategy, coverage,
                     nearest)
from routing.candidates import C_OK
from routing.reference import ReferenceRouter
from routing.speeds import ROAD_CLASSES

from .conftest import build_xy, node_at, xy_to_ll

coverage_mod = __import__("routing.coverage", fromlist=["DENSE_SOURCES_SHARE"])

V_RES = 25 / 3.6


# ---- the contraction itself ------------------------------------------------------------
@pytest.fixture(scope="module")
def chains() -> RoadGraph:
    # junctions A(0,0) B(300,0) C(300,200) D(0,200) and a spur B-E(500,0)
    # A-B: two-way chain with bends at 100, 200; B-C: one-way north with bends at 50, 100, 150;
    # C-D: two-way, straight; D-A: one-way south with one bend; B-E dead end with one bend
    xy = [(0, 0), (300, 0), (300, 200), (0, 200), (500, 0),
          (100, 0), (200, 0), (300, 50), (300, 100), (300, 150), (0, 100), (400, 0)]
    edges = [(0, 5, "residential", False), (5, 6, "residential", False), (6, 1, "residential", False),
             (1, 7, "residential", True), (7, 8, "residential", True), (8, 9, "residential", True),
             (9, 2, "residential", True), (2, 3, "residential", False),
             (3, 10, "residential", True), (10, 0, "residential", True),
             (1, 11, "residential", False), (11, 4, "residential", False)]
    return build_xy(xy, edges)


def test_bend_points_fold_into_chains(chains: RoadGraph) -> None:
    con = chains.contracted("car")
    junctions = sorted(map(int, con.junction_node))
    want = sorted(node_at(chains, x, y) for x, y in [(0, 0), (300, 0), (300, 200), (0, 200), (500, 0)])
    assert junctions == want
    net = chains.net("car")
    # every mode arc lies on exactly one directed chain, in driving order
    assert sorted(con.chain_arcs.tolist()) == list(range(net.n_arcs))
    for c in range(con.n_chains):
        arcs = con.chain(c)
        assert (net.arc_head[arcs[:-1]] == net.arc_tail[arcs[1:]]).all()
        assert con.junction_node[con.chain_from[c]] == net.arc_tail[arcs[0]]
        assert con.junction_node[con.chain_to[c]] == net.arc_head[arcs[-1]]
        assert con.chain_time_s[c] == pytest.approx(net.arc_time_s[arcs].sum(), rel=1e-12)
    a, b = con.node_junction[node_at(chains, 0, 0)], con.node_junction[node_at(chains, 300, 0)]
    c_, d = con.node_junction[node_at(chains, 300, 200)], con.node_junction[node_at(chains, 0, 200)]
    pairs = set(zip(con.chain_from.tolist(), con.chain_to.tolist()))
    assert (a, b) in pairs and (b, a) in pairs          # two-way chain: both directions
    assert (b, c_) in pairs and (c_, b) not in pairs     # one-way chain: one direction only
    assert (d, a) in pairs and (a, d) not in pairs
    assert con.chain_time_s[con.chains_between(np.array([b]), np.array([c_]))[0]] == pytest.approx(200 / V_RES)
    # on foot the one-way rules do not apply, so every chain runs both ways
    foot = chains.contracted("foot")
    fpairs = set(zip(foot.chain_from.tolist(), foot.chain_to.tolist()))
    assert all((t, f) in fpairs for f, t in fpairs)


def test_a_ring_of_bend_points_still_gets_junctions() -> None:
    ring = build_xy([(0, 0), (100, 0), (100, 100), (0, 100)],
                    [(0, 1, "residential", True), (1, 2, "residential", True), (2, 3, "residential", True),
                     (3, 0, "residential", True)])
    con = ring.contracted("car")
    assert con.n_junctions >= 1
    assert sorted(con.chain_arcs.tolist()) == list(range(ring.net("car").n_arcs))
    res = nearest(ring, xy_to_ll(ring, 50, 0), Candidates(ids=[1], lonlat=[xy_to_ll(ring, 60, 0)]), k=1)
    assert res.picked[0].eta_s == pytest.approx(390 / V_RES)


def test_parallel_chains_keep_the_faster() -> None:
    # two roads from J(0,0) to K(200,0): a slow one via a bend and a faster straight one
    g = build_xy([(0, 0), (200, 0), (100, 60), (100, -300), (300, 0)],
                 [(0, 2, "service", False), (2, 1, "service", False), (0, 1, "primary", False),
                  (0, 3, "residential", False), (3, 4, "residential", False), (4, 1, "residential", False)])
    con = g.contracted("car")
    j, k = con.node_junction[node_at(g, 0, 0)], con.node_junction[node_at(g, 200, 0)]
    best = con.chains_between(np.array([j]), np.array([k]))[0]
    assert con.chain_time_s[best] == pytest.approx(200 / (45 / 3.6))
    # a candidate on the slow road still starts from where it is
    res = nearest(g, xy_to_ll(g, 200, 0), Candidates(ids=[5], lonlat=[xy_to_ll(g, 100, 60)]), k=1)
    want = ReferenceRouter(g, "car").nearest(xy_to_ll(g, 200, 0), Candidates(ids=[5], lonlat=[xy_to_ll(g, 100, 60)]))
    assert isinstance(want, list) and [p.id for p in res.picked] == [w[0] for w in want]
    assert res.picked[0].eta_s == pytest.approx(want[0][1], rel=1e-12)
    assert res.picked[0].eta_s == pytest.approx(100 * np.hypot(1, 0.6) / (15 / 3.6))


@pytest.fixture(params=["heap", "scipy"])
def strategy(request: pytest.FixtureRequest) -> SearchStrategy:
    """Each test with the Python early-stop search, then with the scipy limited search."""
    return HeapSearch() if request.param == "heap" else ScipySearch()


def test_routes_expand_back_to_original_nodes(chains: RoadGraph, strategy: SearchStrategy) -> None:
    # scene on the one-way chain B->C at (300,120); a candidate on A-B at (50,0) drives east
    # along the two-way chain, then north
    scene = xy_to_ll(chains, 301, 120)
    res = nearest(chains, scene, Candidates(ids=[1], lonlat=[xy_to_ll(chains, 50, 1)]), k=1, strategy=strategy)
    p = res.picked[0]
    assert p.eta_s == pytest.approx((250 + 120) / V_RES)
    assert p.path_nodes == [node_at(chains, x, y) for x, y in [(100, 0), (200, 0), (300, 0), (300, 50), (300, 100)]]
    assert p.distance_m == pytest.approx(370)
    assert np.hypot(*np.diff(p.path_xy, axis=0).T).sum() == pytest.approx(370)


def test_same_chain_both_directions(chains: RoadGraph, strategy: SearchStrategy) -> None:
    # on the two-way chain A-B: a candidate west of the scene and one east of it, each two
    # edges away (no junction in between); on the one-way chain B->C only the one upstream
    # drives straight, the other goes round the block
    res = nearest(chains, xy_to_ll(chains, 250, 0), Candidates(ids=[1, 2], lonlat=[
        xy_to_ll(chains, 50, 0), xy_to_ll(chains, 150, 0)]), k=2, strategy=strategy)
    assert [p.id for p in res.picked] == [2, 1]
    assert [p.eta_s for p in res.picked] == pytest.approx([100 / V_RES, 200 / V_RES])
    assert res.picked[0].path_nodes == [node_at(chains, 200, 0)]
    assert res.picked[1].path_nodes == [node_at(chains, 100, 0), node_at(chains, 200, 0)]
    res = nearest(chains, xy_to_ll(chains, 300, 140), Candidates(ids=[3, 4], lonlat=[
        xy_to_ll(chains, 300, 20), xy_to_ll(chains, 300, 170)]), k=2, strategy=strategy)
    assert [p.id for p in res.picked] == [3, 4]
    assert res.picked[0].eta_s == pytest.approx(120 / V_RES)
    assert res.picked[0].path_nodes == [node_at(chains, 300, 50), node_at(chains, 300, 100)]
    # the second: north to C, west to D, south to A, east to B, north to the scene
    assert res.picked[1].eta_s == pytest.approx((30 + 300 + 200 + 300 + 140) / V_RES)


# ---- property tests on graphs made of chains ---------------------------------------------
@st.composite
def chain_graphs(draw: st.DrawFn) -> RoadGraph:
    n = draw(st.integers(2, 7))
    cells = draw(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), min_size=n, max_size=n, unique=True))
    xy: list[tuple[float, float]] = [(200.0 * x, 200.0 * y) for x, y in cells]
    edges: list[tuple[int, int, str, bool]] = []
    links = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), min_size=n, max_size=3 * n))
    links += [(i, (i + 1) % n) for i in range(n)]   # a ring keeps most of it connected
    for u, v in links:
        if u == v:
            continue
        bends = draw(st.integers(0, 5))
        cls = draw(st.sampled_from(ROAD_CLASSES))
        kind = draw(st.sampled_from(["two-way", "one-way", "one-way", "mixed"]))
        pts = [u]
        side = draw(st.sampled_from([-1.0, 1.0])) * draw(st.sampled_from([10.0, 30.0, 60.0]))
        (x0, y0), (x1, y1) = xy[u], xy[v]
        for b in range(bends):
            f = (b + 1) / (bends + 1)
            nx_, ny_ = -(y1 - y0), x1 - x0
            norm = max(np.hypot(nx_, ny_), 1.0)
            xy.append((x0 + f * (x1 - x0) + side * nx_ / norm, y0 + f * (y1 - y0) + side * ny_ / norm))
            pts.append(len(xy) - 1)
        pts.append(v)
        for a, b in zip(pts, pts[1:]):
            oneway = {"two-way": False, "one-way": True}.get(kind, draw(st.booleans()))
            piece_cls = cls if kind != "mixed" else draw(st.sampled_from(ROAD_CLASSES))
            edges.append((a, b, piece_cls, oneway))
    return build_xy(xy, edges)


def _point_on(graph: RoadGraph, e: int, f: float) -> np.ndarray:
    return graph.node_lonlat[graph.edge_u[e]] * (1 - f) + graph.node_lonlat[graph.edge_v[e]] * f


@st.composite
def placements(draw: st.DrawFn, graph: RoadGraph) -> tuple[np.ndarray, Candidates]:
    """A scene on an edge and candidates near it: on the same edge, on edges sharing a
    node with it (so often on the same chain, upstream or downstream), anywhere, no fix."""
    fracs = st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0])
    se = draw(st.integers(0, graph.n_edges - 1))
    scene = _point_on(graph, se, draw(fracs))
    touching = np.flatnonzero(np.isin(graph.edge_u, [graph.edge_u[se], graph.edge_v[se]])
                              | np.isin(graph.edge_v, [graph.edge_u[se], graph.edge_v[se]]))
    k = draw(st.integers(1, 10))
    pts = []
    for _ in range(k):
        kind = draw(st.sampled_from(["same", "touching", "touching", "any", "any", "nofix"]))
        if kind == "same":
            pts.append(_point_on(graph, se, draw(fracs)))
        elif kind == "touching":
            pts.append(_point_on(graph, int(draw(st.sampled_from(touching.tolist()))), draw(fracs)))
        elif kind == "any":
            pts.append(_point_on(graph, draw(st.integers(0, graph.n_edges - 1)), draw(fracs)))
        else:
            pts.append(np.array([np.nan, np.nan]))
    ids = draw(st.lists(st.integers(0, 10_000), min_size=k, max_size=k, unique=True))
    return scene, Candidates(ids=ids, lonlat=np.array(pts))


def _route_matches_eta(graph: RoadGraph, pick: Pick, mode: str) -> None:
    """The expanded route is a real walk over the mode's arcs whose time is the ETA."""
    net = graph.net(mode)
    nodes = pick.path_nodes
    if len(nodes) > 1:
        arcs = net.arcs_between(np.array(nodes[:-1]), np.array(nodes[1:]))
        assert (arcs >= 0).all()
        assert net.arc_time_s[arcs].sum() <= pick.eta_s * (1 + 1e-12) + 1e-9
    assert np.hypot(*np.diff(pick.path_xy, axis=0).T).sum() == pytest.approx(pick.distance_m, rel=1e-9, abs=1e-9)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_nearest_on_chains_equals_networkx_reference(data: st.DataObject) -> None:
    try:
        graph = data.draw(chain_graphs())
    except GraphBuildError:
        return
    mode = data.draw(st.sampled_from(["car", "car", "foot", "ebike"]))
    scene, cands = data.draw(placements(graph))
    k = data.draw(st.integers(1, 12))
    max_time = data.draw(st.sampled_from([None, None, 40.0, 150.0]))
    want = ReferenceRouter(graph, mode).nearest(tuple(scene), cands, k=k, max_time_s=max_time)
    for how in (HeapSearch(), ScipySearch()):
        got = nearest(graph, tuple(scene), cands, k=k, max_time_s=max_time, mode=mode, strategy=how)
        if isinstance(want, str):
            assert got.status == want
            continue
        assert [p.id for p in got.picked] == [w[0] for w in want]
        np.testing.assert_allclose([p.eta_s for p in got.picked], [w[1] for w in want], rtol=1e-12, atol=1e-9)
        for p in got.picked:
            _route_matches_eta(graph, p, mode)


def _reference_coverage(graph: RoadGraph, origins: np.ndarray, mode: str) -> np.ndarray:
    """ETA from the nearest origin to every node: one networkx run over the full graph."""
    import networkx as nx
    ref = ReferenceRouter(graph, mode)
    fwd = ref.reverse.reverse(copy=True)
    cands = Candidates(ids=np.arange(len(origins)), lonlat=origins)
    s = cands.snapped(graph, mode)
    fwd.add_node("V")
    for i in np.flatnonzero(s.status == C_OK).tolist():
        for node, cost in ((s.node_a[i], s.cost_a[i]), (s.node_b[i], s.cost_b[i])):
            if cost < np.inf:
                old = fwd.get_edge_data("V", int(node))
                if old is None or cost < old["weight"]:
                    fwd.add_edge("V", int(node), weight=float(cost))
    dist = nx.single_source_dijkstra_path_length(fwd, "V", weight="weight")
    return np.array([dist.get(i, np.inf) for i in range(graph.n_nodes)])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_coverage_on_chains_equals_networkx_reference(data: st.DataObject) -> None:
    try:
        graph = data.draw(chain_graphs())
    except GraphBuildError:
        return
    mode = data.draw(st.sampled_from(["car", "foot"]))
    _scene, cands = data.draw(placements(graph))
    origins = cands.lonlat
    want = _reference_coverage(graph, origins, mode)
    saved = coverage_mod.DENSE_SOURCES_SHARE
    try:
        for share in (0.0, 2.0):   # relaxation rounds, then scipy's Dijkstra
            coverage_mod.DENSE_SOURCES_SHARE = share
            cov = coverage(graph, origins, mode=mode)
            np.testing.assert_allclose(cov.eta_s, want, rtol=1e-12, atol=1e-9)
            reached = np.isfinite(want)
            assert (cov.nearest_origin[~reached] == -1).all()
            if reached.any():
                single = np.array([coverage(graph, origins[j:j + 1], mode=mode).eta_s for j in range(len(origins))])
                lab = cov.nearest_origin[reached]
                assert (lab >= 0).all()
                np.testing.assert_allclose(single[lab, np.flatnonzero(reached)], want[reached], rtol=1e-12, atol=1e-9)
            horizon = coverage(graph, origins, mode=mode, horizon_s=60.0)
            np.testing.assert_array_equal(np.isfinite(horizon.eta_s), want <= 60.0)
    finally:
        coverage_mod.DENSE_SOURCES_SHARE = saved
