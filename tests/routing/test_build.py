"""build_from_arrays: directions, largest strongly connected component, drop report."""

from __future__ import annotations

import numpy as np
import pytest

from routing import GraphBuildError, build_from_arrays
from routing.speeds import ROAD_CLASSES

from .conftest import CRS, build_xy, lonlat_of, node_at

SQUARE = [(0, 0), (100, 0), (100, 100), (0, 100)]


def test_two_way_segments_become_twin_edges_and_one_way_only_forward() -> None:
    g = build_xy(SQUARE, [(0, 1, "primary", True), (1, 2, "residential", False), (2, 3, "residential", False),
                          (3, 0, "residential", False)])
    n = [node_at(g, x, y) for x, y in SQUARE]   # input node i is graph node n[i]
    pairs = set(zip(g.edge_u.tolist(), g.edge_v.tolist()))
    assert (n[0], n[1]) in pairs and (n[1], n[0]) not in pairs
    assert {(n[1], n[2]), (n[2], n[1]), (n[2], n[3]), (n[3], n[2]), (n[3], n[0]), (n[0], n[3])} <= pairs
    assert g.n_edges == 7
    for e in range(g.n_edges):
        t = g.edge_twin[e]
        if t >= 0:
            assert g.edge_u[t] == g.edge_v[e] and g.edge_v[t] == g.edge_u[e] and g.edge_twin[t] == e
            np.testing.assert_allclose(g.edge_xy(t), g.edge_xy(e)[::-1])
    one = [e for e in range(g.n_edges) if g.edge_u[e] == n[0] and g.edge_v[e] == n[1]][0]
    assert g.edge_twin[one] == -1 and ROAD_CLASSES[g.edge_class[one]] == "primary"
    assert g.edge_length_m[one] == pytest.approx(100.0, abs=1e-6)
    assert g.crs == "EPSG:32651"


def test_keeps_largest_strongly_connected_component_and_reports_the_rest() -> None:
    # a square loop, plus a dead-end one-way spur (4 -> reachable but cannot return) and a far island
    nodes = SQUARE + [(200, 0), (5000, 5000), (5100, 5000)]
    g, rep = build_from_arrays(lonlat_of(np.array(nodes, float)), np.array([0, 1, 2, 3, 1, 5]),
                               np.array([1, 2, 3, 0, 4, 6]), ["residential"] * 6,
                               np.array([False, False, False, False, True, False]), crs=CRS)
    assert g.n_nodes == 4
    assert rep.nodes == 4 and rep.dropped_nodes == 3
    assert rep.dropped_components == 2      # {4} and {5, 6}
    assert rep.dropped_edges == 3           # 1->4, 5->6, 6->5
    assert "largest strongly connected" in str(rep)


def test_drops_invalid_and_zero_length_edges_with_counts() -> None:
    nodes = SQUARE + [(0, 0), (np.nan, 0)]
    ll = lonlat_of(np.array(nodes[:5], float))
    ll = np.vstack([ll, [[np.nan, 29.0]]])
    u = np.array([0, 1, 2, 3, 0, 2, 9, 1, 2])
    v = np.array([1, 2, 3, 0, 4, 2, 1, 5, 0])
    g, rep = build_from_arrays(ll, u, v, ["residential"] * 9, np.zeros(9, bool), crs=CRS)
    assert rep.zero_length_edges == 1        # 0 -> 4 at the same place
    assert rep.invalid_edges == 2            # loop 2->2, node 9 out of range
    assert rep.invalid_geometries == 1       # node 5 has NaN coordinates
    assert g.n_nodes == 4 and rep.segments == 5  # the diagonal 2-0 is kept


