"""The generated demo city (mini scale): real outlines, nesting, roads, people, sites, determinism."""

from __future__ import annotations

import importlib.util
import re

import numpy as np
import pytest
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from shapely.geometry import Point

from commandmap.paths import data_dir
from commandmap.services.catalogue import load_catalogue
from commandmap.services.demo import DemoCity, generate_city
from routing import ROAD_CLASSES
from routing.projection import geom_to_xy, to_xy

from .conftest import DEMO_NOW, FULL_DEMO_ENV, full_demo_wanted

NINGBO_CODES = {"330203", "330205", "330206", "330211", "330212", "330213", "330225", "330226", "330281", "330282"}
REL_TOL = 1e-7   # overlay of lon/lat polygons: "inside" up to floating-point slivers


def _outside_share(inner: shapely.Geometry, outer: shapely.Geometry) -> float:
    return shapely.difference(inner, outer).area / inner.area


def _load_build_script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("build_ningbo_districts", data_dir() / "build_ningbo_districts.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


# -- the real outlines ---------------------------------------------------------------

def test_ten_real_districts_with_census_population(mini_city: DemoCity) -> None:
    assert {d.code for d in mini_city.districts} == NINGBO_CODES
    assert {d.name for d in mini_city.districts} >= {"海曙区", "江北区", "北仑区", "镇海区", "鄞州区", "奉化区",
                                                     "象山县", "宁海县", "余姚市", "慈溪市"}
    assert 9_000_000 < sum(d.population for d in mini_city.districts) < 10_000_000


def test_outlines_are_wgs84_not_gcj02(mini_city: DemoCity) -> None:
    haishu = next(d for d in mini_city.districts if d.code == "330203")
    c = haishu.geom_ll.centroid
    # Haishu reaches from the old city centre (121.55°E) west into the Siming hills
    assert 121.25 < c.x < 121.6 and 29.75 < c.y < 29.9
    # Tianyi Square, the heart of old Ningbo (WGS84 121.551, 29.869), lies in Haishu; in GCJ-02 the
    # outlines would sit ~400 m east/250 m south of where they belong
    assert haishu.geom_ll.contains(Point(121.551, 29.869))
    total_km2 = sum(geom_to_xy(mini_city.crs, d.geom_ll).area for d in mini_city.districts) / 1e6
    assert total_km2 == pytest.approx(9_816, rel=0.10)


def test_district_outlines_do_not_overlap(mini_city: DemoCity) -> None:
    geoms = [geom_to_xy(mini_city.crs, d.geom_ll) for d in mini_city.districts]
    union = shapely.union_all(geoms)
    assert sum(g.area for g in geoms) == pytest.approx(union.area, rel=1e-6)


def test_gcj02_inverse_is_accurate() -> None:
    script = _load_build_script()
    rng = np.random.default_rng(0)
    lon, lat = rng.uniform(120.8, 122.3, 500), rng.uniform(28.8, 30.5, 500)
    glon, glat = script.wgs84_to_gcj02(lon, lat)
    # the datum shift around Ningbo is a few hundred metres east and south
    assert 0.003 < float(np.mean(glon - lon)) < 0.006 and -0.004 < float(np.mean(glat - lat)) < -0.001
    wlon, wlat = script.gcj02_to_wgs84(glon, glat)
    # prcoords' inverse: ~1 cm (1e-7 degrees), far below any source's accuracy
    assert np.abs(wlon - lon).max() < 1e-7 and np.abs(wlat - lat).max() < 1e-7


# -- towns and grids -----------------------------------------------------------------

def test_mini_counts(mini_city: DemoCity) -> None:
    counts = mini_city.counts()
    assert counts["districts"] == 10
    assert counts["towns"] == 30          # 3 per district
    assert counts["grids"] == 100
    assert counts["departments"] == len(load_catalogue().departments)
    assert counts["officers"] == 500 and counts["sites"] == 1_000 and counts["incidents"] == 10
    assert 1_000 <= counts["road_nodes"] <= 10_000


def test_towns_tessellate_their_district(mini_city: DemoCity) -> None:
    for d in mini_city.districts:
        towns = [t for t in mini_city.towns if t.parent_id == d.id]
        assert len(towns) == 3
        for t in towns:
            assert _outside_share(t.geom_ll, d.geom_ll) < REL_TOL, t.name
            assert t.name.endswith(("街道", "镇", "乡"))
        assert shapely.union_all([t.geom_ll for t in towns]).area == pytest.approx(d.geom_ll.area, rel=1e-6)
    haishu = next(d for d in mini_city.districts if d.code == "330203")
    assert {t.name for t in mini_city.towns if t.parent_id == haishu.id} == {"月湖街道", "鼓楼街道", "古林镇"}


def test_grids_tessellate_their_town(mini_city: DemoCity) -> None:
    town_by_id = {t.id: t for t in mini_city.towns}
    codes = set()
    for g in mini_city.grids:
        town = town_by_id[g.parent_id]
        assert _outside_share(g.geom_ll, town.geom_ll) < REL_TOL, g.name
        assert re.fullmatch(rf"{town.name}第\d\d网格", g.name)
        assert g.code.startswith(town.code)
        codes.add(g.code)
    assert len(codes) == len(mini_city.grids)
    for t in mini_city.towns:
        grids = [g.geom_ll for g in mini_city.grids if g.parent_id == t.id]
        assert len(grids) >= 2
        assert shapely.union_all(grids).area == pytest.approx(t.geom_ll.area, rel=1e-6)


# -- roads ---------------------------------------------------------------------------

def test_road_graph_is_strongly_connected_with_hierarchy_and_one_ways(mini_city: DemoCity) -> None:
    g = mini_city.road_graph
    n = g.n_nodes
    adj = coo_matrix((np.ones(g.n_edges), (g.edge_u, g.edge_v)), shape=(n, n))
    n_comp, _ = connected_components(adj, directed=True, connection="strong")
    assert n_comp == 1
    present = {ROAD_CLASSES[c] for c in np.unique(g.edge_class).tolist()}
    assert {"motorway", "primary", "secondary", "tertiary", "residential"} <= present
    oneway = g.edge_oneway
    assert oneway.sum() > 50
    assert set(np.unique(g.edge_class[oneway]).tolist()) == {ROAD_CLASSES.index("residential")}
    # streets have Chinese names; expressways carry their route names
    names = set(g.names)
    assert any(n.endswith(("路", "街", "大道")) for n in names)
    assert any("高速" in n for n in names)
    motorway = g.edge_class == ROAD_CLASSES.index("motorway")
    assert {g.names[i] for i in np.unique(g.edge_name_id[motorway])} & {"G92杭甬高速", "G1501宁波绕城高速"}


def test_roads_are_denser_in_the_urban_core(mini_city: DemoCity) -> None:
    g = mini_city.road_graph
    core = to_xy(mini_city.crs, np.array([[121.555, 29.872]]))[0]
    hills = to_xy(mini_city.crs, np.array([[121.10, 29.80]]))[0]   # the Siming hills, south of Yuyao
    near = lambda p: int((np.hypot(*(g.node_xy - p).T) < 6_000).sum())  # noqa: E731
    assert near(core) > 2 * max(near(hills), 1)   # full scale: ~15x; mini's coarse lattice: ~2.5x


# -- people, sites, incidents --------------------------------------------------------

def test_officers_live_on_streets_of_their_home_town(mini_city: DemoCity) -> None:
    o = mini_city.officers
    towns = {t.id: t for t in mini_city.towns}
    assert set(o.home_town_id.tolist()) <= set(towns)
    assert len(set(o.badge)) == len(o) and len(set(o.device_id)) == len(o)
    assert set(o.mode) == {"foot", "ebike", "car"}
    assert 0.7 < o.on_duty.mean() < 0.95
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,3}", n) for n in o.name)
    xy = to_xy(mini_city.crs, o.lonlat)
    for i in range(0, len(o), 7):
        town_xy = geom_to_xy(mini_city.crs, towns[int(o.home_town_id[i])].geom_ll)
        assert town_xy.distance(Point(xy[i])) < 1_500.0
    # each officer stands within a few metres of a road node or edge (GPS noise only)
    g = mini_city.road_graph
    lines = shapely.linestrings(np.stack([g.node_xy[g.edge_u], g.node_xy[g.edge_v]], axis=1))
    tree = shapely.STRtree(lines)
    _, dist = tree.query_nearest(shapely.points(xy), return_distance=True, all_matches=False)
    assert np.percentile(dist, 95) < 15.0
    # officers spread by population: more in Cixi (1.83 M) than in Jiangbei (0.46 M)
    district_of = {t.id: t.parent_id for t in mini_city.towns}
    by_code = {d.id: d.code for d in mini_city.districts}
    per = np.bincount([int(by_code[district_of[int(h)]]) % 1000 for h in o.home_town_id])
    assert per[282] > 3 * per[205]


