"""Real mouse and keyboard input on the canvas: zoom, pan, pick, hover."""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QToolTip

from layers.canvas import WHEEL_STEP

from .conftest import wait_cache
from .factories import CX, CY, snapshot


def _wheel(canvas, pos: QPointF, notches: float) -> None:
    ev = QWheelEvent(pos, canvas.mapToGlobal(pos), QPoint(0, 0), QPoint(0, int(120 * notches)),
                     Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(canvas, ev)


@pytest.mark.parametrize("notches", [1.0, -2.0, 0.5])
def test_wheel_zoom_keeps_the_point_under_the_cursor_fixed(city_canvas, notches: float) -> None:
    city_canvas.center_on(CX, CY, m_per_px=4.0)
    cursor = QPointF(97.0, 251.0)
    before = city_canvas.screen_to_world(cursor)
    _wheel(city_canvas, cursor, notches)
    assert city_canvas.view.m_per_px == pytest.approx(4.0 / WHEEL_STEP ** notches)
    after = city_canvas.screen_to_world(cursor)
    assert after == pytest.approx(before, abs=1e-6)


def test_wheel_zoom_rebuilds_the_cache_for_the_new_scale(qtbot, city_canvas) -> None:
    city_canvas.center_on(CX, CY, m_per_px=4.0)
    wait_cache(qtbot, city_canvas)
    _wheel(city_canvas, QPointF(240, 180), 1.0)
    assert not city_canvas.cache_is_current()     # the old image is shown scaled meanwhile
    city_canvas.grab()                            # painting must not wait for the rebuild
    wait_cache(qtbot, city_canvas)
    assert city_canvas.cache.current.view.m_per_px == pytest.approx(city_canvas.view.m_per_px)


def test_click_selects_the_nearest_officer(qtbot, city_canvas) -> None:
    city_canvas.center_on(CX, CY, m_per_px=2.0)
    a = (CX - 30, CY, 1, False, math.nan)
    b = (CX + 30, CY, 3, False, math.nan)    # 30 px apart on screen
    city_canvas.set_snapshot(snapshot([a, b]))
    pb = city_canvas.world_to_screen(b[0], b[1])
    with qtbot.waitSignal(city_canvas.sig_feature_selected, timeout=2000) as sig:
        qtbot.mouseClick(city_canvas, Qt.MouseButton.LeftButton, pos=QPoint(int(pb.x()) - 2, int(pb.y()) + 1))
    feature = sig.args[0]
    assert feature is not None and feature.kind == "officer" and feature.id == 2
    assert city_canvas.selected == feature
    assert "NB00002" in feature.label


def test_click_on_an_incident_and_on_empty_ground(qtbot, city_canvas) -> None:
    city_canvas.center_on(CX, CY, m_per_px=2.0)
    city_canvas.set_snapshot(snapshot([], [(CX + 100, CY + 100, 2, 0, 600.0)]))
    p = city_canvas.world_to_screen(CX + 100, CY + 100)
    with qtbot.waitSignal(city_canvas.sig_feature_selected, timeout=2000) as sig:
        qtbot.mouseClick(city_canvas, Qt.MouseButton.LeftButton, pos=p.toPoint())
    assert sig.args[0].kind == "incident" and sig.args[0].props["优先级"] == "P2"
    # empty ground at this zoom picks the grid under the cursor (south-west quarter of the city)
    q = city_canvas.world_to_screen(CX - 150, CY - 120)
    with qtbot.waitSignal(city_canvas.sig_feature_selected, timeout=2000) as sig:
        qtbot.mouseClick(city_canvas, Qt.MouseButton.LeftButton, pos=q.toPoint())
    assert sig.args[0].kind == "grid" and "西门第1网格" in sig.args[0].label


def test_escape_clears_the_selection(qtbot, city_canvas) -> None:
    city_canvas.center_on(CX, CY, m_per_px=2.0)
    city_canvas.set_snapshot(snapshot([(CX, CY, 1, False, math.nan)]))
    qtbot.mouseClick(city_canvas, Qt.MouseButton.LeftButton, pos=city_canvas.world_to_screen(CX, CY).toPoint())
    assert city_canvas.selected is not None
    with qtbot.waitSignal(city_canvas.sig_feature_selected) as sig:
        qtbot.keyClick(city_canvas, Qt.Key.Key_Escape)
    assert sig.args[0] is None and city_canvas.selected is None


def test_drag_pans_by_the_mouse_distance(qtbot, city_canvas) -> None:
    city_canvas.center_on(CX, CY, m_per_px=5.0)
    qtbot.mousePress(city_canvas, Qt.MouseButton.LeftButton, pos=QPoint(200, 150))
    qtbot.mouseMove(city_canvas, QPoint(260, 110))
    qtbot.mouseRelease(city_canvas, Qt.MouseButton.LeftButton, pos=QPoint(260, 110))
    # content moved right 60 px and up 40 px → the centre moved west 300 m and south 200 m
    assert city_canvas.view.cx == pytest.approx(CX - 300.0)
    assert city_canvas.view.cy == pytest.approx(CY - 200.0)
    assert city_canvas.selected is None      # a drag is not a click


def test_keyboard_zoom_pan_and_home(qtbot, city_canvas) -> None:
    home = city_canvas.view
    qtbot.keyClick(city_canvas, Qt.Key.Key_Plus)
    assert city_canvas.view.m_per_px == pytest.approx(home.m_per_px / 2 ** 0.5)
    m = city_canvas.view.m_per_px
    qtbot.keyClick(city_canvas, Qt.Key.Key_Right)
    assert city_canvas.view.cx == pytest.approx(home.cx + round(480 / 6) * m)
    qtbot.keyClick(city_canvas, Qt.Key.Key_Up)
    assert city_canvas.view.cy == pytest.approx(home.cy + round(360 / 6) * m)
    qtbot.keyClick(city_canvas, Qt.Key.Key_Minus)
    qtbot.keyClick(city_canvas, Qt.Key.Key_Minus)
    assert city_canvas.view.m_per_px == pytest.approx(home.m_per_px * 2 ** 0.5)
    qtbot.keyClick(city_canvas, Qt.Key.Key_Home)
    assert city_canvas.view == home


def test_hover_shows_a_tooltip_for_the_feature(qtbot, city_canvas) -> None:
    city_canvas.center_on(CX, CY, m_per_px=2.0)
    city_canvas.set_snapshot(snapshot([(CX + 40, CY - 40, 4, False, 90.0)]))
    p = city_canvas.world_to_screen(CX + 40, CY - 40).toPoint()
    qtbot.mouseMove(city_canvas, p)
    qtbot.waitUntil(lambda: "NB00001" in city_canvas.toolTip(), timeout=3000)
    assert "到场处置" in city_canvas.toolTip() and "90°" in city_canvas.toolTip()
    qtbot.mouseMove(city_canvas, QPoint(5, 5))
    qtbot.waitUntil(lambda: city_canvas.toolTip() == "", timeout=3000)
    qtbot.waitUntil(lambda: not QToolTip.isVisible(), timeout=3000)


def test_clicking_a_site_cluster_zooms_in_on_it(qtbot, city_canvas) -> None:
    # at 30 m/px the two sites 300 m apart share one cluster cell
    city_canvas.center_on(CX + 1050, CY - 900, m_per_px=30.0)
    before = city_canvas.view.m_per_px
    p = city_canvas.feature_at(city_canvas.world_to_screen(CX + 1050, CY - 900))
    assert p is not None and p.kind == "cluster"
    qtbot.mouseClick(city_canvas, Qt.MouseButton.LeftButton,
                     pos=city_canvas.world_to_screen(p.x, p.y).toPoint())
    assert city_canvas.view.m_per_px == pytest.approx(before / 2.5)
    assert city_canvas.selected is None
