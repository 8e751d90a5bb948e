"""Tours: the travel-time matrix equals the reference; the order visits every stop."""

from __future__ import annotations

import numpy as np
import pytest

from routing import Candidates, RoadGraph, plan_tour, snap
from routing.reference import ReferenceRouter
from routing.tour import travel_time_matrix

from .conftest import on_road_points


def test_matrix_is_asymmetric_and_exact(small_city: RoadGraph) -> None:
    rng = np.random.default_rng(8)
    stops = on_road_points(small_city, 6, rng)
    mat = travel_time_matrix(small_city, snap(small_city, stops), "car")
    ref = ReferenceRouter(small_city, "car")
    cands = Candidates(ids=np.arange(6), lonlat=stops)
    for j in range(6):
        etas = ref.etas(tuple(stops[j]), cands)
        for i in range(6):
            assert mat[i, j] == pytest.approx(0.0 if i == j else etas[i], abs=1e-9)


def test_tour_visits_every_stop_once_with_leg_etas(small_city: RoadGraph) -> None:
    rng = np.random.default_rng(9)
    stops = on_road_points(small_city, 7, rng)
    start = tuple(small_city.node_lonlat[0])
    tour = plan_tour(small_city, stops, start_lonlat=start, return_to_start=True)
    assert sorted(tour.order) == list(range(7))
    assert tour.legs[0].from_stop == -1 and tour.legs[-1].to_stop == -1 and len(tour.legs) == 8
    assert tour.total_eta_s == pytest.approx(sum(leg.eta_s for leg in tour.legs))
    sr = snap(small_city, np.vstack([stops, np.array(start)[None]]))
    mat = travel_time_matrix(small_city, sr, "car")
    for leg in tour.legs:
        a = 7 if leg.from_stop == -1 else leg.from_stop
        b = 7 if leg.to_stop == -1 else leg.to_stop
        assert leg.eta_s == pytest.approx(mat[a, b])
    # no worse than visiting in the given order
    naive = mat[7, 0] + sum(mat[i, i + 1] for i in range(6)) + mat[6, 7]
    assert tour.total_eta_s <= naive + 1e-9


def test_off_network_stops_are_left_out(small_city: RoadGraph) -> None:
    stops = np.vstack([small_city.node_lonlat[:3], small_city.node_lonlat[0] + 1.0, [np.nan, np.nan]])
    tour = plan_tour(small_city, stops)
    assert sorted(tour.order) == [0, 1, 2]
    assert tour.left_out == [(3, "off_network"), (4, "invalid")]
    with pytest.raises(ValueError, match="start point"):
        plan_tour(small_city, stops[:2], start_lonlat=(0.0, 0.0))
    with pytest.raises(ValueError, match="no stops"):
        plan_tour(small_city, np.empty((0, 2)))