def test_every_site_is_inside_its_grid(mini_city: DemoCity) -> None:
    s = mini_city.sites
    grids = {g.id: g.geom_ll for g in mini_city.grids}
    assert all(grids[int(gid)].intersects(Point(*ll)) for gid, ll in zip(s.grid_id, s.lonlat, strict=True))
    cat = load_catalogue()
    assert set(s.category) <= {c.name for c in cat.site_categories}
    assert all(cat.domain_of(c) == d for c, d in zip(s.category, s.domain, strict=True))
    assert set(np.unique(s.risk_level).tolist()) <= {1, 2, 3, 4}
    district_names = tuple(d.name for d in mini_city.districts)
    assert all(a.startswith(district_names) and a.endswith("号") for a in s.address)


def test_open_incidents_are_resolved_to_grid_town_district(mini_city: DemoCity) -> None:
    grids = {g.id: g for g in mini_city.grids}
    towns = {t.id: t for t in mini_city.towns}
    cat = load_catalogue()
    codes = [i["code"] for i in mini_city.incidents]
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"NB-20261125-\d{4}", c) for c in codes)   # 14:00 Beijing time on 25 Nov
    for inc in mini_city.incidents:
        assert inc["status"] == "new"
        assert grids[inc["grid_id"]].geom_ll.intersects(Point(inc["lon"], inc["lat"]))
        assert grids[inc["grid_id"]].parent_id == inc["town_id"]
        assert towns[inc["town_id"]].parent_id == inc["district_id"]
        assert inc["domain"] == cat.domain_of(inc["category"])
        assert inc["reported_at"] < DEMO_NOW < inc["sla_due_at"]


