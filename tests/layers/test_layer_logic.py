"""Layer logic that needs no screen: data preparation, validation, picking, LOD."""

from __future__ import annotations

import math

import numpy as np
import pytest

from commandmap.domain.snapshot import RoadSet
from commandmap.ui.language import apply_language
from layers.decorations import clock_text, format_length, nice_length_m
from layers.labels import LabelPlacer
from layers.officers import format_age
from layers.qtarrays import polyline_segments, ring_segments
from layers.rasters import density_from_incidents
from layers.roads import CLASS_MAX_M_PER_PX, RoadLayer, prepare_roads
from layers.routes import format_eta
from layers.sites import SiteLayer, count_label
from layers.sprites import HEADING_BINS, officer_cell
from layers.stack import LayerStack
from layers.themes import WORKSTATION, get_theme
from layers.viewport import Viewport

from .factories import CX, CY, incidents, polygon_set, snapshot, tiny_city


def test_polylines_explode_into_segments_without_joining_neighbours() -> None:
    coords = np.array([[0, 0], [1, 0], [2, 0], [10, 10], [11, 10]], dtype=float)
    segs, line = polyline_segments(coords, np.array([0, 3, 5]))
    assert segs.tolist() == [[0, 0, 1, 0], [1, 0, 2, 0], [10, 10, 11, 10]]
    assert line.tolist() == [0, 0, 1]


def test_rings_are_closed() -> None:
    ring = np.array([[0, 0], [4, 0], [4, 4], [0, 4]], dtype=float)
    segs, owner = ring_segments(ring, np.array([0, 4]))
    assert len(segs) == 4 and [0, 4, 0, 0] in segs.tolist() and set(owner.tolist()) == {0}


def test_roads_reject_mismatched_arrays() -> None:
    bad = RoadSet(coords=np.zeros((4, 2)), offsets=np.array([0, 2, 4]), road_class=np.array([1], np.int8),
                  names=("a", "b"))
    with pytest.raises(ValueError, match="road_class has 1 entries for 2 polylines"):
        prepare_roads(bad)


def test_minor_roads_appear_only_when_zoomed_in() -> None:
    assert RoadLayer.visible_classes(300.0) == [0, 1]
    assert RoadLayer.visible_classes(100.0) == [0, 1, 2]
    assert 5 not in RoadLayer.visible_classes(10.0) and 5 in RoadLayer.visible_classes(3.0)
    assert RoadLayer.visible_classes(1.0) == list(range(7))
    assert list(CLASS_MAX_M_PER_PX) == sorted(CLASS_MAX_M_PER_PX, reverse=True)
    # widths follow the carriageway when zoomed in, clamped when zoomed out
    assert RoadLayer.width_px(WORKSTATION, 2, 1.0) == WORKSTATION.road_max_px[2]
    assert RoadLayer.width_px(WORKSTATION, 2, 50.0) == WORKSTATION.road_min_px[2]


def test_officer_atlas_cells_encode_status_stale_and_heading() -> None:
    cells = officer_cell(np.array([1, 1, 3, 3], np.int8), np.array([False, False, False, True]),
                         np.array([0.0, 91.0, np.nan, 45.0], np.float32))
    per = HEADING_BINS + 1
    assert cells[0] == (1 * 2) * per + 0
    assert cells[1] == (1 * 2) * per + 6                 # 91° → bin 6 of 15° steps
    assert cells[2] == (3 * 2) * per + HEADING_BINS      # unknown heading: no arrow
    assert cells[3] == (3 * 2 + 1) * per + HEADING_BINS  # stale: no arrow (heading is a guess)


def test_site_clusters_conserve_counts_and_pick_a_cluster() -> None:
    city = tiny_city()
    layer = SiteLayer()
    layer.update(city)
    far = Viewport(CX, CY, 30.0, 400, 400)
    cx, cy, counts, first = layer.clusters(far, WORKSTATION)
    assert counts.sum() == 3 and sorted(counts.tolist()) == [1, 2]
    hit = layer.hit_test(far, WORKSTATION, CX + 1050, CY - 900, 6.0)
    assert hit is not None and hit.kind == "cluster" and "2 个执法对象" in hit.label
    near = Viewport(CX, CY, 1.0, 4000, 4000)
    hit = layer.hit_test(near, WORKSTATION, CX + 1201, CY - 899, 6.0)
    assert hit.kind == "site" and hit.id == 102 and hit.props["风险等级"] == 4
    assert count_label(12345) == "12k" and count_label(2500) == "2.5k" and count_label(7) == "7"


