"""What the map gets from the store: CityStatic arrays and the cached road graph."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely
from sqlalchemy import Engine, update

from commandmap.domain.snapshot import PolygonSet
from commandmap.paths import cache_dir
from commandmap.services.city import CityDataError, load_city_static, load_road_graph, polygon_set
from commandmap.services.demo import DemoCity
from commandmap.services.demo.load import load_demo_into_store
from commandmap.store import schema
from commandmap.store.migrate import open_store
from routing.projection import geom_to_xy


def _check_polygons(ps: PolygonSet, n: int) -> None:
    assert ps.ids.shape == (n,) and len(ps.names) == n
    assert ps.label_xy.shape == (n, 2) and ps.parent_ids.shape == (n,)
    r = len(ps.poly_ring)
    assert ps.ring_offsets.shape == (r + 1,) and ps.ring_offsets[0] == 0
    assert ps.ring_offsets[-1] == len(ps.coords) and np.all(np.diff(ps.ring_offsets) >= 4)
    assert ps.coords.shape[1] == 2 and np.isfinite(ps.coords).all()
    assert set(np.unique(ps.poly_ring).tolist()) == set(range(n))   # every polygon has a ring
    # rings are closed
    first, last = ps.coords[ps.ring_offsets[:-1]], ps.coords[ps.ring_offsets[1:] - 1]
    assert np.allclose(first, last)


def test_city_static_shapes(mini_store: Engine, mini_city: DemoCity) -> None:
    cs = load_city_static(mini_store)
    assert cs.crs == "EPSG:32651"
    _check_polygons(cs.districts, 10)
    _check_polygons(cs.towns, 30)
    _check_polygons(cs.grids, 100)
    assert (cs.districts.parent_ids == -1).all()
    assert set(cs.towns.parent_ids.tolist()) <= set(cs.districts.ids.tolist())
    assert set(cs.grids.parent_ids.tolist()) <= set(cs.towns.ids.tolist())
    # projected metres (UTM 51N): Ningbo spans ~140 km east-west and ~180 km north-south
    x0, y0, x1, y1 = cs.bounds
    assert 120_000 < x1 - x0 < 160_000 and 160_000 < y1 - y0 < 200_000
    assert 250_000 < x0 < 320_000 and 3_150_000 < y0 < 3_250_000
    # labels sit inside their (largest) polygon
    for i, d in enumerate(mini_city.districts):
        assert geom_to_xy(cs.crs, d.geom_ll).contains(shapely.Point(cs.districts.label_xy[i]))


def test_roads_draw_each_street_once(mini_store: Engine, mini_city: DemoCity) -> None:
    roads = load_city_static(mini_store).roads
    m = len(roads.road_class)
    assert roads.offsets.shape == (m + 1,) and len(roads.names) == m
    assert roads.offsets[-1] == len(roads.coords)
    # both directions of a two-way street are one drawn line: segments, not directed edges
    assert m == mini_city.road_report.segments < mini_city.road_graph.n_edges
    assert np.all(np.diff(roads.offsets) >= 2)
    # minor roads first, so that drawing in order leaves the expressways on top
    assert np.all(np.diff(roads.road_class.astype(int)) <= 0)
    total_km = sum(np.hypot(*np.diff(roads.coords[a:b], axis=0).T).sum()
                   for a, b in zip(roads.offsets[:-1], roads.offsets[1:], strict=True)) / 1000
    g = mini_city.road_graph
    assert total_km == pytest.approx(g.edge_length_m[(g.edge_twin < 0) | (np.arange(g.n_edges) < g.edge_twin)]
                                     .sum() / 1000, rel=1e-9)


def test_sites_and_water(mini_store: Engine, mini_city: DemoCity) -> None:
    cs = load_city_static(mini_store)
    s = cs.sites
    assert s.xy.shape == (1_000, 2) and s.ids.shape == (1_000,) and len(s.names) == 1_000
    assert s.category.dtype == np.int16 and s.category.max() < len(s.categories)
    assert s.risk_level.dtype == np.int8 and set(np.unique(s.risk_level).tolist()) <= {1, 2, 3, 4}
    assert [s.categories[c] for c in s.category[:20]] == mini_city.sites.category[:20]
    assert cs.water is not None and len(cs.water.ids) >= 2   # the rivers and Dongqian Lake


def test_road_graph_is_cached_by_sha(mini_store: Engine, mini_city: DemoCity) -> None:
    first = load_road_graph(mini_store)
    assert first.n_nodes == mini_city.road_graph.n_nodes
    assert np.array_equal(first.edge_v, mini_city.road_graph.edge_v)
    cached = list(cache_dir().glob("roadgraph-*.npz"))
    assert len(cached) == 1
    # a damaged cache file is ignored and rewritten from the store
    cached[0].write_bytes(b"garbage")
    again = load_road_graph(mini_store)
    assert again.n_edges == first.n_edges and cached[0].stat().st_size > 1000


def test_second_load_comes_from_disk(tmp_path: Path, mini_city: DemoCity) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    load_demo_into_store(engine, mini_city)
    load_road_graph(engine)
    with engine.begin() as conn:   # break the stored copy: only the cache can answer now
        conn.execute(update(schema.road_network).values(payload=b"broken"))
    assert load_road_graph(engine).n_nodes == mini_city.road_graph.n_nodes
    for f in cache_dir().glob("roadgraph-*.npz"):
        f.unlink()
    with pytest.raises(CityDataError, match="does not match its sha256"):
        load_road_graph(engine)
    engine.dispose()


def test_empty_store_says_what_to_run(tmp_path: Path) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    with pytest.raises(CityDataError, match="run `commandmap demo`"):
        load_city_static(engine)
    engine.dispose()


def test_polygon_set_handles_holes_and_multiparts() -> None:
    ring = shapely.Polygon([(121.50, 29.80), (121.60, 29.80), (121.60, 29.90), (121.50, 29.90)],
                           holes=[[(121.52, 29.82), (121.54, 29.82), (121.54, 29.84), (121.52, 29.84)]])
    island = shapely.box(121.70, 29.70, 121.71, 29.71)
    ps = polygon_set(np.array([7, 9]), ("a", "b"), np.array([shapely.MultiPolygon([ring, island]),
                                                             shapely.box(121.4, 29.8, 121.45, 29.85)]),
                     np.array([1, 1]), "EPSG:32651")
    assert ps.poly_ring.tolist() == [0, 0, 0, 1]   # shell + hole + island, then the box
    label = shapely.Point(ps.label_xy[0])
    assert geom_to_xy("EPSG:32651", ring).contains(label)        # on the big part, not the islet