# -- determinism ---------------------------------------------------------------------

def test_same_seed_same_city_other_seed_other_city(mini_city: DemoCity) -> None:
    seen: list[tuple[str, float]] = []
    again = generate_city("mini", seed=42, progress=lambda stage, f: seen.append((stage, f)), now=DEMO_NOW)
    assert again.counts() == mini_city.counts()
    assert again.checksum() == mini_city.checksum()
    assert np.array_equal(again.officers.lonlat, mini_city.officers.lonlat)
    assert np.array_equal(again.sites.lonlat, mini_city.sites.lonlat)
    other = generate_city("mini", seed=7, now=DEMO_NOW)
    assert other.checksum() != mini_city.checksum()
    assert not np.array_equal(other.sites.lonlat, mini_city.sites.lonlat)
    # progress: named stages in order, fractions rising to 1
    stages = [s for s, _ in seen]
    assert stages[0] == "districts" and stages[-1] == "done" and "roads" in stages and "sites" in stages
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_unknown_scale_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown demo scale 'huge'"):
        generate_city("huge")


@pytest.mark.slow
@pytest.mark.skipif(not full_demo_wanted(), reason=f"full-scale demo (~20 s): set {FULL_DEMO_ENV}=1 to run")
def test_full_scale_reaches_the_customer_figures() -> None:
    city = generate_city("full", seed=42, now=DEMO_NOW)
    counts = city.counts()
    assert counts["districts"] == 10
    assert counts["towns"] >= 150
    assert counts["grids"] >= 2_000
    assert counts["road_nodes"] >= 250_000
    assert counts["officers"] == 25_000
    assert counts["sites"] == 50_000
    assert counts["incidents"] >= 50
