"""Snapping onto edges: exact against brute force, explicit statuses for bad points."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from routing import RoadGraph, snap, snap_point

from .conftest import on_road_points


def _brute(graph: RoadGraph, xy: np.ndarray, edges: np.ndarray) -> np.ndarray:
    lines = shapely.linestrings(graph.edge_geom_xy, indices=np.repeat(np.arange(graph.n_edges),
                                                                      np.diff(graph.edge_geom_offsets)))
    pts = shapely.points(xy)
    return np.array([shapely.distance(lines[edges], p).min() for p in pts])


def test_batch_snap_finds_the_true_nearest_edge(small_city: RoadGraph) -> None:
    rng = np.random.default_rng(1)
    ll = np.vstack([on_road_points(small_city, 300, rng, noise_m=40.0), small_city.node_lonlat[:50]])
    res = snap(small_city, ll, max_distance_m=1000.0)
    assert res.ok.all()
    want = _brute(small_city, res.query_xy, np.arange(small_city.n_edges))
    np.testing.assert_allclose(res.distance_m, want, atol=1e-6)
    # the snapped point lies on the reported edge at the reported fraction
    for i in range(0, len(ll), 17):
        e = res.edge[i]
        line = shapely.LineString(small_city.edge_xy(e))
        assert line.distance(shapely.Point(res.point_xy[i])) < 1e-6
        assert line.project(shapely.Point(res.point_xy[i])) / line.length == pytest.approx(res.fraction[i], abs=1e-9)


def test_single_point_snap_equals_batch(small_city: RoadGraph) -> None:
    rng = np.random.default_rng(2)
    ll = on_road_points(small_city, 200, rng, noise_m=60.0)
    res = snap(small_city, ll)
    for i in range(len(ll)):
        one = snap_point(small_city, *ll[i])
        assert one.edge == res.edge[i]
        assert one.fraction == pytest.approx(res.fraction[i], abs=1e-12)
        assert one.distance_m == pytest.approx(res.distance_m[i], abs=1e-9)


def test_bad_points_are_flagged_not_guessed(small_city: RoadGraph) -> None:
    far = small_city.node_lonlat[0] + [0.5, 0.5]
    ll = np.array([[np.nan, 29.8], [200.0, 10.0], far, small_city.node_lonlat[3]])
    res = snap(small_city, ll, max_distance_m=300.0)
    assert res.status_names() == ["invalid", "invalid", "off_network", "ok"]
    assert (res.edge[:3] == -1).all() and np.isnan(res.fraction[:3]).all()
    assert snap_point(small_city, float("nan"), 1.0).status == "invalid"
    assert snap_point(small_city, *far, max_distance_m=300.0).status == "off_network"
    with pytest.raises(ValueError, match=r"\(P,2\)"):
        snap(small_city, np.zeros((3, 3)))


def test_mode_snaps_only_to_roads_it_may_use() -> None:
    from .conftest import build_xy
    g = build_xy([(0, 0), (1000, 0), (1000, 200), (0, 200)],
                 [(0, 1, "motorway", False), (1, 2, "residential", False), (2, 3, "residential", False),
                  (3, 0, "residential", False)])
    from .conftest import xy_to_ll
    p = xy_to_ll(g, 500, 10)            # 10 m from the motorway, 190 m from the street
    car, foot = snap_point(g, *p, mode="car"), snap_point(g, *p, mode="foot")
    assert car.distance_m == pytest.approx(10, abs=0.01)
    assert foot.distance_m == pytest.approx(190, abs=0.01)
    assert snap(g, np.array([p]), mode="foot").distance_m[0] == pytest.approx(190, abs=0.01)


def test_a_mode_snaps_to_the_nearest_road_it_may_use(small_city: RoadGraph) -> None:
    """One index serves every mode: pieces of roads the mode may not use are skipped in the
    cell passes, in the far-point fallback and in the single-point path alike."""
    tt = small_city.travel_time_s("foot")
    twin = small_city.edge_twin
    usable = np.flatnonzero(np.isfinite(tt) | ((twin >= 0) & np.isfinite(tt[np.maximum(twin, 0)])))
    assert len(usable) < small_city.n_edges   # the synthetic city has roads closed to walkers
    rng = np.random.default_rng(9)
    x0, y0, x1, y1 = small_city.bounds_xy
    far = np.column_stack([rng.uniform(x0 - 800, x1 + 800, 40), rng.uniform(y0 - 800, y1 + 800, 40)])
    ll = np.vstack([on_road_points(small_city, 300, rng, noise_m=40.0), small_city.xy_to_lonlat(far)])
    res = snap(small_city, ll, max_distance_m=5000.0, mode="foot")
    assert res.ok.all()
    assert np.isin(res.edge, usable).all()
    np.testing.assert_allclose(res.distance_m, _brute(small_city, res.query_xy, usable), atol=1e-6)
    for i in range(0, len(ll), 7):
        one = snap_point(small_city, *ll[i], max_distance_m=5000.0, mode="foot")
        assert one.edge == res.edge[i]
        assert one.distance_m == pytest.approx(res.distance_m[i], abs=1e-9)
    assert snap(small_city, np.empty((0, 2))).status.shape == (0,)
