"""RoadGraph persistence, networkx view and speeds."""

from __future__ import annotations

import math

import numpy as np
import pytest

from routing import RoadFileError, RoadGraph, SpeedTable
from routing.speeds import ROAD_CLASSES

from .conftest import build_xy


def test_bytes_round_trip_is_exact(small_city: RoadGraph) -> None:
    back = RoadGraph.from_bytes(small_city.to_bytes())
    for name in ("node_xy", "node_lonlat", "edge_u", "edge_v", "edge_length_m", "edge_class", "edge_name_id",
                 "edge_twin", "edge_geom_offsets", "edge_geom_xy"):
        np.testing.assert_array_equal(getattr(back, name), getattr(small_city, name))
    assert back.names == small_city.names and back.crs == small_city.crs
    np.testing.assert_array_equal(back.travel_time_s("car"), small_city.travel_time_s("car"))


def test_save_load_and_custom_speeds_survive(tmp_path, small_city: RoadGraph) -> None:
    g = small_city.with_speeds(SpeedTable.from_dict({"car": {"residential": 12}}))
    path = tmp_path / "city.cmgraph"
    g.save(path)
    back = RoadGraph.load(path)
    assert back.speeds.kmh["car"]["residential"] == 12
    np.testing.assert_allclose(back.travel_time_s("car"), g.travel_time_s("car"))