def test_nodes_are_numbered_along_a_space_filling_curve() -> None:
    from routing.build import hilbert_keys
    side = 20
    xy = [(100.0 * (i % side), 100.0 * (i // side)) for i in range(side * side)]
    rng = np.random.default_rng(0)
    shuffled = rng.permutation(len(xy))
    edges = []
    for i in range(side * side):
        x, y = i % side, i // side
        if x + 1 < side:
            edges.append((i, i + 1, "residential", False))
        if y + 1 < side:
            edges.append((i, i + side, "residential", False))
    inv = np.argsort(shuffled)
    g = build_xy([xy[j] for j in shuffled], [(int(inv[a]), int(inv[b]), c, o) for a, b, c, o in edges])
    keys = hilbert_keys(g.node_xy)
    assert (np.diff(keys) > 0).all()
    assert (np.diff(g.edge_u) >= 0).all()   # edges sorted by tail
    # neighbours on the map are mostly neighbours in memory
    assert np.median(np.abs(g.edge_u.astype(int) - g.edge_v)) <= 3


def test_unknown_classes_and_osm_synonyms() -> None:
    g, rep = build_from_arrays(lonlat_of(np.array(SQUARE, float)), np.array([0, 1, 2, 3]), np.array([1, 2, 3, 0]),
                               ["primary_link", "unclassified", "weird", "service"], np.zeros(4, bool), crs=CRS)
    assert rep.unknown_classes == 1
    classes = {ROAD_CLASSES[c] for c in g.edge_class.tolist()}
    assert classes == {"primary", "residential", "service"}


def test_names_and_geometry_follow_the_segments() -> None:
    geom = [lonlat_of(np.array([(0, 0), (50, 20), (100, 0)], float)), None, None, None]
    g, _ = build_from_arrays(lonlat_of(np.array(SQUARE, float)), np.array([0, 1, 2, 3]), np.array([1, 2, 3, 0]),
                             ["primary"] * 4, np.zeros(4, bool), names=["Zhongshan Rd", None, "", "Jiefang Rd"],
                             edge_geometry_lonlat=geom, crs=CRS)
    n0, n1 = node_at(g, 0, 0), node_at(g, 100, 0)
    bent = [e for e in range(g.n_edges) if g.edge_u[e] == n0 and g.edge_v[e] == n1][0]
    assert g.names[g.edge_name_id[bent]] == "Zhongshan Rd"
    assert len(g.edge_xy(bent)) == 3
    assert g.edge_length_m[bent] == pytest.approx(2 * np.hypot(50, 20), rel=1e-6)
    np.testing.assert_allclose(g.edge_xy(bent)[0], g.node_xy[n0])
    np.testing.assert_allclose(g.edge_xy(bent)[-1], g.node_xy[n1])
    assert set(g.names) == {"", "Zhongshan Rd", "Jiefang Rd"}


@pytest.mark.parametrize("kwargs, message", [
    (dict(edge_u=np.array([0]), edge_v=np.array([1, 2])), "same length"),
    (dict(road_class=["primary"] * 3), "road_class"),
    (dict(oneway=np.zeros(3, bool)), "oneway"),
])
def test_mismatched_arrays_raise_a_clear_error(kwargs: dict, message: str) -> None:
    base = dict(node_lonlat=lonlat_of(np.array(SQUARE, float)), edge_u=np.array([0, 1]), edge_v=np.array([1, 2]),
                road_class=["primary", "primary"], oneway=np.zeros(2, bool), crs=CRS)
    base.update(kwargs)
    with pytest.raises(GraphBuildError, match=message):
        build_from_arrays(**base)  # type: ignore[arg-type]


def test_no_segments_and_non_metric_crs_are_errors() -> None:
    with pytest.raises(GraphBuildError, match="no road segments"):
        build_from_arrays(np.zeros((2, 2)), np.array([], int), np.array([], int), [], np.array([], bool))
    with pytest.raises(GraphBuildError, match="not a projected"):
        build_from_arrays(lonlat_of(np.array(SQUARE, float)), np.array([0, 1]), np.array([1, 0]),
                          ["primary"] * 2, np.zeros(2, bool), crs="EPSG:4326")
