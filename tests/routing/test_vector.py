"""GeoJSON / GeoPackage / Shapefile line layers through geopandas."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from routing import RoadFileError, build_from_vector
from routing.speeds import ROAD_CLASSES

LINES = [
    ((121.550, 29.870), (121.551, 29.870), (121.552, 29.870)),   # crosses the next line at a shared vertex
    ((121.551, 29.869), (121.551, 29.870), (121.551, 29.871)),
    ((121.552, 29.870), (121.552, 29.871), (121.551, 29.871)),
    ((121.550, 29.870), (121.550, 29.869), (121.551, 29.869)),
]


def _frame(**cols: object) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols, geometry=[shapely.LineString(c) for c in LINES], crs="EPSG:4326")


def test_geojson_with_custom_columns(tmp_path) -> None:
    path = tmp_path / "roads.geojson"
    _frame(kind=["primary", "residential", "residential", "service"], dir=["F", "B", "F", "T"],
           vmax=["50", None, None, None], label=["A", "B", "C", "D"]).to_file(path)
    g, rep = build_from_vector(path, oneway_col="dir", class_col="kind", speed_col="vmax", name_col="label")
    assert rep.input_segments == 6      # the first two lines are split where they share a vertex
    a_edges = [e for e in range(g.n_edges) if g.names[g.edge_name_id[e]] == "A"]
    assert len(a_edges) == 2 and all(g.edge_twin[e] < 0 for e in a_edges)   # F = one-way along
    assert all(ROAD_CLASSES[g.edge_class[e]] == "primary" for e in a_edges)
    assert g.speed_kmh("car")[a_edges[0]] == pytest.approx(45.0)   # table 45 < posted 50
    d = [e for e in range(g.n_edges) if g.names[g.edge_name_id[e]] == "D"]
    assert len(d) == 1
    # T = one-way against the drawing direction: from (121.551, 29.869) back to (121.550, 29.870)
    assert g.node_lonlat[g.edge_u[d[0]]] == pytest.approx([121.551, 29.869])
    assert g.node_lonlat[g.edge_v[d[0]]] == pytest.approx([121.550, 29.870])


def test_geopackage_defaults_and_notes(tmp_path) -> None:
    path = tmp_path / "roads.gpkg"
    _frame(highway=["primary"] * 4, oneway=["no"] * 4).to_file(path, layer="streets")
    g, rep = build_from_vector(path, layer="streets")
    assert g.n_edges == 2 * rep.segments
    assert rep.notes == []


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_missing_crs_is_an_error(tmp_path) -> None:
    path = tmp_path / "nocrs.shp"
    gpd.GeoDataFrame({"highway": ["primary"] * 4}, geometry=[shapely.LineString(c) for c in LINES]).to_file(path)
    with pytest.raises(RoadFileError, match="no CRS") as info:
        build_from_vector(path)
    assert "nocrs.shp" in str(info.value)


def test_layer_without_lines_and_unknown_columns(tmp_path) -> None:
    pts = tmp_path / "points.geojson"
    gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(121.5, 29.8)], crs="EPSG:4326").to_file(pts)
    with pytest.raises(RoadFileError, match="no line geometries"):
        build_from_vector(pts)
    roads = tmp_path / "roads.geojson"
    _frame(highway=["primary"] * 4).to_file(roads)
    with pytest.raises(RoadFileError, match="column 'speed_limit'"):
        build_from_vector(roads, speed_col="speed_limit")
    g, rep = build_from_vector(roads)
    assert any("one-way" in n for n in rep.notes) and np.all(g.edge_twin >= 0)


def test_unreadable_files(tmp_path) -> None:
    bad = tmp_path / "bad.geojson"
    bad.write_text("{ not json", encoding="utf-8")
    with pytest.raises(RoadFileError, match="bad.geojson"):
        build_from_vector(bad)
    empty = tmp_path / "empty.gpkg"
    empty.write_bytes(b"")
    with pytest.raises(RoadFileError, match="empty"):
        build_from_vector(empty)
