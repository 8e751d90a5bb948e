"""Property tests: on random directed road graphs with one-way streets, `nearest` equals
the plain networkx reference (ids and ETAs), including ties, unreachable candidates,
scenes off the network and k larger than the reachable set."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing import Candidates, GraphBuildError, HeapSearch, RoadGraph, ScipySearch, nearest
from routing.reference import ReferenceRouter
from routing.speeds import ROAD_CLASSES

from .conftest import build_xy


@st.composite
def road_graphs(draw: st.DrawFn) -> RoadGraph:
    n = draw(st.integers(4, 14))
    # junctions on a coarse 100 m lattice so that ties in travel time really happen
    cells = draw(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), min_size=n, max_size=n, unique=True))
    xy = [(100.0 * x, 100.0 * y) for x, y in cells]
    m = draw(st.integers(n, 3 * n))
    edges = []
    for _ in range(m):
        u = draw(st.integers(0, n - 1))
        v = draw(st.integers(0, n - 1))
        if u != v:
            edges.append((u, v, draw(st.sampled_from(ROAD_CLASSES)), draw(st.booleans())))
    # a ring keeps most of it strongly connected, so searches have work to do
    ring_oneway = draw(st.booleans())
    edges += [(i, (i + 1) % n, "residential", ring_oneway) for i in range(n)]
    return build_xy(xy, edges)


@st.composite
def officers(draw: st.DrawFn, graph: RoadGraph) -> Candidates:
    k = draw(st.integers(1, 12))
    pts = []
    lo = graph.node_lonlat.min(axis=0) - 0.002
    hi = graph.node_lonlat.max(axis=0) + 0.002
    for _ in range(k):
        kind = draw(st.sampled_from(["node", "edge", "free", "nofix"]))
        if kind == "node":
            pts.append(graph.node_lonlat[draw(st.integers(0, graph.n_nodes - 1))])
        elif kind == "edge":
            e = draw(st.integers(0, graph.n_edges - 1))
            f = draw(st.sampled_from([0.25, 0.5, 0.75, 0.1]))
            pts.append(graph.node_lonlat[graph.edge_u[e]] * (1 - f) + graph.node_lonlat[graph.edge_v[e]] * f)
        elif kind == "free":
            pts.append(lo + (hi - lo) * np.array([draw(st.floats(0, 1)), draw(st.floats(0, 1))]))
        else:
            pts.append(np.array([np.nan, np.nan]))
    ids = draw(st.lists(st.integers(0, 10_000), min_size=k, max_size=k, unique=True))
    return Candidates(ids=ids, lonlat=np.array(pts), max_snap_m=draw(st.sampled_from([30.0, 500.0])))


def _check(graph: RoadGraph, data: st.DataObject, mode: str) -> None:
    cands = data.draw(officers(graph))
    if data.draw(st.booleans()):
        scene = graph.node_lonlat[data.draw(st.integers(0, graph.n_nodes - 1))] + data.draw(
            st.sampled_from([0.0, 0.0003, -0.0004, 0.02]))
    else:
        scene = cands.lonlat[0] if np.isfinite(cands.lonlat[0]).all() else graph.node_lonlat[0]
    k = data.draw(st.integers(1, 15))
    max_time = data.draw(st.sampled_from([None, None, 30.0, 120.0]))
    want = ReferenceRouter(graph, mode).nearest(tuple(scene), cands, k=k, max_time_s=max_time)
    for how in (HeapSearch(), ScipySearch()):
        got = nearest(graph, tuple(scene), cands, k=k, max_time_s=max_time, mode=mode, strategy=how)
        if isinstance(want, str):
            assert got.status == want
            assert got.picked == []
            continue
        assert [p.id for p in got.picked] == [w[0] for w in want]
        np.testing.assert_allclose([p.eta_s for p in got.picked], [w[1] for w in want], rtol=1e-12, atol=1e-9)
        assert got.status == ("ok" if want else "none_reachable")
        # every candidate is either picked or has a reason
        assert len(got.left_out) + len(got.picked) == len(cands)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_nearest_equals_networkx_reference(data: st.DataObject) -> None:
    try:
        graph = data.draw(road_graphs())
    except GraphBuildError:
        return  # no strongly connected part: nothing to route on (the builder said so)
    _check(graph, data, data.draw(st.sampled_from(["car", "car", "foot", "ebike"])))