@pytest.mark.parametrize("content, message", [
    (b"", "empty"),
    (b"this is not a graph", "not a CommandMap road graph"),
])
def test_corrupt_or_empty_cache_gives_a_clear_error(tmp_path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.cmgraph"
    path.write_bytes(content)
    with pytest.raises(RoadFileError, match=message) as info:
        RoadGraph.load(path)
    assert str(path) in str(info.value)


def test_truncated_file_is_rejected(tmp_path, small_city: RoadGraph) -> None:
    path = tmp_path / "cut.cmgraph"
    path.write_bytes(small_city.to_bytes()[:5000])
    with pytest.raises(RoadFileError):
        RoadGraph.load(path)


def test_other_npz_is_rejected(tmp_path) -> None:
    path = tmp_path / "other.npz"
    np.savez(path, a=np.arange(3))
    with pytest.raises(RoadFileError, match="not a CommandMap road graph"):
        RoadGraph.load(path)


def test_networkx_view_carries_the_attributes(small_city: RoadGraph) -> None:
    G = small_city.to_networkx()
    assert G.number_of_nodes() == small_city.n_nodes and G.number_of_edges() == small_city.n_edges
    e = 7
    u, v = int(small_city.edge_u[e]), int(small_city.edge_v[e])
    d = G.edges[u, v, e]
    assert d["length"] == pytest.approx(small_city.edge_length_m[e])
    assert d["travel_time"] == pytest.approx(small_city.travel_time_s("car")[e])
    assert d["road_class"] == ROAD_CLASSES[small_city.edge_class[e]]
    assert d["geometry"].length == pytest.approx(d["length"])
    assert G.nodes[u]["x"] == small_city.node_xy[u, 0] and G.nodes[u]["lon"] == small_city.node_lonlat[u, 0]
    assert small_city.to_networkx() is G  # cached


def test_modes_bar_classes_and_maxspeed_caps() -> None:
    g = build_xy([(0, 0), (1000, 0), (1000, 1000)],
                 [(0, 1, "motorway", False), (1, 2, "residential", False), (2, 0, "residential", False)],
                 maxspeed_kmh=np.array([np.nan, 10.0, np.nan]))
    car, foot, ebike = g.travel_time_s("car"), g.travel_time_s("foot"), g.travel_time_s("ebike")
    motor = int(np.flatnonzero(g.edge_class == ROAD_CLASSES.index("motorway"))[0])
    assert math.isinf(foot[motor]) and math.isinf(ebike[motor])
    assert car[motor] == pytest.approx(1000 / (80 / 3.6))
    capped = [e for e in range(g.n_edges) if {g.edge_u[e], g.edge_v[e]} == {1, 2}][0]
    assert car[capped] == pytest.approx(1000 / (10 / 3.6))
    with pytest.raises(ValueError, match="unknown travel mode"):
        g.travel_time_s("boat")


def test_speed_table_validates() -> None:
    with pytest.raises(ValueError, match="positive"):
        SpeedTable.from_dict({"car": {"primary": -5}})
    with pytest.raises(ValueError, match="unknown road class"):
        SpeedTable.from_dict({"car": {"highway": 50}})
    t = SpeedTable.from_dict({"foot": {"motorway": 4}, "ignores_oneway": []})
    assert t.kmh["foot"]["motorway"] == 4 and not t.ignores_oneway


def _rewrite(data: bytes, change) -> bytes:  # type: ignore[no-untyped-def]
    import io
    with np.load(io.BytesIO(data)) as npz:
        arrays = {k: npz[k] for k in npz.files}
    change(arrays)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _same_answers(a: RoadGraph, b: RoadGraph) -> None:
    from routing import Candidates, coverage, nearest

    from .conftest import on_road_points
    rng = np.random.default_rng(8)
    pts = on_road_points(a, 60, rng)
    for mode in ("car", "foot"):
        ca = Candidates(ids=np.arange(60), lonlat=pts)
        cb = Candidates(ids=np.arange(60), lonlat=pts)
        for scene in on_road_points(a, 5, rng):
            ra, rb = nearest(a, tuple(scene), ca, k=4, mode=mode), nearest(b, tuple(scene), cb, k=4, mode=mode)
            assert [(p.id, p.eta_s, p.path_nodes) for p in ra.picked] == [(p.id, p.eta_s, p.path_nodes) for p in rb.picked]
        np.testing.assert_array_equal(coverage(a, ca, mode=mode).eta_s, coverage(b, cb, mode=mode).eta_s)


def test_saved_graph_carries_its_compiled_structures(tmp_path, small_city: RoadGraph) -> None:
    path = tmp_path / "city.cmgraph"
    small_city.save(path)
    back = RoadGraph.load(path)
    assert {"car.net", "car.chains", "foot.net", "foot.chains", "ebike.net", "ebike.chains", "snap"} <= set(back._saved)
    for mode in ("car", "foot", "ebike"):
        for name, arr in vars(small_city.net(mode)).items():
            if isinstance(arr, np.ndarray):
                np.testing.assert_array_equal(getattr(back.net(mode), name), arr)
        for name, arr in vars(small_city.contracted(mode)).items():
            if isinstance(arr, np.ndarray):
                np.testing.assert_array_equal(getattr(back.contracted(mode), name), arr)
    for name in ("origin", "cell_indptr", "cell_piece", "piece_rec"):
        np.testing.assert_array_equal(getattr(back.snapper(), name), getattr(small_city.snapper(), name))
    assert back._saved == {}   # everything was used, nothing compiled afresh
    _same_answers(small_city, back)
    # the graph of record alone (what the store keeps) has none of it
    assert len(small_city.to_bytes()) < len(small_city.to_bytes(compiled=True))
    assert RoadGraph.from_bytes(small_city.to_bytes())._saved == {}


def test_saved_structures_that_do_not_fit_are_compiled_afresh(tmp_path, small_city: RoadGraph) -> None:
    def damage(arrays: dict) -> None:  # type: ignore[type-arg]
        arrays["compiled.car.chains.chain_arcs"] = arrays["compiled.car.chains.chain_arcs"][::-1].copy()
        arrays["compiled.foot.net.arc_edge"] = arrays["compiled.foot.net.arc_edge"][:-3]
        arrays["compiled.snap.cell_piece"] = arrays["compiled.snap.cell_piece"][:10]
    path = tmp_path / "damaged.cmgraph"
    path.write_bytes(_rewrite(small_city.to_bytes(compiled=True), damage))
    back = RoadGraph.load(path)
    _same_answers(small_city, back)

    def other_version(arrays: dict) -> None:  # type: ignore[type-arg]
        import json
        meta = json.loads(bytes(arrays["meta"]).decode())
        meta["compiled"]["version"] = -1
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    assert RoadGraph.from_bytes(_rewrite(small_city.to_bytes(compiled=True), other_version))._saved == {}