def test_area_picking_handles_holes_and_reports_the_most_specific_area() -> None:
    outer = np.array([[0, 0], [100, 0], [100, 100], [0, 100]], dtype=float)
    hole = np.array([[40, 40], [60, 40], [60, 60], [40, 60]], dtype=float)
    from layers.admin import GridLayer
    layer = GridLayer()
    city = tiny_city()
    layer.update(type(city)(**{**city.__dict__, "grids": polygon_set([outer, hole], ["环形网格"], owners=[0, 0])}))
    v = Viewport(50, 50, 1.0, 200, 200)
    assert layer.hit_test(v, WORKSTATION, 20, 20, 5).label.endswith("环形网格")
    assert layer.hit_test(v, WORKSTATION, 50, 50, 5) is None          # inside the hole
    stack = LayerStack()
    stack.set_city(tiny_city())
    f = stack.hit_test(Viewport(CX, CY, 2.0, 400, 400), WORKSTATION, CX + 10, CY + 10)
    assert f.kind == "grid" and f.label.endswith("鼓楼第2网格")
    f = stack.hit_test(Viewport(CX, CY, 50.0, 400, 400), WORKSTATION, CX + 10, CY + 10)
    assert f.kind == "town"        # grids are not drawn at 50 m/px, so they are not picked


def test_markers_win_over_areas_and_closed_incidents_are_not_picked() -> None:
    stack = LayerStack()
    stack.set_city(tiny_city())
    stack.set_snapshot(snapshot([(CX, CY, 1, False, math.nan)], [(CX + 300, CY + 20, 1, 5, 10.0)]))
    v = Viewport(CX, CY, 2.0, 400, 400)
    assert stack.hit_test(v, WORKSTATION, CX + 2, CY, 6).kind == "officer"
    assert stack.hit_test(v, WORKSTATION, CX + 300, CY + 20, 6).kind == "grid"   # incident is closed


def test_bad_snapshot_arrays_are_rejected_with_the_field_name() -> None:
    from layers.officers import OfficerLayer
    snap = snapshot([(CX, CY, 1, False, 0.0)])
    broken = type(snap.officers)(**{**snap.officers.__dict__, "status": np.zeros(3, np.int8)})
    with pytest.raises(ValueError, match="officers: status has 3 entries for 1 ids"):
        OfficerLayer().update(type(snap)(**{**snap.__dict__, "officers": broken}))


def test_density_grid_from_incidents_peaks_where_they_cluster() -> None:
    inc = incidents([(CX, CY, 1, 0, 5.0)] * 8 + [(CX + 9000, CY, 3, 0, 5.0)])
    grid = density_from_incidents(inc)
    r = int((CY - grid.y0) // grid.cell_m)
    c = int((CX - grid.x0) // grid.cell_m)
    c2 = int((CX + 9000 - grid.x0) // grid.cell_m)
    assert grid.values[r, c] > 4 * grid.values[r, c2] > 0
    assert density_from_incidents(incidents([])) is None


def test_label_placer_refuses_overlaps() -> None:
    from PySide6.QtCore import QRectF
    placer = LabelPlacer(500, 500, pad_px=2)
    assert placer.try_take(QRectF(10, 10, 100, 20))
    assert not placer.try_take(QRectF(50, 25, 100, 20))
    assert placer.try_take(QRectF(10, 40, 100, 20))
    assert not placer.try_take(QRectF(600, 10, 50, 20))   # off screen
    assert placer.placed == 2


def test_text_helpers_in_both_languages(qapp) -> None:
    assert format_age(45) == "45秒" and format_age(900) == "15分" and format_age(math.inf) == "无定位"
    assert format_eta(200) == "约3分20秒"
    assert nice_length_m(730) == 500 and nice_length_m(1999) == 1000 and format_length(2000) == "2 km"
    hhmmss, date = clock_text(1_764_000_000.0)
    assert hhmmss == "00:00:00" and "北京时间" in date     # UTC+8, whatever the machine's zone
    apply_language(qapp, "en")
    try:
        assert format_age(900) == "15 min" and format_eta(200) == "ETA 3:20"
        assert clock_text(1_764_000_000.0)[1] == "Tue 25 Nov 2025 · Beijing"
    finally:
        apply_language(qapp, "zh_CN")
    assert clock_text(1_764_000_000.0)[1] == "2025-11-25 星期二 北京时间"


def test_unknown_theme_is_a_clear_error() -> None:
    assert get_theme("wall").dark and not get_theme("workstation").dark
    with pytest.raises(ValueError, match="unknown theme 'night'"):
        get_theme("night")
