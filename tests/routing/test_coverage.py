"""Coverage: multi-source ETAs equal the reference; reach polygons and shares."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from routing import Candidates, RoadGraph, coverage
from routing.coverage import mask_to_polygons
from routing.reference import ReferenceRouter

from .conftest import on_road_points


def test_eta_at_points_is_the_best_over_origins(small_city: RoadGraph) -> None:
    rng = np.random.default_rng(3)
    origins = on_road_points(small_city, 6, rng)
    cov = coverage(small_city, origins, limit_s=120)
    pts = on_road_points(small_city, 40, rng)
    ref = ReferenceRouter(small_city, "car")
    cands = Candidates(ids=np.arange(6), lonlat=origins)
    got = cov.eta_at(pts)
    for i, p in enumerate(pts):
        assert got[i] == pytest.approx(min(ref.etas(tuple(p), cands).values()), rel=1e-12, abs=1e-9)
    assert cov.share_within(pts) == pytest.approx(float(np.mean(got <= 120)))
    assert cov.share_within(pts, 1e9) == 1.0


def test_nearest_origin_labels_every_node(small_city: RoadGraph) -> None:
    rng = np.random.default_rng(4)
    origins = on_road_points(small_city, 5, rng)
    cov = coverage(small_city, origins)
    single = np.array([coverage(small_city, origins[j:j + 1]).eta_s for j in range(5)])
    np.testing.assert_allclose(cov.eta_s, single.min(axis=0), rtol=1e-12)
    np.testing.assert_allclose(single[cov.nearest_origin, np.arange(small_city.n_nodes)], cov.eta_s, rtol=1e-12)


def test_candidates_reuse_their_snap_and_skip_excluded(small_city: RoadGraph) -> None:
    rng = np.random.default_rng(5)
    pts = on_road_points(small_city, 4, rng)
    cands = Candidates(ids=[10, 11, 12, 13], lonlat=pts, excluded={11: "stale_fix"})
    a = coverage(small_city, cands)
    b = coverage(small_city, pts[[0, 2, 3]])
    np.testing.assert_allclose(a.eta_s, b.eta_s)
    assert a.n_origins_on_network == 3


def test_points_off_the_network_are_not_covered(small_city: RoadGraph) -> None:
    cov = coverage(small_city, small_city.node_lonlat[:3])
    far = small_city.node_lonlat[0] + 1.0
    assert np.isinf(cov.eta_at(np.array([far, [np.nan, np.nan]]))).all()
    assert cov.share_within(np.array([far, small_city.node_lonlat[0]]), 10) == 0.5
    with pytest.raises(ValueError, match="no points"):
        cov.share_within(np.empty((0, 2)))


def test_reach_polygons_cover_reached_roads_only(small_city: RoadGraph) -> None:
    origin = small_city.node_lonlat[[small_city.n_nodes // 2]]
    cov = coverage(small_city, origin, limit_s=60)
    poly = cov.polygons(cell_m=50)
    assert poly.is_valid and poly.area > 0
    inside = shapely.contains_xy(poly, small_city.node_xy[:, 0], small_city.node_xy[:, 1]) | \
        shapely.intersects_xy(poly, small_city.node_xy[:, 0], small_city.node_xy[:, 1])
    assert inside[cov.eta_s <= 60].all()
    far = cov.eta_s > 60 + 200 / (60 / 3.6)   # beyond any 50 m cell reached by the fastest road
    assert not inside[far].any()
    assert cov.polygons(120).area > poly.area
    ras = cov.raster(100)
    assert np.nanmin(ras.values) == pytest.approx(0, abs=1) and ras.values.dtype == np.float32


def test_mask_outline_matches_the_cells() -> None:
    rng = np.random.default_rng(0)
    for _ in range(60):
        m = rng.random((int(rng.integers(1, 10)), int(rng.integers(1, 10)))) < rng.uniform(0.2, 0.9)
        p = mask_to_polygons(m, 10.0, 20.0, 2.0)
        assert p.is_valid
        # saddle fill may add cells, never remove them
        cells = [shapely.box(10 + 2 * c, 20 + 2 * r, 12 + 2 * c, 22 + 2 * r) for r, c in zip(*np.nonzero(m))]
        if cells:
            assert shapely.union_all(cells).difference(p).area < 1e-9
            assert p.area <= m.size * 4 and p.area >= m.sum() * 4 - 1e-9
