"""The underlay (underlay.py): bottom dynamic layers painted once per snapshot (by a worker),
reused while panning, and never shown for data or layers it was not painted from."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QApplication

from layers.canvas import MapCanvas
from layers.incidents import LABEL_M_PER_PX
from layers.officers import NEAR_M_PER_PX
from layers.themes import WALL, WORKSTATION
from layers.viewport import Viewport

from .factories import CX, CY, snapshot, synthetic_city, synthetic_snapshot, tiny_city

T = 1_764_000_000.0


def _frame(canvas: MapCanvas) -> np.ndarray:
    v = canvas.view
    img = QImage(v.width, v.height, QImage.Format.Format_ARGB32_Premultiplied)
    p = QPainter(img)
    canvas.render_frame(p, time_s=T)
    p.end()
    return np.frombuffer(img.constBits(), np.uint32).reshape(v.height, v.width).copy()


def _canvas(city, snap, view: Viewport, theme=WALL) -> MapCanvas:
    c = MapCanvas(theme=theme)
    c.clock_source = lambda: T
    c.banding = False
    c.set_city(city, fit=False)
    c.set_snapshot(snap)
    c.set_view(view)
    c.cache.rebuild_now(view, 1.0, theme)
    return c


def _scene_view(m_per_px: float) -> Viewport:
    o = synthetic_snapshot().officers
    return Viewport(float(np.nanmean(o.xy[:, 0])) + 3.0, float(np.nanmean(o.xy[:, 1])) - 5.0, m_per_px, 640, 400)


def _settle(qtbot, canvas: MapCanvas, builds: int) -> None:
    qtbot.waitUntil(lambda: canvas._underlay.builds == builds, timeout=10_000)


@pytest.mark.parametrize("m_per_px", [60.0, 8.0])
def test_pan_frames_from_the_underlay_equal_full_frames(qtbot, m_per_px: float) -> None:
    view = _scene_view(m_per_px)
    reused = _canvas(synthetic_city(), synthetic_snapshot(), view)
    full = _canvas(synthetic_city(), synthetic_snapshot(), view)
    full.underlay = False
    for k, (dx, dy) in enumerate([(0, 0), (4, -3), (-9, 7), (25, 11)]):
        for c in (reused, full):
            c.set_view(view.panned(dx, dy))
        a, b = _frame(reused), _frame(full)
        assert np.array_equal(a, b), f"frame {k}: {int((a != b).sum())} pixels differ"
        if k == 2:                               # the third frame asked the worker for one
            _settle(qtbot, reused, 1)
    assert reused._underlay.builds == 1 and reused._underlay.image_for(None) is None
    # two frames of a new snapshot (a tick of animation) do not start another one
    reused.set_snapshot(synthetic_snapshot())
    for dx in (1, 2):
        reused.set_view(view.panned(dx, 0))
        _frame(reused)
    reused._underlay.wait()
    QApplication.processEvents()
    assert reused._underlay.builds == 1
    assert full._underlay.builds == 0


def test_a_new_snapshot_or_a_hidden_layer_is_never_shown_from_an_old_underlay(qtbot) -> None:
    view = Viewport(CX, CY, 8.0, 480, 360)
    officer = (CX + 400, CY - 240, 2, False, math.nan)
    c = _canvas(tiny_city(), snapshot([officer]), view, WORKSTATION)
    for dx in (0, 3, 6):
        c.set_view(view.panned(dx, 0))
        _frame(c)
    _settle(qtbot, c, 1)
    # the officer moves: the next frame paints the new snapshot (the old underlay is not used)
    moved = (CX - 400, CY + 240, 2, False, math.nan)
    c.set_snapshot(snapshot([moved]))
    img = _frame(c)
    p_old = c.world_to_screen(officer[0], officer[1])
    p_new = c.world_to_screen(moved[0], moved[1])
    colour = img[int(p_new.y()), int(p_new.x())]
    assert colour != img[int(p_old.y()), int(p_old.x())]
    # hiding the officers changes what is below the incidents: a fresh frame again
    c.layer("officers").visible = False
    gone = _frame(c)
    assert gone[int(p_new.y()), int(p_new.x())] != colour


def test_no_underlay_with_labels_off_the_pixel_grid_or_below_a_pulse(qtbot) -> None:
    # close in, badges are placed against the screen edges every frame
    c = _canvas(synthetic_city(), synthetic_snapshot(), _scene_view(NEAR_M_PER_PX * 0.9))
    for dx in (0, 2, 4):
        c.set_view(c.view.panned(dx, 0))
        _frame(c)
    c._underlay.wait()
    QApplication.processEvents()                 # deliver a finished job's signal, if any
    assert c._underlay.builds == 0
    # a view half a pixel off the cached image's grid is painted in full
    view = _scene_view(8.0)
    c = _canvas(synthetic_city(), synthetic_snapshot(), view)
    for dx in (0.5, 1.5, 2.5):
        c.set_view(view.panned(dx, 0))
        _frame(c)
    c._underlay.wait()
    QApplication.processEvents()                 # deliver a finished job's signal, if any
    assert c._underlay.builds == 0
    # a new P1 incident pulses: the incidents are painted every frame, even one in the margin
    view = Viewport(CX, CY, max(LABEL_M_PER_PX * 2, 8.0), 480, 360)
    just_outside = (CX + 240 * view.m_per_px + 20 * view.m_per_px, CY, 1, 0, 30.0)
    c = _canvas(tiny_city(), snapshot([(CX, CY, 1, False, math.nan)], [just_outside]), view, WORKSTATION)
    assert c.layer("incidents").frame_key(c.cache.current.view) is None
    assert c.layer("incidents").frame_key(view) is not None      # not on screen, yet in the underlay
